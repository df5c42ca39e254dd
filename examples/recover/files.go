package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
)

// manifest describes what the students in a directory were trained on. The
// training stage writes it (DIR/students/run.json) and every stage checks
// that it sees the same, so that students of different runs or data are
// never clustered together. The clustering flags (-gamma, -beta-deg,
// -students) are not in it: the same students can be clustered again with
// other settings.
type manifest struct {
	Format     string `json:"format"`
	Activation string `json:"activation"`
	Layers     int    `json:"hidden_layers"`
	Widths     []int  `json:"student_widths"`
	Seed       uint64 `json:"seed"`
	Inputs     int    `json:"inputs"`
	Outputs    int    `json:"outputs"`
	Samples    int    `json:"samples"`
	DataSHA256 string `json:"data_sha256"`
}

const manifestFormat = "expandcluster/recover-students"

func (p *problem) manifest() manifest {
	return manifest{Format: manifestFormat, Activation: p.cfg.Activation.Name(), Layers: p.cfg.HiddenLayers, Widths: p.widths,
		Seed: p.cfg.Seed, Inputs: p.x.RawMatrix().Cols, Outputs: p.y.RawMatrix().Cols, Samples: p.x.RawMatrix().Rows, DataSHA256: p.digest}
}

func studentsDir(dir string) string { return filepath.Join(dir, "students") }

// checkManifest compares the directory's manifest with p's. If there is
// none and write is set, it writes p's.
func checkManifest(dir string, p *problem, write bool) error {
	path := filepath.Join(studentsDir(dir), "run.json")
	want := p.manifest()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !write {
			return nil
		}
		b, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			return err
		}
		// Concurrent tasks write identical contents; the rename is atomic.
		return writeAtomic(path, append(b, '\n'))
	}
	if err != nil {
		return err
	}
	var have manifest
	if err := json.Unmarshal(b, &have); err != nil || have.Format != manifestFormat {
		return &exitError{exitUsage, fmt.Errorf("%s: not a run description of this program (%v); use another -dir", path, err)}
	}
	var diffs []string
	diff := func(what string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			diffs = append(diffs, fmt.Sprintf("%s %v (here %v)", what, a, b))
		}
	}
	diff("activation", have.Activation, want.Activation)
	diff("hidden layers", have.Layers, want.Layers)
	diff("student widths", have.Widths, want.Widths)
	diff("seed", have.Seed, want.Seed)
	diff("inputs", have.Inputs, want.Inputs)
	diff("outputs", have.Outputs, want.Outputs)
	diff("samples", have.Samples, want.Samples)
	diff("data SHA-256", have.DataSHA256, want.DataSHA256)
	if len(diffs) > 0 {
		return &exitError{exitUsage, fmt.Errorf("%s holds students of another run: %s; use the flags and data of that run, or another -dir",
			studentsDir(dir), strings.Join(diffs, ", "))}
	}
	return nil
}

// writeAtomic writes b to path through a temporary file in the same
// directory and a rename, so that readers see the old file or the whole new
// one, never a part.
func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Failure markers record students whose training failed deterministically
// (diverged): Run drops such students and carries on, and so does the
// cluster stage. Training the same index again gives the same failure, so
// a marker counts as done for the students stage.

func failureName(i int) string {
	return strings.TrimSuffix(identify.CheckpointName(i), ".json") + ".failed"
}

func writeFailure(dir string, i int, cause error) error {
	return writeAtomic(filepath.Join(dir, failureName(i)), []byte(cause.Error()+"\n"))
}

// readFailures returns the indices in [0, n) with a failure marker in dir
// and their recorded causes.
func readFailures(dir string, n int) (map[int]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "student-*.failed"))
	if err != nil {
		return nil, err
	}
	out := map[int]string{}
	for _, name := range names {
		s := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(name), "student-"), ".failed")
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 || i >= n || filepath.Base(name) != failureName(i) {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out[i] = strings.TrimSpace(string(b))
	}
	return out, nil
}

// ranges formats sorted indices compactly for sbatch --array: 0-3,7,9-10.
func ranges(idx []int) string {
	idx = slices.Clone(idx)
	slices.Sort(idx)
	var parts []string
	for k := 0; k < len(idx); {
		j := k
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j == k {
			parts = append(parts, strconv.Itoa(idx[k]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[k], idx[j]))
		}
		k = j + 1
	}
	return strings.Join(parts, ",")
}

// saveNetwork writes a network as JSON, atomically.
func saveNetwork(path string, n *mlp.Network) error {
	var buf bytes.Buffer
	if err := n.Save(&buf); err != nil {
		return err
	}
	return writeAtomic(path, buf.Bytes())
}

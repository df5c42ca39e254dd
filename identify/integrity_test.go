package identify

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// savedStudent trains student 0 of a tiny run and saves it into dir,
// returning the file's path and bytes.
func savedStudent(t testing.TB, dir string) (string, []byte) {
	rng := rand.New(rand.NewPCG(3, 3))
	teacher := randomNet(t, []int{2, 2, 1}, mlp.Tanh, 1)
	x := gaussian(rng, 100, 2)
	y, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := TrainStudent(context.Background(), x, y, Config{Activation: mlp.Tanh, Widths: []int{3}, Students: 4, Restarts: -1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	path, err := cp.Save(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// Issue 15: a student file edited by hand (one weight changed) was accepted
// and reported with its old loss. Changing a weight, the loss or the
// network's own checksum is rejected with the file named.
func TestReadCheckpointRejectsChangedFile(t *testing.T) {
	dir := t.TempDir()
	path, good := savedStudent(t, dir)
	if _, err := ReadCheckpoint(path); err != nil {
		t.Fatalf("unchanged file rejected: %v", err)
	}
	edits := map[string]func(j map[string]any){
		"weight": func(j map[string]any) {
			p := j["network"].(map[string]any)["params"].([]any)
			p[0] = p[0].(float64) * 1.001
			// The network's own checksum is recomputed, as a careful
			// editor would: the file's checksum still catches it.
			j["network"].(map[string]any)["checksum"] = ""
			delete(j["network"].(map[string]any), "checksum")
			j["network"].(map[string]any)["version"] = 1
		},
		"loss":     func(j map[string]any) { j["loss"] = 1e-30 },
		"checksum": func(j map[string]any) { delete(j, "checksum") },
	}
	for name, edit := range edits {
		var j map[string]any
		if err := json.Unmarshal(good, &j); err != nil {
			t.Fatal(err)
		}
		edit(j)
		b, _ := json.Marshal(j)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadCheckpoint(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "checksum") {
			t.Errorf("%s changed: error %v, want a checksum error naming %s", name, err, path)
		}
	}
	// A weight changed in place (the network's checksum left stale) is
	// caught by the network's checksum.
	i := bytes.Index(good, []byte(`"params":[`)) + len(`"params":[`)
	changed := append(append(append([]byte{}, good[:i]...), '9'), good[i:]...)
	if err := os.WriteFile(path, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCheckpoint(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("weight edited in place: error %v", err)
	}
	// LoadCheckpoints reports the file and leaves the student out.
	cps, skipped, err := LoadCheckpoints(dir, Config{Activation: mlp.Tanh, Widths: []int{3}, Students: 4})
	if err != nil || len(cps) != 0 || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), filepath.Base(path)) {
		t.Errorf("LoadCheckpoints: %d loaded, skipped %v, err %v", len(cps), skipped, err)
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	_, good := savedStudent(f, f.TempDir())
	f.Add(good)
	f.Add([]byte(`{"format":"expandcluster/student","network":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, err := parseCheckpoint(b)
		if err != nil {
			return
		}
		if cp.Net == nil {
			t.Fatal("accepted a student without a network")
		}
		dir := t.TempDir()
		cp.Index = 0
		path, err := cp.Save(dir)
		if err != nil {
			t.Fatalf("cannot save what was read: %v", err)
		}
		if _, err := ReadCheckpoint(path); err != nil {
			t.Fatalf("cannot read back what was saved: %v", err)
		}
	})
}

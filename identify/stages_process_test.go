package identify_test

// Tests of the staged route as separate OS processes: the command-line
// front end (examples/recover) is built and run as a user or a Slurm job
// array would run it.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// buildRecover builds the recover command into a temporary directory.
func buildRecover(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the recover command as separate processes")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build examples/recover")
	}
	bin := filepath.Join(t.TempDir(), "recover")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/paramrecovery/expandcluster/examples/recover")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build examples/recover: %v\n%s", err, out)
	}
	return bin
}

// writeProblem draws a teacher and its data and writes the probe inputs and
// outputs as .npy files in dir.
func writeProblem(t *testing.T, dir string, sizes []int, act mlp.Activation, n int) (x, y *mat.Dense, flags []string) {
	t.Helper()
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: sizes, Hidden: act}, 11)
	if err != nil {
		t.Fatal(err)
	}
	x, err = synth.Gaussian{D: sizes[0]}.Sample(synth.NewRand(12), n)
	if err != nil {
		t.Fatal(err)
	}
	y, err = synth.Label(teacher, x)
	if err != nil {
		t.Fatal(err)
	}
	xp, yp := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := synth.WriteNPYFile(xp, synth.MatrixArray(x, synth.Float64)); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteNPYFile(yp, synth.MatrixArray(y, synth.Float64)); err != nil {
		t.Fatal(err)
	}
	return x, y, []string{"-x", xp, "-y", yp}
}

// recoverCmd runs the recover binary and returns its exit code and output.
func recoverCmd(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("recover %v: %v", args, err)
	}
	return code, o.String(), e.String()
}

func loadNetwork(t *testing.T, path string) *mlp.Network {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := mlp.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestShardedProcessesMatchRun trains 20 students in 4 separate processes
// (shards 0–3, five students each), clusters their files in a fifth and
// checks that the recovered network is bit-identical to one in-process
// RunData with the same configuration.
func TestShardedProcessesMatchRun(t *testing.T) {
	bin := buildRecover(t)
	dir := t.TempDir()
	x, y, data := writeProblem(t, dir, []int{2, 2, 1}, mlp.Tanh, 300)
	work := filepath.Join(dir, "work")
	flags := append(data, "-dir", work, "-act", "tanh", "-widths", "4", "-students", "20", "-seed", "7")
	// Gamma 0.8 and Beta π/24 (7.5°) are the defaults of both.
	cfg := identify.Config{Activation: mlp.Tanh, Widths: []int{4}, Students: 20, Seed: 7, Workers: 2}

	start := time.Now()
	want, err := identify.RunData(context.Background(), x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tRun := time.Since(start)

	start = time.Now()
	var wg sync.WaitGroup
	codes := make([]int, 4)
	errs := make([]string, 4)
	for k := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append([]string{"students", "-shard", fmt.Sprint(k), "-of", "4", "-workers", "1"}, flags...)
			cmd := exec.Command(bin, args...)
			var e bytes.Buffer
			cmd.Stderr = &e
			if err := cmd.Run(); err != nil {
				codes[k] = -1
				if ee, ok := err.(*exec.ExitError); ok {
					codes[k] = ee.ExitCode()
				}
			}
			errs[k] = e.String()
		}()
	}
	wg.Wait()
	for k := range 4 {
		if codes[k] != 0 {
			t.Fatalf("students -shard %d -of 4: exit %d\n%s", k, codes[k], errs[k])
		}
		if n := strings.Count(errs[k], "saved "); n != 5 {
			t.Errorf("shard %d saved %d students, want 5:\n%s", k, n, errs[k])
		}
	}
	tStudents := time.Since(start)

	start = time.Now()
	code, _, stderr := recoverCmd(t, bin, append([]string{"cluster", "-pictures", "none"}, flags...)...)
	if code != 0 {
		t.Fatalf("cluster: exit %d\n%s", code, stderr)
	}
	tCluster := time.Since(start)
	t.Logf("in-process RunData %v; 4 student processes %v; cluster process %v", tRun.Round(time.Millisecond),
		tStudents.Round(time.Millisecond), tCluster.Round(time.Millisecond))

	cps, skipped, err := identify.LoadCheckpoints(filepath.Join(work, "students"), cfg)
	if err != nil || len(skipped) > 0 || len(cps) != 20 {
		t.Fatalf("student files: %d loaded, skipped %v, err %v", len(cps), skipped, err)
	}
	for i, cp := range cps {
		if math.Float64bits(cp.Loss) != math.Float64bits(want.StudentLosses[i]) {
			t.Errorf("student %d: loss %v from its process, %v in RunData", i, cp.Loss, want.StudentLosses[i])
		}
	}
	got := loadNetwork(t, filepath.Join(work, "recovered.json"))
	if !equalBits(got.Params(), want.Network.Params()) {
		t.Fatalf("recovered networks differ: processes %v %v, RunData %v %v", got.Sizes(), got.Params(), want.Network.Sizes(), want.Network.Params())
	}
	t.Logf("recovered widths %v bit-identical to RunData (%d parameters)", want.Widths, len(got.Params()))
}

// TestKilledStudentProcess kills a student process in the middle of its
// training: no file that the clustering accepts may be left behind, the
// cluster stage must report the index as missing (exit code 3), and running
// the index again must complete the set.
func TestKilledStudentProcess(t *testing.T) {
	bin := buildRecover(t)
	dir := t.TempDir()
	// A student that trains for a while (about a second), so that the kill
	// lands mid-training.
	x, y, data := writeProblem(t, dir, []int{4, 4, 1}, mlp.G, 1000)
	work := filepath.Join(dir, "work")
	students := filepath.Join(work, "students")
	flags := append(data, "-dir", work, "-act", "g", "-widths", "16", "-students", "3", "-seed", "3")
	cfg := identify.Config{Activation: mlp.G, Widths: []int{16}, Students: 3, Seed: 3}

	if code, _, stderr := recoverCmd(t, bin, append([]string{"students", "-shard", "0", "-of", "2"}, flags...)...); code != 0 {
		t.Fatalf("students -shard 0 -of 2: exit %d\n%s", code, stderr)
	}

	// Student 1: kill the process after its first progress line.
	cmd := exec.Command(bin, append([]string{"students", "-index", "1", "-v"}, flags...)...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(pipe)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.HasPrefix(sc.Text(), "student 1  ") { // a progress line of train.Printer
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("student 1 was not killed mid-training (wait: %v); its output:\n%s", err, strings.Join(seen, "\n"))
	}

	// Whatever the kill left (at most a temporary file), it is not a
	// student.
	if _, err := os.Stat(filepath.Join(students, identify.CheckpointName(1))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("killed student left %s (stat: %v)", identify.CheckpointName(1), err)
	}
	cps, skipped, err := identify.LoadCheckpoints(students, cfg)
	if err != nil || len(skipped) > 0 {
		t.Fatalf("after the kill: skipped %v, err %v", skipped, err)
	}
	if m := identify.Missing(cps, cfg.Students); len(m) != 1 || m[0] != 1 {
		t.Fatalf("after the kill: missing %v, want [1]", m)
	}
	code, _, stderr := recoverCmd(t, bin, append([]string{"cluster", "-pictures", "none"}, flags...)...)
	if code != 3 || !strings.Contains(stderr, "missing: 1") {
		t.Fatalf("cluster with student 1 missing: exit %d (want 3)\n%s", code, stderr)
	}

	// Running the index again completes the set; rerunning a finished
	// index does nothing.
	if code, _, stderr := recoverCmd(t, bin, append([]string{"students", "-index", "1"}, flags...)...); code != 0 {
		t.Fatalf("students -index 1 again: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := recoverCmd(t, bin, append([]string{"students", "-shard", "1", "-of", "2"}, flags...)...); code != 0 || !strings.Contains(stderr, "already trained") {
		t.Fatalf("students -shard 1 -of 2 after the rerun: exit %d, want a skip\n%s", code, stderr)
	}
	cps, skipped, err = identify.LoadCheckpoints(students, cfg)
	if err != nil || len(skipped) > 0 || len(cps) != 3 {
		t.Fatalf("after the rerun: %d students, skipped %v, err %v", len(cps), skipped, err)
	}
	want, err := identify.TrainStudent(context.Background(), x, y, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !equalBits(cps[1].Net.Params(), want.Net.Params()) {
		t.Fatal("student 1 trained again in its own process differs from TrainStudent(1)")
	}
	if code, _, stderr := recoverCmd(t, bin, append([]string{"cluster", "-pictures", "none"}, flags...)...); code != 0 {
		t.Fatalf("cluster after the rerun: exit %d\n%s", code, stderr)
	}
}

package deepstitch

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
)

// TestTrainStudentsResumes trains two small students into a directory,
// checks that a second call reads both back unchanged instead of training
// (its time limit is too short to train anything), that a directory of
// students trained otherwise is refused (by its record, by the students'
// sizes without it, and students with no record by a run bounded by
// steps), and that impossible settings are an error, not a panic.
func TestTrainStudentsResumes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	_, x, y := noisyTeacher(t, rng, 3, 2, 1)
	dir := t.TempDir()
	spec := StudentSpec{Hidden: 1, Width: 4, N: 2, Limit: 300 * time.Millisecond, Dir: dir}
	first, err := TrainStudents(context.Background(), x, y, mlp.Tanh, spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.Limit = time.Nanosecond
	again, err := TrainStudents(context.Background(), x, y, mlp.Tanh, spec)
	if err != nil {
		t.Fatal(err)
	}
	for i := range first {
		a, b := first[i].Params(), again[i].Params()
		for j := range a {
			if a[j] != b[j] {
				t.Fatalf("student %d read back with parameter %d %g, trained %g", i, j, b[j], a[j])
			}
		}
	}
	spec.Hidden = 2
	if _, err := TrainStudents(context.Background(), x, y, mlp.Tanh, spec); err == nil || !strings.Contains(err.Error(), "trained with") {
		t.Errorf("students of one hidden layer offered for two-layer ones: error %v, want the directory's record refusing them", err)
	}
	// Without the record, the students' own sizes still refuse them.
	if err := os.Remove(filepath.Join(dir, manifestName)); err != nil {
		t.Fatal(err)
	}
	if _, err := TrainStudents(context.Background(), x, y, mlp.Tanh, spec); err == nil || !strings.Contains(err.Error(), "sizes") {
		t.Errorf("students of one hidden layer read as two-layer ones: error %v", err)
	}
	// Nor are students with no record handed to a run bounded by steps.
	spec.Hidden, spec.Steps = 1, 10
	if err := os.Remove(filepath.Join(dir, manifestName)); err != nil {
		t.Fatal(err)
	}
	if _, err := TrainStudents(context.Background(), x, y, mlp.Tanh, spec); err == nil || !strings.Contains(err.Error(), "no record") {
		t.Errorf("students bounded by time handed to a run bounded by steps: error %v", err)
	}
	if _, err := TrainStudents(context.Background(), x, y, mlp.Tanh, StudentSpec{Hidden: 1, Width: 0, N: 2, Limit: time.Second}); err == nil {
		t.Error("width 0 accepted")
	}
	if _, err := os.Stat(StudentPath(dir, 2)); err == nil {
		t.Error("a third student written for N = 2")
	}
}

// TestTrainStudentsStopped checks that a cancelled context trains and
// writes nothing and says so.
func TestTrainStudentsStopped(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	_, x, y := noisyTeacher(t, rng, 3, 2, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	_, err := TrainStudents(ctx, x, y, mlp.Tanh, StudentSpec{Hidden: 1, Width: 4, N: 2, Limit: time.Second, Dir: dir})
	if err == nil {
		t.Fatal("no error from a cancelled run")
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "student-*")); len(files) != 0 {
		t.Errorf("a cancelled run wrote %d students", len(files))
	}
}

// TestTrainStudentsSeed checks that the seed reaches the students: another
// seed, other students; the same seed and one worker or two, the same
// (the stop is by patience, not time, so the runs are comparable).
func TestTrainStudentsSeed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	_, x, y := noisyTeacher(t, rng, 3, 2, 1)
	first := func(seed uint64, workers int) []float64 {
		nets, err := TrainStudents(context.Background(), x, y, mlp.Tanh,
			StudentSpec{Hidden: 1, Width: 4, N: 2, Limit: time.Hour, Patience: 3, Seed: seed, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return append(nets[0].Params(), nets[1].Params()...)
	}
	a, b, c := first(1, 2), first(2, 2), first(1, 1)
	same := func(u, v []float64) bool {
		for i := range u {
			if u[i] != v[i] {
				return false
			}
		}
		return true
	}
	if same(a, b) {
		t.Error("seeds 1 and 2 gave the same students")
	}
	if !same(a, c) {
		t.Error("seed 1 gave other students with one worker than with two")
	}
}

package deepstitch

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
)

// TestTrainStudentsResumes trains two small students into a directory,
// checks that a second call reads both back unchanged instead of training
// (its time limit is too short to train anything), that a directory of
// students of other sizes is refused, and that impossible settings are an
// error, not a panic.
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
	if _, err := TrainStudents(context.Background(), x, y, mlp.Tanh, spec); err == nil || !strings.Contains(err.Error(), "sizes") {
		t.Errorf("students of one hidden layer read as two-layer ones: error %v", err)
	}
	if _, err := TrainStudents(context.Background(), x, y, mlp.Tanh, StudentSpec{Hidden: 1, Width: 0, N: 2, Limit: time.Second}); err == nil {
		t.Error("width 0 accepted")
	}
	if _, err := os.Stat(abovePath(dir, 2)); err == nil {
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
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("a cancelled run wrote %d files", len(files))
	}
}

package identify

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

func TestStagesMatchRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains students twice")
	}
	rng := rand.New(rand.NewPCG(5, 5))
	teacher := randomNet(t, []int{2, 2, 1}, mlp.Tanh, 3)
	x := gaussian(rng, 400, 2)
	y, _ := teacher.Predict(x)
	cfg := Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 6, Seed: 9, Workers: 2}
	want, err := RunData(context.Background(), x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := 0; i < cfg.Students; i++ {
		cp, err := TrainStudent(context.Background(), x, y, cfg, i)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cp.Save(dir); err != nil {
			t.Fatal(err)
		}
	}
	// Debris of an interrupted write and a corrupt file must not count.
	if err := os.WriteFile(filepath.Join(dir, ".tmp-student-00007.json-123"), []byte(`{"format":`), 0o644); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, CheckpointName(5)))
	if err := os.WriteFile(filepath.Join(dir, CheckpointName(5)), good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	cps, skipped, err := LoadCheckpoints(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 5 || len(skipped) != 1 {
		t.Fatalf("loaded %d, skipped %d (%v); want 5 and the truncated one", len(cps), len(skipped), skipped)
	}
	if m := Missing(cps, cfg.Students); len(m) != 1 || m[0] != 5 {
		t.Fatalf("missing %v, want [5]", m)
	}
	// Rerunning the missing index completes the set.
	cp, err := TrainStudent(context.Background(), x, y, cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cp.Save(dir); err != nil {
		t.Fatal(err)
	}
	cps, skipped, _ = LoadCheckpoints(dir, cfg)
	if len(cps) != 6 || len(skipped) != 0 {
		t.Fatalf("after rerun: loaded %d, skipped %v", len(cps), skipped)
	}
	got, err := Recover(context.Background(), x, y, cps, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range want.StudentLosses {
		if math.Float64bits(l) != math.Float64bits(got.StudentLosses[i]) {
			t.Fatalf("student %d: loss %v in Run, %v staged", i, l, got.StudentLosses[i])
		}
	}
	if !sameBits(want.Network.Params(), got.Network.Params()) {
		t.Fatalf("recovered networks differ: %v vs %v", want.Widths, got.Widths)
	}
}

func sameBits(a, b []float64) bool {
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

func TestRunSameForAnyWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("trains students twice")
	}
	rng := rand.New(rand.NewPCG(6, 6))
	teacher := randomNet(t, []int{2, 2, 1}, mlp.G, 4)
	x := gaussian(rng, 300, 2)
	var first *Result
	for _, w := range []int{1, 3} {
		res, err := Run(context.Background(), teacher, x, Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, Students: 5, Seed: 2, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			continue
		}
		if !sameBits(first.StudentLosses, res.StudentLosses) || !sameBits(first.Network.Params(), res.Network.Params()) {
			t.Errorf("workers=%d gives a different result", w)
		}
	}
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
)

// TestTrainStudentsResumes checks that students are saved as they end and
// that a second call trains only the ones missing.
func TestTrainStudentsResumes(t *testing.T) {
	p, err := synth.FamilyProblem("din2-r2-t00", synth.FamilyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, y, _, _, err := p.Data()
	if err != nil {
		t.Fatal(err)
	}
	cfg := identify.Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, Students: 3, Seed: 7,
		Train: train.Config{Phases: []train.Phase{{Name: "lm", Optimizer: &train.LM{}, Stop: train.StopRules{MaxIter: 5}}}}}
	dir := t.TempDir()
	cps, loaded, err := trainStudents(context.Background(), x, y, cfg, dir, 2)
	if err != nil || len(cps) != 3 || loaded != 0 {
		t.Fatalf("first call: %d students, %v loaded, %v; want 3 trained", len(cps), loaded, err)
	}
	if err := os.Remove(filepath.Join(dir, identify.CheckpointName(1))); err != nil {
		t.Fatal(err)
	}
	again, loaded, err := trainStudents(context.Background(), x, y, cfg, dir, 2)
	if err != nil || len(again) != 3 || loaded <= 0 {
		t.Fatalf("second call: %d students, %v loaded, %v; want 2 loaded and 1 trained", len(again), loaded, err)
	}
	for _, cp := range again {
		want := cps[0]
		for _, c := range cps {
			if c.Index == cp.Index {
				want = c
			}
		}
		// Loaded or retrained, every student is the one the first call
		// trained: same seed, same index, same weights.
		if cp.Loss != want.Loss {
			t.Errorf("student %d: loss %v, first call %v", cp.Index, cp.Loss, want.Loss)
		}
	}
}

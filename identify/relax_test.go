package identify

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// TestRelaxedFilterKeepsSmallCluster: in a deep run a neuron that only
// seven of ten students hold is dropped at ⌈γN⌉ = 8 (too few students)
// and kept when the filters' minimum size is 7 (relaxTop's
// filterMinSize), with the same cut; the other neurons are kept either
// way.
func TestRelaxedFilterKeepsSmallCluster(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	teacher := randomNet(t, []int{4, 4, 2}, mlp.Tanh, 21)
	students := perfectStudents(t, teacher, 10, 14, rng)
	for k := 7; k < 10; k++ {
		// Three students lack teacher neuron 0: its copies are silenced.
		S, O := students[k].net.Layer(0), students[k].net.Layer(1)
		for j := 0; j < S.Out; j++ {
			if parallel(S.W.RawRowView(j), teacher.Layer(0).W.RawRowView(0)) {
				for o := 0; o < O.Out; o++ {
					O.W.Set(o, j, 0)
				}
			}
		}
	}
	for _, tc := range []struct {
		filterMinSize, wantKept int
	}{{0, 3}, {7, 4}} {
		cfg, err := Config{Activation: mlp.Tanh, HiddenLayers: 2, Widths: []int{14, 4}, Students: 10, Gamma: 0.8}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		cfg.filterMinSize = tc.filterMinSize
		col, err := clusterLayer(students, 0, &cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if col.report.Kept != tc.wantKept {
			t.Errorf("filter minimum size %d: kept %d neurons, want %d (report %+v)", tc.filterMinSize, col.report.Kept, tc.wantKept, col.report.Flat)
		}
	}
}

// TestRunRelaxesTopLayer: on the deep family's sigmoid 4→3→5→1 teacher
// with standard normal weights (synth.DeepProblem.StandardSigmoid), a
// top neuron the probes pin down weakly is held within 1e-6 by too few of
// the ten students for ⌈γN⌉ = 8, and the network assembled without it
// stops near 3e-12; relaxTop clusters the polished students again with
// clusters of seven and the run is exact.
func TestRunRelaxesTopLayer(t *testing.T) {
	if testing.Short() {
		t.Skip("trains deep students (about 25 s of CPU)")
	}
	p := deepFamilyProblem(t, "deep-sigmoid-4x3x5x1")
	p.StandardSigmoid = true // the draw whose top neuron is weakly pinned down
	res := runFamilyExact(t, p, 0)
	if len(res.Layers) != 2 || !res.Layers[1].Relaxed || res.Layers[1].MinSize >= 8 {
		t.Errorf("layer reports %+v: want the top layer relaxed below ⌈γN⌉ = 8", res.Layers)
	}
	if !strings.Contains(res.Verdict(), "clustered again over the polished students") {
		t.Errorf("verdict does not say the top layer was relaxed:\n%s", res.Verdict())
	}
}

// TestDropAffineOnProbes checks that a relaxed clustering of a
// piecewise-linear layer loses the neurons active on every probe (a
// linear pass-through on them) and keeps the rest, and that a smooth
// activation's clustering is left alone.
func TestDropAffineOnProbes(t *testing.T) {
	x, err := synth.Gaussian{D: 2}.Sample(synth.NewRand(5), 300)
	if err != nil {
		t.Fatal(err)
	}
	build := func() *collapsed {
		// Neuron 0 has its kink through the probes; neuron 1's bias keeps
		// it active on all of them.
		in := mat.NewDense(2, 3, []float64{1, -0.5, 0.1, 1, 1, 20})
		return &collapsed{in: in, rep: []int{0, 0}, report: LayerReport{Kept: 2}}
	}
	col := build()
	if err := dropAffineOnProbes(x, nil, col, &Config{Activation: mlp.ReLU}); err != nil {
		t.Fatal(err)
	}
	if col.report.Kept != 1 || col.report.RemovedNearAffine != 1 || col.in.At(0, 2) != 0.1 {
		t.Errorf("ReLU: kept %d (removed %d), first neuron's bias %v; want the kinked neuron alone", col.report.Kept, col.report.RemovedNearAffine, col.in.At(0, 2))
	}
	col = build()
	if err := dropAffineOnProbes(x, nil, col, &Config{Activation: mlp.Tanh}); err != nil {
		t.Fatal(err)
	}
	if col.report.Kept != 2 {
		t.Errorf("tanh: kept %d of 2", col.report.Kept)
	}
}

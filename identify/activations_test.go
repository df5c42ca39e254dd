package identify

import (
	"context"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

// TestRunRecoversEachActivation recovers small teachers (d_in = 4, r = 3)
// of every symmetry class end to end: exact width, every neuron within
// cosine distance 1e-4.
func TestRunRecoversEachActivation(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 10 students per activation")
	}
	for _, act := range []mlp.Activation{mlp.G, mlp.Tanh, mlp.Sigmoid, mlp.Softplus, mlp.GELU, mlp.ReLU} {
		t.Run(act.Name(), func(t *testing.T) {
			teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{4, 3, 1}, Hidden: act}, 3)
			if err != nil {
				t.Fatal(err)
			}
			rng := synth.NewRand(4)
			x, _ := synth.Gaussian{D: 4}.Sample(rng, 1000)
			fresh, _ := synth.Gaussian{D: 4}.Sample(rng, 2000)
			res, err := Run(context.Background(), teacher, x, Config{Activation: act, BaseWidth: 3, Rho: 4, Students: 10, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Compare(teacher, res.Network, fresh)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Exact(1e-4) {
				t.Errorf("widths %v, student losses %.1e, layer %+v\n%v", res.Widths, res.StudentLosses, summary(res.Layers[0]), rep)
			} else {
				t.Logf("widths %v, %v, %v", res.Widths, rep, res.Timings.Total)
			}
		})
	}
}

// summary is a LayerReport without the bulky fields, for test logs.
func summary(l LayerReport) LayerReport {
	l.Points, l.Owner, l.Tree, l.Labels, l.Flat = nil, nil, nil, nil, nil
	return l
}

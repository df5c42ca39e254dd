package synth

import (
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

func TestDeepFamilyShape(t *testing.T) {
	ps := DeepFamily(DeepFamilyOptions{})
	if len(ps) != DeepFamilySize || len(ps) < 60 {
		t.Fatalf("%d problems, DeepFamilySize %d, want ≥ 60", len(ps), DeepFamilySize)
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name] {
			t.Errorf("name %s twice", p.Name)
		}
		seen[p.Name] = true
		if d := len(p.Hidden()); d != 2 && d != 3 {
			t.Errorf("%s: %d hidden layers", p.Name, d)
		}
		q, err := DeepFamilyProblem(p.Name, DeepFamilyOptions{})
		if err != nil || q.Seed != p.Seed {
			t.Errorf("DeepFamilyProblem(%s) = %v, %v", p.Name, q, err)
		}
	}
	if got := DeepFamily(DeepFamilyOptions{Activations: []string{"tanh"}, HiddenLayers: []int{3}}); len(got) != 3 {
		t.Errorf("tanh, three hidden layers: %d problems, want 3", len(got))
	}
	if _, err := DeepFamilyProblem("deep-tanh-1x1x1x1", DeepFamilyOptions{}); err == nil {
		t.Error("unknown name accepted")
	}
}

// TestDeepFamilyGolden pins the teachers and first inputs of some deep
// family problems (rerun with -update to accept a deliberate change).
func TestDeepFamilyGolden(t *testing.T) {
	var b strings.Builder
	for _, name := range []string{"deep-tanh-4x5x3x1", "deep-g-8x6x3x3", "deep-relu-6x3x5x3x2"} {
		p, err := DeepFamilyProblem(name, DeepFamilyOptions{Samples: 2, TestSamples: 1})
		if err != nil {
			t.Fatal(err)
		}
		net, d, err := p.Dataset()
		if err != nil {
			t.Fatal(err)
		}
		writeGoldenEntry(&b, p.Name, p.Seed, net, d)
	}
	checkGolden(t, "deepfamily-golden.txt", "deep family teachers or inputs", b.String())
}

// TestDeepFamilyPiecewiseLinearTeachersHaveKinks: every ReLU and leaky
// ReLU teacher of the deep family has each hidden neuron's kink inside
// its training inputs (AffineNeurons finds none), and AffineNeurons does
// find a neuron made dead by a large negative bias.
func TestDeepFamilyPiecewiseLinearTeachersHaveKinks(t *testing.T) {
	ps := DeepFamily(DeepFamilyOptions{Activations: []string{"relu", "leakyrelu(0.01)"}})
	if len(ps) == 0 {
		t.Fatal("no ReLU problems")
	}
	for _, p := range ps {
		net, d, err := p.Dataset()
		if err != nil {
			t.Fatal(err)
		}
		if a, err := mlp.AffineNeurons(net, d.X, MinKinkFraction); err != nil || len(a) > 0 {
			t.Errorf("%s: affine neurons %+v (err %v)", p.Name, a, err)
		}
	}
	net, d, err := ps[0].Dataset()
	if err != nil {
		t.Fatal(err)
	}
	net.Layer(1).B[2] = -1e3
	a, err := mlp.AffineNeurons(net, d.X, MinKinkFraction)
	if err != nil || len(a) != 1 || a[0].Layer != 1 || a[0].Neuron != 2 || a[0].Minority != 0 {
		t.Errorf("dead neuron (layer 1, neuron 2): got %+v, err %v", a, err)
	}
	tanh, d, err := DeepFamily(DeepFamilyOptions{Activations: []string{"tanh"}})[0].Dataset()
	if err != nil {
		t.Fatal(err)
	}
	if a, err := mlp.AffineNeurons(tanh, d.X, MinKinkFraction); a != nil || err != nil {
		t.Errorf("tanh teacher: %+v, %v; want nil (not piecewise linear)", a, err)
	}
}

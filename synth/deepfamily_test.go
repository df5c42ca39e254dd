package synth

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
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
	for _, name := range []string{"deep-tanh-4x5x3x1", "deep-g-8x6x3x3", "deep-relu-6x3x5x3x2", "deep-sigmoid-5x2x4x1"} {
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

// TestSigmoidFromTanh: the sigmoid form of a tanh network computes the
// same outputs, for one and three hidden layers, and networks it cannot
// convert are refused with the reason.
func TestSigmoidFromTanh(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, err := (Gaussian{D: 5}).Sample(rng, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, sizes := range [][]int{{5, 3, 2}, {5, 4, 3, 2, 1}} {
		tanh, err := RandomTeacher(TeacherConfig{Sizes: sizes, Hidden: mlp.Tanh}, rng)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := SigmoidFromTanh(tanh)
		if err != nil {
			t.Fatal(err)
		}
		for l := 0; l < sig.NumLayers()-1; l++ {
			if sig.Layer(l).Act != mlp.Sigmoid {
				t.Errorf("%v: layer %d is %s", sizes, l+1, sig.Layer(l).Act.Name())
			}
		}
		var ws mlp.Workspace
		var want, got mat.Dense
		if err := tanh.Forward(&ws, &want, x); err != nil {
			t.Fatal(err)
		}
		if err := sig.Forward(&ws, &got, x); err != nil {
			t.Fatal(err)
		}
		if !mat.EqualApprox(&got, &want, 1e-12) {
			t.Errorf("%v: sigmoid form differs from the tanh network by up to %g", sizes, maxAbsDiff(&got, &want))
		}
	}
	for _, c := range []struct {
		spec mlp.Spec
		want string
	}{
		{mlp.Spec{Sizes: []int{3, 2, 1}, Hidden: mlp.Sigmoid}, "hidden layer 1 is sigmoid"},
		{mlp.Spec{Sizes: []int{3, 2, 1}, Hidden: mlp.Tanh, NoBias: true}, "no bias"},
		{mlp.Spec{Sizes: []int{3, 1}, Hidden: mlp.Tanh}, "no hidden layer"},
		{mlp.Spec{Sizes: []int{3, 2, 1}, Hidden: mlp.Tanh, Skip: true}, "skip path"},
	} {
		net, err := mlp.New(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := SigmoidFromTanh(net); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.spec, err, c.want)
		}
	}
}

// TestDeepFamilySigmoidTeachersAreNonlinear: every hidden neuron of every
// sigmoid teacher of the deep family is at least 1e-4 away from affine on
// its training inputs (the fraction of its output's variance that no
// affine function of its pre-activation explains). Sigmoid teachers drawn
// with standard normal weights had neurons down to 3e-6; the tanh
// teachers' least is 4e-3.
func TestDeepFamilySigmoidTeachersAreNonlinear(t *testing.T) {
	for _, p := range DeepFamily(DeepFamilyOptions{Activations: []string{"sigmoid"}, TestSamples: -1}) {
		net, d, err := p.Dataset()
		if err != nil {
			t.Fatal(err)
		}
		l, j, frac := leastNonlinearNeuron(net, d.X)
		if frac < 1e-4 {
			t.Errorf("%s: layer %d neuron %d is affine on its inputs up to %.2g of its variance", p.Name, l+1, j, frac)
		}
	}
	// The earlier draw, kept for reproducing old sweeps, is the one that
	// fails.
	p, err := DeepFamilyProblem("deep-sigmoid-6x3x5x3x2", DeepFamilyOptions{StandardSigmoid: true, TestSamples: -1})
	if err != nil {
		t.Fatal(err)
	}
	net, d, err := p.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	if l, j, frac := leastNonlinearNeuron(net, d.X); frac > 1e-5 {
		t.Errorf("standard normal sigmoid 6→3→5→3→2: least nonlinear neuron (layer %d, %d) at %.2g, want the old draw's 3e-6", l+1, j, frac)
	}
}

// leastNonlinearNeuron returns the hidden neuron of net whose output on
// the rows of x is closest to an affine function of its pre-activation,
// and that closeness: 1 − R² of the least-squares line through
// (pre-activation, output).
func leastNonlinearNeuron(net *mlp.Network, x *mat.Dense) (layer, neuron int, frac float64) {
	frac = math.Inf(1)
	h := x
	for l := 0; l < net.NumLayers()-1; l++ {
		L := net.Layer(l)
		z := new(mat.Dense)
		z.Mul(h, L.W.T())
		out := mat.DenseCopyOf(z)
		rows, _ := z.Dims()
		for j := 0; j < L.Out; j++ {
			for i := 0; i < rows; i++ {
				v := z.At(i, j) + L.B[j]
				z.Set(i, j, v)
				out.Set(i, j, L.Act.Eval(v))
			}
			r := stat.Correlation(mat.Col(nil, j, z), mat.Col(nil, j, out), nil)
			if f := 1 - r*r; f < frac {
				layer, neuron, frac = l, j, f
			}
		}
		h = out
	}
	return layer, neuron, frac
}

func maxAbsDiff(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return math.Max(mat.Max(&d), -mat.Min(&d))
}

package identify

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// symmetricCopy returns a network computing what the one-hidden-layer n
// computes, with the hidden neurons permuted by perm, neuron j flipped
// (flip[j]) with the compensation the activation allows and scaled by
// scale[j] (positively homogeneous activations only). Even+linear flips
// put their linear term into a skip path, which the copy always has for
// those classes.
func symmetricCopy(t *testing.T, n *mlp.Network, perm []int, flip []bool, scale []float64) *mlp.Network {
	t.Helper()
	act := n.Layer(0).Act
	sym := act.Symmetry()
	even := sym == mlp.EvenLinear || sym == mlp.EvenLinearPosScale
	m, err := mlp.New(mlp.Spec{Sizes: n.Sizes(), Hidden: act, Skip: even})
	if err != nil {
		t.Fatal(err)
	}
	L, O := n.Layer(0), n.Layer(1)
	M, P := m.Layer(0), m.Layer(1)
	copy(P.B, O.B)
	c, k := 2*act.Eval(0), act.Eval(1)-act.Eval(-1)
	for j, src := range perm {
		s := scale[j]
		if flip[j] {
			s = -s
		}
		for q := 0; q < L.In; q++ {
			M.W.Set(j, q, s*L.W.At(src, q))
		}
		M.B[j] = s * L.B[src]
		for o := 0; o < O.Out; o++ {
			a := O.W.At(o, src)
			switch {
			case !flip[j]:
				P.W.Set(o, j, a/scale[j])
			case sym == mlp.Odd:
				P.W.Set(o, j, -a)
			case sym == mlp.OddConstant: // a·σ(z) = a·c − a·σ(−z)
				P.W.Set(o, j, -a)
				P.B[o] += a * c
			case even: // a·σ(z) = (a/s')·σ(−s'z) + a·k·z
				P.W.Set(o, j, a/scale[j])
				for q := 0; q < L.In; q++ {
					m.Skip().Set(o, q, m.Skip().At(o, q)+a*k*L.W.At(src, q))
				}
				P.B[o] += a * k * L.B[src]
			default:
				t.Fatalf("%s cannot be flipped", act.Name())
			}
		}
	}
	return m
}

func TestWeightErrorUndoesSymmetriesAndMeasuresPerturbation(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	fresh := gaussian(rng, 500, 3)
	perm := []int{2, 0, 3, 1}
	cases := []struct {
		act   mlp.Activation
		flip  []bool
		scale []float64
	}{
		{mlp.G, []bool{false, false, false, false}, []float64{1, 1, 1, 1}},
		{mlp.Tanh, []bool{true, false, true, false}, []float64{1, 1, 1, 1}},
		{mlp.Sigmoid, []bool{false, true, true, false}, []float64{1, 1, 1, 1}},
		{mlp.Softplus, []bool{true, false, false, true}, []float64{1, 1, 1, 1}},
		{mlp.ReLU, []bool{true, false, false, true}, []float64{2, 1, 0.5, 3}},
	}
	for _, c := range cases {
		teacher := randomNet(t, []int{3, 4, 2}, c.act, 21)
		rec := symmetricCopy(t, teacher, perm, c.flip, c.scale)
		rep, err := WeightError(teacher, rec, fresh)
		if err != nil {
			t.Fatal(err)
		}
		if rep.MaxOutputError > 1e-13 {
			t.Fatalf("%s: the symmetric copy computes something else (output error %g)", c.act.Name(), rep.MaxOutputError)
		}
		if rep.MaxAbs > 1e-13 || rep.Bits < 43 {
			t.Errorf("%s: equivalent network has weight error %g:\n%v", c.act.Name(), rep.MaxAbs, rep)
		}
		wantLayers := 2
		if rec.Skip() != nil {
			wantLayers = 3
		}
		if len(rep.Layers) != wantLayers || rep.Queries != 500 {
			t.Errorf("%s: %d layer entries over %d queries", c.act.Name(), len(rep.Layers), rep.Queries)
		}
		// A known perturbation of 2^-20 of the recovered neuron 1 (teacher
		// neuron 0, unflipped, scale 1) shows up as exactly 2^-20 in
		// layer 1, and in no other layer.
		delta := math.Ldexp(1, -20)
		bad := rec.Clone()
		bad.Layer(0).W.Set(1, 2, bad.Layer(0).W.At(1, 2)+delta)
		rep, err = WeightError(teacher, bad, fresh)
		if err != nil {
			t.Fatal(err)
		}
		// For positively homogeneous activations the neuron's scale is
		// estimated from its norm, which the perturbation changes too: the
		// error spreads over the neuron's parameters and its outgoing
		// weights, within a factor 2.
		tol := 1e-6
		if c.act.Symmetry() == mlp.EvenLinearPosScale {
			tol = 1
		}
		if math.Abs(rep.Bits-20) > tol || math.Abs(rep.Layers[0].Bits-20) > tol {
			t.Errorf("%s: perturbation 2^-20 reported as 2^-%.6f (layer 1: 2^-%.6f)", c.act.Name(), rep.Bits, rep.Layers[0].Bits)
		}
		if rep.Layers[1].MaxAbs > 1e-13 && tol < 1 {
			t.Errorf("%s: output layer error %g from a first-layer perturbation", c.act.Name(), rep.Layers[1].MaxAbs)
		}
		if !(rep.MaxOutputError > 0) {
			t.Errorf("%s: perturbed network has no output error", c.act.Name())
		}
		// Output bias off by 2^-30.
		bad = rec.Clone()
		bad.Layer(1).B[1] += math.Ldexp(1, -30)
		rep, _ = WeightError(teacher, bad, fresh)
		if math.Abs(rep.Layers[1].Bits-30) > 1e-3 || math.Abs(rep.Layers[1].MaxAbsBias-math.Ldexp(1, -30)) > 1e-14 {
			t.Errorf("%s: output bias error 2^-30 reported as %g (2^-%.3f)", c.act.Name(), rep.Layers[1].MaxAbsBias, rep.Layers[1].Bits)
		}
		if math.Abs(rep.MaxOutputError-math.Ldexp(1, -30)) > 1e-13 {
			t.Errorf("%s: output error %g, want 2^-30", c.act.Name(), rep.MaxOutputError)
		}
	}
}

func TestAlignDeepAndRejects(t *testing.T) {
	teacher := randomNet(t, []int{3, 4, 5, 2}, mlp.Tanh, 11)
	rec := permuteFlip(teacher, 0, []int{2, 0, 3, 1}, []bool{true, false, true, false}, []float64{1, 1, 1, 1})
	rec = permuteFlip(rec, 1, []int{4, 3, 0, 1, 2}, []bool{false, true, false, true, false}, []float64{1, 1, 1, 1, 1})
	rep, err := WeightError(teacher, rec, gaussian(rand.New(rand.NewPCG(1, 1)), 100, 3))
	if err != nil {
		t.Fatal(err)
	}
	if rep.MaxAbs > 1e-13 || len(rep.Layers) != 3 {
		t.Errorf("deep equivalent network: %v", rep)
	}
	if _, err := Align(teacher, randomNet(t, []int{3, 5, 5, 2}, mlp.Tanh, 1)); err == nil {
		t.Error("different widths accepted")
	}
	if _, err := Align(nil, teacher); err == nil {
		t.Error("nil teacher accepted")
	}
	if _, err := WeightError(teacher, rec, &mat.Dense{}); err == nil {
		t.Error("no fresh inputs accepted")
	}
	if Bits2(0) != math.Inf(1) || Bits2(0.25) != 2 {
		t.Error("Bits2")
	}
}

package identify

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

func gaussian(rng *rand.Rand, n, d int) *mat.Dense {
	x := mat.NewDense(n, d, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.NormFloat64()
	}
	return x
}

func randomNet(t testing.TB, sizes []int, act mlp.Activation, seed uint64) *mlp.Network {
	t.Helper()
	n, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: act})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range n.Params() {
		n.Params()[i] = rng.NormFloat64()
	}
	return n
}

// permuteFlip returns a network computing the same function as n, with
// layer l's neurons permuted, some flipped (with the compensation their
// activation allows) and, for positively homogeneous activations, rescaled.
func permuteFlip(n *mlp.Network, l int, perm []int, flip []bool, scale []float64) *mlp.Network {
	m := n.Clone()
	L, Ln := n.Layer(l), n.Layer(l+1)
	M, Mn := m.Layer(l), m.Layer(l+1)
	c := 2 * L.Act.Eval(0)
	for j, src := range perm {
		s := 1.0
		if flip[j] {
			s = -1
		}
		for k := 0; k < L.In; k++ {
			M.W.Set(j, k, s*scale[j]*L.W.At(src, k))
		}
		M.B[j] = s * scale[j] * L.B[src]
		for k := 0; k < Ln.Out; k++ {
			a := Ln.W.At(k, src)
			switch {
			case flip[j] && L.Act.Symmetry() == mlp.OddConstant:
				Mn.W.Set(k, j, -a)
			case flip[j]:
				Mn.W.Set(k, j, -a)
			default:
				Mn.W.Set(k, j, a/scale[j])
			}
		}
	}
	if L.Act.Symmetry() == mlp.OddConstant {
		for k := 0; k < Ln.Out; k++ {
			for j, src := range perm {
				if flip[j] {
					Mn.B[k] += c * Ln.W.At(k, src)
				}
			}
		}
	}
	return m
}

func TestCompareEquivalentNetworks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	probe := gaussian(rng, 200, 3)
	cases := []struct {
		act   mlp.Activation
		flip  []bool
		scale []float64
	}{
		{mlp.Tanh, []bool{true, false, true, false}, []float64{1, 1, 1, 1}},
		{mlp.Sigmoid, []bool{false, true, true, false}, []float64{1, 1, 1, 1}},
		{mlp.G, []bool{false, false, false, false}, []float64{1, 1, 1, 1}},
		{mlp.ReLU, []bool{false, false, false, false}, []float64{2, 0.5, 1, 3}},
	}
	for _, c := range cases {
		teacher := randomNet(t, []int{3, 4, 5, 2}, c.act, 11)
		rec := permuteFlip(teacher, 0, []int{2, 0, 3, 1}, c.flip, c.scale)
		rec = permuteFlip(rec, 1, []int{4, 3, 0, 1, 2}, []bool{false, c.flip[0], false, c.flip[2], false}, []float64{1, 1, 1, 1, 1})
		rep, err := Compare(teacher, rec, probe)
		if err != nil {
			t.Fatal(err)
		}
		if rep.RMSE > 1e-12 {
			t.Fatalf("%s: equivalent network has RMSE %v", c.act.Name(), rep.RMSE)
		}
		if !rep.Exact(1e-12) {
			t.Errorf("%s: not exact:\n%v", c.act.Name(), rep)
		}
		for _, l := range rep.Layers {
			if l.MaxOutRelErr > 1e-12 {
				t.Errorf("%s: outgoing error %v", c.act.Name(), l.MaxOutRelErr)
			}
		}
	}
}

func TestCompareDetectsDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	probe := gaussian(rng, 100, 3)
	teacher := randomNet(t, []int{3, 4, 1}, mlp.Tanh, 1)
	narrow := randomNet(t, []int{3, 3, 1}, mlp.Tanh, 1)
	rep, err := Compare(teacher, narrow, probe)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Exact(1e-6) || rep.Layers[0].WidthMatch() {
		t.Error("a narrower network compared as exact")
	}
	unmatched := 0
	for _, m := range rep.Layers[0].Matches {
		if m.Recovered < 0 {
			unmatched++
			if m.CosineDistance != 1 || !math.IsInf(m.OutRelErr, 1) {
				t.Errorf("unmatched neuron reported as %+v", m)
			}
		}
	}
	if unmatched != 1 {
		t.Errorf("%d unmatched teacher neurons, want 1", unmatched)
	}
	if got := rep.Layers[0].Within(0.999); got != 3 {
		t.Errorf("Within(0.999) = %d teacher neurons, want the 3 matched ones", got)
	}
	if got := rep.Layers[0].Within(1); got != 4 {
		t.Errorf("Within(1) = %d, want all 4 (the unmatched one sits at 1)", got)
	}
	perturbed := teacher.Clone()
	perturbed.Layer(0).W.Set(1, 1, perturbed.Layer(0).W.At(1, 1)+0.1)
	rep, _ = Compare(teacher, perturbed, probe)
	if rep.Exact(1e-6) || rep.RMSE == 0 {
		t.Errorf("a perturbed network compared as exact: %v", rep)
	}
	if _, err := Compare(teacher, randomNet(t, []int{3, 4, 4, 1}, mlp.Tanh, 1), probe); err == nil {
		t.Error("different depths accepted")
	}
}

// TestMatchedWithinCountsWhatTheSumHides builds a layer where the
// sum-optimal assignment gives the teacher's neuron A's exact copy to
// neuron B (B has nothing else close): Within(1e-6) counts no teacher
// neuron, MatchedWithin(1e-6) the one that has an exact partner.
func TestMatchedWithinCountsWhatTheSumHides(t *testing.T) {
	// Incoming vectors (w1, w2, b), unit length: d(A, r1) = 0,
	// d(B, r1) = 0.05, d(A, r2) = 0.2, d(B, r2) = 0.3; the sum prefers
	// A–r2 + B–r1 (0.25) to A–r1 + B–r2 (0.3).
	y := (0.7 - 0.95*0.8) / math.Sqrt(1-0.95*0.95)
	a := []float64{1, 0, 0}
	b := []float64{0.95, math.Sqrt(1 - 0.95*0.95), 0}
	r2 := []float64{0.8, y, math.Sqrt(1 - 0.64 - y*y)}
	net := func(rows ...[]float64) *mlp.Network {
		n := randomNet(t, []int{2, 2, 1}, mlp.Tanh, 5)
		for i, r := range rows {
			n.Layer(0).W.SetRow(i, r[:2])
			n.Layer(0).B[i] = r[2]
		}
		return n
	}
	probe := gaussian(rand.New(rand.NewPCG(5, 5)), 50, 2)
	rep, err := Compare(net(a, b), net(a, r2), probe)
	if err != nil {
		t.Fatal(err)
	}
	l := rep.Layers[0]
	if l.Matches[0].Recovered != 1 {
		t.Fatalf("the sum-optimal assignment gave teacher neuron A recovered %d; the test needs it to take r2", l.Matches[0].Recovered)
	}
	for _, c := range []struct {
		tol            float64
		within, maxima int
	}{{1e-6, 0, 1}, {0.1, 1, 1}, {0.25, 2, 2}} {
		if got := l.Within(c.tol); got != c.within {
			t.Errorf("Within(%g) = %d, want %d", c.tol, got, c.within)
		}
		if got := l.MatchedWithin(c.tol); got != c.maxima {
			t.Errorf("MatchedWithin(%g) = %d, want %d", c.tol, got, c.maxima)
		}
	}
	for _, m := range l.Matches {
		if d := l.Distances.At(m.Teacher, m.Recovered); d != m.CosineDistance {
			t.Errorf("teacher neuron %d: Distances says %g, its match %g", m.Teacher, d, m.CosineDistance)
		}
	}
}

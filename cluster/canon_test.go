package cluster

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// net evaluates a one-hidden-layer network: out(x) = Σ_i a_i σ(w_i·x + b_i)
// + bias, with in rows (w_i, b_i) and out rows a_i (one output column).
func net(in, out *mat.Dense, bias float64, sigma func(float64) float64, x []float64) float64 {
	r, c := in.Dims()
	s := bias
	for i := range r {
		z := in.At(i, c-1)
		for k := range c - 1 {
			z += in.At(i, k) * x[k]
		}
		s += out.At(i, 0) * sigma(z)
	}
	return s
}

func randNet(rng *rand.Rand, width, fanIn int) (*mat.Dense, *mat.Dense) {
	return randDense(rng, width, fanIn+1), randDense(rng, width, 1)
}

func TestCanonicalizePreservesFunction(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	sigmoid := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	relu := func(z float64) float64 { return max(z, 0) }
	for _, c := range []struct {
		sym   Symmetry
		sigma func(float64) float64
		cst   float64
	}{
		{None, sigmoid, 0},
		{Odd, math.Tanh, 0},
		{OddConstant, sigmoid, 1},
	} {
		for _, set := range []*CanonSettings{nil, {Rule: FlipLargest, Constant: c.cst}, {Coordinate: 2, Constant: c.cst}} {
			in, out := randNet(rng, 12, 3)
			in0, out0 := mat.DenseCopyOf(in), mat.DenseCopyOf(out)
			if set == nil && c.sym == OddConstant {
				set = &CanonSettings{Constant: 1}
			}
			can, err := Canonicalize(in, out, c.sym, set)
			if err != nil {
				t.Fatal(err)
			}
			bias := 0.0
			if can.BiasShift != nil {
				bias = can.BiasShift[0]
			}
			for range 5 {
				x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
				before := net(in0, out0, 0, c.sigma, x)
				after := net(in, out, bias, c.sigma, x)
				if math.Abs(before-after) > 1e-12 {
					t.Fatalf("%v: function changed %v -> %v", c.sym, before, after)
				}
			}
			var s CanonSettings
			if set != nil {
				s = *set
			}
			for i := range 12 {
				row := in.RawRowView(i)
				if c.sym != None && wantFlip(row, s, 4) {
					t.Fatalf("%v: row %d not canonical: %v", c.sym, i, row)
				}
			}
		}
	}
	// EvenLinearPosScale with ReLU: after canonicalisation the network
	// differs from the original by the linear function Σ_flipped a_i z_i
	// (relu(z) − relu(−z) = z); rows have unit norm.
	in, out := randNet(rng, 10, 3)
	in0, out0 := mat.DenseCopyOf(in), mat.DenseCopyOf(out)
	can, err := Canonicalize(in, out, EvenLinearPosScale, &CanonSettings{Rule: FlipLargest})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if nrm := mat.Norm(in.RowView(i), 2); math.Abs(nrm-1) > 1e-14 {
			t.Fatalf("row %d has norm %v", i, nrm)
		}
		if math.Abs(can.Scale[i]-mat.Norm(in0.RowView(i), 2)) > 1e-14 {
			t.Fatalf("scale %d", i)
		}
	}
	x := []float64{0.3, -1, 2}
	lin := 0.0
	for i := range 10 {
		if can.Flipped[i] {
			z := in0.At(i, 3)
			for k := range 3 {
				z += in0.At(i, k) * x[k]
			}
			lin += out0.At(i, 0) * z
		}
	}
	before, after := net(in0, out0, 0, relu, x), net(in, out, 0, relu, x)
	if math.Abs(before-(after+lin)) > 1e-12 {
		t.Fatalf("relu: %v != %v + %v", before, after, lin)
	}
	// EvenLinear leaves out unchanged.
	in, out = randNet(rng, 6, 2)
	out0 = mat.DenseCopyOf(out)
	if _, err := Canonicalize(in, out, EvenLinear, nil); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(out, out0) {
		t.Fatal("EvenLinear changed outgoing weights")
	}
}

func TestAlignSigns(t *testing.T) {
	in := mat.NewDense(4, 2, []float64{
		0.001, 1,
		-0.001, -1.01,
		0.002, 0.99,
		5, 5,
	})
	out := mat.NewDense(4, 1, []float64{1, 2, 3, 4})
	can, err := AlignSigns(in, out, []int{0, 1, 2}, Odd, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !can.Flipped[1] || can.Flipped[0] || can.Flipped[2] || can.Flipped[3] {
		t.Fatalf("flipped %v", can.Flipped)
	}
	if in.At(1, 1) != 1.01 || out.At(1, 0) != -2 {
		t.Fatalf("row 1 = %v, out %v", in.RawRowView(1), out.At(1, 0))
	}
	if _, err := AlignSigns(in, out, []int{0, 1}, None, nil); err == nil {
		t.Fatal("AlignSigns accepted None")
	}
	if _, err := AlignSigns(in, out, []int{0, 9}, Odd, nil); err == nil {
		t.Fatal("AlignSigns accepted a bad member")
	}
}

func TestCanonicalizeErrors(t *testing.T) {
	in := mat.NewDense(2, 3, nil)
	for _, c := range []struct {
		out *mat.Dense
		sym Symmetry
		s   *CanonSettings
	}{
		{mat.NewDense(3, 1, nil), Odd, nil},
		{nil, Symmetry(7), nil},
		{nil, Odd, &CanonSettings{Coordinate: 3}},
		{nil, Odd, &CanonSettings{Rule: 5}},
		{nil, OddConstant, &CanonSettings{Constant: math.Inf(1)}},
	} {
		if _, err := Canonicalize(in, c.out, c.sym, c.s); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
}

package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomData returns n Gaussian inputs of width in and targets of width out.
func randomData(rng *rand.Rand, n, in, out int) (x, y *mat.Dense) {
	x, y = mat.NewDense(n, in, nil), mat.NewDense(n, out, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.NormFloat64()
	}
	for i := range y.RawMatrix().Data {
		y.RawMatrix().Data[i] = rng.NormFloat64()
	}
	return x, y
}

// testNet returns a Glorot-initialised network with biases drawn wide, so
// that pre-activations spread over the interesting range of σ.
func testNet(t testing.TB, sizes []int, act Activation, bias, skip bool, seed uint64) *Network {
	t.Helper()
	n, err := New(Spec{Sizes: sizes, Hidden: act, NoBias: !bias, Skip: skip})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	n.InitGlorot(rng)
	for i := range n.params {
		n.params[i] *= 1.5
	}
	if s, e := n.SkipParams(); e > s {
		for i := s; i < e; i++ {
			n.params[i] = rng.NormFloat64()
		}
	}
	return n
}

// fd5 is a fourth-order central difference of f along parameter i.
func fd5(p []float64, i int, h float64, f func() float64) float64 {
	old := p[i]
	at := func(d float64) float64 { p[i] = old + d; return f() }
	v := (8*(at(h)-at(-h)) - (at(2*h) - at(-2*h))) / (12 * h)
	p[i] = old
	return v
}

func relErr(got, want []float64) float64 {
	var num, den float64
	for i := range got {
		num = math.Max(num, math.Abs(got[i]-want[i]))
		den = math.Max(den, math.Abs(want[i]))
	}
	if den == 0 {
		return num
	}
	return num / den
}

type derivCase struct {
	act    Activation
	sizes  []int
	bias   bool
	skip   bool
	rows   int
	nameIn string
}

func derivCases() []derivCase {
	var cs []derivCase
	archs := [][]int{{3, 5, 2}, {3, 4, 3, 2}, {2, 3, 4, 3, 1}}
	rows := []int{7, 13, 19}
	for _, a := range append(Builtins(), LeakyReLU(0.3)) {
		for hi, sz := range archs {
			for _, bias := range []bool{true, false} {
				cs = append(cs, derivCase{act: a, sizes: sz, bias: bias, skip: hi == 0 && bias, rows: rows[hi],
					nameIn: fmt.Sprintf("%s/hidden=%d/bias=%v", a.Name(), len(sz)-2, bias)})
			}
		}
	}
	return cs
}

const derivTol = 1e-7

// step is the finite-difference step: tiny for the piecewise-linear
// activations, where a larger step may straddle a kink (the network is
// piecewise polynomial there, so a tiny step loses nothing to truncation).
func (c derivCase) step() float64 {
	if c.act.Symmetry() == EvenLinearPosScale {
		return 1e-5
	}
	return 1e-4
}

func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for ci, c := range derivCases() {
		t.Run(c.nameIn, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ci), 2))
			n := testNet(t, c.sizes, c.act, c.bias, c.skip, uint64(ci))
			x, y := randomData(rng, c.rows, c.sizes[0], c.sizes[len(c.sizes)-1])
			ws := NewWorkspace()
			grad := make([]float64, n.NumParams())
			if _, err := n.LossGrad(ws, grad, x, y); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, n.NumParams())
			for i := range want {
				want[i] = fd5(n.params, i, c.step(), func() float64 { l, _ := n.Loss(ws, x, y); return l })
			}
			if e := relErr(grad, want); e > derivTol {
				t.Errorf("gradient relative error %.3g", e)
			}
		})
	}
}

func TestJacobianMatchesFiniteDifferences(t *testing.T) {
	for ci, c := range derivCases() {
		t.Run(c.nameIn, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ci), 3))
			n := testNet(t, c.sizes, c.act, c.bias, c.skip, uint64(ci))
			x, y := randomData(rng, c.rows, c.sizes[0], c.sizes[len(c.sizes)-1])
			ws := NewWorkspace()
			var jac mat.Dense
			r := make([]float64, len(y.RawMatrix().Data))
			if err := n.Jacobian(ws, &jac, r, x, y); err != nil {
				t.Fatal(err)
			}
			wantR := make([]float64, len(r))
			if err := n.Residuals(ws, wantR, x, y); err != nil {
				t.Fatal(err)
			}
			if e := relErr(r, wantR); e != 0 {
				t.Errorf("residuals from Jacobian differ from Residuals by %.3g", e)
			}
			rows, _ := jac.Dims()
			np := n.NumParams()
			want := make([]float64, rows*np)
			out := mat.NewDense(c.rows, n.OutputDim(), nil)
			for i := 0; i < np; i++ {
				for k := 0; k < rows; k++ {
					want[k*np+i] = fd5(n.params, i, c.step(), func() float64 {
						if err := n.Forward(ws, out, x); err != nil {
							t.Fatal(err)
						}
						return out.RawMatrix().Data[k]
					})
				}
			}
			if e := relErr(jac.RawMatrix().Data, want); e > derivTol {
				t.Errorf("Jacobian relative error %.3g", e)
			}
		})
	}
}

func TestHessianMatchesFiniteDifferences(t *testing.T) {
	for ci, c := range derivCases() {
		t.Run(c.nameIn, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ci), 4))
			n := testNet(t, c.sizes, c.act, c.bias, c.skip, uint64(ci))
			x, y := randomData(rng, c.rows, c.sizes[0], c.sizes[len(c.sizes)-1])
			ws := NewWorkspace()
			var h mat.SymDense
			if err := n.Hessian(ws, &h, x, y); err != nil {
				t.Fatal(err)
			}
			np := n.NumParams()
			grad := make([]float64, np)
			got, want := make([]float64, np*np), make([]float64, np*np)
			for i := 0; i < np; i++ {
				for j := 0; j < np; j++ {
					got[i*np+j] = h.At(i, j)
					want[i*np+j] = fd5(n.params, j, c.step(), func() float64 {
						if _, err := n.LossGrad(ws, grad, x, y); err != nil {
							t.Fatal(err)
						}
						return grad[i]
					})
				}
			}
			if e := relErr(got, want); e > derivTol {
				t.Errorf("Hessian relative error %.3g", e)
			}
			// HessVec agrees with the assembled Hessian.
			v, hv := make([]float64, np), make([]float64, np)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			if err := n.HessVec(ws, hv, v, x, y); err != nil {
				t.Fatal(err)
			}
			var hvWant mat.VecDense
			hvWant.MulVec(&h, mat.NewVecDense(np, v))
			if e := relErr(hv, hvWant.RawVector().Data); e > 1e-12 {
				t.Errorf("HessVec differs from Hessian·v by %.3g", e)
			}
		})
	}
}

// JacobianFrom gives, bit for bit, the last columns of Jacobian (those of
// layers first and above, and the skip matrix), for every layer, with and
// without bias and skip, and refuses a layer outside the network or a
// destination of the wrong width.
func TestJacobianFrom(t *testing.T) {
	for ci, c := range derivCases() {
		n := testNet(t, c.sizes, c.act, c.bias, c.skip, uint64(ci))
		x, y := randomData(rand.New(rand.NewPCG(uint64(ci), 5)), c.rows, c.sizes[0], c.sizes[len(c.sizes)-1])
		ws := NewWorkspace()
		var full mat.Dense
		rFull := make([]float64, len(y.RawMatrix().Data))
		if err := n.Jacobian(ws, &full, rFull, x, y); err != nil {
			t.Fatal(err)
		}
		for first := 0; first < n.NumLayers(); first++ {
			start, _ := n.LayerParams(first)
			var tail mat.Dense
			r := make([]float64, len(rFull))
			if err := n.JacobianFrom(ws, &tail, r, x, y, first); err != nil {
				t.Fatalf("%s, layer %d: %v", c.nameIn, first, err)
			}
			rows, cols := full.Dims()
			if tr, tc := tail.Dims(); tr != rows || tc != cols-start {
				t.Fatalf("%s, layer %d: %d×%d, want %d×%d", c.nameIn, first, tr, tc, rows, cols-start)
			}
			for i := 0; i < rows; i++ {
				for j := start; j < cols; j++ {
					if a, b := tail.At(i, j-start), full.At(i, j); math.Float64bits(a) != math.Float64bits(b) {
						t.Fatalf("%s, layer %d: (%d, %d) is %v, Jacobian's %v", c.nameIn, first, i, j, a, b)
					}
				}
			}
			if !slices.Equal(r, rFull) {
				t.Fatalf("%s, layer %d: residuals differ from Jacobian's", c.nameIn, first)
			}
		}
	}
	n := testNet(t, []int{3, 4, 2}, Tanh, true, false, 1)
	x, y := randomData(rand.New(rand.NewPCG(1, 1)), 5, 3, 2)
	for _, first := range []int{-1, 2} {
		if err := n.JacobianFrom(nil, &mat.Dense{}, nil, x, y, first); err == nil {
			t.Errorf("layer %d of a two-layer network: no error", first)
		}
	}
	if err := n.JacobianFrom(nil, mat.NewDense(10, n.NumParams(), nil), nil, x, y, 1); err == nil {
		t.Error("a destination as wide as the whole Jacobian: no error")
	}
}

// ReLU's and leaky ReLU's slice kernels give the bits of their scalar
// Eval and Deriv, at ±0, ±Inf and NaN too, also computed in place.
func TestKinkSlices(t *testing.T) {
	x := []float64{-2, -0.5, math.Copysign(0, -1), 0, 1e-300, 3, math.Inf(1), math.Inf(-1), math.NaN()}
	for _, a := range []Activation{ReLU, LeakyReLU(0.01), LeakyReLU(0.3)} {
		y, dy := make([]float64, len(x)), make([]float64, len(x))
		evalDeriv(a, y, dy, x)
		inPlace := slices.Clone(x)
		evalDeriv(a, inPlace, dy, inPlace)
		for i, v := range x {
			if math.Float64bits(y[i]) != math.Float64bits(a.Eval(v)) || math.Float64bits(dy[i]) != math.Float64bits(a.Deriv(v)) {
				t.Errorf("%s at %v: slice (%v, %v), scalar (%v, %v)", a.Name(), v, y[i], dy[i], a.Eval(v), a.Deriv(v))
			}
			if math.Float64bits(inPlace[i]) != math.Float64bits(y[i]) {
				t.Errorf("%s at %v in place: %v, want %v", a.Name(), v, inPlace[i], y[i])
			}
		}
	}
}

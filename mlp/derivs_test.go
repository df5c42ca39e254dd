package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
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

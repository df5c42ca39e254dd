package mlp

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestLinearizationMatchesJacobian checks JacVec, JacTVec and OutputGram
// against the dense Jacobian for several architectures.
func TestLinearizationMatchesJacobian(t *testing.T) {
	for _, tc := range []struct {
		sizes      []int
		act        Activation
		bias, skip bool
	}{
		{[]int{3, 5, 2}, Tanh, true, false},
		{[]int{20, 7, 3}, G, true, true},
		{[]int{4, 6, 5, 2}, Sigmoid, true, false},
		{[]int{17, 9, 4, 3}, Softplus, false, false},
	} {
		t.Run(fmt.Sprint(tc.sizes, tc.act.Name(), tc.bias, tc.skip), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, 2))
			net := testNet(t, tc.sizes, tc.act, tc.bias, tc.skip, 7)
			rows := 13
			x, _ := randomData(rng, rows, tc.sizes[0], net.OutputDim())
			var jac mat.Dense
			if err := net.Jacobian(nil, &jac, nil, x, nil); err != nil {
				t.Fatal(err)
			}
			np, m := net.NumParams(), rows*net.OutputDim()
			v, u := make([]float64, np), make([]float64, m)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			for i := range u {
				u[i] = rng.NormFloat64()
			}
			var lin Linearization
			if err := lin.Reset(net, NewWorkspace(), x); err != nil {
				t.Fatal(err)
			}
			jv, jtu := make([]float64, m), make([]float64, np)
			lin.JacVec(jv, v)
			lin.JacTVec(jtu, u)
			wantJv, wantJtu := make([]float64, m), make([]float64, np)
			mat.NewVecDense(m, wantJv).MulVec(&jac, mat.NewVecDense(np, v))
			mat.NewVecDense(np, wantJtu).MulVec(jac.T(), mat.NewVecDense(m, u))
			if e := relErr(jv, wantJv); e > 1e-12 {
				t.Errorf("JacVec: relative error %g", e)
			}
			if e := relErr(jtu, wantJtu); e > 1e-12 {
				t.Errorf("JacTVec: relative error %g", e)
			}
			// In float32 on the inputs: single precision, not worse.
			x32 := NewInputs32(x)
			if err := lin.SetInputs32(x32); err != nil {
				t.Fatal(err)
			}
			lin.JacVec(jv, v)
			lin.JacTVec(jtu, u)
			if e := relErr(jv, wantJv); e > 1e-6 || e == 0 {
				t.Errorf("JacVec with float32 inputs: relative error %g, want (0, 1e-6]", e)
			}
			if e := relErr(jtu, wantJtu); e > 1e-6 || e == 0 {
				t.Errorf("JacTVec with float32 inputs: relative error %g, want (0, 1e-6]", e)
			}
			if err := lin.SetInputs32(NewInputs32(x.Slice(1, rows, 0, tc.sizes[0]).(*mat.Dense))); err == nil {
				t.Error("SetInputs32 with one row too few: no error")
			}
			if err := lin.SetInputs32(nil); err != nil {
				t.Fatal(err)
			}
			lin.JacVec(jv, v)
			if e := relErr(jv, wantJv); e > 1e-12 {
				t.Errorf("JacVec back in float64: relative error %g", e)
			}
			// OutputGram of the first layer against Σ_{s,o} δδᵀ from J:
			// with bias, the bias columns of layer 0 hold δ exactly.
			if tc.bias {
				L := net.Layer(0)
				w := L.Out
				got := make([]float64, w*w)
				lin.OutputGram(got, 0, rows)
				want := make([]float64, w*w)
				boff := L.In * L.Out
				for r := 0; r < m; r++ {
					row := jac.RawRowView(r)[boff : boff+w]
					for i := range row {
						for j := range row {
							want[i*w+j] += row[i] * row[j]
						}
					}
				}
				if e := relErr(got, want); e > 1e-12 {
					t.Errorf("OutputGram: relative error %g", e)
				}
				// The products are still valid after OutputGram.
				lin.JacVec(jv, v)
				if e := relErr(jv, wantJv); e > 1e-12 {
					t.Errorf("JacVec after OutputGram: relative error %g", e)
				}
			}
		})
	}
}

func TestLinearizationErrors(t *testing.T) {
	net := testNet(t, []int{3, 4, 1}, Tanh, true, false, 1)
	var lin Linearization
	if err := lin.Reset(net, nil, mat.NewDense(2, 3, nil)); err == nil {
		t.Error("nil workspace accepted")
	}
	if err := lin.Reset(net, NewWorkspace(), mat.NewDense(2, 4, nil)); err == nil {
		t.Error("wrong input width accepted")
	}
}

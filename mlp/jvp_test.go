package mlp

import (
	"fmt"
	"math/rand/v2"
	"sync"
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

// TestLinearizationBlocks: the blocks' J·v stacked and their Jᵀ·u summed
// are the batch's products, in float64 and with float32 inputs, computed
// concurrently (run with -race); Block refuses bad rows.
func TestLinearizationBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 3))
	for _, skip := range []bool{false, true} {
		net := testNet(t, []int{6, 8, 5, 3}, G, true, skip, 3)
		rows, od, np := 37, net.OutputDim(), net.NumParams()
		x, _ := randomData(rng, rows, 6, od)
		var lin Linearization
		if err := lin.Reset(net, NewWorkspace(), x); err != nil {
			t.Fatal(err)
		}
		v, u := make([]float64, np), make([]float64, rows*od)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		for i := range u {
			u[i] = rng.NormFloat64()
		}
		for _, single := range []bool{false, true} {
			if single {
				if err := lin.SetInputs32(NewInputs32(x)); err != nil {
					t.Fatal(err)
				}
			}
			wantJv, wantJtu := make([]float64, rows*od), make([]float64, np)
			lin.JacVec(wantJv, v)
			lin.JacTVec(wantJtu, u)
			starts := []int{0, 10, 11, 30, rows}
			blocks := make([]Linearization, len(starts)-1)
			partial := make([][]float64, len(blocks))
			jv := make([]float64, rows*od)
			var wg sync.WaitGroup
			for b := range blocks {
				s, e := starts[b], starts[b+1]
				if err := lin.Block(&blocks[b], NewWorkspace(), s, e); err != nil {
					t.Fatal(err)
				}
				if single {
					if err := blocks[b].SetInputs32(NewInputs32(x.Slice(s, e, 0, 6).(*mat.Dense))); err != nil {
						t.Fatal(err)
					}
				}
				partial[b] = make([]float64, np)
				wg.Add(1)
				go func() {
					defer wg.Done()
					blocks[b].JacVec(jv[s*od:e*od], v)
					blocks[b].JacTVec(partial[b], u[s*od:e*od])
				}()
			}
			wg.Wait()
			jtu := make([]float64, np)
			for _, p := range partial {
				for i, g := range p {
					jtu[i] += g
				}
			}
			tol := 1e-12
			if single {
				tol = 1e-6 // two float32 roundings of the same sums in another order
			}
			if e := relErr(jv, wantJv); e > tol {
				t.Errorf("skip %v, float32 %v: stacked blocks' J·v: relative error %g", skip, single, e)
			}
			if e := relErr(jtu, wantJtu); e > tol {
				t.Errorf("skip %v, float32 %v: summed blocks' Jᵀ·u: relative error %g", skip, single, e)
			}
		}
		var b Linearization
		for _, r := range [][2]int{{-1, 3}, {5, 5}, {30, rows + 1}} {
			if err := lin.Block(&b, NewWorkspace(), r[0], r[1]); err == nil {
				t.Errorf("Block rows [%d, %d) of %d accepted", r[0], r[1], rows)
			}
		}
	}
	var unset Linearization
	if err := unset.Block(&Linearization{}, NewWorkspace(), 0, 1); err == nil {
		t.Error("Block before Reset accepted")
	}
}

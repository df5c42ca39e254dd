package identify

import (
	"math"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

// TestUnflipRemovesLinearTerm: a one-hidden-layer softplus network whose
// neurons 0 and 2 are stored turned (u = −w, with the linear term κ·a·uᵀ
// on the skip path, as a one-hidden-layer fit of the top of a deep teacher
// leaves them) is the same function after unflip, with a skip path of
// zero: the teacher's own orientation.
func TestUnflipRemovesLinearTerm(t *testing.T) {
	for _, act := range []mlp.Activation{mlp.Softplus, mlp.GELU, mlp.ReLU} {
		teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 4, 2}, Hidden: act}, 5)
		if err != nil {
			t.Fatal(err)
		}
		net, err := mlp.New(mlp.Spec{Sizes: []int{3, 4, 2}, Hidden: act, Skip: true})
		if err != nil {
			t.Fatal(err)
		}
		copy(net.Params(), teacher.Params()) // the skip path, last, stays zero
		kappa := act.Eval(1) - act.Eval(-1)
		L, O, S := net.Layer(0), net.Layer(1), net.Skip()
		for _, n := range []int{0, 2} { // turn: a·σ(w·x̃) = a·σ(−w·x̃) + κa·(w·x̃)
			for o := 0; o < O.Out; o++ {
				a := O.W.At(o, n)
				for j := 0; j < L.In; j++ {
					S.Set(o, j, S.At(o, j)+kappa*a*L.W.At(n, j))
				}
				O.B[o] += kappa * a * L.B[n]
			}
			for j := 0; j < L.In; j++ {
				L.W.Set(n, j, -L.W.At(n, j))
			}
			L.B[n] = -L.B[n]
		}
		x, _ := synth.Gaussian{D: 3}.Sample(synth.NewRand(1), 200)
		before, _ := net.Predict(x)
		unflip(net, act)
		after, _ := net.Predict(x)
		for i, v := range after.RawMatrix().Data {
			if d := math.Abs(v - before.RawMatrix().Data[i]); d > 1e-12 {
				t.Fatalf("%s: output %d changed by %g", act.Name(), i, d)
			}
		}
		for i, v := range S.RawMatrix().Data {
			if math.Abs(v) > 1e-12 {
				t.Errorf("%s: skip entry %d is %g after unflip, want 0", act.Name(), i, v)
			}
		}
		for i, v := range teacher.Params() {
			if math.Abs(v-net.Params()[i]) > 1e-12 {
				t.Errorf("%s: parameter %d is %g, the teacher's %g", act.Name(), i, net.Params()[i], v)
				break
			}
		}
	}
}

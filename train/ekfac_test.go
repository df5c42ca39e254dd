package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// TestEigenCorrectionIsExactDiagonal checks EKFAC's scales against the
// explicit Gauss–Newton matrix: S_ij must be (1/N)·‖J·(q_i⊗p_j)‖² for the
// eigenvectors q_i of G and p_j of A, in every layer, also after the
// parameters move (the first layer's rotated inputs are cached).
func TestEigenCorrectionIsExactDiagonal(t *testing.T) {
	const rows = 40
	x, y, _ := teacherData(t, 3, []int{3, 2, 2}, mlp.Tanh, rows)
	net := gnStudent(t, []int{3, 4, 3, 2}, mlp.Tanh, 1, 1)
	p := newProblem(net, x, y, mlp.NewWorkspace(), rand.New(rand.NewPCG(1, 1)), nil)
	s, err := newGNState(net, p, (&GaussNewton{KeepOutput: true, EigenCorrection: true}).settings())
	if err != nil {
		t.Fatal(err)
	}
	for move := 0; move < 2; move++ {
		if move == 1 {
			for i := range net.Params() {
				net.Params()[i] += 0.1 * math.Sin(float64(i))
			}
		}
		if err := s.linearise(); err != nil {
			t.Fatal(err)
		}
		np := net.NumParams()
		jac := mat.NewDense(rows*net.OutputDim(), np, nil)
		if err := net.Jacobian(mlp.NewWorkspace(), jac, nil, x, nil); err != nil {
			t.Fatal(err)
		}
		for l, k := range s.layers {
			ia := k.in + k.bias
			dir := make([]float64, np)
			for i := 0; i < k.out; i++ {
				for j := 0; j < ia; j++ {
					clear(dir)
					for o := 0; o < k.out; o++ {
						for c := 0; c < ia; c++ {
							v := k.qg[o*k.out+i] * k.qa[c*ia+j]
							if c < k.in {
								dir[k.wOff+o*k.in+c] = v
							} else {
								dir[k.bOff+o] = v
							}
						}
					}
					var jd mat.VecDense
					jd.MulVec(jac, mat.NewVecDense(np, dir))
					want := mat.Dot(&jd, &jd) / rows
					if got := k.scale[i*ia+j]; math.Abs(got-want) > 1e-10*(1+want) {
						t.Fatalf("move %d, layer %d, S[%d,%d] = %g, want %g", move, l, i, j, got, want)
					}
				}
			}
		}
	}
}

package train

import (
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// wideProblem is a 784→128→10 student (activation g) of a random
// 784→64→10 teacher on n uniform inputs: the shape of the Fashion-MNIST
// students.
func wideProblem(b *testing.B, n int) (*gnState, func() bool) {
	rng := rand.New(rand.NewPCG(5, 5))
	x := mat.NewDense(n, 784, nil)
	for i, raw := 0, x.RawMatrix().Data; i < len(raw); i++ {
		raw[i] = rng.Float64()
	}
	teacher := gnStudent(b, []int{784, 64, 10}, mlp.G, 9, 1)
	y, err := teacher.Predict(x)
	if err != nil {
		b.Fatal(err)
	}
	s := gnStudent(b, []int{784, 128, 10}, mlp.G, 1, 1)
	p := newProblem(s, x, y, mlp.NewWorkspace(), rand.New(rand.NewPCG(1, 1)), nil)
	st, err := newGNState(s, p, (&GaussNewton{MaxCG: 10}).settings())
	if err != nil {
		b.Fatal(err)
	}
	if err := st.linearise(); err != nil {
		b.Fatal(err)
	}
	st.lambda = st.cfg.Tau * st.scale()
	return st, func() bool { return false }
}

// BenchmarkGaussNewtonStep measures one GaussNewton step (at most 10 CG
// iterations, a trial point and, when accepted, a new linearisation with
// its factors) of a 784→128→10 student on 20 000 samples, after set-up.
func BenchmarkGaussNewtonStep(b *testing.B) {
	s, never := wideProblem(b, 20000)
	b.Run(mlp.Backend()+"/784-128-10/g/n=20000/maxcg=10", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, err := s.step(never); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGaussNewtonCurvature measures one CG product (JᵀJ+λI)·v, a
// forward-mode and a reverse-mode pass over 20 000 samples, the unit of
// GaussNewton's cost, and the K-FAC preconditioner applied to it.
func BenchmarkGaussNewtonCurvature(b *testing.B) {
	s, _ := wideProblem(b, 20000)
	for i := range s.d {
		s.d[i] = float64(i%5) - 2
	}
	b.Run(mlp.Backend()+"/product/784-128-10/n=20000", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.curvature(s.bd, s.d)
		}
	})
	b.Run(mlp.Backend()+"/precondition/784-128-10", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.precondition(s.z, s.bd)
		}
	})
}

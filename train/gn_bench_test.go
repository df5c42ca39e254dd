package train

import (
	"context"
	"fmt"
	"github.com/paramrecovery/expandcluster/internal/cputime"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// wideProblem is a 784→128→10 student (activation g) of a random
// 784→64→10 teacher on n uniform inputs: the shape of the Fashion-MNIST
// students.
func wideProblem(b *testing.B, n int, cfg GaussNewton) (*gnState, func() bool) {
	rng := rand.New(rand.NewPCG(5, 5))
	x := mat.NewDense(n, 784, nil)
	for i, raw := 0, x.RawMatrix().Data; i < len(raw); i++ {
		raw[i] = rng.Float64()
	}
	return benchProblem(b, x, []int{784, 64, 10}, []int{784, 128, 10}, cfg)
}

// benchProblem returns the Gauss–Newton state of a student of the given
// sizes (activation g) on the inputs x and the outputs of a random teacher
// of the given sizes, linearised, its pool of cfg.Threads goroutines
// started (stopped at the benchmark's end).
func benchProblem(b *testing.B, x *mat.Dense, teacherSizes, studentSizes []int, cfg GaussNewton) (*gnState, func() bool) {
	teacher := gnStudent(b, teacherSizes, mlp.G, 9, 1)
	y, err := teacher.Predict(x)
	if err != nil {
		b.Fatal(err)
	}
	s := gnStudent(b, studentSizes, mlp.G, 1, 1)
	p := newProblem(s, x, y, mlp.NewWorkspace(), rand.New(rand.NewPCG(1, 1)), nil)
	st, err := newGNState(s, p, cfg.settings())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.startPool())
	if err := st.linearise(); err != nil {
		b.Fatal(err)
	}
	st.lambda = st.cfg.Tau * st.scale()
	// One product first: the matrix products' scratch pools fill on
	// their first use (set-up), the steps must not allocate after it.
	st.curvature(st.bd, st.d)
	return st, func() bool { return false }
}

// BenchmarkGaussNewtonStep measures one GaussNewton step (at most 10 CG
// iterations, a trial point and, when accepted, a new linearisation with
// its factors) of a 784→128→10 student on 20 000 samples, after set-up,
// by default and with the opt-in EigenCorrection, Backtrack and
// SingleCurvature.
func BenchmarkGaussNewtonStep(b *testing.B) {
	for _, v := range []struct {
		name string
		cfg  GaussNewton
	}{
		{"", GaussNewton{MaxCG: 10}},
		{"/ekfac", GaussNewton{MaxCG: 10, EigenCorrection: true}},
		{"/backtrack", GaussNewton{MaxCG: 10, Backtrack: true}},
		{"/single", GaussNewton{MaxCG: 10, SingleCurvature: true}},
	} {
		s, never := wideProblem(b, 20000, v.cfg)
		b.Run(mlp.Backend()+"/784-128-10/g/n=20000/maxcg=10"+v.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cputime.Start()
			for i := 0; i < b.N; i++ {
				if _, _, err := s.step(never); err != nil {
					b.Fatal(err)
				}
			}
			cpu.Report(b)
		})
	}
}

// BenchmarkGaussNewtonCurvature measures one CG product (JᵀJ+λI)·v, a
// forward-mode and a reverse-mode pass over 20 000 samples, the unit of
// GaussNewton's cost (in float64, and with SingleCurvature), and the K-FAC
// preconditioner applied to it.
func BenchmarkGaussNewtonCurvature(b *testing.B) {
	s, _ := wideProblem(b, 20000, GaussNewton{MaxCG: 10})
	for i := range s.d {
		s.d[i] = float64(i%5) - 2
	}
	s32, _ := wideProblem(b, 20000, GaussNewton{MaxCG: 10, SingleCurvature: true})
	copy(s32.d, s.d)
	for _, v := range []struct {
		name string
		s    *gnState
	}{{"", s}, {"/single", s32}} {
		b.Run(mlp.Backend()+"/product/784-128-10/n=20000"+v.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cputime.Start()
			for i := 0; i < b.N; i++ {
				v.s.curvature(v.s.bd, v.s.d)
			}
			cpu.Report(b)
		})
	}
	b.Run(mlp.Backend()+"/precondition/784-128-10", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cputime.Start()
		for i := 0; i < b.N; i++ {
			s.precondition(s.z, s.bd)
		}
		cpu.Report(b)
	})
}

// BenchmarkRouteCrossover trains one student d→2r→1 (activation g) of a
// standard-normal d→r→1 teacher on 4 samples per parameter with each
// default route, LM (DefaultPhases) and Gauss–Newton (WidePhases), for at
// most a minute per phase, and reports the seconds until the loss first
// reached 1e-20 (the whole run if never: see final-loss) — the measurement
// behind LMMaxParams. Run it alone:
//
//	go test ./train -run X -bench RouteCrossover -benchtime 1x -cpu 1
func BenchmarkRouteCrossover(b *testing.B) {
	for _, size := range []struct{ d, r int }{{16, 8}, {32, 16}, {48, 24}, {64, 32}} {
		for _, route := range []string{"lm", "gn"} {
			sizes := []int{size.d, 2 * size.r, 1}
			params := size.d*2*size.r + 2*size.r + 2*size.r + 1
			b.Run(fmt.Sprintf("%s/params=%d", route, params), func(b *testing.B) {
				x, y, _ := teacherData(b, 2, []int{size.d, size.r, 1}, mlp.G, 4*params)
				phases := DefaultPhases()
				if route == "gn" {
					phases = WidePhases()
				}
				for i := range phases {
					phases[i].Stop.MaxTime = time.Minute
				}
				for i := 0; i < b.N; i++ {
					s := gnStudent(b, sizes, mlp.G, 1, DefaultInitGain)
					t0 := time.Now()
					reached := math.NaN()
					rec := RecorderFunc(func(e Event) error {
						if math.IsNaN(reached) && e.Loss <= 1e-20 {
							reached = time.Since(t0).Seconds()
						}
						return nil
					})
					res, err := Train(context.Background(), s, x, y, Config{Phases: phases, Recorder: rec})
					if err != nil {
						b.Fatal(err)
					}
					if math.IsNaN(reached) {
						reached = res.Elapsed.Seconds()
					}
					b.ReportMetric(reached, "s-to-1e-20")
					b.ReportMetric(res.Loss, "final-loss")
				}
			})
		}
	}
}

// deepProblem is a 30→60→60→60→10 student (activation g) of a random
// 30→30→30→30→10 teacher on n Gaussian inputs: the shape of the deep
// Fashion-MNIST span students (examples/fashionmnistdeep).
func deepProblem(b *testing.B, n int, cfg GaussNewton) (*gnState, func() bool) {
	rng := rand.New(rand.NewPCG(6, 6))
	x := mat.NewDense(n, 30, nil)
	for i, raw := 0, x.RawMatrix().Data; i < len(raw); i++ {
		raw[i] = rng.NormFloat64()
	}
	return benchProblem(b, x, []int{30, 30, 30, 30, 10}, []int{30, 60, 60, 60, 10}, cfg)
}

// BenchmarkGaussNewtonThreads measures one curvature product and one step
// (at most 50 CG iterations, float32 curvature) of a deep span student
// 30→60→60→60→10 on 30 000 samples with GaussNewton.Threads 1 and 2 (wall
// time per operation; run with -cpu 2 or more to see the second thread).
func BenchmarkGaussNewtonThreads(b *testing.B) {
	for _, threads := range []int{1, 2} {
		cfg := GaussNewton{MaxCG: 50, SingleCurvature: true, Threads: threads}
		s, never := deepProblem(b, 30000, cfg)
		for i := range s.d {
			s.d[i] = float64(i%5) - 2
		}
		name := fmt.Sprintf("%s/30-60-60-60-10/g/n=30000/single/threads=%d", mlp.Backend(), threads)
		b.Run(name+"/product", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.curvature(s.bd, s.d)
			}
		})
		b.Run(name+"/step", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := s.step(never); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package identify_test

import (
	"context"
	"testing"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// roundFloat32 returns a copy of m with every value rounded to float32, as
// outputs saved by PyTorch in its default precision are.
func roundFloat32(m *mat.Dense) *mat.Dense {
	c := mat.DenseCopyOf(m)
	for i, v := range c.RawMatrix().Data {
		c.RawMatrix().Data[i] = float64(float32(v))
	}
	return c
}

// float32Problem is issue 15's case: a 5→4→2 tanh teacher probed on 2000
// Gaussian inputs.
func float32Problem(tb testing.TB) (teacher *mlp.Network, x, y, fresh *mat.Dense) {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{5, 4, 2}, Hidden: mlp.Tanh}, 1)
	if err != nil {
		tb.Fatal(err)
	}
	rng := synth.NewRand(2)
	x, _ = synth.Gaussian{D: 5}.Sample(rng, 2000)
	fresh, _ = synth.Gaussian{D: 5}.Sample(rng, 5000)
	y, err = teacher.Predict(x)
	if err != nil {
		tb.Fatal(err)
	}
	return teacher, x, y, fresh
}

var float32Config = identify.Config{Activation: mlp.Tanh, BaseWidth: 4, Rho: 4, Seed: 3}

// BenchmarkRunProbes compares a recovery from float64 outputs with one
// from the same outputs rounded to float32; the float32 run must stay
// within 2× the float64 time and recover the teacher exactly.
func BenchmarkRunProbes(b *testing.B) {
	teacher, x, y, fresh := float32Problem(b)
	for _, c := range []struct {
		name string
		y    *mat.Dense
	}{{"float64", y}, {"float32", roundFloat32(y)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var res *identify.Result
			var err error
			for i := 0; i < b.N; i++ {
				res, err = identify.RunData(context.Background(), x, c.y, float32Config)
				if err != nil {
					b.Fatal(err)
				}
			}
			rep, err := identify.Compare(teacher, res.Network, fresh)
			if err != nil {
				b.Fatal(err)
			}
			worst := 0.0
			for _, l := range rep.Layers {
				worst = max(worst, l.MaxCosineDistance)
			}
			// In parts per billion: the benchmark output prints small
			// metrics in fixed point. Exact means at most 1000.
			b.ReportMetric(worst*1e9, "max-cosine-ppb")
			if !rep.Exact(1e-6) {
				b.Fatalf("not exact: %v\n%s", rep, res.Verdict())
			}
		})
	}
}

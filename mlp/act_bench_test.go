package mlp

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkActivation measures σ and σ' together over 16 384 Gaussian
// pre-activations, the inner step of every forward pass.
func BenchmarkActivation(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 1<<14)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	y, dy := make([]float64, len(x)), make([]float64, len(x))
	acts := Builtins()
	for _, a := range []Activation{ReLU, LeakyReLU(0.01)} {
		s, _ := Smoothed(a, 32) // the smoothed polish of deep students
		acts = append(acts, s)
	}
	for _, a := range acts {
		b.Run(a.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				evalDeriv(a, y, dy, x)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(x)), "ns/elem")
		})
	}
}

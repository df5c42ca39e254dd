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
	for _, a := range Builtins() {
		b.Run(a.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				evalDeriv(a, y, dy, x)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(x)), "ns/elem")
		})
	}
}

package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExpFastAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	worst := 0.0
	check := func(x float64) {
		got, want := expFast(x), math.Exp(x)
		if e := math.Abs(got-want) / want; e > worst {
			worst = e
		}
	}
	for i := 0; i < 200000; i++ {
		check((rng.Float64()*2 - 1) * 700)
		check((rng.Float64()*2 - 1) * 5)
	}
	for _, x := range []float64{0, 1e-300, -1e-17, 0.5 * math.Ln2 / 32, 707.9, -707.9} {
		check(x)
	}
	if worst > 4e-16 {
		t.Errorf("worst relative error %.3g", worst)
	}
	for _, x := range []float64{710, -720, math.Inf(1), math.Inf(-1)} {
		if got, want := expFast(x), math.Exp(x); got != want {
			t.Errorf("expFast(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsNaN(expFast(math.NaN())) {
		t.Error("expFast(NaN) is not NaN")
	}
}

var sinkExp float64

func BenchmarkExp(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = float64(i)/100 - 5
	}
	b.Run("math", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, x := range xs {
				sinkExp += math.Exp(x)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, x := range xs {
				sinkExp += expFast(x)
			}
		}
	})
}

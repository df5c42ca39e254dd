package gram

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestUpperMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kernel := range []bool{true, false} {
		was := UseKernel(kernel)
		for _, sz := range [][2]int{{1, 1}, {3, 5}, {7, 130}, {97, 485}, {150, 33}} {
			n, d := sz[0], sz[1]
			stride := d + 3
			a := make([]float64, n*stride)
			for i := range a {
				a[i] = rng.NormFloat64()
			}
			c := make([]float64, n*n)
			for i := range c {
				c[i] = math.NaN() // the lower triangle must stay untouched
			}
			Upper(c, n, a, n, d, stride, make([]float64, TileScratch))
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					if j < i {
						if !math.IsNaN(c[i*n+j]) {
							t.Fatalf("lower triangle (%d,%d) written", i, j)
						}
						continue
					}
					var want float64
					for k := 0; k < d; k++ {
						want += a[i*stride+k] * a[j*stride+k]
					}
					if math.Abs(c[i*n+j]-want) > 1e-12*(1+math.Abs(want)) {
						t.Fatalf("kernel=%v n=%d d=%d: c[%d,%d] = %v, want %v", kernel, n, d, i, j, c[i*n+j], want)
					}
				}
			}
		}
		UseKernel(was)
	}
}

// BenchmarkUpper is the normal-equation product JᵀJ of a Levenberg–Marquardt
// step for a 32→32→1 student (1 089 parameters) on 5 445 samples.
func BenchmarkUpper(b *testing.B) {
	n, d := 1089, 5445
	a := make([]float64, n*d)
	for i := range a {
		a[i] = float64(i%7) - 3
	}
	c, buf := make([]float64, n*n), make([]float64, TileScratch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Upper(c, n, a, n, d, d, buf)
	}
	b.ReportMetric(float64(n)*float64(n+1)/2*float64(d)*2*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

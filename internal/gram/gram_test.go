package gram

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/internal/gemm"
)

func TestUpperMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Upper is package gemm's product: its assembly and Go kernels (the
	// dot-product kernel of Tile plays no part).
	for _, kernel := range []bool{true, false} {
		was := gemm.UseAsm(kernel)
		for _, sz := range [][2]int{{1, 1}, {3, 5}, {7, 130}, {97, 485}, {150, 33}} {
			n, d := sz[0], sz[1]
			stride := d + 3
			a := normals(rng, n*stride)
			c := nans(n * n) // the lower triangle must stay untouched
			Upper(c, n, a, n, d, stride)
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
		gemm.UseAsm(was)
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
	c := make([]float64, n*n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Upper(c, n, a, n, d, d)
	}
	b.ReportMetric(float64(n)*float64(n+1)/2*float64(d)*2*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func TestUpperTMatchesUpper(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{1, 1}, {5, 3}, {130, 7}, {485, 97}, {33, 150}} {
		d, n := sz[0], sz[1]
		stride := n + 2
		a := normals(rng, d*stride)
		at := make([]float64, n*d)
		for p := 0; p < d; p++ {
			for i := 0; i < n; i++ {
				at[i*d+p] = a[p*stride+i]
			}
		}
		got, want := nans(n*n), nans(n*n)
		UpperT(got, n, a, n, d, stride)
		Upper(want, n, at, n, d, d)
		for i := range got {
			// Same sums in the same order: the same bits, NaN below.
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("d=%d n=%d: element %d = %v, Upper on the transpose %v", d, n, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkNormalMatrix is JᵀJ for a deep student 8→24→12→6→1 (601
// parameters) on 3 000 samples, J stored one sample per row: UpperT on J
// against transposing J and calling Upper (what train's LM did before).
func BenchmarkNormalMatrix(b *testing.B) {
	n, d := 601, 3000
	j := make([]float64, d*n)
	for i := range j {
		j[i] = float64(i%7) - 3
	}
	c := make([]float64, n*n)
	flops := func(b *testing.B) {
		b.ReportMetric(float64(n)*float64(n+1)/2*float64(d)*2*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
	b.Run("UpperT", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			UpperT(c, n, j, n, d, n)
		}
		flops(b)
	})
	b.Run("transpose+Upper", func(b *testing.B) {
		jt := make([]float64, n*d)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for r := 0; r < d; r++ {
				for col, v := range j[r*n : r*n+n] {
					jt[col*d+r] = v
				}
			}
			Upper(c, n, jt, n, d, d)
		}
		flops(b)
	})
}

// normals returns n standard normal values.
func normals(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// nans returns n NaNs: a result buffer whose untouched parts show.
func nans(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

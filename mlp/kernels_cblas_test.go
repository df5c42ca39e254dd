//go:build cblas && cgo

package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// forcePath sets the dispatch so that every product goes to OpenBLAS
// (blas true) or none does, and returns a function restoring it.
func forcePath(blas bool) func() {
	w, o, r := blasMinWork, blasMinOut, blasMinRows
	if blas {
		blasMinWork, blasMinOut, blasMinRows = 0, 1, 1
	} else {
		blasMinWork = math.MaxInt
	}
	return func() { blasMinWork, blasMinOut, blasMinRows = w, o, r }
}

// BenchmarkCrossover times each kernel on both paths over a range of shapes;
// it is how the thresholds of useBLAS were chosen (run with -cpu 1).
func BenchmarkCrossover(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	fill := func(k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	for _, sh := range [][3]int{
		{2000, 16, 1}, {2000, 16, 4}, {2000, 16, 16}, {2000, 32, 8}, {2000, 32, 32},
		{2000, 64, 16}, {2000, 128, 10}, {2000, 784, 128},
		{200, 16, 16}, {200, 32, 32}, {200, 64, 64}, {37, 40, 20}, {37, 128, 128}, {8, 784, 128},
		{1, 16, 1}, {4, 16, 1}, {16, 16, 1}, {37, 16, 1}, {100, 16, 1}, {1, 16, 4}, {4, 16, 4}, {16, 16, 4},
		{1, 64, 16}, {4, 64, 16}, {1, 784, 10}, {2, 784, 10},
	} {
		n, in, out := sh[0], sh[1], sh[2]
		a, w, bias, z := fill(n*in), fill(out*in), fill(out), fill(n*out)
		for _, path := range []string{"go", "blas"} {
			name := func(k string) string { return fmt.Sprintf("%s/n=%d/%dx%d/%s", k, n, in, out, path) }
			run := func(k string, f func()) {
				b.Run(name(k), func(b *testing.B) {
					defer forcePath(path == "blas")()
					for i := 0; i < b.N; i++ {
						f()
					}
					b.ReportMetric(2*float64(n*in*out)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
			run("NT", func() { mulNT(z, a, in, w, bias, n, in, out, false) })
			run("TN", func() { mulTNAdd(w, z, a, in, n, in, out) })
			run("NN", func() { mulNN(a, z, w, n, in, out, false) })
		}
	}
}

func TestOpenBLASSingleThreaded(t *testing.T) {
	if got := blasThreads(); got != 1 {
		t.Errorf("OpenBLAS runs %d threads inside our calls, want 1", got)
	}
	if Backend() != "openblas" {
		t.Errorf("Backend() = %q, want openblas", Backend())
	}
}

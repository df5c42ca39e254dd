package gemm

import "testing"

// BenchmarkMicroKernel runs the micro-kernel alone on panels that stay in
// the L1 cache: the ceiling for Mul on this machine.
func BenchmarkMicroKernel(b *testing.B) { benchTile(b, pick(kernels, 1<<20, 1<<20)) }

// BenchmarkMicroKernel32 is BenchmarkMicroKernel for Mul32's float32
// kernel.
func BenchmarkMicroKernel32(b *testing.B) { benchTile(b, pick(kernels32, 1<<20, 1<<20)) }

// benchTile times kern on one k-block of small-integer panels.
func benchTile[E elem](b *testing.B, kern *kernelOf[E]) {
	a, bb := make([]E, maxMR*kc), make([]E, maxNR*kc)
	for i := range a {
		a[i] = E(i%7) - 3
	}
	for i := range bb {
		bb[i] = E(i%5) - 2
	}
	c := make([]float64, maxMR*maxNR)
	b.ReportAllocs()
	for b.Loop() {
		kern.tile(kc, a, bb, c, maxNR, true)
	}
	b.ReportMetric(2*float64(kern.mr*kern.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

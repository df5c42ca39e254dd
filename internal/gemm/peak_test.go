package gemm

import "testing"

// BenchmarkMicroKernel runs the micro-kernel alone on panels that stay in
// the L1 cache: the ceiling for Mul on this machine.
func BenchmarkMicroKernel(b *testing.B) {
	kern := pick(kernels, 1<<20, 1<<20)
	a, bb := make([]float64, maxMR*kc), make([]float64, maxNR*kc)
	for i := range a {
		a[i] = float64(i%7) - 3
	}
	for i := range bb {
		bb[i] = float64(i%5) - 2
	}
	c := make([]float64, maxMR*maxNR)
	b.ReportAllocs()
	for b.Loop() {
		kern.tile(kc, a, bb, c, maxNR, true)
	}
	b.ReportMetric(2*float64(kern.mr*kern.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMicroKernel32 is BenchmarkMicroKernel for Mul32's float32
// kernel.
func BenchmarkMicroKernel32(b *testing.B) {
	kern := pick(kernels32, 1<<20, 1<<20)
	a, bb := make([]float32, maxMR*kc), make([]float32, maxNR*kc)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range bb {
		bb[i] = float32(i%5) - 2
	}
	c := make([]float64, maxMR*maxNR)
	b.ReportAllocs()
	for b.Loop() {
		kern.tile(kc, a, bb, c, maxNR, true)
	}
	b.ReportMetric(2*float64(kern.mr*kern.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

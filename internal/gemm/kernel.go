package gemm

import "math"

// maxMR and maxNR bound the tile of any micro-kernel.
const (
	maxMR = 12
	maxNR = 16
)

// kernel is a micro-kernel: tile computes the mr×nr product of an A panel
// (kb steps of mr values) and a B panel (kb steps of nr values), each
// element accumulated from 0 in order of k with fused multiply-adds, and
// stores it into c (row stride ldc) if overwrite, else adds it. cost is
// its time per tile element and step of k, relative to the AVX2 kernel.
type kernel struct {
	mr, nr int
	cost   float64
	tile   func(kb int, a, b, c []float64, ldc int, overwrite bool)
}

var goKernel = kernel{mr: 6, nr: 8, cost: 1, tile: tileGo}

// kernels are the micro-kernels in use: the assembly ones the CPU has, or
// the Go one.
var kernels []kernel

func init() { UseAsm(true) }

// UseAsm turns the assembly micro-kernels on or off (if the CPU has them)
// and returns the previous setting; tests use it to compare the paths.
func UseAsm(on bool) (was bool) {
	was = kernels != nil && kernels[0].mr != goKernel.mr || len(kernels) > 1
	kernels = []kernel{goKernel}
	if on && len(asmKernels) > 0 {
		kernels = asmKernels
	}
	return was
}

// pick returns the kernel that computes an m×n product fastest, counting
// the zero padding of edge tiles.
func pick(m, n int) *kernel {
	best, bestCost := &kernels[0], math.Inf(1)
	for i := range kernels {
		k := &kernels[i]
		padded := float64((m+k.mr-1)/k.mr*k.mr) * float64((n+k.nr-1)/k.nr*k.nr)
		if c := padded * k.cost; c < bestCost {
			best, bestCost = k, c
		}
	}
	return best
}

// tileGo is the portable 6×8 micro-kernel.
func tileGo(kb int, a, b, c []float64, ldc int, overwrite bool) {
	const mr, nr = 6, 8
	var acc [mr * nr]float64
	a, b = a[:kb*mr], b[:kb*nr]
	for p := 0; p < kb; p++ {
		ap, bp := a[p*mr:p*mr+mr], b[p*nr:p*nr+nr]
		for i, av := range ap {
			row := acc[i*nr : i*nr+nr]
			for j, bv := range bp {
				row[j] = math.FMA(av, bv, row[j])
			}
		}
	}
	for i := 0; i < mr; i++ {
		crow := c[i*ldc : i*ldc+nr]
		if overwrite {
			copy(crow, acc[i*nr:i*nr+nr])
			continue
		}
		for j := range crow {
			crow[j] += acc[i*nr+j]
		}
	}
}

package gemm

import "math"

// maxMR and maxNR bound the tile of any micro-kernel.
const (
	maxMR = 6
	maxNR = 8
)

// kernel is a micro-kernel: tile computes the mr×nr product of an A panel
// (kb steps of mr values) and a B panel (kb steps of nr values), each
// element accumulated from 0 in order of k with fused multiply-adds, and
// stores it into c (row stride ldc) if overwrite, else adds it.
type kernel struct {
	mr, nr int
	tile   func(kb int, a, b, c []float64, ldc int, overwrite bool)
}

var goKernel = kernel{mr: maxMR, nr: maxNR, tile: tileGo}

// kern is the micro-kernel in use: the assembly one if the CPU has it.
var (
	kern     = goKernel
	usingAsm = false
)

func init() { UseAsm(true) }

// UseAsm turns the assembly micro-kernel on or off (if the CPU has it) and
// returns the previous setting; tests use it to compare the two.
func UseAsm(on bool) (was bool) {
	was, usingAsm = usingAsm, on && asmAvailable
	kern = goKernel
	if usingAsm {
		kern = asmKernel
	}
	return was
}

// tileGo is the portable micro-kernel.
func tileGo(kb int, a, b, c []float64, ldc int, overwrite bool) {
	const mr, nr = maxMR, maxNR
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

package vmath

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasAsm reports whether the CPU (and the OS) support AVX2 and FMA.
var hasAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly kernels take n, a positive multiple of 4, values.

//go:noescape
func expAVX(y, x *float64, n int)

//go:noescape
func sigmoidAVX(y, dy, x *float64, n int)

//go:noescape
func siluAVX(y, dy, x *float64, n int)

// softplusPartAVX and gPartAVX set y and dy to softplus and g less the
// log1p term, and e to e^−|x|; log1pAddAVX adds log1p(e) to y.
//
//go:noescape
func softplusPartAVX(y, dy, e, x *float64, n int)

//go:noescape
func gPartAVX(y, dy, e, x *float64, n int)

//go:noescape
func log1pAddAVX(y, e *float64, n int)

func softplusAVX(y, dy, x *float64, n int) { logPass(y, dy, x, n, false) }
func gAVX(y, dy, x *float64, n int)        { logPass(y, dy, x, n, true) }

// logBlock is the number of values between the two passes of logPass:
// small enough that they stay in the L1 cache.
const logBlock = 256

// logPass runs softplus (or g) in blocks, each in two passes: everything
// but the log1p, then the log1p. The sum is formed in the same order as
// the scalar functions' (the rest, plus log1p), so the bits do not change.
func logPass(y, dy, x *float64, n int, g bool) {
	var e [logBlock]float64
	ys, dys, xs := unsafe.Slice(y, n), unsafe.Slice(dy, n), unsafe.Slice(x, n)
	for i := 0; i < n; i += logBlock {
		m := min(logBlock, n-i)
		if g {
			gPartAVX(&ys[i], &dys[i], &e[0], &xs[i], m)
		} else {
			softplusPartAVX(&ys[i], &dys[i], &e[0], &xs[i], m)
		}
		log1pAddAVX(&ys[i], &e[0], m)
	}
}

//go:noescape
func tanhAVX(y, dy, x *float64, n int)

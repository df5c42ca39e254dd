package vmath

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasAsm reports whether the CPU (and the OS) support AVX2 and FMA, and
// has512 whether they also support AVX-512 (F and DQ).
var (
	hasAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	has512 = hasAsm && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
)

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

func softplusAVX(y, dy, x *float64, n int)    { logPass(y, dy, x, n, false, false) }
func gAVX(y, dy, x *float64, n int)           { logPass(y, dy, x, n, true, false) }
func softplusAVX512(y, dy, x *float64, n int) { logPass(y, dy, x, n, false, true) }
func gAVX512(y, dy, x *float64, n int)        { logPass(y, dy, x, n, true, true) }

// logBlock is the number of values between the two passes of logPass:
// small enough that they stay in the L1 cache.
const logBlock = 256

// logPass runs softplus (or g) in blocks, each in two passes: everything
// but the log1p, then the log1p. The sum is formed in the same order as
// the scalar functions' (the rest, plus log1p), so the bits do not change.
// With wide, the AVX-512 kernels run (n a multiple of 8).
func logPass(y, dy, x *float64, n int, g, wide bool) {
	var e [logBlock]float64
	ys, dys, xs := unsafe.Slice(y, n), unsafe.Slice(dy, n), unsafe.Slice(x, n)
	for i := 0; i < n; i += logBlock {
		m := min(logBlock, n-i)
		switch {
		case g && wide:
			gPartAVX512(&ys[i], &dys[i], &e[0], &xs[i], m)
		case g:
			gPartAVX(&ys[i], &dys[i], &e[0], &xs[i], m)
		case wide:
			softplusPartAVX512(&ys[i], &dys[i], &e[0], &xs[i], m)
		default:
			softplusPartAVX(&ys[i], &dys[i], &e[0], &xs[i], m)
		}
		if wide {
			log1pAddAVX512(&ys[i], &e[0], m)
		} else {
			log1pAddAVX(&ys[i], &e[0], m)
		}
	}
}

//go:noescape
func tanhAVX(y, dy, x *float64, n int)

// The AVX-512 kernels take n, a positive multiple of 8, values.

//go:noescape
func expAVX512(y, x *float64, n int)

//go:noescape
func sigmoidAVX512(y, dy, x *float64, n int)

//go:noescape
func siluAVX512(y, dy, x *float64, n int)

//go:noescape
func tanhAVX512(y, dy, x *float64, n int)

//go:noescape
func softplusPartAVX512(y, dy, e, x *float64, n int)

//go:noescape
func gPartAVX512(y, dy, e, x *float64, n int)

//go:noescape
func log1pAddAVX512(y, e *float64, n int)

// The Gaussian kernels of erf.go.

//go:noescape
func geluAVX(y, dy, x *float64, n int)

//go:noescape
func erfSqrt2AVX(y, dy, x *float64, n int)

//go:noescape
func geluDeriv2AVX(y, x *float64, n int)

//go:noescape
func erfSqrt2Deriv2AVX(y, x *float64, n int)

//go:noescape
func geluAVX512(y, dy, x *float64, n int)

//go:noescape
func erfSqrt2AVX512(y, dy, x *float64, n int)

//go:noescape
func geluDeriv2AVX512(y, x *float64, n int)

//go:noescape
func erfSqrt2Deriv2AVX512(y, x *float64, n int)

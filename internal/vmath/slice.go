package vmath

// ExpSlice sets y[i] = Exp(x[i]); y must be at least as long as x.
func ExpSlice(y, x []float64) {
	y = y[:len(x)]
	done := 0
	switch {
	case use512 && len(x) >= 8:
		done = len(x) &^ 7
		expAVX512(&y[0], &x[0], done)
	case useAsm && len(x) >= 4:
		done = len(x) &^ 3
		expAVX(&y[0], &x[0], done)
	}
	for i := done; i < len(x); i++ {
		y[i] = Exp(x[i])
	}
}

// kernel is an assembly slice kernel: y, dy, x and a count n, a multiple
// of 4 (AVX2) or 8 (AVX-512).
type kernel func(y, dy, x *float64, n int)

// pairSlice sets y[i], dy[i] = scalar(x[i]), the bulk of x by the AVX-512
// or AVX2 kernel when the assembly runs.
func pairSlice(y, dy, x []float64, avx2, avx512 kernel, scalar func(float64) (float64, float64)) {
	y, dy = y[:len(x)], dy[:len(x)]
	done := 0
	switch {
	case use512 && len(x) >= 8:
		done = len(x) &^ 7
		avx512(&y[0], &dy[0], &x[0], done)
	case useAsm && len(x) >= 4:
		done = len(x) &^ 3
		avx2(&y[0], &dy[0], &x[0], done)
	}
	for i := done; i < len(x); i++ {
		y[i], dy[i] = scalar(x[i])
	}
}

// The slice functions below set y[i], dy[i] to the value and derivative of
// the scalar function of the same name at x[i]; y and dy must be at least
// as long as x.

func SigmoidSlice(y, dy, x []float64)  { pairSlice(y, dy, x, sigmoidAVX, sigmoidAVX512, Sigmoid) }
func SiLUSlice(y, dy, x []float64)     { pairSlice(y, dy, x, siluAVX, siluAVX512, SiLU) }
func SoftplusSlice(y, dy, x []float64) { pairSlice(y, dy, x, softplusAVX, softplusAVX512, Softplus) }
func GSlice(y, dy, x []float64)        { pairSlice(y, dy, x, gAVX, gAVX512, G) }
func TanhSlice(y, dy, x []float64)     { pairSlice(y, dy, x, tanhAVX, tanhAVX512, Tanh) }

// single is an assembly kernel with one output (as ExpSlice's).
type single func(y, x *float64, n int)

// singleSlice sets y[i] = scalar(x[i]), the bulk of x by the AVX-512 or
// AVX2 kernel when the assembly runs.
func singleSlice(y, x []float64, avx2, avx512 single, scalar func(float64) float64) {
	y = y[:len(x)]
	done := 0
	switch {
	case use512 && len(x) >= 8:
		done = len(x) &^ 7
		avx512(&y[0], &x[0], done)
	case useAsm && len(x) >= 4:
		done = len(x) &^ 3
		avx2(&y[0], &x[0], done)
	}
	for i := done; i < len(x); i++ {
		y[i] = scalar(x[i])
	}
}

// GELUSlice and ErfSqrt2Slice set y[i], dy[i] to GELU(x[i]) and
// ErfSqrt2(x[i]); GELUDeriv2Slice and ErfSqrt2Deriv2Slice set y[i] to the
// second derivatives. y and dy must be at least as long as x.
func GELUSlice(y, dy, x []float64)     { pairSlice(y, dy, x, geluAVX, geluAVX512, GELU) }
func ErfSqrt2Slice(y, dy, x []float64) { pairSlice(y, dy, x, erfSqrt2AVX, erfSqrt2AVX512, ErfSqrt2) }
func GELUDeriv2Slice(y, x []float64)   { singleSlice(y, x, geluDeriv2AVX, geluDeriv2AVX512, GELUDeriv2) }
func ErfSqrt2Deriv2Slice(y, x []float64) {
	singleSlice(y, x, erfSqrt2Deriv2AVX, erfSqrt2Deriv2AVX512, ErfSqrt2Deriv2)
}

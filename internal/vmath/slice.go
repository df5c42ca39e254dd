package vmath

// ExpSlice sets y[i] = Exp(x[i]); y must be at least as long as x.
func ExpSlice(y, x []float64) {
	y = y[:len(x)]
	done := 0
	if useAsm && len(x) >= 4 {
		done = len(x) &^ 3
		expAVX(&y[0], &x[0], done)
	}
	for i := done; i < len(x); i++ {
		y[i] = Exp(x[i])
	}
}

// pairSlice sets y[i], dy[i] = scalar(x[i]), the bulk of x by the kernel
// when the assembly runs.
func pairSlice(y, dy, x []float64, kernel func(y, dy, x *float64, n int), scalar func(float64) (float64, float64)) {
	y, dy = y[:len(x)], dy[:len(x)]
	done := 0
	if useAsm && len(x) >= 4 {
		done = len(x) &^ 3
		kernel(&y[0], &dy[0], &x[0], done)
	}
	for i := done; i < len(x); i++ {
		y[i], dy[i] = scalar(x[i])
	}
}

// The slice functions below set y[i], dy[i] to the value and derivative of
// the scalar function of the same name at x[i]; y and dy must be at least
// as long as x.

func SigmoidSlice(y, dy, x []float64)  { pairSlice(y, dy, x, sigmoidAVX, Sigmoid) }
func SiLUSlice(y, dy, x []float64)     { pairSlice(y, dy, x, siluAVX, SiLU) }
func SoftplusSlice(y, dy, x []float64) { pairSlice(y, dy, x, softplusAVX, Softplus) }
func GSlice(y, dy, x []float64)        { pairSlice(y, dy, x, gAVX, G) }
func TanhSlice(y, dy, x []float64)     { pairSlice(y, dy, x, tanhAVX, Tanh) }

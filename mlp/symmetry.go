package mlp

import "math"

// symmetryProbes are the points at which DetectSymmetry tests the
// identities: dense near zero, where most activations bend, and sparse far
// out, where a wrong class shows up as a growing discrepancy.
var symmetryProbes = func() []float64 {
	var xs []float64
	for i := 1; i <= 60; i++ {
		xs = append(xs, 0.1*float64(i)) // 0.1 … 6
	}
	return append(xs, 0.013, 0.37, 7.5, 10, 15, 23.7)
}()

// symmetryTol is the relative tolerance of the identity checks: loose enough
// for activations computed in float64 through exp/log/erf, tight enough that
// any genuine asymmetry (which is O(1) somewhere on the probes) is caught.
const symmetryTol = 1e-9

// DetectSymmetry decides the symmetry class of a numerically, from the
// identities of docs/method.md §2, checked on a fixed set of probe points in
// [−23.7, 23.7]:
//
//	Odd                 σ(x) + σ(−x) = 0
//	OddConstant         σ(x) + σ(−x) = c, c ≠ 0
//	EvenLinear          σ(x) − σ(−x) = kx
//	EvenLinearPosScale  EvenLinear and σ(cx) = cσ(x) for c > 0
//
// The classes are tested in the order above, so the identity function, which
// satisfies all of them, is Odd. An activation that satisfies none is None.
func DetectSymmetry(a Activation) Symmetry {
	scale := 0.0
	for _, x := range symmetryProbes {
		scale = math.Max(scale, math.Max(math.Abs(a.Eval(x)), math.Abs(a.Eval(-x))))
	}
	if scale == 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
		return None // constant zero or not finite: no useful class
	}
	tol := symmetryTol * scale
	c := a.Eval(0.5) + a.Eval(-0.5)
	if allClose(func(x float64) float64 { return a.Eval(x) + a.Eval(-x) }, c, tol) {
		if math.Abs(c) <= tol {
			return Odd
		}
		return OddConstant
	}
	k := a.Eval(1) - a.Eval(-1)
	if !allClose(func(x float64) float64 { return a.Eval(x) - a.Eval(-x) - k*x }, 0, tol) {
		return None
	}
	homogeneous := true
	for _, c := range []float64{0.5, 2, 3.7} {
		if !allClose(func(x float64) float64 { return a.Eval(c*x) - c*a.Eval(x) }, 0, 4*tol) ||
			!allClose(func(x float64) float64 { return a.Eval(-c*x) - c*a.Eval(-x) }, 0, 4*tol) {
			homogeneous = false
		}
	}
	if homogeneous {
		return EvenLinearPosScale
	}
	return EvenLinear
}

// allClose reports whether f(x) is within tol of want at every probe point.
func allClose(f func(float64) float64, want, tol float64) bool {
	for _, x := range symmetryProbes {
		if d := math.Abs(f(x) - want); !(d <= tol) {
			return false
		}
	}
	return true
}

// Package mlptest checks that a user's activation function is fit for
// Expand-and-Cluster: its derivatives agree with finite differences and its
// declared symmetry class is the one mlp.DetectSymmetry finds.
package mlptest

import (
	"fmt"
	"math"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// Probes are the points at which Activation compares derivatives with
// finite differences. They avoid 0, where kinked activations such as ReLU
// have no derivative.
var Probes = []float64{-7.3, -3.1, -1.7, -0.9, -0.45, -0.11, 0.07, 0.33, 0.8, 1.3, 2.2, 4.6, 8.1}

// Activation reports, through t, every way in which a falls short: an empty
// name, a first or second derivative that disagrees with central finite
// differences by more than 1e-6 relative, non-finite values, or a declared
// Symmetry that differs from mlp.DetectSymmetry(a).
func Activation(t testing.TB, a mlp.Activation) {
	t.Helper()
	for _, msg := range Check(a) {
		t.Error(msg)
	}
}

// Check returns the problems Activation would report, one message each; no
// problems gives nil.
func Check(a mlp.Activation) []string {
	// An incomplete Func (nil F or D1) or a panicking activation would
	// panic below; CheckActivation reports it instead.
	if err := mlp.CheckActivation(a); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if a.Name() == "" {
		add("activation has an empty name")
	}
	for _, x := range Probes {
		f, d1, d2 := a.Eval(x), a.Deriv(x), a.Deriv2(x)
		if !finite(f) || !finite(d1) || !finite(d2) {
			add("%s at %v: value %v, derivatives %v, %v are not all finite", a.Name(), x, f, d1, d2)
			continue
		}
		if fd := centralDiff(a.Eval, x); !close(d1, fd) {
			add("%s: Deriv(%v) = %v, finite differences give %v", a.Name(), x, d1, fd)
		}
		if fd := centralDiff(a.Deriv, x); !close(d2, fd) {
			add("%s: Deriv2(%v) = %v, finite differences give %v", a.Name(), x, d2, fd)
		}
	}
	if got, want := a.Symmetry(), mlp.DetectSymmetry(a); got != want {
		add("%s declares symmetry %v but behaves as %v", a.Name(), got, want)
	}
	return problems
}

// centralDiff is a fourth-order central difference of f at x.
func centralDiff(f func(float64) float64, x float64) float64 {
	h := 1e-3 * math.Max(1, math.Abs(x))
	return (8*(f(x+h)-f(x-h)) - (f(x+2*h) - f(x-2*h))) / (12 * h)
}

func close(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

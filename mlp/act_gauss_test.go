package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

const invSqrt2Pi = 0.3989422804014327 // 1/√(2π)

func normalPDF(x float64) float64 { return invSqrt2Pi * math.Exp(-0.5*x*x) }
func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// geluMath and erfMath are GELU and Erf through package math, as mlp
// computed them before internal/vmath had Gaussian kernels: the reference
// of TestGaussianActivations and the "scalar" side of the benchmarks.
var (
	geluMath = &builtin{
		name: "gelu-math", sym: EvenLinear,
		f:  func(x float64) float64 { return x * normalCDF(x) },
		d1: func(x float64) float64 { return normalCDF(x) + x*normalPDF(x) },
		d2: func(x float64) float64 { return normalPDF(x) * (2 - x*x) },
		fused: func(x float64) (float64, float64) {
			c, p := normalCDF(x), normalPDF(x)
			return x * c, c + x*p
		},
	}
	erfMath = &builtin{
		name: "erf-math", sym: Odd,
		f:  func(x float64) float64 { return math.Erf(x / math.Sqrt2) },
		d1: func(x float64) float64 { return 2 * normalPDF(x) },
		d2: func(x float64) float64 { return -2 * x * normalPDF(x) },
	}
)

// TestGaussianActivations checks that GELU and Erf give the same bits
// through EvalDerivSlice and the R-pass's slice kernel as through Eval,
// Deriv and Deriv2 (whatever a value's position in a slice), and agree
// with the formulas through package math to 1e-15 of the larger of the
// value and 1e-300 on [−12, 12] (and to the bits at 0).
func TestGaussianActivations(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := make([]float64, 1003)
	for i := range x {
		x[i] = 4 * rng.NormFloat64()
	}
	x[0], x[1], x[2], x[3] = 0, -12, 12, math.Inf(-1)
	y, dy, d2 := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	for _, c := range []struct{ a, ref Activation }{{GELU, geluMath}, {Erf, erfMath}} {
		evalDeriv(c.a, y, dy, x)
		evalDeriv2(c.a, d2, x)
		for i, v := range x {
			for _, p := range []struct {
				name        string
				slice, scal float64
				ref         func(float64) float64
			}{{"value", y[i], c.a.Eval(v), c.ref.Eval}, {"derivative", dy[i], c.a.Deriv(v), c.ref.Deriv},
				{"second derivative", d2[i], c.a.Deriv2(v), c.ref.Deriv2}} {
				if math.Float64bits(p.slice) != math.Float64bits(p.scal) {
					t.Fatalf("%s %s at %v: slice %v, scalar %v", c.a.Name(), p.name, v, p.slice, p.scal)
				}
				if math.Abs(v) > 12 {
					continue
				}
				want, scale := p.ref(v), 1e-300
				if c.a == GELU && p.name == "derivative" && math.Abs(v+0.75) < 0.5 {
					scale = 0.1 // GELU' crosses zero at −0.75
				}
				if c.a == GELU && p.name == "second derivative" && math.Abs(math.Abs(v)-math.Sqrt2) < 0.1 {
					scale = 0.1 // and GELU'' at ±√2, where 2 − x·x (no FMA) loses
				}
				if math.Abs(p.scal-want) > 4e-16*(4+v*v)*math.Max(math.Abs(want), scale) {
					t.Errorf("%s %s at %v: %v, math gives %v", c.a.Name(), p.name, v, p.scal, want)
				}
			}
		}
	}
}

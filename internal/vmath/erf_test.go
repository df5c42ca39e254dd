package vmath

import (
	"math"
	"testing"
)

// The references below are built from math.Erf, math.Erfc and math.Exp
// (each within 1 ulp) with their arguments carried to double precision:
// x/√2 = t + tLo and x² = s + sLo, the low parts applied as first-order
// corrections. Without them the rounding of x/√2 alone moves erfc by up to
// 2t²·2⁻⁵³ relative, over a thousand ulps in the tails.

// halfArg returns t + tLo = x/√2.
func halfArg(x float64) (t, tLo float64) {
	t = x * sqrtHalfHi
	return t, math.FMA(x, sqrtHalfHi, -t) + x*sqrtHalfLo
}

// millsRho returns erfc'(t)/erfc(t) negated, (2/√π)e^(−t²)/erfc(t), for t ≥ 0.
func millsRho(t float64) float64 {
	if t > 5 {
		u := 1 / (2 * t * t)
		return 2 * t / (1 - u + 3*u*u - 15*u*u*u)
	}
	return 2 / math.SqrtPi * math.Exp(-t*t) / math.Erfc(t)
}

// phiRef is the standard normal distribution function Φ(x) = erfc(−x/√2)/2.
func phiRef(x float64) float64 {
	if math.Abs(x) > 45 {
		return math.Max(0, math.Copysign(1, x))
	}
	t, tLo := halfArg(-x)
	if t > 0 {
		return 0.5 * math.Erfc(t) * (1 - tLo*millsRho(t))
	}
	return 0.5 * (math.Erfc(t) - 2/math.SqrtPi*math.Exp(-t*t)*tLo)
}

// pdfRef is e^(−x²/2) (times 1/√(2π) outside), and tailRef returns e1,
// e2 and M with e^(−x²/2) = e1·e2 and Φ(−|x|) = e1·e2·M/√(2π) for |x| ≥ 30
// (M Mills' ratio by its asymptotic series): e2 is 1 unless φ is near the
// subnormals, where multiplying by e2 last rounds the products once.
func pdfRef(x float64) float64 {
	if math.Abs(x) > 45 {
		return 0
	}
	s := x * x
	sLo := math.FMA(x, x, -s)
	return math.Exp(-0.5*s) * (1 - 0.5*sLo)
}

func tailRef(x float64) (e1, e2, m float64) {
	e1, e2 = pdfRef(x), 1
	if math.Abs(x) > 37 {
		s := x * x
		e1 = math.Exp(-0.25*s) * (1 - 0.25*math.FMA(x, x, -s))
		e2 = e1
	}
	u, term := math.Abs(x), 1/math.Abs(x)
	for k := 1; k <= 10; k++ {
		m += term
		term *= -float64(2*k-1) / (u * u)
	}
	return e1, e2, m
}

func erfSqrt2Ref(x float64) float64 {
	if math.Abs(x) < 0x1p-900 {
		return x * sqrt2OverPi
	}
	if math.Abs(x) > 45 {
		return math.Copysign(1, x)
	}
	t, tLo := halfArg(x)
	return math.Erf(t) + 2/math.SqrtPi*math.Exp(-t*t)*tLo
}

// gaussRefs are the references of every function of erf.go, with the
// limits at ±∞.
var gaussRefs = []struct {
	name    string
	got     func(float64) float64
	want    func(float64) float64
	maxUlps float64
}{
	{"gelu", func(x float64) float64 { y, _ := GELU(x); return y }, func(x float64) float64 {
		if x < -45 {
			return math.Copysign(0, -1)
		}
		if x < -30 {
			e1, e2, m := tailRef(x)
			return x * invSqrt2Pi * m * e1 * e2
		}
		return x * phiRef(x)
	}, 8},
	{"gelu'", func(x float64) float64 { _, d := GELU(x); return d }, func(x float64) float64 {
		if math.Abs(x) > 45 {
			return phiRef(x)
		}
		if x < -30 {
			e1, e2, m := tailRef(x)
			return invSqrt2Pi * e1 * (m + x) * e2
		}
		return phiRef(x) + x*invSqrt2Pi*pdfRef(x)
	}, 10},
	{"gelu''", GELUDeriv2, func(x float64) float64 {
		if math.Abs(x) > 45 {
			return 0
		}
		if math.Abs(x) > 30 {
			e1, e2, _ := tailRef(x)
			return invSqrt2Pi * e1 * math.FMA(-x, x, 2) * e2
		}
		return invSqrt2Pi * pdfRef(x) * math.FMA(-x, x, 2)
	}, 6},
	{"erf(x/√2)", func(x float64) float64 { y, _ := ErfSqrt2(x); return y }, erfSqrt2Ref, 3},
	{"erf(x/√2)'", func(x float64) float64 { _, d := ErfSqrt2(x); return d }, func(x float64) float64 {
		if math.Abs(x) > 30 && math.Abs(x) < 45 {
			e1, e2, _ := tailRef(x)
			return sqrt2OverPi * e1 * e2
		}
		return sqrt2OverPi * pdfRef(x)
	}, 5},
	{"erf(x/√2)''", ErfSqrt2Deriv2, func(x float64) float64 {
		if math.Abs(x) > 45 {
			return 0
		}
		if math.Abs(x) > 30 {
			e1, e2, _ := tailRef(x)
			return -x * sqrt2OverPi * e1 * e2
		}
		return -x * sqrt2OverPi * pdfRef(x)
	}, 6},
}

// gaussInputs adds to testInputs a dense grid over [−40, 40] (step 2⁻¹⁰,
// 2⁻⁸ with -short) and the neighbours of the interval breaks.
func gaussInputs() []float64 {
	xs := testInputs()
	step := 0x1p-10
	if testing.Short() {
		step = 0x1p-8
	}
	for x := -40.0; x <= 40; x += step {
		xs = append(xs, x)
	}
	for _, a := range []float64{erfBreak1, erfBreak2, erfBreak3, 6, 27.2, 27.3, 28} {
		x := a / sqrtHalfHi
		for range 4 {
			x = math.Nextafter(x, 0)
		}
		for range 8 {
			xs = append(xs, x, -x)
			x = math.Nextafter(x, 100)
		}
	}
	return xs
}

// TestGaussAccuracy compares GELU, erf(x/√2) and their derivatives with
// the references, in ulps. The bounds include the references' own error,
// which is most of it: against 150-bit values (mpmath) the functions are
// within the few ulps that the package doc states. Where a value crosses zero (GELU' near −0.75,
// GELU” at ±√2) no formula keeps relative precision, so there the bound
// is in ulps of the largest term; subnormal results are compared in
// multiples of the smallest subnormal, of which the references (a normal
// product rounded into the subnormals, then multiplied) lose up to |x|/2.
func TestGaussAccuracy(t *testing.T) {
	xs := gaussInputs()
	for _, c := range gaussRefs {
		worst, at := 0.0, 0.0
		for _, x := range xs {
			got, want := c.got(x), c.want(x)
			var u float64
			switch {
			case want == 0 && got == 0:
			case math.Abs(want) < 0x1p-1022:
				u = math.Abs(got-want) / 0x1p-1074
			case c.name == "gelu'" && math.Abs(x+0.75) < 0.25:
				u = math.Abs(got-want) / (0x1p-52 * math.Max(math.Abs(phiRef(x)), 1))
			default:
				u = ulps(got, want)
			}
			if u > worst {
				worst, at = u, x
			}
		}
		t.Logf("%s: worst %v ulps at x = %v", c.name, worst, at)
		if worst > c.maxUlps {
			t.Errorf("%s: %v ulps at x = %v (got %v, want %v)", c.name, worst, at, c.got(at), c.want(at))
		}
	}
}

// TestGaussSpecial checks exact values at ±0, ±∞ and NaN.
func TestGaussSpecial(t *testing.T) {
	negZero, inf, nan := math.Copysign(0, -1), math.Inf(1), math.NaN()
	for _, c := range []struct {
		x, gelu, dgelu, d2gelu, erf, derf, d2erf float64
	}{
		{0, 0, 0.5, 2 * invSqrt2Pi, 0, sqrt2OverPi, negZero},
		{negZero, negZero, 0.5, 2 * invSqrt2Pi, negZero, sqrt2OverPi, 0},
		{inf, inf, 1, negZero, 1, 0, negZero},
		{-inf, negZero, 0, negZero, -1, 0, 0},
		{nan, nan, nan, nan, nan, nan, nan},
	} {
		y, dy := GELU(c.x)
		e, de := ErfSqrt2(c.x)
		for _, v := range []struct {
			name      string
			got, want float64
		}{{"gelu", y, c.gelu}, {"gelu'", dy, c.dgelu}, {"gelu''", GELUDeriv2(c.x), c.d2gelu},
			{"erf", e, c.erf}, {"erf'", de, c.derf}, {"erf''", ErfSqrt2Deriv2(c.x), c.d2erf}} {
			if math.Float64bits(v.got) != math.Float64bits(v.want) && !(math.IsNaN(v.got) && math.IsNaN(v.want)) {
				t.Errorf("%s(%v) = %v, want %v", v.name, c.x, v.got, v.want)
			}
		}
	}
}

// TestGaussAsmMatchesScalar checks that the AVX2 and AVX-512 kernels give
// the scalar functions' bits, on every input of gaussInputs.
func TestGaussAsmMatchesScalar(t *testing.T) {
	if !hasAsm {
		t.Skip("no AVX2+FMA")
	}
	xs := gaussInputs()
	n := len(xs) &^ 7
	xs = xs[:n]
	y, dy := make([]float64, n), make([]float64, n)
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	type path struct {
		name string
		ok   bool
	}
	paths := []path{{"AVX2", true}, {"AVX-512", has512}}
	for _, f := range []struct {
		name         string
		avx2, avx512 kernel
		scalar       func(float64) (float64, float64)
	}{{"gelu", geluAVX, geluAVX512, GELU}, {"erf", erfSqrt2AVX, erfSqrt2AVX512, ErfSqrt2}} {
		for i, p := range paths {
			if !p.ok {
				continue
			}
			k := f.avx2
			if i == 1 {
				k = f.avx512
			}
			clear(y)
			clear(dy)
			k(&y[0], &dy[0], &xs[0], n)
			for i, x := range xs {
				if w, dw := f.scalar(x); !same(y[i], w) || !same(dy[i], dw) {
					t.Fatalf("%s(%v): %s %v, %v; scalar %v, %v", f.name, x, p.name, y[i], dy[i], w, dw)
				}
			}
		}
	}
	for _, f := range []struct {
		name         string
		avx2, avx512 single
		scalar       func(float64) float64
	}{{"gelu''", geluDeriv2AVX, geluDeriv2AVX512, GELUDeriv2}, {"erf''", erfSqrt2Deriv2AVX, erfSqrt2Deriv2AVX512, ErfSqrt2Deriv2}} {
		for i, p := range paths {
			if !p.ok {
				continue
			}
			k := f.avx2
			if i == 1 {
				k = f.avx512
			}
			clear(y)
			k(&y[0], &xs[0], n)
			for i, x := range xs {
				if w := f.scalar(x); !same(y[i], w) {
					t.Fatalf("%s(%v): %s %v; scalar %v", f.name, x, p.name, y[i], w)
				}
			}
		}
	}
}

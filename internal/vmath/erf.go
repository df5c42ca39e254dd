package vmath

import "math"

// The Gaussian functions: GELU(x) = x·Φ(x), with Φ the standard normal
// distribution function, and erf(x/√2) = 2Φ(x) − 1, each with its first and
// second derivatives, which need φ(x) = e^(−x²/2)/√(2π).
//
// With a = |x|/√2, everything comes from three pieces:
//
//   - a rational function R = N(w)/D(w) of math.Erf (FreeBSD's s_erf.c) on
//     four intervals of a, j = 0…3 at the breaks 0.84375, 1.25 and ≈ 1/0.35,
//     in w = a², a − 1, 1/a² and 1/a². The slice kernels evaluate it in one
//     pass with the coefficients of each value's interval picked from
//     four-entry tables (a permute per coefficient, the same bits as the
//     scalar table lookup), zero-padded to one degree;
//   - erfc(a) = e^(−z²−0.5625+(z−a)(z+a)+R)/a on the two upper intervals,
//     where z is a with its low 32 bits cleared, so that z² and the large
//     part of the exponent are exact;
//   - φ(x) = e^(−z²+(z−a)(z+a))/√(2π).
//
// Both exponentials take their argument as an exact large part and a small
// correction (expReduce2), and a itself is carried as a rounded value plus
// its rounding error (the product |x|·(1/√2) loses up to 2a²·2⁻⁵³ of
// relative precision in e^(−a²) otherwise: hundreds of ulps in the tails).
// Results that are subnormal are scaled by 2^k last, so they are rounded
// once.

const (
	sqrtHalfHi = 0.7071067811865476     // 1/√2 rounded
	sqrtHalfLo = -4.833646656726457e-17 // 1/√2 − sqrtHalfHi
	// gaussXMax bounds |x|: a = |x|/√2 ≤ 28.3, where erfc(a) and φ are
	// far below the subnormals and 2^k still splits into two normal factors.
	gaussXMax   = 40
	erfBreak1   = 0.84375
	erfBreak2   = 1.25
	erx         = 8.45062911510467529297e-01 // erf(1) to 27 bits: 1 ± erx is exact
	invSqrt2Pi  = 0.3989422804014327         // 1/√(2π)
	sqrt2OverPi = 0.7978845608028654         // √(2/π)
)

// erfBreak3 is FreeBSD's 1/0.35 break, the largest float with high word
// 0x4006DB6C, as math.Erf compares high words.
var erfBreak3 = math.Float64frombits(0x4006DB6D00000000)

// erfN[k][j] and erfD[k][j] are the coefficients of w^k in the numerator
// and denominator of R on interval j (math.Erf's pp, qq; pa, qa; ra, sa;
// rb, sb), zero above each interval's degree.
var erfN = [8][4]float64{
	{1.28379167095512558561e-01, -2.36211856075265944077e-03, -9.86494403484714822705e-03, -9.86494292470009928597e-03},
	{-3.25042107247001499370e-01, 4.14856118683748331666e-01, -6.93858572707181764372e-01, -7.99283237680523006574e-01},
	{-2.84817495755985104766e-02, -3.72207876035701323847e-01, -1.05586262253232909814e+01, -1.77579549177547519889e+01},
	{-5.77027029648944159157e-03, 3.18346619901161753674e-01, -6.23753324503260060396e+01, -1.60636384855821916062e+02},
	{-2.37630166566501626084e-05, -1.10894694282396677476e-01, -1.62396669462573470355e+02, -6.37566443368389627722e+02},
	{0, 3.54783043256182359371e-02, -1.84605092906711035994e+02, -1.02509513161107724954e+03},
	{0, -2.16637559486879084300e-03, -8.12874355063065934246e+01, -4.83519191608651397019e+02},
	{0, 0, -9.81432934416914548592e+00, 0},
}

var erfD = [9][4]float64{
	{1, 1, 1, 1},
	{3.97917223959155352819e-01, 1.06420880400844228286e-01, 1.96512716674392571292e+01, 3.03380607434824582924e+01},
	{6.50222499887672944485e-02, 5.40397917702171048937e-01, 1.37657754143519042600e+02, 3.25792512996573918826e+02},
	{5.08130628187576562776e-03, 7.18286544141962662868e-02, 4.34565877475229228821e+02, 1.53672958608443695994e+03},
	{1.32494738004321644526e-04, 1.26171219808761642112e-01, 6.45387271733267880336e+02, 3.19985821950859553908e+03},
	{-3.96022827877536812320e-06, 1.36370839120290507362e-02, 4.29008140027567833386e+02, 2.55305040643316442583e+03},
	{0, 1.19844998467991074170e-02, 1.08635005541779435134e+02, 4.74528541206955367215e+02},
	{0, 0, 6.57024977031928170135e+00, -2.24409524465858183362e+01},
	{0, 0, -6.04244152148580987438e-02, 0},
}

// expReduce2 is expReduce for the argument hi + lo, where hi is exact and
// |lo| is small: k comes from the rounded sum, and lo joins r after the
// reduction of hi.
func expReduce2(hi, lo float64) (q, t float64) {
	t = math.FMA(hi+lo, log2e, shift)
	kf := t - shift
	r := math.FMA(-kf, ln2Hi, hi)
	r = math.FMA(-kf, ln2Lo, r)
	return expPoly(r + lo), t
}

// gaussArg returns a + aLo = |x|/√2 (|x| clamped to gaussXMax, NaN kept),
// z² and lo with −a² = −z² + lo to about 2⁻¹⁰⁶ relative.
func gaussArg(x float64) (a, aLo, z2, lo float64) {
	xa := clampHi(gaussXMax, math.Abs(x))
	a = float64(xa * sqrtHalfHi)
	aLo = math.FMA(xa, sqrtHalfLo, math.FMA(xa, sqrtHalfHi, -a))
	z := math.Float64frombits(math.Float64bits(a) &^ 0xffffffff)
	z2 = float64(z * z)
	lo = math.FMA(-2*a, aLo, float64((z-a)*(z+a)))
	return a, aLo, z2, lo
}

// flipSign returns v with its sign flipped if x is negative (an XOR of
// sign bits).
func flipSign(v, x float64) float64 {
	if math.Signbit(x) {
		return -v
	}
	return v
}

// erfRatio returns a's interval j and R = N(w)/D(w) there (j = 0 for NaN).
func erfRatio(a float64) (j int, r float64) {
	if a >= erfBreak1 {
		j++
	}
	if a >= erfBreak2 {
		j++
	}
	if a >= erfBreak3 {
		j++
	}
	var w float64
	switch j {
	case 0:
		w = float64(a * a)
	case 1:
		w = a - 1
	default:
		w = 1 / float64(a*a)
	}
	n := erfN[7][j]
	for k := 6; k >= 0; k-- {
		n = math.FMA(n, w, erfN[k][j])
	}
	d := erfD[8][j]
	for k := 7; k >= 1; k-- {
		d = math.FMA(d, w, erfD[k][j])
	}
	d = math.FMA(d, w, 1)
	return j, n / d
}

// erfcPart returns h and t with erfc(a) = 2·h·2^k for j ≥ 2, t holding k
// (see scale).
func erfcPart(a, z2, lo, r float64) (h, t float64) {
	q, t := expReduce2(-0.5625-z2, lo+r)
	return float64((1+q)/a) * 0.5, t
}

// gaussPDF returns m and t with c·e^(−x²/2) = m·2^k, t holding k (see
// scale), from gaussArg's z² and lo. Callers multiply m by what φ is
// multiplied with before scaling, so that the product is rounded once
// where φ is subnormal but the product is not.
func gaussPDF(z2, lo, c float64) (m, t float64) {
	q, t := expReduce2(-z2, lo)
	return float64(c * (1 + q)), t
}

// clampX returns x clamped to ±gaussXMax (NaN kept).
func clampX(x float64) float64 { return clampHi(gaussXMax, clampLo(-gaussXMax, x)) }

// GELU returns x·Φ(x) and its derivative Φ(x) + x·φ(x). GELU(−∞) = −0 and
// GELU'(±∞) = 0 and 1, the limits.
func GELU(x float64) (y, dy float64) {
	a, aLo, z2, lo := gaussArg(x)
	j, r := erfRatio(a)
	var p float64 // Φ(x)
	switch j {
	case 0:
		// Φ = ½ + ½·erf(x/√2) = ½ + ½(s + s·R), s = ±(a + aLo), the large
		// part ½ + ½a added last.
		h, hLo := 0.5*flipSign(a, x), 0.5*flipSign(aLo, x)
		p = (0.5 + h) + math.FMA(h, r, hLo)
		y = x * p
	case 1:
		b, rs := 1+erx, r
		if math.Signbit(x) {
			b, rs = 1-erx, -r
		}
		p = 0.5 * (b + rs)
		y = x * p
	default:
		h, t := erfcPart(a, z2, lo, r)
		p = scale(h, t)
		if math.Signbit(x) {
			y = scale(float64(clampLo(-gaussXMax, x)*h), t)
		} else {
			p = 1 - p
			y = x * p
		}
	}
	// Φ + x·φ, with x·φ's rounding error added back after scaling, which
	// rounds once where φ is subnormal and is nearly an FMA elsewhere.
	m, t := gaussPDF(z2, lo, invSqrt2Pi)
	xc := clampX(x)
	xm := float64(xc * m)
	e := math.FMA(xc, m, -xm)
	return y, (p + scale(xm, t)) + scale(e, t)
}

// GELUDeriv2 returns the second derivative of GELU, φ(x)·(2 − x²).
func GELUDeriv2(x float64) float64 {
	_, _, z2, lo := gaussArg(x)
	xc := clampX(x)
	m, t := gaussPDF(z2, lo, invSqrt2Pi)
	return scale(float64(m*math.FMA(-xc, xc, 2)), t)
}

// ErfSqrt2 returns erf(x/√2) = 2Φ(x) − 1 and its derivative 2φ(x).
func ErfSqrt2(x float64) (y, dy float64) {
	a, aLo, z2, lo := gaussArg(x)
	j, r := erfRatio(a)
	switch j {
	case 0:
		s := flipSign(a, x)
		y = s + math.FMA(s, r, flipSign(aLo, x))
	case 1:
		y = math.Copysign(erx+r, x)
	default:
		h, t := erfcPart(a, z2, lo, r)
		y = math.Copysign(1-scale(2*h, t), x)
	}
	m, t := gaussPDF(z2, lo, sqrt2OverPi)
	return y, scale(m, t)
}

// ErfSqrt2Deriv2 returns the second derivative of erf(x/√2), −2x·φ(x).
func ErfSqrt2Deriv2(x float64) float64 {
	_, _, z2, lo := gaussArg(x)
	m, t := gaussPDF(z2, lo, sqrt2OverPi)
	return scale(float64(-clampX(x)*m), t)
}

package vmath

import "math"

// useAsm and use512 report whether the AVX2 and AVX-512 kernels run;
// tests turn them off to compare the paths.
var useAsm, use512 = hasAsm, has512

// UseAsm turns the assembly kernels on or off (if the CPU has them) and
// returns the previous setting.
func UseAsm(on bool) (was bool) {
	was = useAsm
	useAsm, use512 = on && hasAsm, on && has512
	return was
}

const (
	expLo = -750.0 // e^x rounds to 0 below about −745.13
	expHi = 710.0  // and overflows above about 709.78
	log2e = 1.4426950408889634
	ln2Hi = 6.93147180369123816490e-01 // ln 2 to 33 bits: k·ln2Hi is exact
	ln2Lo = 1.90821492927058770002e-10 // ln 2 − ln2Hi
	shift = 0x1.8p52                   // adding it rounds to an integer
	// The bits of shift+k are 0x4338000000000000 + k, and those of shift
	// are a multiple of 2^13, so adding the exponent bias 1023 and shifting
	// left by 52 leaves the bits of 2^k; halving the bits first gives
	// 2^⌊k/2⌋. Exp scales by 2^⌊k/2⌋ and 2^(k−⌊k/2⌋) in turn so that
	// results down to the subnormals are rounded once.
	expBias = 1023
)

// Taylor coefficients 1/n! of e^r, n = 2…13.
const (
	c2  = 1.0 / 2
	c3  = 1.0 / 6
	c4  = 1.0 / 24
	c5  = 1.0 / 120
	c6  = 1.0 / 720
	c7  = 1.0 / 5040
	c8  = 1.0 / 40320
	c9  = 1.0 / 362880
	c10 = 1.0 / 3628800
	c11 = 1.0 / 39916800
	c12 = 1.0 / 479001600
	c13 = 1.0 / 6227020800
)

// expReduce returns q = e^r − 1 and t, the float whose bits hold k, for
// x = k·ln2 + r (x already clamped to the range where k fits). The
// polynomial is evaluated in Estrin's scheme, pairs of terms combined with
// r², r⁴ and r⁸: its dependency chain is 4 fused multiply-adds deep
// instead of Horner's 12, which is what bounds the speed of the slice
// kernels.
func expReduce(x float64) (q, t float64) {
	t = math.FMA(x, log2e, shift)
	kf := t - shift
	r := math.FMA(-kf, ln2Hi, x)
	r = math.FMA(-kf, ln2Lo, r)
	return expPoly(r), t
}

// expPoly returns e^r − 1 for |r| ≤ ln2/2 (a little more is harmless).
func expPoly(r float64) float64 {
	r2 := r * r
	p := math.FMA(math.FMA(c5, r, c4), r2, math.FMA(c3, r, c2))
	q1 := math.FMA(math.FMA(c9, r, c8), r2, math.FMA(c7, r, c6))
	q2 := math.FMA(math.FMA(c13, r, c12), r2, math.FMA(c11, r, c10))
	r4 := r2 * r2
	p = math.FMA(q1, r4, p)
	p = math.FMA(q2, r4*r4, p)
	return math.FMA(r2, p, r)
}

// Explicit float64 conversions of products below keep the compiler from
// fusing them into a following addition (as it may with GOAMD64=v3): the
// assembly rounds them separately, and the paths must agree bit for bit.

// clampLo returns lo if lo > x and x otherwise, NaN included: the
// semantics of the MAXPD instruction with x as its second operand.
func clampLo(lo, x float64) float64 {
	if lo > x {
		return lo
	}
	return x
}

// clampHi is the MINPD counterpart of clampLo.
func clampHi(hi, x float64) float64 {
	if hi < x {
		return hi
	}
	return x
}

// Exp returns e^x to within 1 ulp, bit-for-bit what ExpSlice computes.
func Exp(x float64) float64 {
	x = clampHi(expHi, clampLo(expLo, x))
	q, t := expReduce(x)
	return scale(1+q, t)
}

// scale returns p·2^k for k held in the bits of t.
func scale(p, t float64) float64 {
	bt := math.Float64bits(t)
	h := bt >> 1
	s1 := math.Float64frombits((h + expBias) << 52)
	s2 := math.Float64frombits((bt - h + expBias) << 52)
	return float64(p * s1 * s2)
}

// expNeg is Exp for x ≤ 0 (or NaN), which needs no upper clamp.
func expNeg(x float64) float64 {
	q, t := expReduce(clampLo(expLo, x))
	return scale(1+q, t)
}

const (
	log1pSplit = math.Sqrt2 - 1
	lgL1       = 6.666666666666735130e-01
	lgL2       = 3.999999999940941908e-01
	lgL3       = 2.857142874366239149e-01
	lgL4       = 2.222219843214978396e-01
	lgL5       = 1.818357216161805012e-01
	lgL6       = 1.531383769920937332e-01
	lgL7       = 1.479819860511658591e-01
)

// log1pUnit returns log(1+e) for 0 ≤ e ≤ 1: with 1+e = 2^k·(1+f) and
// √2/2 ≤ 1+f < √2, log(1+f) = 2·atanh(f/(2+f)) by math.Log's polynomial.
func log1pUnit(e float64) float64 {
	f, k := e, 0.0
	if e >= log1pSplit {
		f, k = float64((e-1)*0.5), 1
	}
	s := f / (2 + f)
	s2 := s * s
	s4 := s2 * s2
	t1 := float64(s2 * math.FMA(s4, math.FMA(s4, math.FMA(s4, lgL7, lgL5), lgL3), lgL1))
	t2 := float64(s4 * math.FMA(s4, math.FMA(s4, lgL6, lgL4), lgL2))
	hfsq := float64(0.5 * f * f)
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+(t1+t2))) + float64(k*ln2Lo))) - f)
}

// pos returns x if x > 0 and 0 otherwise (MAXPD with 0 second).
func pos(x float64) float64 {
	if x > 0 {
		return x
	}
	return 0
}

// sigmoidParts returns σ(x), σ'(x) = σ(x)σ(−x) and e = e^−|x|, each with
// full relative precision. The sign selects a factor rather than a branch:
// σ(x) is q = 1/(1+e) for x ≥ 0 and e·q for x < 0.
func sigmoidParts(x float64) (s, ds, e float64) {
	e = expNeg(-math.Abs(x))
	q := 1 / (1 + e)
	sel := 1.0
	if math.Signbit(x) {
		sel = e
	}
	return float64(q * sel), float64(e * q * q), e
}

// Sigmoid returns 1/(1+e^−x) and its derivative.
func Sigmoid(x float64) (y, dy float64) {
	s, ds, _ := sigmoidParts(x)
	return s, ds
}

// Softplus returns log(1+e^x) = max(x,0) + log1p(e^−|x|) and its
// derivative, the sigmoid.
func Softplus(x float64) (y, dy float64) {
	s, _, e := sigmoidParts(x)
	return pos(x) + log1pUnit(e), s
}

// G returns g(x) = sigmoid(4x) + softplus(x) and g'(x) = 4σ'(4x) + σ(x).
func G(x float64) (y, dy float64) {
	s4, ds4, _ := sigmoidParts(4 * x)
	s, _, e := sigmoidParts(x)
	return s4 + pos(x) + log1pUnit(e), 4*ds4 + s
}

// SiLU returns x·σ(x) and its derivative σ(x) + x·σ'(x).
func SiLU(x float64) (y, dy float64) {
	s, ds, _ := sigmoidParts(x)
	return x * s, math.FMA(x, ds, s)
}

// Tanh returns tanh x and 1 − tanh²x, both with full relative precision.
// With e2 = e^(−2|x|) and m = e2 − 1, tanh|x| = −m/(2+m) and
// 1 − tanh²x = 4·e2/(2+m)². When the reduction's k is 0, m is the
// polynomial's e^r − 1 itself, which keeps its relative precision near 0;
// otherwise |m| > 0.29 and e2 − 1 loses nothing.
func Tanh(x float64) (y, dy float64) {
	q, t := expReduce(clampLo(expLo, -2*math.Abs(x)))
	e2 := scale(1+q, t)
	m := e2 - 1
	if t == shift {
		m = q
	}
	inv := 1 / (2 + m)
	th := math.Abs(-m * inv)
	return math.Copysign(th, x), 4 * e2 * inv * inv
}

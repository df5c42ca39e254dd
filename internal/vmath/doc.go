// Package vmath evaluates the activation functions of package mlp, with
// their first derivatives, over whole slices. On amd64 with AVX-512 (or
// AVX2 and FMA) the bulk of a slice goes through assembly that handles
// eight (or four) values at a time; elsewhere, and for the last few values,
// the scalar functions of vmath.go run. Both paths perform the same IEEE operations in the same order
// (fused multiply-adds exactly where the assembly has them), so every
// result is bit-for-bit the same on every machine, whatever its position in
// a slice.
//
// The exponential reduces x = k·ln2 + r with |r| ≤ ln2/2 and evaluates
// e^r by its degree-13 Taylor polynomial (truncation below 5e−18), so it
// needs no table lookups, which do not vectorise; it is within 1 ulp of
// math.Exp, subnormal results included. The logarithm is math.Log's
// polynomial (FreeBSD's e_log.c), specialised to log(1+e) for 0 ≤ e ≤ 1.
//
// GELU, erf(x/√2) and their first and second derivatives (erf.go) use
// math.Erf's rational functions on its four intervals, the coefficients of
// each value's interval picked by permutes from four-entry tables, and the
// exponential above with its argument split into an exact part and a small
// correction. Against 150-bit references (testdata/gauss_mpmath.py) they
// are within 4 ulps (GELU), 5 (GELU', in ulps of Φ near its zero at
// x ≈ −0.75), 3 (GELU's second derivative), 1 (erf), 2 (its derivative)
// and 3 (its second derivative), subnormal results included.
package vmath

package vmath

import (
	"github.com/paramrecovery/expandcluster/internal/cputime"
	"math"
	"math/rand/v2"
	"testing"
)

// ulps returns the distance of got from want in units in the last place
// (the number of floats between them); NaNs must agree.
func ulps(got, want float64) float64 {
	if math.IsNaN(want) || math.IsNaN(got) {
		if math.IsNaN(want) && math.IsNaN(got) {
			return 0
		}
		return math.Inf(1)
	}
	if got == want {
		return 0
	}
	if math.Signbit(got) != math.Signbit(want) {
		return math.Inf(1)
	}
	a, b := int64(math.Float64bits(got)), int64(math.Float64bits(want))
	return math.Abs(float64(a - b))
}

// testInputs covers every binade from subnormal to huge, both signs, plus
// the special values, and a dense stretch of the range where activations
// live.
func testInputs() []float64 {
	rng := rand.New(rand.NewPCG(3, 4))
	xs := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(),
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64,
		708, 709, 709.78, 709.79, 710, -708, -708.4, -709, -720, -740, -745, -745.13, -745.2, -750, -800,
		20, -20, 19.06, 40, 177, 178, 187, 188, 0.41421356237309503, -0.881373587019543}
	for e := -1074; e < 1024; e += 3 {
		v := math.Ldexp(1+rng.Float64(), e)
		xs = append(xs, v, -v)
	}
	random := 200000
	if testing.Short() {
		random = 20000
	}
	for range random {
		xs = append(xs, 8*rng.NormFloat64(), (rng.Float64()-0.5)*1600)
	}
	return xs
}

// TestAsmMatchesScalar checks that the assembly and scalar paths give the
// same bits, which makes results independent of the CPU and of a value's
// position in a slice.
func TestAsmMatchesScalar(t *testing.T) {
	if !hasAsm {
		t.Skip("no AVX2+FMA")
	}
	xs := testInputs()
	n := len(xs) &^ 3
	xs = xs[:n]
	y0, y1 := make([]float64, n), make([]float64, n)
	d0, d1 := make([]float64, n), make([]float64, n)
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	expAVX(&y0[0], &xs[0], n)
	for i, x := range xs {
		if w := Exp(x); !same(y0[i], w) {
			t.Fatalf("exp(%v): asm %v, scalar %v", x, y0[i], w)
		}
	}
	if has512 {
		n8 := n &^ 7
		expAVX512(&y0[0], &xs[0], n8)
		for i, x := range xs[:n8] {
			if w := Exp(x); !same(y0[i], w) {
				t.Fatalf("exp(%v): AVX-512 %v, scalar %v", x, y0[i], w)
			}
		}
	}
	for _, f := range []struct {
		name         string
		avx2, avx512 kernel
		scalar       func(float64) (float64, float64)
	}{{"sigmoid", sigmoidAVX, sigmoidAVX512, Sigmoid}, {"silu", siluAVX, siluAVX512, SiLU},
		{"softplus", softplusAVX, softplusAVX512, Softplus}, {"g", gAVX, gAVX512, G}, {"tanh", tanhAVX, tanhAVX512, Tanh}} {
		for i, x := range xs {
			y1[i], d1[i] = f.scalar(x)
		}
		for _, k := range []struct {
			path   string
			kernel kernel
			n      int
			ok     bool
		}{{"AVX2", f.avx2, n, true}, {"AVX-512", f.avx512, n &^ 7, has512}} {
			if !k.ok {
				continue
			}
			k.kernel(&y0[0], &d0[0], &xs[0], k.n)
			for i, x := range xs[:k.n] {
				if !same(y0[i], y1[i]) || !same(d0[i], d1[i]) {
					t.Fatalf("%s(%v): %s %v, %v; scalar %v, %v", f.name, x, k.path, y0[i], d0[i], y1[i], d1[i])
				}
			}
		}
	}
}

func sigmoidRef(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func sigmoidPrimeRef(x float64) float64 {
	e := math.Exp(-math.Abs(x))
	return e / ((1 + e) * (1 + e))
}

// expRef is math.Exp, whose amd64 assembly overflows early, above about
// 709.43; there e^(x−1)·e is within an ulp.
func expRef(x float64) float64 {
	if x > 709 && x < 709.79 {
		return math.Exp(x-1) * math.E
	}
	return math.Exp(x)
}

func softplusRef(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// TestAccuracy compares every function with one built from package math,
// over the full range, in ulps. The references themselves are off by up to
// about 2 ulps (math.Exp alone 1), which the bounds include; against an
// exact reference Exp is within 1 ulp.
func TestAccuracy(t *testing.T) {
	xs := testInputs()
	type check struct {
		name      string
		got, want func(float64) float64
		maxUlps   float64
	}
	val := func(f func(float64) (float64, float64)) func(float64) float64 {
		return func(x float64) float64 { y, _ := f(x); return y }
	}
	der := func(f func(float64) (float64, float64)) func(float64) float64 {
		return func(x float64) float64 { _, d := f(x); return d }
	}
	checks := []check{
		{"exp", Exp, expRef, 2},
		{"sigmoid", val(Sigmoid), sigmoidRef, 3},
		{"sigmoid'", der(Sigmoid), sigmoidPrimeRef, 4},
		{"silu", val(SiLU), func(x float64) float64 { return x * sigmoidRef(x) }, 4},
		{"softplus", val(Softplus), softplusRef, 3},
		{"softplus'", der(Softplus), sigmoidRef, 3},
		{"g", val(G), func(x float64) float64 { return sigmoidRef(4*x) + softplusRef(x) }, 4},
		{"g'", der(G), func(x float64) float64 { return 4*sigmoidPrimeRef(4*x) + sigmoidRef(x) }, 4},
		{"tanh", val(Tanh), math.Tanh, 3},
		{"tanh'", der(Tanh), func(x float64) float64 {
			e := math.Exp(-2 * math.Abs(x))
			return 4 * e / ((1 + e) * (1 + e))
		}, 8},
	}
	for _, c := range checks {
		worst, at := 0.0, 0.0
		for _, x := range xs {
			want := c.want(x)
			if c.name == "silu" && x < -708 {
				continue // σ(x) is subnormal: neither side has relative precision
			}
			if u := ulps(c.got(x), want); u > worst {
				worst, at = u, x
			}
		}
		if worst > c.maxUlps {
			t.Errorf("%s: %v ulps at x = %v (got %v, want %v)", c.name, worst, at, c.got(at), c.want(at))
		}
	}
}

// TestSiLUPrime checks σ(x) + x·σ'(x), which crosses zero near x = −1.28:
// there no formula keeps relative precision, so the bound is a few ulps of
// the larger term.
func TestSiLUPrime(t *testing.T) {
	for _, x := range testInputs() {
		if math.IsInf(x, 0) || math.IsNaN(x) || x < -708 { // σ(x) subnormal below −708
			continue
		}
		_, got := SiLU(x)
		s, ds := sigmoidRef(x), x*sigmoidPrimeRef(x)
		if err := math.Abs(got - (s + ds)); err > 8e-16*math.Max(math.Abs(s), math.Abs(ds)) {
			t.Fatalf("silu'(%v) = %v, want %v", x, got, s+ds)
		}
	}
}

// BenchmarkSlices measures value and derivative over 16 384 Gaussian
// pre-activations.
func BenchmarkSlices(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 1<<14)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	y, dy := make([]float64, len(x)), make([]float64, len(x))
	for _, f := range []struct {
		name string
		fn   func(y, dy, x []float64)
	}{{"sigmoid", SigmoidSlice}, {"silu", SiLUSlice}, {"softplus", SoftplusSlice}, {"g", GSlice}, {"tanh", TanhSlice},
		{"exp", func(y, _, x []float64) { ExpSlice(y, x) }}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.fn(y, dy, x)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(x)), "ns/elem")
		})
	}
}

// scalarLoop runs a scalar function over a slice, for comparison with the
// slice kernels.
func scalarLoop(f func(float64) (float64, float64)) func(y, dy, x []float64) {
	return func(y, dy, x []float64) {
		for i, v := range x {
			y[i], dy[i] = f(v)
		}
	}
}

// geluMath and erfMath are the formulas through package math that package
// mlp used before these kernels.
func geluMath(x float64) (float64, float64) {
	c, p := 0.5*math.Erfc(-x/math.Sqrt2), invSqrt2Pi*math.Exp(-0.5*x*x)
	return x * c, c + x*p
}

func erfMath(x float64) (float64, float64) {
	return math.Erf(x / math.Sqrt2), 2 * invSqrt2Pi * math.Exp(-0.5*x*x)
}

// BenchmarkGauss is BenchmarkSlices for the functions of erf.go, each as a
// slice kernel (impl=slice), as its scalar function over the slice
// (impl=scalar) and as the formula through package math (impl=math), for
// benchstat -col /impl.
func BenchmarkGauss(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 1<<14)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	y, dy := make([]float64, len(x)), make([]float64, len(x))
	second := func(f func(y, x []float64)) func(y, dy, x []float64) {
		return func(y, _, x []float64) { f(y, x) }
	}
	secondLoop := func(f func(float64) float64) func(y, dy, x []float64) {
		return func(y, _, x []float64) {
			for i, v := range x {
				y[i] = f(v)
			}
		}
	}
	for _, f := range []struct {
		name, impl string
		fn         func(y, dy, x []float64)
	}{
		{"gelu", "slice", GELUSlice}, {"gelu", "scalar", scalarLoop(GELU)}, {"gelu", "math", scalarLoop(geluMath)},
		{"gelu2", "slice", second(GELUDeriv2Slice)}, {"gelu2", "scalar", secondLoop(GELUDeriv2)},
		{"gelu2", "math", secondLoop(func(v float64) float64 { return invSqrt2Pi * math.Exp(-0.5*v*v) * (2 - v*v) })},
		{"erf", "slice", ErfSqrt2Slice}, {"erf", "scalar", scalarLoop(ErfSqrt2)}, {"erf", "math", scalarLoop(erfMath)},
		{"erf2", "slice", second(ErfSqrt2Deriv2Slice)}, {"erf2", "scalar", secondLoop(ErfSqrt2Deriv2)},
		{"erf2", "math", secondLoop(func(v float64) float64 { return -2 * v * invSqrt2Pi * math.Exp(-0.5*v*v) })},
	} {
		b.Run("fn="+f.name+"/impl="+f.impl, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cputime.Start()
			for b.Loop() {
				f.fn(y, dy, x)
			}
			cpu.Report(b)
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(x)), "ns/elem")
		})
	}
}

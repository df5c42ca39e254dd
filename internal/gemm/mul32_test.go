package gemm

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// single returns a float64 operand rounded to float32, and rounds d in
// place to the same values, so that float64 products of d are the exact
// reference for float32 products of the result.
func single(d []float64) []float32 {
	s := make([]float32, len(d))
	for i, v := range d {
		s[i] = float32(v)
		d[i] = float64(s[i])
	}
	return s
}

// TestMul32MatchesNaive checks Mul32 against the float64 product of the
// same float32 operands, to float32's precision over a k-block, on odd
// shapes and every layout, and that the Go and assembly kernels give the
// same bits.
func TestMul32MatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := [][3]int{{1, 1, 1}, {1, 1, 300}, {5, 7, 3}, {6, 16, 256}, {7, 17, 257}, {13, 1, 600}, {1, 17, 40},
		{130, 21, 5}, {61, 1029, 3}, {72, 784, 2000}}
	if testing.Short() {
		shapes = shapes[:8]
	}
	for _, sh := range shapes {
		m, n, k := sh[0], sh[1], sh[2]
		for layout := range 4 {
			ta, tb := layout&1 != 0, layout&2 != 0
			a64, ars, acs := operand(rng, m, k, ta)
			b64, brs, bcs := operand(rng, k, n, tb)
			a, b := single(a64), single(b64)
			for _, add := range []bool{false, true} {
				ldc := n + 1
				c0 := make([]float64, m*ldc)
				for i := range c0 {
					c0[i] = rng.NormFloat64()
				}
				want := append([]float64(nil), c0...)
				naive(m, n, k, a64, ars, acs, b64, brs, bcs, want, ldc, add)
				var got [2][]float64
				for ki, asm := range []bool{false, true} {
					was := UseAsm(asm)
					got[ki] = append([]float64(nil), c0...)
					Mul32(m, n, k, a, ars, acs, b, brs, bcs, got[ki], ldc, add)
					UseAsm(was)
					// Each term is O(1); a k-block's float32 sum errs by
					// about √kb·2⁻²⁴ of its size, a few blocks add up.
					tol := 4e-7 * math.Sqrt(float64(k)) * (4 + math.Sqrt(float64(k)))
					for i, w := range want {
						if math.Abs(got[ki][i]-w) > tol {
							t.Fatalf("%d×%d×%d layout %d add %v asm %v: c[%d] = %v, want %v ± %.2g", m, n, k, layout, add, asm, i, got[ki][i], w, tol)
						}
					}
				}
				for i := range got[0] {
					if math.Float64bits(got[0][i]) != math.Float64bits(got[1][i]) {
						t.Fatalf("%d×%d×%d layout %d: Go and assembly kernels differ at %d: %v, %v", m, n, k, layout, i, got[0][i], got[1][i])
					}
				}
			}
		}
	}
}

// TestFMA32 compares fma32 with the exactly rounded a·b+c (math/big), on
// random operands and on ones built so that the float64 sum lands halfway
// between two float32 values, where rounding twice goes wrong.
func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetFloat64(float64(c)))
		f, _ := x.Float32()
		return f
	}
	check := func(a, b, c float32) {
		if got, want := fma32(a, b, c), exact(a, b, c); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, b, c, got, want)
		}
	}
	for range 100000 {
		check(float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64()))
	}
	// a·b = ±2⁻²⁴·(1 − 2⁻⁴⁶), scaled by powers of two: the float64 sum
	// with c rounds onto the halfway point c ± 2⁻²⁴ (in c's units), the
	// exact one lies 2⁻⁷⁰ inside it.
	halfway := 0
	for range 10000 {
		p, q := rng.IntN(20)-10, rng.IntN(20)-10
		a := float32(math.Ldexp(1+0x1p-23, p-12))
		b := float32(math.Ldexp(1-0x1p-23, q-12))
		c := float32(math.Ldexp(1+float64(rng.IntN(1<<23))*0x1p-23, p+q))
		if rng.IntN(2) == 0 {
			a = -a
		}
		if rng.IntN(2) == 0 {
			a, c = -a, -c
		}
		s := float64(a)*float64(b) + float64(c)
		if math.Float64bits(s)&(1<<29-1) == 1<<28 {
			halfway++
		}
		check(a, b, c)
	}
	if halfway == 0 {
		t.Fatal("no operands landed on a halfway point; the test does not test double rounding")
	}
}

// BenchmarkMul32 is BenchmarkMul's first-layer products in float32 (with
// either operand packed beforehand, too), with the Gauss–Newton curvature
// shapes of a 784→72→10 student on 2^17 queries cut to 8192 rows.
func BenchmarkMul32(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sh := range []struct {
		name    string
		m, n, k int
		ta, tb  bool
	}{
		{"forward/640x784x128", 640, 128, 784, false, true},
		{"weightgrad/128x640x784", 128, 784, 640, true, false},
		{"jacvec/8192x784x72", 8192, 72, 784, false, true},
		{"jactvec/72x8192x784", 72, 784, 8192, true, false},
	} {
		a64, ars, acs := operand(rng, sh.m, sh.k, sh.ta)
		b64, brs, bcs := operand(rng, sh.k, sh.n, sh.tb)
		a, bb := single(a64), single(b64)
		pa, pb := PackA32(sh.m, sh.k, a, ars, acs), PackB32(sh.k, sh.n, bb, brs, bcs)
		c := make([]float64, sh.m*sh.n)
		for _, prec := range []string{"64", "32", "32-packedA", "32-packedB"} {
			b.Run(fmt.Sprintf("%s/float%s", sh.name, prec), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					switch prec {
					case "64":
						Mul(sh.m, sh.n, sh.k, a64, ars, acs, b64, brs, bcs, c, sh.n, false)
					case "32":
						Mul32(sh.m, sh.n, sh.k, a, ars, acs, bb, brs, bcs, c, sh.n, false)
					case "32-packedA":
						MulPackedA32(pa, sh.n, bb, brs, bcs, c, sh.n, false)
					case "32-packedB":
						MulPackedB32(sh.m, a, ars, acs, pb, c, sh.n, false)
					}
				}
				b.ReportMetric(2*float64(sh.m*sh.n*sh.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestMulPacked32 checks that products with a packed operand give the
// same bits as Mul32 on the unpacked one, for several k-blocks, edge
// tiles and more columns than one B block, and with add.
func TestMulPacked32(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sh := range [][3]int{{1, 1, 1}, {7, 17, 257}, {13, 5, 600}, {61, 1029, 3}, {130, 72, 784}} {
		m, n, k := sh[0], sh[1], sh[2]
		for layout := range 4 {
			ta, tb := layout&1 != 0, layout&2 != 0
			a64, ars, acs := operand(rng, m, k, ta)
			b64, brs, bcs := operand(rng, k, n, tb)
			a, b := single(a64), single(b64)
			pa, pb := PackA32(m, k, a, ars, acs), PackB32(k, n, b, brs, bcs)
			for _, add := range []bool{false, true} {
				c0 := make([]float64, m*n)
				for i := range c0 {
					c0[i] = rng.NormFloat64()
				}
				want := append([]float64(nil), c0...)
				Mul32(m, n, k, a, ars, acs, b, brs, bcs, want, n, add)
				gotA, gotB := append([]float64(nil), c0...), append([]float64(nil), c0...)
				MulPackedA32(pa, n, b, brs, bcs, gotA, n, add)
				MulPackedB32(m, a, ars, acs, pb, gotB, n, add)
				for i, w := range want {
					if math.Float64bits(gotA[i]) != math.Float64bits(w) || math.Float64bits(gotB[i]) != math.Float64bits(w) {
						t.Fatalf("%d×%d×%d layout %d add %v: c[%d] = %v (packed A), %v (packed B), Mul32 %v", m, n, k, layout, add, i, gotA[i], gotB[i], w)
					}
				}
			}
		}
	}
}

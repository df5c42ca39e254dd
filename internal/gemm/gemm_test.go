package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// operand returns an r×c matrix stored with the given layout: row-major
// with a padded row stride, or transposed (column-major) with a padded
// column stride; it returns the data and the element strides.
func operand(rng *rand.Rand, r, c int, transposed bool) ([]float64, int, int) {
	if transposed {
		ld := r + 3
		d := make([]float64, ld*c)
		for i := range d {
			d[i] = rng.NormFloat64()
		}
		return d, 1, ld
	}
	ld := c + 2
	d := make([]float64, ld*r)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return d, ld, 1
}

func naive(m, n, k int, a []float64, ars, acs int, b []float64, brs, bcs int, c []float64, ldc int, add bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += a[i*ars+p*acs] * b[p*brs+j*bcs]
			}
			if add {
				s += c[i*ldc+j]
			}
			c[i*ldc+j] = s
		}
	}
}

// TestMulMatchesNaive checks odd shapes (edge tiles, several k-, m- and
// n-blocks), both layouts of each operand and both modes, on both kernels,
// and that the two kernels (and the tiled and matrix-vector paths for
// one-column products) give the same bits.
func TestMulMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	shapes := [][3]int{{1, 1, 1}, {1, 1, 300}, {5, 7, 3}, {6, 8, 256}, {7, 9, 257}, {13, 1, 600}, {1, 17, 40},
		{300, 1, 530}, {130, 21, 5}, {61, 1029, 3}, {125, 10, 530}}
	if testing.Short() {
		shapes = shapes[:9]
	}
	for _, sh := range shapes {
		m, n, k := sh[0], sh[1], sh[2]
		for layout := range 4 {
			ta, tb := layout&1 != 0, layout&2 != 0
			a, ars, acs := operand(rng, m, k, ta)
			b, brs, bcs := operand(rng, k, n, tb)
			for _, add := range []bool{false, true} {
				ldc := n + 1
				c0 := make([]float64, m*ldc)
				for i := range c0 {
					c0[i] = rng.NormFloat64()
				}
				want := append([]float64(nil), c0...)
				naive(m, n, k, a, ars, acs, b, brs, bcs, want, ldc, add)
				var got [2][]float64
				for ki, asm := range []bool{false, true} {
					was := UseAsm(asm)
					useGEMV = asm // the Go run takes the tiled path for n = 1 too
					got[ki] = append([]float64(nil), c0...)
					Mul(m, n, k, a, ars, acs, b, brs, bcs, got[ki], ldc, add)
					UseAsm(was)
					useGEMV = true
					for i, w := range want {
						if math.Abs(got[ki][i]-w) > 1e-12*(1+math.Abs(w)) {
							t.Fatalf("%d×%d×%d layout %d add %v asm %v: c[%d] = %v, want %v", m, n, k, layout, add, asm, i, got[ki][i], w)
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

func TestMulZeroDepth(t *testing.T) {
	c := []float64{1, 2, 3, 4}
	Mul(2, 2, 0, nil, 0, 0, nil, 0, 0, c, 2, true)
	if c[3] != 4 {
		t.Fatal("k = 0 with add changed C")
	}
	Mul(2, 2, 0, nil, 0, 0, nil, 0, 0, c, 2, false)
	if c[0] != 0 || c[3] != 0 {
		t.Fatal("k = 0 without add did not clear C")
	}
}

// BenchmarkMul covers the products of training a 784→128→10 student on a
// minibatch of 640: forward X·W1ᵀ, weight gradient δᵀX, and the narrow
// second layer; GFLOP/s counts 2mnk.
func BenchmarkMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sh := range []struct {
		name    string
		m, n, k int
		ta, tb  bool
	}{
		{"forward/640x784x128", 640, 128, 784, false, true},
		{"weightgrad/128x640x784", 128, 784, 640, true, false},
		{"forward/640x128x10", 640, 10, 128, false, true},
		{"inputgrad/640x10x128", 640, 128, 10, false, false},
		{"narrow/10000x4x16", 10000, 16, 4, false, true},
	} {
		a, ars, acs := operand(rng, sh.m, sh.k, sh.ta)
		bb, brs, bcs := operand(rng, sh.k, sh.n, sh.tb)
		c := make([]float64, sh.m*sh.n)
		b.Run(fmt.Sprintf("%s", sh.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Mul(sh.m, sh.n, sh.k, a, ars, acs, bb, brs, bcs, c, sh.n, false)
			}
			b.ReportMetric(2*float64(sh.m*sh.n*sh.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestUpperMatchesMul checks that Upper writes exactly Mul's product on
// and above the diagonal (the same bits) and nothing below it, for shapes
// with edge tiles, several k-blocks and more columns than one B panel.
func TestUpperMatchesMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, asm := range []bool{true, false} {
		was := UseAsm(asm)
		upperMatchesMul(t, rng)
		UseAsm(was)
	}
}

func upperMatchesMul(t *testing.T, rng *rand.Rand) {
	for _, sz := range [][2]int{{1, 1}, {7, 3}, {13, 300}, {130, 600}, {nc + 37, 5}} {
		n, k := sz[0], sz[1]
		for _, transposed := range []bool{false, true} {
			a, ars, acs := operand(rng, n, k, transposed)
			want := make([]float64, n*n)
			Mul(n, n, k, a, ars, acs, a, acs, ars, want, n, false)
			got := make([]float64, n*n)
			for i := range got {
				got[i] = math.NaN()
			}
			Upper(n, k, a, ars, acs, got, n)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					g := got[i*n+j]
					if j < i {
						if !math.IsNaN(g) {
							t.Fatalf("n=%d k=%d: lower (%d,%d) written", n, k, i, j)
						}
						continue
					}
					if math.Float64bits(g) != math.Float64bits(want[i*n+j]) {
						t.Fatalf("n=%d k=%d transposed=%v: (%d,%d) = %v, Mul %v", n, k, transposed, i, j, g, want[i*n+j])
					}
				}
			}
		}
	}
}

package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// kernelShapes lie on both sides of the OpenBLAS crossover; blas says which
// side (it matters only with -tags cblas).
var kernelShapes = []struct {
	n, in, out int
	blas       bool
}{
	{37, 4, 16, false},   // narrow input: the synthetic teachers' first layer
	{50, 16, 1, false},   // one output
	{3, 784, 10, false},  // too few rows
	{4, 16, 4, false},    // too little work
	{16, 16, 4, true},    // just past the crossover
	{37, 40, 20, true},   //
	{64, 784, 32, true},  // a wide first layer
	{100, 128, 10, true}, // its output layer
}

func randSlice(rng *rand.Rand, k int) []float64 {
	v := make([]float64, k)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// closeTo reports whether got agrees with want to 1e-12 relative to scale,
// the sum of the absolute values of the terms that make up want.
func closeTo(got, want, scale float64) bool {
	return math.Abs(got-want) <= 1e-12*scale
}

func TestKernelsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range kernelShapes {
		n, in, out := sh.n, sh.in, sh.out
		if want := sh.blas && Backend() == "openblas"; useBLAS(n, in, out) != want {
			t.Errorf("useBLAS(%d, %d, %d) = %v, want %v", n, in, out, !want, want)
		}
		for _, pad := range []int{0, 3} {
			as := in + pad // row stride of the layer input
			a := randSlice(rng, (n-1)*as+in)
			w := randSlice(rng, out*in)
			d := randSlice(rng, n*out)
			for _, add := range []bool{false, true} {
				for _, bias := range []bool{false, true} {
					name := fmt.Sprintf("%dx%dx%d/as=%d/add=%v/bias=%v", n, in, out, as, add, bias)
					var b []float64
					if bias {
						b = randSlice(rng, out)
					}
					// z = a·wᵀ (+b) (+z)
					z0 := randSlice(rng, n*out)
					z := append([]float64(nil), z0...)
					mulNT(z, a, as, w, b, n, in, out, add)
					for s := 0; s < n; s++ {
						for j := 0; j < out; j++ {
							var v, sc float64
							for k := 0; k < in; k++ {
								v += a[s*as+k] * w[j*in+k]
								sc += math.Abs(a[s*as+k] * w[j*in+k])
							}
							if b != nil {
								v += b[j]
								sc += math.Abs(b[j])
							}
							if add {
								v += z0[s*out+j]
								sc += math.Abs(z0[s*out+j])
							}
							if got := z[s*out+j]; !closeTo(got, v, sc) {
								t.Fatalf("mulNT %s: z[%d,%d] = %v, want %v", name, s, j, got, v)
							}
						}
					}
					if bias {
						continue // mulTNAdd and mulNN have no bias
					}
					// g += dᵀ·a (mulTNAdd always adds; add=false starts from zero)
					g0 := make([]float64, out*in)
					if add {
						g0 = randSlice(rng, out*in)
					}
					g := append([]float64(nil), g0...)
					mulTNAdd(g, d, a, as, n, in, out)
					for j := 0; j < out; j++ {
						for k := 0; k < in; k++ {
							v, sc := g0[j*in+k], math.Abs(g0[j*in+k])
							for s := 0; s < n; s++ {
								v += d[s*out+j] * a[s*as+k]
								sc += math.Abs(d[s*out+j] * a[s*as+k])
							}
							if got := g[j*in+k]; !closeTo(got, v, sc) {
								t.Fatalf("mulTNAdd %s: g[%d,%d] = %v, want %v", name, j, k, got, v)
							}
						}
					}
					// ga = d·w (+ga)
					ga0 := randSlice(rng, n*in)
					ga := append([]float64(nil), ga0...)
					mulNN(ga, d, w, n, in, out, add)
					for s := 0; s < n; s++ {
						for k := 0; k < in; k++ {
							var v, sc float64
							if add {
								v, sc = ga0[s*in+k], math.Abs(ga0[s*in+k])
							}
							for j := 0; j < out; j++ {
								v += d[s*out+j] * w[j*in+k]
								sc += math.Abs(d[s*out+j] * w[j*in+k])
							}
							if got := ga[s*in+k]; !closeTo(got, v, sc) {
								t.Fatalf("mulNN %s: ga[%d,%d] = %v, want %v", name, s, k, got, v)
							}
						}
					}
				}
			}
		}
	}
}

// TestKernelsNoAllocs checks the kernels on shapes past the crossover, where
// the cblas build calls into OpenBLAS, and a network whose layers all take
// that path.
func TestKernelsNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n, in, out := 64, 784, 32
	a, w, b := randSlice(rng, n*in), randSlice(rng, out*in), randSlice(rng, out)
	z, g := make([]float64, n*out), make([]float64, out*in)
	for name, f := range map[string]func(){
		"mulNT":    func() { mulNT(z, a, in, w, b, n, in, out, false) },
		"mulTNAdd": func() { mulTNAdd(g, z, a, in, n, in, out) },
		"mulNN":    func() { mulNN(a, z, w, n, in, out, false) },
	} {
		if allocs := testing.AllocsPerRun(20, f); allocs != 0 {
			t.Errorf("%s: %v allocations per run", name, allocs)
		}
	}
	net := testNet(t, []int{64, 32, 16, 4}, G, true, true, 7)
	x, y := randomData(rng, 50, 64, 4)
	ws := NewWorkspace()
	grad := make([]float64, net.NumParams())
	v, hv := randSlice(rng, net.NumParams()), make([]float64, net.NumParams())
	for name, f := range map[string]func(){
		"LossGrad": func() { _, _ = net.LossGrad(ws, grad, x, y) },
		"HessVec":  func() { _ = net.HessVec(ws, hv, v, x, y) },
	} {
		f()
		if allocs := testing.AllocsPerRun(20, f); allocs != 0 {
			t.Errorf("%s: %v allocations per run", name, allocs)
		}
	}
}

// TestKernelsDeterministic checks that a wide gradient is bit-identical
// across repeats and across goroutines running at once (each build is
// deterministic; the two builds differ in the last bits).
func TestKernelsDeterministic(t *testing.T) {
	net := testNet(t, []int{200, 48, 10}, G, true, false, 9)
	x, y := randomData(rand.New(rand.NewPCG(7, 8)), 300, 200, 10)
	grad := func() []float64 {
		g := make([]float64, net.NumParams())
		if _, err := net.LossGrad(NewWorkspace(), g, x, y); err != nil {
			t.Error(err)
		}
		return g
	}
	want := grad()
	got := make([][]float64, 4)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = grad() })
	}
	wg.Wait()
	for i, g := range got {
		for k := range g {
			if math.Float64bits(g[k]) != math.Float64bits(want[k]) {
				t.Fatalf("run %d: grad[%d] = %v, want %v", i, k, g[k], want[k])
			}
		}
	}
}

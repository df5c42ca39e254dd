package gram

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSqDistsMatchPair checks the kernels against the scalar Pair (bit for
// bit) and Pair against the textbook formula, on blocks with every
// alignment of the column range.
func TestSqDistsMatchPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{5, 1}, {9, 3}, {23, 4}, {40, 33}, {61, 70}} {
		n, d := sz[0], sz[1]
		stride := d + 2
		x := make([]float64, n*stride)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		p := NewPanels(x, stride, n, d, nil)
		for _, kernel := range []bool{true, false} {
			was := UseKernel(kernel)
			wide := hasAVX512
			for _, z := range []bool{wide, false} {
				hasAVX512 = z
				for _, kind := range []Kind{SumSq, Root, RootSignless} {
					for i := 0; i+3 < n; i += 4 {
						for j0 := i + 4; j0 < n; j0 += 4 {
							for j1 := j0; j1 <= n; j1++ {
								checkBlock(t, p, x, stride, i, j0, j1, kind, kernel)
							}
						}
					}
				}
			}
			hasAVX512 = wide
			UseKernel(was)
		}
	}
}

func checkBlock(t *testing.T, p *Panels, x []float64, stride, i, j0, j1 int, kind Kind, kernel bool) {
	t.Helper()
	var out [4][]float64
	for r := range out {
		out[r] = make([]float64, j1-j0+1)
		out[r][j1-j0] = -1 // must stay untouched
	}
	p.SqDists(&out, i, j0, j1, kind)
	for r := range out {
		if out[r][j1-j0] != -1 {
			t.Fatalf("kernel=%v kind=%d: wrote past column %d", kernel, kind, j1)
		}
		for j := j0; j < j1; j++ {
			got, pair := out[r][j-j0], p.Pair(i+r, j, kind)
			if got != pair {
				t.Fatalf("kernel=%v kind=%d d=%d (%d,%d): %v, Pair %v", kernel, kind, p.d, i+r, j, got, pair)
			}
			want := textbook(x[(i+r)*stride:(i+r)*stride+p.d], x[j*stride:j*stride+p.d], kind)
			if math.Abs(got-want) > 1e-13*want {
				t.Fatalf("kind=%d (%d,%d): %v, textbook %v", kind, i+r, j, got, want)
			}
		}
	}
}

func textbook(u, v []float64, kind Kind) float64 {
	var s, t float64
	for k := range u {
		s += (u[k] - v[k]) * (u[k] - v[k])
		t += (u[k] + v[k]) * (u[k] + v[k])
	}
	switch kind {
	case Root:
		return math.Sqrt(s)
	case RootSignless:
		return math.Sqrt(min(s, t))
	}
	return s
}

// BenchmarkSqDists is one row block of four against 4 096 columns of
// dimension 33, the Expand-and-Cluster shape of issue 17.
func BenchmarkSqDists(b *testing.B) {
	const n, d = 4100, 33
	x := make([]float64, n*d)
	for i := range x {
		x[i] = float64(i%13) - 6
	}
	p := NewPanels(x, d, n, d, nil)
	var out [4][]float64
	for r := range out {
		out[r] = make([]float64, n)
	}
	wide := hasAVX512
	defer func() { hasAVX512 = wide }()
	for _, c := range []struct {
		name string
		kind Kind
		z    bool
	}{{"root/avx512", Root, true}, {"root/avx2", Root, false}, {"signless/avx2", RootSignless, false}} {
		if c.z && !wide {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			hasAVX512 = c.z
			b.ReportAllocs()
			for b.Loop() {
				p.SqDists(&out, 0, 4, 4100, c.kind)
			}
			b.ReportMetric(4*4096*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gpairs/s")
		})
	}
}

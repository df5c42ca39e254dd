package gram

import "math"

// Panels holds the rows of an n×d matrix regrouped for the direct distance
// kernel: panel p stores rows 4p … 4p+3 as d groups of four, element k of
// each row side by side, so that one vector load gives coordinate k of four
// points. There is one spare panel after the last row, and rows past n
// repeat the last row, so the kernel can always read two whole panels from
// any row below n.
type Panels struct {
	data []float64
	n, d int
}

// NewPanels regroups rows [0, n) of the row-major matrix data (row stride
// stride, d columns). scale, if not nil, multiplies row i by scale[i] (for
// cosine distances between normalised rows).
func NewPanels(data []float64, stride, n, d int, scale []float64) *Panels {
	np := (n+3)/4 + 1
	p := &Panels{data: make([]float64, np*4*d), n: n, d: d}
	for i := range np * 4 {
		src := min(i, n-1)
		row := data[src*stride : src*stride+d]
		base := (i/4)*4*d + i%4
		if scale == nil {
			for k, v := range row {
				p.data[base+4*k] = v
			}
			continue
		}
		s := scale[src]
		for k, v := range row {
			p.data[base+4*k] = s * v
		}
	}
	return p
}

// Len returns the number of rows.
func (p *Panels) Len() int { return p.n }

// panel returns the data of the panel holding row j (j a multiple of 4).
func (p *Panels) panel(j int) []float64 { return p.data[j*p.d:] }

// Kind selects what SqDists stores for each pair.
type Kind int

const (
	// SumSq is Σ_k (u_k − v_k)².
	SumSq Kind = iota
	// Root is √Σ_k (u_k − v_k)², the Euclidean distance.
	Root
	// RootSignless is min(‖u − v‖, ‖u + v‖).
	RootSignless
)

// SqDists computes, for the four rows i … i+3 (i a multiple of 4) and the
// columns j in [j0, j1) (j0 a multiple of 4), out[r][j−j0] = the kind of
// distance between rows i+r and j. Rows i+r ≥ Len() must have a nil out[r].
//
// Every pair is computed by the same arithmetic wherever it lies (one fused
// multiply-add per coordinate, in order of k, from zero), so results do not
// depend on how callers split the matrix.
func (p *Panels) SqDists(out *[4][]float64, i, j0, j1 int, kind Kind) {
	if i%4 != 0 || j0%4 != 0 {
		panic("gram: SqDists: unaligned block")
	}
	j := j0
	if hasKernel {
		j = p.kernelDists(out, i, j0, j1, kind)
	}
	for r, o := range out {
		if o == nil {
			continue
		}
		for jj := j; jj < j1; jj++ {
			o[jj-j0] = p.Pair(i+r, jj, kind)
		}
	}
}

// Pair returns the kind of distance between rows a and b, with the
// arithmetic of SqDists.
func (p *Panels) Pair(a, b int, kind Kind) float64 {
	pa, pb := p.data[(a/4)*4*p.d+a%4:], p.data[(b/4)*4*p.d+b%4:]
	var s, t float64
	for k := range p.d {
		u, v := pa[4*k], pb[4*k]
		s = math.FMA(u-v, u-v, s)
		if kind == RootSignless {
			t = math.FMA(u+v, u+v, t)
		}
	}
	switch kind {
	case Root:
		return math.Sqrt(s)
	case RootSignless:
		return math.Sqrt(min(s, t))
	}
	return s
}

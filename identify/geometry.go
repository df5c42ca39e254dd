package identify

import (
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/internal/gram"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Geometry is the space in which neuron vectors [w, b] are compared, both
// when clustering (Config.Geometry) and when comparing with a teacher
// (CompareIn).
type Geometry int

const (
	// WeightSpace compares the vectors [w, b] as they are: the paper's
	// choice, right for inputs that excite every direction (the synthetic
	// family's Gaussian inputs).
	WeightSpace Geometry = iota
	// DataSpace compares neurons by what they compute on the data: each
	// vector v = [w, b] becomes U·v, where UᵀU = E[(h,1)(h,1)ᵀ] is the
	// second moment of the layer's inputs h over the data, so the cosine of
	// two neurons is the (uncentred) correlation of their pre-activations
	// and a direction the data never excite weighs nothing. On real data
	// (images: constant border pixels, a steeply decaying pixel spectrum)
	// the weights along such directions keep their random initial values in
	// teacher and students alike and swamp the weight-space angles: on
	// Fashion-MNIST, after 40 epochs of 4 students 784→128→10 of a 784→64→10
	// teacher, 254 of the 256 (teacher neuron, student) pairs had their
	// nearest neuron at cosine distance ≥ 0.5 in weight space, but 235 below
	// 0.1 in data space.
	DataSpace
)

// String returns "weight space" or "data space".
func (g Geometry) String() string {
	switch g {
	case WeightSpace:
		return "weight space"
	case DataSpace:
		return "data space"
	}
	return fmt.Sprintf("Geometry(%d)", int(g))
}

// momentRows bounds the rows used to estimate a second moment: the
// estimate of a 785×785 moment is stable long before, and the cost is
// rows·d².
const momentRows = 20000

// momentCutoff: eigen-directions of the moment below momentCutoff times
// its largest eigenvalue are rounding noise of directions the data never
// excite (a constant input, collinear with the bias) and weigh exactly 0,
// so that neurons differing only there are duplicates, not near-duplicates
// that the max-clusters cut would split.
const momentCutoff = 1e-13

// momentFactor returns U = Λ^½Vᵀ with UᵀU = E[(h,1)(h,1)ᵀ] = VΛVᵀ,
// estimated from at most momentRows rows of h spread evenly over it,
// eigenvalues below momentCutoff·λmax set to 0.
func momentFactor(h *mat.Dense) (*mat.Dense, error) {
	rows, d := h.Dims()
	if rows == 0 {
		return nil, fmt.Errorf("identify: data-space geometry: no input rows")
	}
	step := max(1, rows/momentRows)
	n := (rows + step - 1) / step
	// Columns of (h,1) as rows of at: their Gram matrix is the moment.
	at := make([]float64, (d+1)*n)
	for k := 0; k < n; k++ {
		for j, v := range h.RawRowView(k * step) {
			at[j*n+k] = v
		}
		at[d*n+k] = 1
	}
	m := make([]float64, (d+1)*(d+1))
	gram.Upper(m, d+1, at, d+1, n, n)
	for i := range m {
		m[i] /= float64(n)
	}
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(d+1, m), true) {
		return nil, fmt.Errorf("identify: data-space geometry: no eigen-decomposition of the second moment of the %d-wide layer inputs (non-finite inputs?)", d)
	}
	vals := eig.Values(nil)
	top := vals[len(vals)-1]
	if !(top > 0) || math.IsInf(top, 0) {
		return nil, fmt.Errorf("identify: data-space geometry: second moment of the %d-wide layer inputs has largest eigenvalue %v", d, top)
	}
	var v mat.Dense
	eig.VectorsTo(&v)
	u := mat.NewDense(d+1, d+1, nil)
	u.CloneFrom(v.T())
	for i, l := range vals {
		s := 0.0
		if l > momentCutoff*top {
			s = math.Sqrt(l)
		}
		floats.Scale(s, u.RawRowView(i))
	}
	return u, nil
}

// toDataSpace returns the rows v of x mapped to U·v.
func toDataSpace(x *mat.Dense, u *mat.Dense) *mat.Dense {
	var p mat.Dense
	p.Mul(x, u.T())
	return &p
}

// layerInputs returns the inputs of hidden layer l of net on the data x:
// x itself for l = 0, otherwise the activations of hidden layer l−1.
func layerInputs(net *mlp.Network, x *mat.Dense, l int) (*mat.Dense, error) {
	if l == 0 {
		return x, nil
	}
	var h mat.Dense
	if err := net.Hidden(nil, &h, x, l-1); err != nil {
		return nil, err
	}
	return &h, nil
}

// geometryFactor returns the factor U of hidden layer l's data-space
// geometry for net on the data x, or nil for weight space.
func geometryFactor(g Geometry, net *mlp.Network, x *mat.Dense, l int) (*mat.Dense, error) {
	if g != DataSpace {
		return nil, nil
	}
	h, err := layerInputs(net, x, l)
	if err != nil {
		return nil, fmt.Errorf("layer %d: %w", l+1, err)
	}
	u, err := momentFactor(h)
	if err != nil {
		return nil, fmt.Errorf("layer %d: %w", l+1, err)
	}
	return u, nil
}

// applyCanon repeats on the weight-space vectors x what Canonicalize did to
// their data-space images: U is linear, so dividing by the data-space norm
// and negating keeps U·x equal to the canonical points.
func applyCanon(x *mat.Dense, c cluster.Canon) {
	for i, s := range c.Scale {
		if c.Flipped != nil && c.Flipped[i] {
			s = -s
		}
		if s != 1 {
			floats.Scale(1/s, x.RawRowView(i))
		}
	}
}

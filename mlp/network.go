package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Spec describes the architecture of a Network.
type Spec struct {
	// Sizes are the layer widths, input first and output last, for example
	// {4, 16, 1}. At least two entries, all positive.
	Sizes []int
	// Hidden is the activation of every hidden layer when Acts is nil.
	Hidden Activation
	// Output is the activation of the output layer when Acts is nil;
	// nil means Identity.
	Output Activation
	// Acts, if not nil, gives one activation per layer (len(Sizes)−1
	// entries, the last for the output layer) and overrides Hidden and
	// Output.
	Acts []Activation
	// NoBias removes the bias of every layer.
	NoBias bool
	// Skip adds a linear path from the input straight to the output
	// pre-activation, out = … + x·Sᵀ. Expand-and-Cluster uses it to hold the
	// linear residue of EvenLinear activations (docs/method.md §3 step 4).
	Skip bool
}

// Layer is one affine map followed by an activation: a = σ(x·Wᵀ + b).
type Layer struct {
	In, Out int
	Act     Activation
	W       *mat.Dense // Out×In, a view into the network's parameters
	B       []float64  // length Out, a view into the parameters; nil without bias
	wOff    int        // offset of W in the flat parameters
	bOff    int        // offset of B, or −1
}

// Network is a fully connected feed-forward network in float64. All
// parameters live in one flat slice (Params); the layers' weight matrices
// and bias vectors are views into it, so optimisers can work on the flat
// slice while the network reads the views, with no copying.
//
// The flat layout is, layer by layer, W row-major then b; then the skip
// matrix (row-major) if there is one.
type Network struct {
	layers  []Layer
	skip    *mat.Dense // Out×In of the whole network, or nil
	skipOff int
	params  []float64
}

// New returns a network of the given architecture with all parameters zero.
func New(spec Spec) (*Network, error) {
	sizes := spec.Sizes
	if len(sizes) < 2 {
		return nil, fmt.Errorf("mlp: New: need at least input and output sizes, got %v", sizes)
	}
	for i, s := range sizes {
		if s <= 0 {
			return nil, fmt.Errorf("mlp: New: layer size %d at position %d must be positive", s, i)
		}
	}
	acts := spec.Acts
	nl := len(sizes) - 1
	if acts == nil {
		acts = make([]Activation, nl)
		for i := range acts {
			acts[i] = spec.Hidden
		}
		acts[nl-1] = spec.Output
		if acts[nl-1] == nil {
			acts[nl-1] = Identity
		}
	}
	if len(acts) != nl {
		return nil, fmt.Errorf("mlp: New: %d activations for %d layers", len(acts), nl)
	}
	for i, a := range acts {
		if a == nil {
			return nil, fmt.Errorf("mlp: New: layer %d has no activation (set Spec.Hidden or Spec.Acts)", i)
		}
		// A Func without F or D1, or an activation that panics or is not
		// finite, would otherwise fail deep inside training.
		if err := CheckActivation(a); err != nil {
			return nil, fmt.Errorf("mlp: New: layer %d: %w", i, err)
		}
	}
	n := &Network{layers: make([]Layer, nl)}
	off := 0
	for l := range n.layers {
		L := &n.layers[l]
		L.In, L.Out, L.Act = sizes[l], sizes[l+1], acts[l]
		L.wOff, L.bOff = off, -1
		off += L.In * L.Out
		if !spec.NoBias {
			L.bOff = off
			off += L.Out
		}
	}
	n.skipOff = -1
	if spec.Skip {
		n.skipOff = off
		off += sizes[0] * sizes[nl]
	}
	n.bind(make([]float64, off))
	return n, nil
}

// bind points every view at p, which becomes the network's parameters.
func (n *Network) bind(p []float64) {
	n.params = p
	for l := range n.layers {
		L := &n.layers[l]
		L.W = mat.NewDense(L.Out, L.In, p[L.wOff:L.wOff+L.In*L.Out])
		L.B = nil
		if L.bOff >= 0 {
			L.B = p[L.bOff : L.bOff+L.Out]
		}
	}
	n.skip = nil
	if n.skipOff >= 0 {
		in, out := n.InputDim(), n.OutputDim()
		n.skip = mat.NewDense(out, in, p[n.skipOff:n.skipOff+in*out])
	}
}

// Spec returns the architecture of n; New(n.Spec()) makes a zero copy of it.
// The bias setting is read from the first layer.
func (n *Network) Spec() Spec {
	s := Spec{Sizes: n.Sizes(), Acts: make([]Activation, len(n.layers)), Skip: n.skip != nil}
	for l := range n.layers {
		s.Acts[l] = n.layers[l].Act
	}
	s.NoBias = n.layers[0].B == nil
	return s
}

// Sizes returns the layer widths, input first and output last.
func (n *Network) Sizes() []int {
	s := make([]int, len(n.layers)+1)
	s[0] = n.layers[0].In
	for l := range n.layers {
		s[l+1] = n.layers[l].Out
	}
	return s
}

// hasSizes reports whether sizes are n's Sizes, without building them:
// Workspace.ensure asks at every forward pass, which must not allocate.
func (n *Network) hasSizes(sizes []int) bool {
	if len(sizes) != len(n.layers)+1 || sizes[0] != n.layers[0].In {
		return false
	}
	for l := range n.layers {
		if sizes[l+1] != n.layers[l].Out {
			return false
		}
	}
	return true
}

// NumLayers returns the number of affine layers (hidden layers + 1).
func (n *Network) NumLayers() int { return len(n.layers) }

// Layer returns layer l (0 is the first hidden layer, NumLayers()−1 the
// output layer). Its W and B are views that may be written.
func (n *Network) Layer(l int) *Layer { return &n.layers[l] }

// InputDim returns the input width.
func (n *Network) InputDim() int { return n.layers[0].In }

// OutputDim returns the output width.
func (n *Network) OutputDim() int { return n.layers[len(n.layers)-1].Out }

// Skip returns the linear input-to-output path (OutputDim×InputDim view),
// or nil if the network has none.
func (n *Network) Skip() *mat.Dense { return n.skip }

// Params returns the flat parameter vector itself (not a copy): writing to
// it changes the network.
func (n *Network) Params() []float64 { return n.params }

// NumParams returns len(Params()).
func (n *Network) NumParams() int { return len(n.params) }

// SetParams copies p into the parameters.
func (n *Network) SetParams(p []float64) error {
	if len(p) != len(n.params) {
		return fmt.Errorf("mlp: SetParams: %d values for %d parameters", len(p), len(n.params))
	}
	copy(n.params, p)
	return nil
}

// LayerParams returns the range [start, end) of layer l's parameters (W then
// b) in the flat vector, for optimisers that freeze or mask layers.
func (n *Network) LayerParams(l int) (start, end int) {
	L := &n.layers[l]
	end = L.wOff + L.In*L.Out
	if L.bOff >= 0 {
		end = L.bOff + L.Out
	}
	return L.wOff, end
}

// SkipParams returns the range of the skip matrix in the flat vector, or
// (0, 0) without a skip path.
func (n *Network) SkipParams() (start, end int) {
	if n.skipOff < 0 {
		return 0, 0
	}
	return n.skipOff, n.skipOff + n.InputDim()*n.OutputDim()
}

// Clone returns a deep copy of n.
func (n *Network) Clone() *Network {
	c := &Network{layers: make([]Layer, len(n.layers)), skipOff: n.skipOff}
	copy(c.layers, n.layers)
	c.bind(append([]float64(nil), n.params...))
	return c
}

// InitGlorot draws every weight and bias from a centred normal with the
// Glorot standard deviation √(2/(fan_in+fan_out)) of its layer, as the
// paper's students. The skip path, if any, starts at zero.
func (n *Network) InitGlorot(rng *rand.Rand) { n.InitGlorotGain(rng, 1) }

// InitGlorotGain is InitGlorot with every standard deviation multiplied by
// gain.
func (n *Network) InitGlorotGain(rng *rand.Rand, gain float64) {
	for l := range n.layers {
		L := &n.layers[l]
		std := gain * math.Sqrt(2/float64(L.In+L.Out))
		start, end := n.LayerParams(l)
		for i := start; i < end; i++ {
			n.params[i] = std * rng.NormFloat64()
		}
	}
	if s, e := n.SkipParams(); e > s {
		clear(n.params[s:e])
	}
}

// CheckFinite returns nil if every parameter is finite, and otherwise an
// error naming the first one that is not.
func (n *Network) CheckFinite() error {
	for i, v := range n.params {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("mlp: parameter %d is %v", i, v)
		}
	}
	return nil
}

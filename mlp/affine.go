package mlp

import "gonum.org/v1/gonum/mat"

// AffineNeuron names a hidden neuron whose pre-activation lies on one side
// of its activation's kink on all but a fraction Minority of the inputs.
type AffineNeuron struct {
	Layer, Neuron int // 0-based hidden layer and neuron
	Minority      float64
}

// AffineNeurons returns the hidden neurons of net that have fewer than
// minFraction of the inputs x on one side of their kink, if net's hidden
// activations are piecewise linear (positively homogeneous: symmetry
// class EvenLinearPosScale, such as ReLU and leaky ReLU); nil for other
// activations. On those inputs such a neuron is affine — dead, or linear
// and merged with the layer above, its bias trading against the next
// layer's — so the inputs do not determine it.
func AffineNeurons(net *Network, x *mat.Dense, minFraction float64) ([]AffineNeuron, error) {
	var out []AffineNeuron
	rows, _ := x.Dims()
	h := x
	for l := 0; l < net.NumLayers()-1; l++ {
		L := net.Layer(l)
		if L.Act.Symmetry() != EvenLinearPosScale {
			return nil, nil
		}
		// z becomes the layer's pre-activation, then its output: the
		// next layer's input, without a forward pass from x again.
		z := new(mat.Dense)
		z.Mul(h, L.W.T())
		for j := 0; j < L.Out; j++ {
			b := 0.0
			if L.B != nil {
				b = L.B[j]
			}
			pos := 0
			for i := 0; i < rows; i++ {
				v := z.At(i, j) + b
				if v > 0 {
					pos++
				}
				z.Set(i, j, L.Act.Eval(v))
			}
			if minority := float64(min(pos, rows-pos)) / float64(rows); minority < minFraction {
				out = append(out, AffineNeuron{Layer: l, Neuron: j, Minority: minority})
			}
		}
		h = z
	}
	return out, nil
}

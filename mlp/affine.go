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
		var z mat.Dense
		z.Mul(h, L.W.T())
		for j := 0; j < L.Out; j++ {
			b := 0.0
			if L.B != nil {
				b = L.B[j]
			}
			pos := 0
			for i := 0; i < rows; i++ {
				if z.At(i, j)+b > 0 {
					pos++
				}
			}
			if minority := float64(min(pos, rows-pos)) / float64(rows); minority < minFraction {
				out = append(out, AffineNeuron{Layer: l, Neuron: j, Minority: minority})
			}
		}
		next := new(mat.Dense)
		if err := net.Hidden(nil, next, x, l); err != nil {
			return nil, err
		}
		h = next
	}
	return out, nil
}

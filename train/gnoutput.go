package train

import (
	"github.com/paramrecovery/expandcluster/internal/gemm"
	"github.com/paramrecovery/expandcluster/mlp"
)

// outputSolvable reports whether the output layer can be set by least
// squares: a linear (identity) output layer of a network with more than
// one layer, with bias, no skip path, every output parameter free.
func outputSolvable(net *mlp.Network, free []bool) bool {
	nl := net.NumLayers()
	L := net.Layer(nl - 1)
	if nl < 2 || L.Act != mlp.Identity || L.B == nil {
		return false
	}
	if s, e := net.SkipParams(); e > s {
		return false
	}
	if free != nil {
		start, end := net.LayerParams(nl - 1)
		for i := start; i < end; i++ {
			if !free[i] {
				return false
			}
		}
	}
	return true
}

// outputRcond is the relative eigenvalue below which directions of the
// last hidden layer's second moment are left out of the output solve:
// duplicated or silent neurons make it singular, and the minimum-norm
// solution spreads the weight over duplicates instead of blowing up.
const outputRcond = 1e-13

// solveOutput sets the output layer to the least-squares fit of the
// targets on [a, 1], a the last hidden layer's activations held by the
// linearisation, through the eigen-decomposition of A = [a,1]ᵀ[a,1]/N
// already computed into k: W = (A⁺·[a,1]ᵀY/N)ᵀ.
func (s *gnState) solveOutput(lin *mlp.Linearization, k *kfacLayer) {
	ia, od := k.in+1, k.out
	n := lin.Rows()
	in, stride := lin.LayerInput(len(s.layers) - 1)
	yr := s.y.RawMatrix()
	// rhs (ia×od) = [a,1]ᵀY/N.
	clear(s.rhs)
	for r := 0; r < n; r++ {
		yrow := yr.Data[r*yr.Stride : r*yr.Stride+od]
		arow := in[r*stride : r*stride+k.in]
		for i, av := range arow {
			dst := s.rhs[i*od : i*od+od]
			for o, yv := range yrow {
				dst[o] += av * yv
			}
		}
		dst := s.rhs[k.in*od : k.in*od+od]
		for o, yv := range yrow {
			dst[o] += yv
		}
	}
	inv := 1 / float64(n)
	for i := range s.rhs {
		s.rhs[i] *= inv
	}
	// Project onto the eigenvectors, divide, project back: t1 (ia×od)
	// = Qᵀ·rhs, scaled, then W (od×ia) = (Q·t1)ᵀ.
	t1 := k.t1[:ia*od]
	mulATB(t1, k.qa, s.rhs, ia, ia, od)
	top := 0.0
	for _, a := range k.alpha {
		top = max(top, a)
	}
	for c, a := range k.alpha {
		row := t1[c*od : c*od+od]
		if a <= outputRcond*top {
			clear(row)
			continue
		}
		for o := range row {
			row[o] /= a
		}
	}
	t2 := k.t2[:ia*od]
	mulAB(t2, k.qa, t1, ia, ia, od)
	params := s.net.Params()
	for o := 0; o < od; o++ {
		for i := 0; i < k.in; i++ {
			params[k.wOff+o*k.in+i] = t2[i*od+o]
		}
		params[k.bOff+o] = t2[k.in*od+o]
	}
}

// outputFromHidden writes the outputs [a,1]·[W | b]ᵀ of the (linear)
// output layer to out, a the last hidden layer's activations held by lin.
func (s *gnState) outputFromHidden(out []float64, lin *mlp.Linearization, k *kfacLayer) {
	od := k.out
	n := lin.Rows()
	h, stride := lin.LayerInput(len(s.layers) - 1)
	params := s.net.Params()
	w := params[k.wOff : k.wOff+od*k.in]
	gemm.Mul(n, od, k.in, h, stride, 1, w, 1, k.in, out, od, false)
	b := params[k.bOff : k.bOff+od]
	for r := 0; r < n; r++ {
		row := out[r*od : r*od+od]
		for o, v := range b {
			row[o] += v
		}
	}
}

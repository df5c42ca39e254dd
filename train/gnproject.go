package train

import "github.com/paramrecovery/expandcluster/internal/gemm"

// Variable projection inside the Gauss–Newton steps.
//
// With the output layer W₂ solved exactly after every step, the residual
// r is orthogonal to the columns of Φ = [h, 1], the last hidden layer's
// activations with a ones column, output by output. Minimising the
// linearised model ‖r + J_θ·δθ + Φ·δW₂‖² over δW₂ first leaves the
// reduced problem ‖r + (I−P)·J_θ·δθ‖² in the hidden parameters θ alone,
// P the orthogonal projector onto Φ's columns (Kaufman's form of variable
// projection). CG then works on the Schur complement J_θᵀ(I−P)J_θ instead
// of the full system, whose coupling between θ and W₂ (a neuron's output
// weight against the scale of its input weights, duplicated neurons whose
// output weights trade against each other) is what makes the full system
// ill-conditioned. The projection costs 4·N·(width+1)·outputs flops per
// product, against 4·N·inputs·width for the product itself.

// projectOut sets u ← (I−P)·u for u of length rows·outputs (row-major),
// P the projector onto the columns of [h, 1] through the eigenvectors of
// A = [h,1]ᵀ[h,1]/N already computed for the output solve; directions of
// A below outputRcond of its largest eigenvalue are left out, as in the
// solve.
func (s *gnState) projectOut(u []float64) {
	last := len(s.layers) - 1
	k := &s.layers[last]
	ia, od := k.in+1, k.out
	n := s.lin.Rows()
	h, stride := s.lin.LayerInput(last)
	// t = [h,1]ᵀ·u (ia×od).
	t := s.rhs
	gemm.Mul(k.in, od, n, h, 1, stride, u, od, 1, t, od, false)
	bias := t[k.in*od : ia*od]
	clear(bias)
	for r := 0; r < n; r++ {
		for o, v := range u[r*od : r*od+od] {
			bias[o] += v
		}
	}
	// t1 = Qᵀt scaled by 1/(N·α), then t2 = −Q·t1.
	t1 := k.t1[:ia*od]
	mulATB(t1, k.qa, t, ia, ia, od)
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
			row[o] /= -a * float64(n)
		}
	}
	t2 := k.t2[:ia*od]
	mulAB(t2, k.qa, t1, ia, ia, od)
	// u += [h,1]·t2.
	gemm.Mul(n, od, k.in, h, stride, 1, t2, od, 1, u, od, true)
	bias = t2[k.in*od : ia*od]
	for r := 0; r < n; r++ {
		row := u[r*od : r*od+od]
		for o, v := range bias {
			row[o] += v
		}
	}
}

// maskOutput zeroes the output layer's entries of v: with the projection,
// CG moves the hidden parameters only.
func (s *gnState) maskOutput(v []float64) {
	if s.project {
		clear(v[s.outStart:s.outEnd])
	}
}

package train

import (
	"github.com/paramrecovery/expandcluster/internal/gemm"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
)

// factorG sets G = (1/m)·Σ_{s<m} Σ_o δδᵀ for the layer's pre-activation
// sensitivities on the first m = min(rows, FactorRows) curvature samples,
// and its eigen-decomposition.
func (k *kfacLayer) factorG(lin *mlp.Linearization, l, rows int) error {
	m := min(rows, lin.Rows())
	clear(k.qg)
	lin.OutputGram(k.qg, l, m)
	floats.Scale(1/float64(m), k.qg)
	return eigSym(k.qg, k.gamma, k.out, k.syevWorkG)
}

// solve writes the layer's block of (N·G⊗A + λI)⁻¹·src into dst. With
// G = Q_G·Γ·Q_Gᵀ and A = Q_A·Α·Q_Aᵀ the inverse is diagonal in the
// eigenbases: rotate the layer's gradient matrix [W | b] into them, divide
// entry (i, j) by N·γ_i·α_j + λ, rotate back.
func (k *kfacLayer) solve(dst, src []float64, n, lambda float64) {
	ia := k.in + k.bias
	// t2 = [W | b] of src.
	for j := 0; j < k.out; j++ {
		row := k.t2[j*ia : j*ia+ia]
		copy(row, src[k.wOff+j*k.in:k.wOff+j*k.in+k.in])
		if k.bias == 1 {
			row[k.in] = src[k.bOff+j]
		}
	}
	mulATB(k.t1, k.qg, k.t2, k.out, k.out, ia) // t1 = Q_Gᵀ·t2
	mulAB(k.t2, k.t1, k.qa, k.out, ia, ia)     // t2 = t1·Q_A
	for i, gi := range k.gamma {
		row := k.t2[i*ia : i*ia+ia]
		if k.scale != nil {
			for j, sj := range k.scale[i*ia : i*ia+ia] {
				row[j] /= n*sj + lambda
			}
			continue
		}
		for j, aj := range k.alpha {
			row[j] /= n*gi*aj + lambda
		}
	}
	mulABT(k.t1, k.t2, k.qa, k.out, ia, ia)   // t1 = t2·Q_Aᵀ
	mulAB(k.t2, k.qg, k.t1, k.out, k.out, ia) // t2 = Q_G·t1
	for j := 0; j < k.out; j++ {
		row := k.t2[j*ia : j*ia+ia]
		copy(dst[k.wOff+j*k.in:k.wOff+j*k.in+k.in], row[:k.in])
		if k.bias == 1 {
			dst[k.bOff+j] = row[k.in]
		}
	}
}

// mulAB sets c = a·b for row-major a (m×k), b (k×n), c (m×n).
func mulAB(c, a, b []float64, m, k, n int) {
	gemm.Mul(m, n, k, a, k, 1, b, n, 1, c, n, false)
}

// mulATB sets c = aᵀ·b for row-major a (k×m), b (k×n), c (m×n).
func mulATB(c, a, b []float64, k, m, n int) {
	gemm.Mul(m, n, k, a, 1, m, b, n, 1, c, n, false)
}

// mulABT sets c = a·bᵀ for row-major a (m×k), b (n×k), c (m×n).
func mulABT(c, a, b []float64, m, k, n int) {
	gemm.Mul(m, n, k, a, k, 1, b, 1, k, c, n, false)
}

// correct replaces the layer's Kronecker eigenvalues γ_i·α_j by the exact
// diagonal of its Gauss–Newton block in the same eigenbasis (EKFAC, George
// et al. 2018): S_ij = (1/m)·Σ_s Σ_o (q_iᵀδ_so)²·(p_jᵀ[a_s,1])², with q_i
// the eigenvectors of G, p_j those of A and m = min(rows, samples). The
// Kronecker product assumes the sensitivities δ and the inputs a are
// independent; for a saturating activation they are not (a neuron's slope
// depends on where its input lies), and S measures what the pair of
// eigendirections really carries. factorA and factorG must be current. When
// fixedInput is set the layer's input never changes (the first layer) and
// its rotated squares are computed only once.
func (k *kfacLayer) correct(lin *mlp.Linearization, l, rows int, fixedInput bool) {
	m := min(rows, lin.Rows())
	ia := k.in + k.bias
	if !fixedInput || !k.rotatedDone {
		in, stride := lin.LayerInput(l)
		a := k.inBuf[:m*ia]
		for s := 0; s < m; s++ {
			row := a[s*ia : s*ia+ia]
			copy(row, in[s*stride:s*stride+k.in])
			if k.bias == 1 {
				row[k.in] = 1
			}
		}
		rot := k.rotated[:m*ia]
		mulAB(rot, a, k.qa, m, ia, ia)
		for i, v := range rot {
			rot[i] = v * v
		}
		k.rotatedDone = true
	}
	d2 := k.sens2[:m*k.out]
	clear(d2)
	lin.OutputSensitivities(l, m, func(_ int, d []float64) {
		dq := k.sensRot[:m*k.out]
		mulAB(dq, d, k.qg, m, k.out, k.out)
		for i, v := range dq {
			d2[i] += v * v
		}
	})
	mulATB(k.scale, d2, k.rotated[:m*ia], m, k.out, ia)
	floats.Scale(1/float64(m), k.scale)
}

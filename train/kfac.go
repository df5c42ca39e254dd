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

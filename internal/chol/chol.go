package chol

import (
	"math"

	"github.com/paramrecovery/expandcluster/internal/gemm"
	"gonum.org/v1/gonum/blas/gonum"
)

// block is the width of the diagonal blocks: wide enough that the trailing
// update is a product worth packing, narrow enough that the unblocked
// factorisation and the triangular solve beside it stay cheap.
const block = 64

// panel is the height of the row panels of the trailing update: each
// panel's product starts at its diagonal, so the lower triangle costs
// only panel/2 extra rows per panel.
const panel = 120

var impl = gonum.Implementation{}

// WorkLen is the length of the scratch slice Factor needs for an n×n
// matrix.
func WorkLen(n int) int { return block*n + block*block }

// Factor overwrites the upper triangle of the n×n row-major matrix a
// (row stride lda) with U, A = UᵀU, reading only A's upper triangle. It
// reports false, leaving a partly overwritten, if A is not positive
// definite (a pivot ≤ 0 or NaN). The strict lower triangle is used as
// scratch: its contents are unspecified afterwards. work must hold
// WorkLen(n) values.
func Factor(a []float64, n, lda int, work []float64) bool {
	if n == 0 {
		return true
	}
	_ = a[(n-1)*lda+n-1]
	for k := 0; k < n; k += block {
		b := min(block, n-k)
		if !factorDiagonal(a[k*lda+k:], b, lda) {
			return false
		}
		rest := n - k - b
		if rest == 0 {
			break
		}
		u12 := a[k*lda+k+b:]
		solveBlockRow(a[k*lda+k:], u12, b, rest, lda, work[block*n:])
		updateTrailing(a[(k+b)*lda+k+b:], u12, b, rest, lda, work[:b*rest])
	}
	return true
}

// factorDiagonal factorises the b×b diagonal block in place, unblocked:
// row i of U is row i of the updated block over its pivot's square root,
// and the rows below take off its outer product.
func factorDiagonal(a []float64, b, lda int) bool {
	for i := 0; i < b; i++ {
		d := a[i*lda+i]
		if !(d > 0) {
			return false
		}
		d = math.Sqrt(d)
		a[i*lda+i] = d
		row := a[i*lda+i+1 : i*lda+b]
		impl.Dscal(len(row), 1/d, row, 1)
		for j, uij := range row {
			r := i + 1 + j
			impl.Daxpy(b-r, -uij, row[j:], 1, a[r*lda+r:r*lda+b], 1)
		}
	}
	return true
}

// solveBlockRow sets U₁₂ = U₁₁⁻ᵀA₁₂ in place (u12 is b×rest with stride
// lda). It halves the rows recursively: the top half is solved, the
// bottom half takes off its product with the top (a gemm product, with
// −U₁₁'s off-diagonal block copied to neg), then is solved. Blocks of
// leafRows rows are solved by forward substitution along the rows, which
// are contiguous.
func solveBlockRow(u11, u12 []float64, b, rest, lda int, neg []float64) {
	if b <= leafRows {
		for i := 0; i < b; i++ {
			row := u12[i*lda : i*lda+rest]
			impl.Dscal(rest, 1/u11[i*lda+i], row, 1)
			for j := i + 1; j < b; j++ {
				impl.Daxpy(rest, -u11[i*lda+j], row, 1, u12[j*lda:j*lda+rest], 1)
			}
		}
		return
	}
	top := b / 2
	bottom := b - top
	solveBlockRow(u11, u12, top, rest, lda, neg)
	for p := 0; p < top; p++ {
		for i := 0; i < bottom; i++ {
			neg[i*top+p] = -u11[p*lda+top+i]
		}
	}
	gemm.Mul(bottom, rest, top, neg, top, 1, u12, lda, 1, u12[top*lda:], lda, true)
	solveBlockRow(u11[top*lda+top:], u12[top*lda:], bottom, rest, lda, neg)
}

// leafRows is the size of the triangular solves done by substitution.
const leafRows = 16

// updateTrailing sets A₂₂ ← A₂₂ − U₁₂ᵀU₁₂ on and above the diagonal
// (below it within each panel's diagonal block too), as gemm products
// that add −U₁₂ (copied to neg) to A₂₂.
func updateTrailing(a22, u12 []float64, b, rest, lda int, neg []float64) {
	for p := 0; p < b; p++ {
		src := u12[p*lda : p*lda+rest]
		dst := neg[p*rest : p*rest+rest]
		for j, v := range src {
			dst[j] = -v
		}
	}
	for i0 := 0; i0 < rest; i0 += panel {
		m := min(panel, rest-i0)
		// C(i, j) += Σ_p U₁₂(p, i0+i)·(−U₁₂(p, i0+j)), j from the panel's diagonal.
		gemm.Mul(m, rest-i0, b, u12[i0:], 1, lda, neg[i0:], rest, 1, a22[i0*lda+i0:], lda, true)
	}
}

// Solve overwrites b with the solution x of UᵀUx = b, where U is the upper
// triangle of the n×n row-major matrix u (row stride ldu) from Factor.
func Solve(u []float64, n, ldu int, b []float64) {
	// Uᵀy = b: y_p is final once the rows above it have been taken off.
	for p := 0; p < n; p++ {
		b[p] /= u[p*ldu+p]
		if p+1 < n {
			impl.Daxpy(n-p-1, -b[p], u[p*ldu+p+1:p*ldu+n], 1, b[p+1:n], 1)
		}
	}
	// Ux = y, from the last row up.
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		if i+1 < n {
			s -= impl.Ddot(n-i-1, u[i*ldu+i+1:i*ldu+n], 1, b[i+1:n], 1)
		}
		b[i] = s / u[i*ldu+i]
	}
}

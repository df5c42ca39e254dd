//go:build !cblas || !cgo

package mlp

// The default build: every product runs on the pure-Go kernels of
// kernels.go. kernels_cblas.go replaces this file under -tags cblas.

const backend = "go"

// useBLAS reports whether a product of n rows, in inputs and out outputs
// goes to gemm. Without the cblas tag it never does, and the compiler drops
// the BLAS branches.
func useBLAS(n, in, out int) bool { return false }

// gemm is never called in the pure-Go build.
func gemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	panic("mlp: gemm called without the cblas backend")
}

//go:build cblas && cgo

package mlp

/*
#cgo LDFLAGS: -lopenblas
#cgo noescape cblas_dgemm
#cgo nocallback cblas_dgemm
#cgo nocallback openblas_set_num_threads
#include <cblas.h>
*/
import "C"

const backend = "openblas"

func init() {
	// Our callers parallelise across students; OpenBLAS must not start its
	// own threads inside a call, and a fixed thread count keeps the
	// blocking, hence the rounding, the same from run to run.
	C.openblas_set_num_threads(1)
}

// The crossover, measured single-threaded with BenchmarkCrossover on an
// AVX-512 machine: a dgemm call costs about 100 ns before any work, and
// OpenBLAS treats one-column and one- or two-row products as slow
// matrix-vector ones (z = a·wᵀ with out = 1 runs at 0.5–0.65× the Go
// kernel even at n = 2000). Past those, OpenBLAS wins from about a thousand
// multiply-adds and is 2–7× faster for the shapes of training (n ≥ 37,
// in ≥ 16). The narrow layers of the synthetic teachers (in < asmMin) stay
// on the Go kernels, which beat any call there. (That was against the
// earlier Go kernels; internal/gemm now runs the shapes of training about
// as fast as OpenBLAS, so the crossover wants measuring again.)
//
// They are variables so that tests and benchmarks can force either path.
var (
	blasMinWork = 1024 // n·in·out
	blasMinOut  = 2
	blasMinRows = 4
)

// useBLAS reports whether a product of n rows, in inputs and out outputs
// goes to gemm.
func useBLAS(n, in, out int) bool {
	return in >= asmMin && out >= blasMinOut && n >= blasMinRows && n*in*out >= blasMinWork
}

// blasThreads returns OpenBLAS's thread count (1 after init).
func blasThreads() int { return int(C.openblas_get_num_threads()) }

// gemm computes C = op(A)·op(B) + beta·C for row-major matrices, where C is
// m×n with row stride ldc, op(A) is m×k and op(B) is k×n; transA and transB
// say that A and B are stored transposed. It panics, as the pure-Go kernels
// do, if a slice is too short for its shape.
func gemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		panic("mlp: gemm with an empty dimension")
	}
	ta, tb := C.enum_CBLAS_TRANSPOSE(C.CblasNoTrans), C.enum_CBLAS_TRANSPOSE(C.CblasNoTrans)
	ar, ac := m, k
	if transA {
		ta, ar, ac = C.CblasTrans, k, m
	}
	br, bc := k, n
	if transB {
		tb, br, bc = C.CblasTrans, n, k
	}
	if lda < ac || ldb < bc || ldc < n {
		panic("mlp: gemm stride shorter than a row")
	}
	_ = a[(ar-1)*lda+ac-1]
	_ = b[(br-1)*ldb+bc-1]
	_ = c[(m-1)*ldc+n-1]
	C.cblas_dgemm(C.CblasRowMajor, ta, tb,
		C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.double)(&a[0]), C.blasint(lda),
		(*C.double)(&b[0]), C.blasint(ldb),
		C.double(beta), (*C.double)(&c[0]), C.blasint(ldc))
}

// Package chol factorises and solves symmetric positive definite systems
// A = UᵀU held as the upper triangle of a row-major matrix, the layout of
// gonum's lapack64.Potrf with blas.Upper, for the normal equations of
// package train's Levenberg–Marquardt steps.
//
// Factor is a blocked right-looking Cholesky factorisation whose trailing
// updates (almost all of its n³/3 multiply-adds) are products of package
// gemm's blocked kernel; gonum's Dpotrf does them with its generic Dgemm,
// several times slower on AVX2 and AVX-512 machines, and Dpotrs solves
// a single right-hand side through Dtrsm one element at a time. Solve uses
// row-contiguous substitutions instead. Both run on the calling goroutine
// in a fixed order, so the result does not depend on what else runs.
package chol

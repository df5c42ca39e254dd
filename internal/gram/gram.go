// Package gram computes Gram matrices (dot products of every pair of rows
// of a row-major matrix), the kernel shared by the distance computation of
// package cluster and the normal equations (JᵀJ) of package train. Tile,
// the distances' kernel, uses on amd64 with AVX2 and FMA an assembly
// kernel that computes 4×2 blocks of dot products (elsewhere gonum's
// Dgemm); Upper and UpperT, the normal equations', use package gemm's
// blocked symmetric product. Panels computes distances in few dimensions directly from
// coordinate differences, 4×8 pairs at a time.
package gram

import (
	"github.com/paramrecovery/expandcluster/internal/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// UseKernel turns the assembly kernel on or off (if the CPU has it) and
// returns the previous setting; tests use it to check the fallback.
func UseKernel(on bool) (was bool) {
	was = hasKernel
	hasKernel = on && kernelAvailable
	return was
}

// Tile sets buf[(i−i0)·(j1−j0) + j−j0] = x_i·x_j for i in [i0, i1), j in
// [j0, j1). With AVX2 and FMA every product is computed by the same kernel
// in the same order whatever its position in the tile (short blocks at the
// edges repeat their last row instead of switching to another code path),
// so results do not depend on tiling or the number of workers.
func Tile(buf, data []float64, stride, d, i0, i1, j0, j1 int) {
	w := j1 - j0
	if !hasKernel {
		a := blas64.General{Rows: i1 - i0, Cols: d, Stride: stride, Data: data[i0*stride:]}
		b := blas64.General{Rows: w, Cols: d, Stride: stride, Data: data[j0*stride:]}
		c := blas64.General{Rows: i1 - i0, Cols: w, Stride: w, Data: buf}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, a, b, 0, c)
		return
	}
	k4 := d &^ 3
	var acc [32]float64
	var ar [4]int
	for i := i0; i < i1; i += 4 {
		for r := range ar {
			ar[r] = min(i+r, i1-1) * stride
		}
		for j := j0; j < j1; j += 2 {
			b0 := j * stride
			b1 := min(j+1, j1-1) * stride
			dot4x2(&data[ar[0]], &data[ar[1]], &data[ar[2]], &data[ar[3]], &data[b0], &data[b1], k4, &acc)
			for r := range 4 {
				if i+r >= i1 {
					break
				}
				for c := range 2 {
					if j+c >= j1 {
						break
					}
					l := acc[8*r+4*c : 8*r+4*c+4]
					s := (l[0] + l[1]) + (l[2] + l[3])
					if k4 < d {
						bo := b0
						if c == 1 {
							bo = b1
						}
						ao := ar[r]
						for m := k4; m < d; m++ {
							s += data[ao+m] * data[bo+m]
						}
					}
					buf[(i+r-i0)*w+j+c-j0] = s
				}
			}
		}
	}
}

// Upper sets the upper triangle (j ≥ i) of c (n×n, row stride ldc) to
// A·Aᵀ, where A is the n×d row-major matrix a with row stride stride. The
// lower triangle is not touched. It is package gemm's symmetric product
// (blocked for cache, at about twice the speed of Tile's dot products when
// d is in the thousands, as in the normal equations JᵀJ); the results are
// deterministic for given inputs and may differ in rounding from Tile's.
func Upper(c []float64, ldc int, a []float64, n, d, stride int) {
	gemm.Upper(n, d, a, stride, 1, c, ldc)
}

// UpperT sets the upper triangle of c (n×n, row stride ldc) to AᵀA, where
// A is the d×n row-major matrix a with row stride stride: the normal
// matrix JᵀJ of a Jacobian J stored one sample per row, without forming
// Jᵀ. It has the same bits as Upper on the transpose.
func UpperT(c []float64, ldc int, a []float64, n, d, stride int) {
	gemm.Upper(n, d, a, 1, stride, c, ldc)
}

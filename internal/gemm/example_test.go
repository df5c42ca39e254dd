package gemm_test

import (
	"fmt"

	"github.com/paramrecovery/expandcluster/internal/gemm"
)

// Mul with a transposed operand: C = A·Bᵀ for a row-major 2×3 A and a
// row-major 2×3 B, read as its 3×2 transpose through the strides.
func ExampleMul() {
	a := []float64{1, 2, 3, 4, 5, 6}
	b := []float64{1, 0, 1, 0, 1, 0}
	c := make([]float64, 4)
	gemm.Mul(2, 2, 3, a, 3, 1, b, 1, 3, c, 2, false)
	fmt.Println(c)
	// Output: [4 2 10 5]
}

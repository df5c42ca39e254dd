package chol_test

import (
	"fmt"

	"github.com/paramrecovery/expandcluster/internal/chol"
)

// Factor and Solve on a 3×3 system: only the upper triangle of A is read
// (the lower one here holds zeros), and b is overwritten by x.
func Example() {
	a := []float64{
		4, 2, 2,
		0, 5, 3,
		0, 0, 6,
	}
	if !chol.Factor(a, 3, 3, make([]float64, chol.WorkLen(3))) {
		fmt.Println("not positive definite")
		return
	}
	b := []float64{8, 10, 11} // A·(1, 1, 1)
	chol.Solve(a, 3, 3, b)
	fmt.Printf("x = %.12f\n", b)
	// Output: x = [1.000000000000 1.000000000000 1.000000000000]
}

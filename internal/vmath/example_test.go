package vmath_test

import (
	"fmt"

	"github.com/paramrecovery/expandcluster/internal/vmath"
)

// GSlice fills the values and derivatives of g(x) = sigmoid(4x) + softplus(x)
// for a whole column of pre-activations.
func ExampleGSlice() {
	x := []float64{-1, 0, 1, 2, 30}
	y, dy := make([]float64, len(x)), make([]float64, len(x))
	vmath.GSlice(y, dy, x)
	for i := range x {
		fmt.Printf("g(%v) = %.6f, g'(%v) = %.6f\n", x[i], y[i], x[i], dy[i])
	}
	// Output:
	// g(-1) = 0.331248, g'(-1) = 0.339592
	// g(0) = 1.193147, g'(0) = 1.500000
	// g(1) = 2.295275, g'(1) = 0.801709
	// g(2) = 3.126593, g'(2) = 0.882138
	// g(30) = 31.000000, g'(30) = 1.000000
}

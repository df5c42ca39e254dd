package vmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// TestDumpGauss writes x and the six Gaussian functions to the file named
// by VMATH_DUMP, for testdata/gauss_mpmath.py to check against 150-bit
// values; it is skipped otherwise.
func TestDumpGauss(t *testing.T) {
	name := os.Getenv("VMATH_DUMP")
	if name == "" {
		t.Skip("VMATH_DUMP not set")
	}
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	xs := []float64{}
	for x := -39.0; x <= 39; x += 1.0 / 128 {
		xs = append(xs, x+rng.Float64()/128)
	}
	for e := -1074; e < 6; e++ {
		xs = append(xs, math.Ldexp(1+rng.Float64(), e), -math.Ldexp(1+rng.Float64(), e))
	}
	for _, x := range xs {
		y, dy := GELU(x)
		e, de := ErfSqrt2(x)
		fmt.Fprintf(f, "%x %x %x %x %x %x %x\n", math.Float64bits(x), math.Float64bits(y), math.Float64bits(dy),
			math.Float64bits(GELUDeriv2(x)), math.Float64bits(e), math.Float64bits(de), math.Float64bits(ErfSqrt2Deriv2(x)))
	}
}

package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is the quadratic model gᵀp + ½pᵀHp in H's eigenbasis.
func model(vals, gq, coef []float64) float64 {
	var m float64
	for i, c := range coef {
		m += gq[i]*c + 0.5*vals[i]*c*c
	}
	return m
}

func TestTrustRegionStepInteriorIsNewtonStep(t *testing.T) {
	vals, gq := []float64{0.5, 2, 4}, []float64{1, -2, 3}
	coef := make([]float64, 3)
	pred, norm := trustRegionStep(coef, vals, gq, 100)
	var want float64
	for i := range vals {
		if c := -gq[i] / vals[i]; coef[i] != c {
			t.Errorf("coef[%d] = %v, want the Newton step %v", i, coef[i], c)
		}
		want += 0.5 * gq[i] * gq[i] / vals[i]
	}
	if math.Abs(pred-want) > 1e-14*want || norm > 100 {
		t.Errorf("pred %v norm %v, want pred %v inside the region", pred, norm, want)
	}
}

func TestTrustRegionStepHardCase(t *testing.T) {
	// g has no component along the eigenvector of the negative eigenvalue:
	// −(H+λI)⁻¹g stays inside the region for every admissible λ, so the
	// step must be completed to the boundary along that eigenvector.
	vals, gq := []float64{-1, 2}, []float64{0, 1}
	coef := make([]float64, 2)
	pred, norm := trustRegionStep(coef, vals, gq, 2)
	if math.Abs(norm-2) > 1e-9 {
		t.Errorf("hard-case step norm %v, want the radius 2", norm)
	}
	if coef[0] == 0 {
		t.Errorf("hard-case step %v has no component along the negative-curvature direction", coef)
	}
	if want := -model(vals, gq, coef); pred != want || pred <= 0 {
		t.Errorf("pred %v, want the positive model decrease %v", pred, want)
	}
}

// TestTrustRegionStepIsOptimal checks the step against random points of the
// trust region: none may have a lower model value, whatever the signs of
// the eigenvalues.
func TestTrustRegionStepIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		k := 1 + rng.IntN(4)
		vals, gq := make([]float64, k), make([]float64, k)
		for i := range vals {
			vals[i] = 3 * rng.NormFloat64()
			gq[i] = rng.NormFloat64()
		}
		slices.Sort(vals)
		radius := math.Exp(2 * rng.NormFloat64())
		coef := make([]float64, k)
		pred, norm := trustRegionStep(coef, vals, gq, radius)
		if norm > radius*(1+1e-9) {
			t.Fatalf("trial %d: step norm %v outside the radius %v", trial, norm, radius)
		}
		best := model(vals, gq, coef)
		if math.Abs(pred+best) > 1e-12*(1+math.Abs(best)) {
			t.Fatalf("trial %d: pred %v is not the model decrease %v", trial, pred, -best)
		}
		p := make([]float64, k)
		for range 2000 {
			var s float64
			for i := range p {
				p[i] = rng.NormFloat64()
				s += p[i] * p[i]
			}
			scale := radius * math.Pow(rng.Float64(), 1/float64(k)) / math.Sqrt(s)
			for i := range p {
				p[i] *= scale
			}
			if m := model(vals, gq, p); m < best-1e-9*(1+math.Abs(best)) {
				t.Fatalf("trial %d: point %v has model %v below the step's %v (vals %v, gq %v, radius %v)", trial, p, m, best, vals, gq, radius)
			}
		}
	}
}

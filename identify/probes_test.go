package identify

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestProbeStrategiesShapesAndDeterminism(t *testing.T) {
	data := gaussian(rand.New(rand.NewPCG(5, 5)), 40, 3)
	ds, err := NewDataset(data)
	if err != nil {
		t.Fatal(err)
	}
	iso, _ := IsotropicGaussian(3, 2)
	scaled, _ := ScaledGaussian([]float64{1, -1, 0}, []float64{0.5, 0, 2})
	cov := mat.NewSymDense(3, []float64{2, 1, 0, 1, 2, 0, 0, 0, 0}) // singular: the last input is constant
	full, err := NewGaussianProbes([]float64{0, 1, 3}, cov)
	if err != nil {
		t.Fatal(err)
	}
	matched, err := MatchGaussian(data, false)
	if err != nil {
		t.Fatal(err)
	}
	noisy, err := NewDataNoise(data, []float64{0.1})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]Probes{"dataset": ds, "isotropic": iso, "scaled": scaled, "covariance": full, "matched": matched, "data+noise": noisy} {
		if p.Dim() != 3 {
			t.Errorf("%s: Dim %d, want 3", name, p.Dim())
		}
		a, err := p.Sample(rand.New(rand.NewPCG(9, 9)), 25)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := p.Sample(rand.New(rand.NewPCG(9, 9)), 25)
		c, _ := p.Sample(rand.New(rand.NewPCG(9, 10)), 25)
		if r, k := a.Dims(); r != 25 || k != 3 {
			t.Errorf("%s: %d×%d sample, want 25×3", name, r, k)
		}
		if !mat.Equal(a, b) {
			t.Errorf("%s: same seed, different samples", name)
		}
		if mat.Equal(a, c) {
			t.Errorf("%s: different seeds, same samples", name)
		}
		if err := checkMatrix(name, a); err != nil {
			t.Error(err)
		}
	}
	all, _ := ds.Sample(nil, 40)
	if !mat.Equal(all, data) {
		t.Error("Dataset: all rows are not the data in order")
	}
	sub, _ := ds.Sample(rand.New(rand.NewPCG(1, 1)), 39)
	seen := map[float64]bool{}
	for i := 0; i < 39; i++ {
		if seen[sub.At(i, 0)] {
			t.Fatal("Dataset subset repeats a row")
		}
		seen[sub.At(i, 0)] = true
	}
	if _, err := ds.Sample(rand.New(rand.NewPCG(1, 1)), 41); err == nil {
		t.Error("more rows than the data set has: no error")
	}
	// The constant input of the singular covariance stays at its mean and
	// the per-input scale 0 likewise.
	x, _ := full.Sample(rand.New(rand.NewPCG(2, 2)), 20000)
	y, _ := scaled.Sample(rand.New(rand.NewPCG(2, 2)), 10)
	for i := 0; i < 10; i++ {
		if math.Abs(x.At(i, 2)-3) > 1e-12 || y.At(i, 1) != -1 {
			t.Fatalf("constant input varies: %v, %v", x.At(i, 2), y.At(i, 1))
		}
	}
	// Sample covariance of 20 000 draws within 5% of the requested one.
	var c01, c00 float64
	for i := 0; i < 20000; i++ {
		a, b := x.At(i, 0), x.At(i, 1)-1
		c00 += a * a
		c01 += a * b
	}
	if c00 /= 20000; math.Abs(c00-2) > 0.1 {
		t.Errorf("variance of input 0 is %.3f, want 2", c00)
	}
	if c01 /= 20000; math.Abs(c01-1) > 0.1 {
		t.Errorf("covariance of inputs 0 and 1 is %.3f, want 1", c01)
	}
	// Matching to the covariance of data drawn from it recovers it.
	m, err := MatchGaussian(x, true)
	if err != nil {
		t.Fatal(err)
	}
	if mean := m.Mean(); math.Abs(mean[1]-1) > 0.05 || math.Abs(mean[2]-3) > 1e-9 {
		t.Errorf("matched mean %v", mean)
	}
}

// Widened probes are the original draws moved away from the mean by the
// factor, for a diagonal and a full covariance alike, and leave the
// original untouched.
func TestGaussianProbesWidened(t *testing.T) {
	diag, err := ScaledGaussian([]float64{1, -2}, []float64{0.5, 3})
	if err != nil {
		t.Fatal(err)
	}
	full, err := NewGaussianProbes([]float64{0, 1, 3}, mat.NewSymDense(3, []float64{2, 1, 0, 1, 2, 0, 0, 0, 0}))
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]GaussianProbes{"diagonal": diag, "full": full} {
		w, err := g.Widened(4)
		if err != nil {
			t.Fatal(err)
		}
		a, err := g.Sample(rand.New(rand.NewPCG(7, 7)), 50)
		if err != nil {
			t.Fatal(err)
		}
		b, err := w.Sample(rand.New(rand.NewPCG(7, 7)), 50)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := g.Sample(rand.New(rand.NewPCG(7, 7)), 50)
		mean := g.Mean()
		for i := 0; i < 50; i++ {
			for j, m := range mean {
				if want := m + 4*(a.At(i, j)-m); math.Abs(b.At(i, j)-want) > 1e-12*(1+math.Abs(want)) {
					t.Fatalf("%s: widened draw (%d, %d) = %v, want %v", name, i, j, b.At(i, j), want)
				}
				if again.At(i, j) != a.At(i, j) {
					t.Fatalf("%s: widening changed the original probes", name)
				}
			}
		}
	}
}

func TestProbeStrategiesRejectBadInput(t *testing.T) {
	nan := math.NaN()
	data := gaussian(rand.New(rand.NewPCG(5, 5)), 10, 2)
	nanData := mat.DenseCopyOf(data)
	nanData.Set(3, 1, nan)
	notPSD := mat.NewSymDense(2, []float64{1, 2, 2, 1})
	nanCov := mat.NewSymDense(2, []float64{1, nan, nan, 1})
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"isotropic dimension 0", func() error { _, err := IsotropicGaussian(0, 1); return err }, "dimension 0"},
		{"NaN mean", func() error { _, err := ScaledGaussian([]float64{0, nan}, []float64{1, 1}); return err }, "mean entry 1 is NaN"},
		{"negative scale", func() error { _, err := ScaledGaussian([]float64{0, 0}, []float64{1, -1}); return err }, "standard deviation 1 is -1"},
		{"NaN scale", func() error { _, err := ScaledGaussian([]float64{0, 0}, []float64{nan, 1}); return err }, "standard deviation 0 is NaN"},
		{"scale length", func() error { _, err := ScaledGaussian([]float64{0, 0}, []float64{1}); return err }, "1 standard deviations for a mean of 2"},
		{"covariance size", func() error { _, err := NewGaussianProbes([]float64{0, 0, 0}, mat.NewSymDense(2, nil)); return err }, "covariance is 2×2 for a mean of 3"},
		{"NaN covariance", func() error { _, err := NewGaussianProbes([]float64{0, 0}, nanCov); return err }, "covariance entry (1, 0) is NaN"},
		{"not PSD", func() error { _, err := NewGaussianProbes([]float64{0, 0}, notPSD); return err }, "not positive semidefinite"},
		{"nil covariance", func() error { _, err := NewGaussianProbes([]float64{0}, nil); return err }, "nil covariance"},
		{"NaN data to match", func() error { _, err := MatchGaussian(nanData, true); return err }, "row 3, column 1 is NaN"},
		{"one row to match", func() error { _, err := MatchGaussian(mat.NewDense(1, 2, nil), false); return err }, "need at least 2"},
		{"NaN dataset", func() error { _, err := NewDataset(nanData); return err }, "is NaN"},
		{"noise length", func() error { _, err := NewDataNoise(data, []float64{1, 1, 1}); return err }, "3 noise standard deviations for 2 inputs"},
		{"negative noise", func() error { _, err := NewDataNoise(data, []float64{-0.1}); return err }, "is -0.1"},
		{"zero Gaussian", func() error { _, err := GaussianProbes{}.Sample(rand.New(rand.NewPCG(1, 1)), 3); return err }, "use a constructor"},
		{"widen by 0", func() error { g, _ := IsotropicGaussian(2, 1); _, err := g.Widened(0); return err }, "widening Gaussian probes by 0"},
		{"widen by NaN", func() error { g, _ := IsotropicGaussian(2, 1); _, err := g.Widened(nan); return err }, "want a finite factor"},
		{"widen zero Gaussian", func() error { _, err := GaussianProbes{}.Widened(2); return err }, "widening empty"},
		{"zero Dataset", func() error { _, err := Dataset{}.Sample(rand.New(rand.NewPCG(1, 1)), 3); return err }, "NewDataset"},
		{"zero DataNoise", func() error { _, err := DataNoise{}.Sample(rand.New(rand.NewPCG(1, 1)), 3); return err }, "NewDataNoise"},
		{"zero count", func() error {
			g, _ := IsotropicGaussian(2, 1)
			_, err := g.Sample(rand.New(rand.NewPCG(1, 1)), 0)
			return err
		}, "must be positive"},
		{"nil rng", func() error { g, _ := IsotropicGaussian(2, 1); _, err := g.Sample(nil, 3); return err }, "random generator"},
	}
	for _, c := range cases {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", c.name, r)
				}
			}()
			err = c.err()
		}()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

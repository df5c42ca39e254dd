package synth

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ScalePixels divides every entry of x by 255 in place, mapping 8-bit
// pixel values to [0, 1].
func ScalePixels(x *mat.Dense) {
	r, c := x.Dims()
	for i := 0; i < r; i++ {
		row := x.RawRowView(i)
		for j := range row[:c] {
			row[j] /= 255
		}
	}
}

// Standardizer maps each feature (column) to zero mean and unit variance
// with the statistics of a reference set: x ↦ (x − Mean)/Std. It is fit on
// one set (the training inputs) and applied unchanged to others (the test
// inputs), so all sets share one transform.
type Standardizer struct {
	Mean, Std []float64
}

// MinStd is the smallest standard deviation a Standardizer divides by: a
// constant feature (the border pixels of MNIST images) is centred, not
// blown up.
const MinStd = 1e-8

// FitStandardizer returns the per-column mean and (population) standard
// deviation of x; columns with a standard deviation below MinStd get Std 1.
func FitStandardizer(x mat.Matrix) (*Standardizer, error) {
	r, c := x.Dims()
	if r == 0 || c == 0 {
		return nil, fmt.Errorf("synth: FitStandardizer: empty data")
	}
	s := &Standardizer{Mean: make([]float64, c), Std: make([]float64, c)}
	// Two passes for accuracy: mean, then centred sum of squares.
	row := make([]float64, c)
	get := func(i int) []float64 {
		if d, ok := x.(mat.RawRowViewer); ok {
			return d.RawRowView(i)[:c]
		}
		for j := range row {
			row[j] = x.At(i, j)
		}
		return row
	}
	for i := 0; i < r; i++ {
		for j, v := range get(i) {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(r)
	}
	for i := 0; i < r; i++ {
		for j, v := range get(i) {
			d := v - s.Mean[j]
			s.Std[j] += d * d
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j] / float64(r))
		if !(s.Std[j] >= MinStd) {
			s.Std[j] = 1
		}
	}
	return s, nil
}

// Apply standardises x in place.
func (s *Standardizer) Apply(x *mat.Dense) error {
	r, c := x.Dims()
	if c != len(s.Mean) || c != len(s.Std) {
		return fmt.Errorf("synth: Standardizer fit on %d features applied to %d", len(s.Mean), c)
	}
	for i := 0; i < r; i++ {
		row := x.RawRowView(i)[:c]
		for j := range row {
			row[j] = (row[j] - s.Mean[j]) / s.Std[j]
		}
	}
	return nil
}

// Invert undoes Apply in place.
func (s *Standardizer) Invert(x *mat.Dense) error {
	r, c := x.Dims()
	if c != len(s.Mean) || c != len(s.Std) {
		return fmt.Errorf("synth: Standardizer fit on %d features applied to %d", len(s.Mean), c)
	}
	for i := 0; i < r; i++ {
		row := x.RawRowView(i)[:c]
		for j := range row {
			row[j] = row[j]*s.Std[j] + s.Mean[j]
		}
	}
	return nil
}

package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Sampler draws input batches, one sample per row. Draws are a
// deterministic function of the generator's state; the built-in samplers
// fill the matrix row by row, so the first k rows of an n-row draw equal a
// k-row draw from the same state.
type Sampler interface {
	// Dim returns the number of columns of a sample.
	Dim() int
	// Sample returns n new samples drawn with rng.
	Sample(rng *rand.Rand, n int) (*mat.Dense, error)
}

var (
	_ Sampler = Gaussian{}
	_ Sampler = Box{}
	_ Sampler = Rows{}
)

func checkCount(n int) error {
	if n <= 0 {
		return fmt.Errorf("synth: sample count must be positive, got %d", n)
	}
	return nil
}

// Gaussian samples independent normal coordinates with mean Mean and
// standard deviation Std (0 means 1): the standard Gaussian by default, the
// paper's input distribution for synthetic teachers.
type Gaussian struct {
	D    int
	Mean float64
	Std  float64
}

// Dim returns D.
func (g Gaussian) Dim() int { return g.D }

// Sample draws n×D values, row by row.
func (g Gaussian) Sample(rng *rand.Rand, n int) (*mat.Dense, error) {
	if err := checkCount(n); err != nil {
		return nil, err
	}
	if g.D <= 0 {
		return nil, fmt.Errorf("synth: Gaussian sampler dimension must be positive, got %d", g.D)
	}
	std := g.Std
	if std == 0 {
		std = 1
	}
	if std < 0 || math.IsNaN(std) || math.IsInf(std, 0) || math.IsNaN(g.Mean) || math.IsInf(g.Mean, 0) {
		return nil, fmt.Errorf("synth: Gaussian sampler needs finite mean and positive std, got %v and %v", g.Mean, std)
	}
	data := make([]float64, n*g.D)
	for i := range data {
		data[i] = g.Mean + std*rng.NormFloat64()
	}
	return mat.NewDense(n, g.D, data), nil
}

// Box samples uniformly on the box Π[Low[j], High[j]).
type Box struct {
	Low, High []float64
}

// UniformBox returns the box [lo, hi)^d.
func UniformBox(d int, lo, hi float64) Box {
	b := Box{Low: make([]float64, d), High: make([]float64, d)}
	for j := range d {
		b.Low[j], b.High[j] = lo, hi
	}
	return b
}

// Dim returns len(Low).
func (b Box) Dim() int { return len(b.Low) }

// Sample draws n points, row by row.
func (b Box) Sample(rng *rand.Rand, n int) (*mat.Dense, error) {
	if err := checkCount(n); err != nil {
		return nil, err
	}
	d := len(b.Low)
	if d == 0 || len(b.High) != d {
		return nil, fmt.Errorf("synth: Box needs as many lower as upper bounds, at least one: got %d and %d", d, len(b.High))
	}
	for j := range d {
		lo, hi := b.Low[j], b.High[j]
		if !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			return nil, fmt.Errorf("synth: Box dimension %d: bounds [%v, %v) are not a finite interval", j, lo, hi)
		}
	}
	data := make([]float64, n*d)
	for i := 0; i < n; i++ {
		row := data[i*d : (i+1)*d]
		for j := range row {
			row[j] = b.Low[j] + (b.High[j]-b.Low[j])*rng.Float64()
		}
	}
	return mat.NewDense(n, d, data), nil
}

// Rows samples rows of a data set X. With Replace, each row is drawn
// uniformly and independently; without, the rows are a uniformly random
// subset in random order, and n may not exceed the number of rows.
type Rows struct {
	X       mat.Matrix
	Replace bool
}

// Dim returns the number of columns of X.
func (s Rows) Dim() int {
	if s.X == nil {
		return 0
	}
	_, c := s.X.Dims()
	return c
}

// Sample copies n rows of X.
func (s Rows) Sample(rng *rand.Rand, n int) (*mat.Dense, error) {
	if err := checkCount(n); err != nil {
		return nil, err
	}
	if s.X == nil {
		return nil, fmt.Errorf("synth: Rows sampler has no data")
	}
	idx, err := s.Indices(rng, n)
	if err != nil {
		return nil, err
	}
	_, c := s.X.Dims()
	dst := mat.NewDense(n, c, nil)
	for i, r := range idx {
		if d, ok := s.X.(mat.RawRowViewer); ok {
			dst.SetRow(i, d.RawRowView(r))
			continue
		}
		for j := 0; j < c; j++ {
			dst.Set(i, j, s.X.At(r, j))
		}
	}
	return dst, nil
}

// Indices returns the row indices that Sample(rng, n) would copy.
func (s Rows) Indices(rng *rand.Rand, n int) ([]int, error) {
	if err := checkCount(n); err != nil {
		return nil, err
	}
	if s.X == nil {
		return nil, fmt.Errorf("synth: Rows sampler has no data")
	}
	rows, _ := s.X.Dims()
	idx := make([]int, n)
	if s.Replace {
		for i := range idx {
			idx[i] = rng.IntN(rows)
		}
		return idx, nil
	}
	if n > rows {
		return nil, fmt.Errorf("synth: cannot draw %d rows without replacement from %d", n, rows)
	}
	// Partial Fisher–Yates shuffle of 0…rows−1.
	perm := make([]int, rows)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < n; i++ {
		j := i + rng.IntN(rows-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	copy(idx, perm[:n])
	return idx, nil
}

package identify

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Probes is a probe strategy: it chooses the inputs at which the teacher
// is queried. Sample returns n inputs (one per row, Dim columns) drawn with
// rng; the draw depends on nothing but rng's state, so a run is
// reproducible from its seed. The samplers of package synth (synth.Gaussian,
// synth.Box, synth.Rows) have the same method set and are Probes too.
//
// The strategies here are small values, built by their constructors, which
// check their arguments:
//
//   - Dataset: the rows of a fixed data set (what Run does with its inputs);
//   - GaussianProbes: a Gaussian matched to given statistics — a mean and
//     a covariance (NewGaussianProbes), a per-input scale (ScaledGaussian),
//     isotropic (IsotropicGaussian), or fitted to data (MatchGaussian);
//   - DataNoise: rows of a data set plus Gaussian noise.
//
// RunProbes queries the teacher at one batch of them; RunActive uses them
// as candidates and queries only where its students disagree.
type Probes interface {
	Dim() int
	Sample(rng *rand.Rand, n int) (*mat.Dense, error)
}

var (
	_ Probes = Dataset{}
	_ Probes = GaussianProbes{}
	_ Probes = DataNoise{}
)

// Dataset draws from the rows of a fixed data set: all of them, in order,
// when n is the number of rows (Run's behaviour), otherwise n distinct
// rows chosen at random. Build it with NewDataset.
type Dataset struct {
	x *mat.Dense
}

// NewDataset returns the strategy that draws rows of x. x must be
// non-empty and finite; it is not copied.
func NewDataset(x *mat.Dense) (Dataset, error) {
	if err := checkMatrix("probe data", x); err != nil {
		return Dataset{}, err
	}
	return Dataset{x: x}, nil
}

// Dim returns the number of columns.
func (d Dataset) Dim() int {
	if d.x == nil {
		return 0
	}
	return d.x.RawMatrix().Cols
}

// Rows returns the number of rows of the data set.
func (d Dataset) Rows() int {
	if d.x == nil {
		return 0
	}
	return d.x.RawMatrix().Rows
}

// Sample returns n rows of the data set: all of them in order if n is the
// number of rows, else n distinct random rows (a partial Fisher–Yates
// shuffle with rng).
func (d Dataset) Sample(rng *rand.Rand, n int) (*mat.Dense, error) {
	if d.x == nil {
		return nil, fmt.Errorf("identify: Dataset has no data (use NewDataset)")
	}
	if err := checkCount(n); err != nil {
		return nil, err
	}
	rows, cols := d.x.Dims()
	if n > rows {
		return nil, fmt.Errorf("identify: %d probes asked of a data set of %d rows", n, rows)
	}
	out := mat.NewDense(n, cols, nil)
	if n == rows {
		out.Copy(d.x)
		return out, nil
	}
	if rng == nil {
		return nil, fmt.Errorf("identify: Dataset.Sample needs a random generator to choose %d of %d rows", n, rows)
	}
	idx := make([]int, rows)
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < n; i++ {
		j := i + rng.IntN(rows-i)
		idx[i], idx[j] = idx[j], idx[i]
		copy(out.RawRowView(i), d.x.RawRowView(idx[i]))
	}
	return out, nil
}

// GaussianProbes draws inputs x = mean + A·z with z standard normal: A is
// diagonal for a per-input scale and a square root of the covariance
// otherwise. Build it with IsotropicGaussian, ScaledGaussian,
// NewGaussianProbes or MatchGaussian.
type GaussianProbes struct {
	mean  []float64
	scale []float64  // per-input standard deviation, if diagonal
	root  *mat.Dense // A with AAᵀ = Σ (d×d), if full
}

// IsotropicGaussian returns d-dimensional probes with independent
// coordinates of mean 0 and standard deviation std (0 means 1). Such
// queries excite every input direction equally, so every input weight of
// the teacher is identifiable.
func IsotropicGaussian(d int, std float64) (GaussianProbes, error) {
	if d <= 0 {
		return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes of dimension %d: must be positive", d)
	}
	if std == 0 {
		std = 1
	}
	scale := make([]float64, d)
	for i := range scale {
		scale[i] = std
	}
	return ScaledGaussian(make([]float64, d), scale)
}

// ScaledGaussian returns probes with independent coordinates of the given
// means and standard deviations (a per-input scale). A zero standard
// deviation makes that input constant.
func ScaledGaussian(mean, std []float64) (GaussianProbes, error) {
	if len(mean) == 0 {
		return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes need a mean (of the input dimension)")
	}
	if len(std) != len(mean) {
		return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes: %d standard deviations for a mean of %d inputs", len(std), len(mean))
	}
	if err := checkFinite("mean", mean); err != nil {
		return GaussianProbes{}, err
	}
	for i, s := range std {
		if !(s >= 0) || math.IsInf(s, 0) {
			return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes: standard deviation %d is %v, want finite and ≥ 0", i, s)
		}
	}
	return GaussianProbes{mean: append([]float64(nil), mean...), scale: append([]float64(nil), std...)}, nil
}

// NewGaussianProbes returns probes with the given mean and covariance
// (d×d, symmetric positive semidefinite; a singular covariance, such as
// that of images with constant pixels, is fine). The square root is taken
// by an eigendecomposition, so eigenvalues that rounding made slightly
// negative are set to 0; clearly negative ones are an error.
func NewGaussianProbes(mean []float64, cov mat.Symmetric) (GaussianProbes, error) {
	if len(mean) == 0 {
		return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes need a mean (of the input dimension)")
	}
	if cov == nil {
		return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes: nil covariance")
	}
	d := cov.SymmetricDim()
	if d != len(mean) {
		return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes: covariance is %d×%d for a mean of %d inputs", d, d, len(mean))
	}
	if err := checkFinite("mean", mean); err != nil {
		return GaussianProbes{}, err
	}
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			if v := cov.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes: covariance entry (%d, %d) is %v", i, j, v)
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes: eigendecomposition of the %d×%d covariance failed", d, d)
	}
	vals := eig.Values(nil)
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, math.Abs(v))
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	root := mat.NewDense(d, d, nil)
	for k, v := range vals {
		if v < -1e-10*top-1e-300 {
			return GaussianProbes{}, fmt.Errorf("identify: Gaussian probes: covariance is not positive semidefinite (eigenvalue %.3g, largest %.3g)", v, top)
		}
		s := math.Sqrt(math.Max(v, 0))
		for i := 0; i < d; i++ {
			root.Set(i, k, vecs.At(i, k)*s)
		}
	}
	return GaussianProbes{mean: append([]float64(nil), mean...), root: root}, nil
}

// MatchGaussian returns Gaussian probes with the mean and either the full
// covariance (full = true) or the per-input standard deviation of the rows
// of x.
func MatchGaussian(x *mat.Dense, full bool) (GaussianProbes, error) {
	if err := checkMatrix("data to match", x); err != nil {
		return GaussianProbes{}, err
	}
	n, d := x.Dims()
	if n < 2 {
		return GaussianProbes{}, fmt.Errorf("identify: matching Gaussian probes to %d row: need at least 2", n)
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x.RawRowView(i) {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	if !full {
		std := make([]float64, d)
		for i := 0; i < n; i++ {
			for j, v := range x.RawRowView(i) {
				std[j] += (v - mean[j]) * (v - mean[j])
			}
		}
		for j := range std {
			std[j] = math.Sqrt(std[j] / float64(n-1))
		}
		return ScaledGaussian(mean, std)
	}
	c := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		row := c.RawRowView(i)
		for j, v := range x.RawRowView(i) {
			row[j] = v - mean[j]
		}
	}
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(n-1), c.T())
	return NewGaussianProbes(mean, cov)
}

// Widened returns the probes with the same mean and factor times the
// spread (factor² times the covariance). Queries spread wider than the data
// a teacher was trained on push its neurons further into their nonlinear
// range, which pins the layers above the first down more firmly; the data's
// own spread leaves them weakly determined.
func (g GaussianProbes) Widened(factor float64) (GaussianProbes, error) {
	if len(g.mean) == 0 {
		return GaussianProbes{}, fmt.Errorf("identify: widening empty Gaussian probes (use a constructor such as MatchGaussian)")
	}
	if !(factor > 0) || math.IsInf(factor, 0) {
		return GaussianProbes{}, fmt.Errorf("identify: widening Gaussian probes by %v: want a finite factor > 0", factor)
	}
	out := GaussianProbes{mean: append([]float64(nil), g.mean...)}
	if g.root == nil {
		out.scale = make([]float64, len(g.scale))
		for i, s := range g.scale {
			out.scale[i] = factor * s
		}
		return out, nil
	}
	out.root = mat.DenseCopyOf(g.root)
	out.root.Scale(factor, out.root)
	return out, nil
}

// Dim returns the input dimension.
func (g GaussianProbes) Dim() int { return len(g.mean) }

// Mean returns a copy of the mean.
func (g GaussianProbes) Mean() []float64 { return append([]float64(nil), g.mean...) }

// Sample draws n inputs, row by row: the first k rows of an n-row draw
// equal a k-row draw from the same generator state.
func (g GaussianProbes) Sample(rng *rand.Rand, n int) (*mat.Dense, error) {
	if len(g.mean) == 0 {
		return nil, fmt.Errorf("identify: empty Gaussian probes (use a constructor such as IsotropicGaussian)")
	}
	if err := checkCount(n); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, fmt.Errorf("identify: Gaussian probes need a random generator")
	}
	d := len(g.mean)
	out := mat.NewDense(n, d, nil)
	if g.root == nil {
		for i := 0; i < n; i++ {
			row := out.RawRowView(i)
			for j := range row {
				row[j] = g.mean[j] + g.scale[j]*rng.NormFloat64()
			}
		}
		return out, nil
	}
	z := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		row := z.RawRowView(i)
		for j := range row {
			row[j] = rng.NormFloat64()
		}
	}
	out.Mul(z, g.root.T())
	for i := 0; i < n; i++ {
		row := out.RawRowView(i)
		for j := range row {
			row[j] += g.mean[j]
		}
	}
	return out, nil
}

// DataNoise draws random rows of a data set (with replacement) and adds
// independent Gaussian noise of a per-input standard deviation. Build it
// with NewDataNoise.
type DataNoise struct {
	x   *mat.Dense
	std []float64
}

// NewDataNoise returns the strategy that adds noise of standard deviation
// std to random rows of x: std has one entry (the same for every input) or
// one per column of x.
func NewDataNoise(x *mat.Dense, std []float64) (DataNoise, error) {
	if err := checkMatrix("probe data", x); err != nil {
		return DataNoise{}, err
	}
	d := x.RawMatrix().Cols
	switch len(std) {
	case 1:
		s := std[0]
		std = make([]float64, d)
		for i := range std {
			std[i] = s
		}
	case d:
		std = append([]float64(nil), std...)
	default:
		return DataNoise{}, fmt.Errorf("identify: data plus noise: %d noise standard deviations for %d inputs (give 1 or %d)", len(std), d, d)
	}
	for i, s := range std {
		if !(s >= 0) || math.IsInf(s, 0) {
			return DataNoise{}, fmt.Errorf("identify: data plus noise: standard deviation %d is %v, want finite and ≥ 0", i, s)
		}
	}
	return DataNoise{x: x, std: std}, nil
}

// Dim returns the input dimension.
func (p DataNoise) Dim() int {
	if p.x == nil {
		return 0
	}
	return p.x.RawMatrix().Cols
}

// Sample draws n noisy rows, row by row.
func (p DataNoise) Sample(rng *rand.Rand, n int) (*mat.Dense, error) {
	if p.x == nil {
		return nil, fmt.Errorf("identify: DataNoise has no data (use NewDataNoise)")
	}
	if err := checkCount(n); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, fmt.Errorf("identify: data plus noise needs a random generator")
	}
	rows, d := p.x.Dims()
	out := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		src := p.x.RawRowView(rng.IntN(rows))
		row := out.RawRowView(i)
		for j := range row {
			row[j] = src[j] + p.std[j]*rng.NormFloat64()
		}
	}
	return out, nil
}

func checkCount(n int) error {
	if n <= 0 {
		return fmt.Errorf("identify: probe count %d must be positive", n)
	}
	return nil
}

func checkFinite(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("identify: Gaussian probes: %s entry %d is %v", what, i, x)
		}
	}
	return nil
}

// probeRNG is the random stream of a run's probes: round r of a run with
// the given seed. It is disjoint from the students' streams
// (train.StudentRNG) and from the automatic ρ search.
func probeRNG(seed uint64, round int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x70726f6265730000, 0x51ed27a1c3b5f9d7+uint64(round)))
}

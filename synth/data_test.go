package synth

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func TestSamplersDeterministic(t *testing.T) {
	data := mat.NewDense(20, 3, nil)
	for i := range 20 {
		data.SetRow(i, []float64{float64(i), float64(-i), 0.5})
	}
	samplers := map[string]Sampler{
		"gaussian":     Gaussian{D: 4},
		"box":          Box{Low: []float64{-1, 0, 10}, High: []float64{1, 0.5, 20}},
		"rows":         Rows{X: data},
		"rows-replace": Rows{X: data, Replace: true},
	}
	for name, s := range samplers {
		a, err := s.Sample(NewRand(9), 15)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := s.Sample(NewRand(9), 15)
		c, _ := s.Sample(NewRand(10), 15)
		if !denseBitsEqual(a, b) {
			t.Errorf("%s: same seed, different samples", name)
		}
		if denseBitsEqual(a, c) {
			t.Errorf("%s: different seeds, same samples", name)
		}
		if r, cols := a.Dims(); r != 15 || cols != s.Dim() {
			t.Errorf("%s: %d×%d, want 15×%d", name, r, cols, s.Dim())
		}
	}
}

func TestGaussianMoments(t *testing.T) {
	x, err := Gaussian{D: 2, Mean: 3, Std: 0.5}.Sample(NewRand(1), 20000)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 2 {
		m, s := stat.MeanStdDev(mat.Col(nil, j, x), nil)
		if math.Abs(m-3) > 0.02 || math.Abs(s-0.5) > 0.02 {
			t.Errorf("column %d: mean %.4f std %.4f", j, m, s)
		}
	}
	// The first rows of a larger draw equal a smaller draw.
	big, _ := Gaussian{D: 3}.Sample(NewRand(2), 100)
	small, _ := Gaussian{D: 3}.Sample(NewRand(2), 10)
	if !denseBitsEqual(big.Slice(0, 10, 0, 3).(*mat.Dense), small) {
		t.Error("prefix property broken")
	}
}

func TestBoxBounds(t *testing.T) {
	b := Box{Low: []float64{-1, 5}, High: []float64{1, 5.5}}
	x, err := b.Sample(NewRand(3), 5000)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 2 {
		col := mat.Col(nil, j, x)
		lo, hi := slices.Min(col), slices.Max(col)
		if lo < b.Low[j] || hi >= b.High[j] || hi-lo < 0.99*(b.High[j]-b.Low[j]) {
			t.Errorf("column %d spans [%v, %v], box [%v, %v)", j, lo, hi, b.Low[j], b.High[j])
		}
	}
	u := UniformBox(3, -2, 2)
	if u.Dim() != 3 || u.Low[2] != -2 || u.High[0] != 2 {
		t.Errorf("UniformBox: %+v", u)
	}
}

func TestRowsWithoutReplacement(t *testing.T) {
	data := mat.NewDense(10, 1, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	x, err := Rows{X: data}.Sample(NewRand(4), 10)
	if err != nil {
		t.Fatal(err)
	}
	got := mat.Col(nil, 0, x)
	slices.Sort(got)
	if !slices.Equal(got, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("not a permutation: %v", got)
	}
	if _, err := (Rows{X: data}).Sample(NewRand(4), 11); err == nil {
		t.Error("11 of 10 rows without replacement accepted")
	}
	if _, err := (Rows{X: data, Replace: true}).Sample(NewRand(4), 50); err != nil {
		t.Error(err)
	}
	// A non-Dense matrix works too.
	x, err = Rows{X: data.T()}.Sample(NewRand(4), 1)
	if err != nil || x.RawRowView(0)[9] != 9 {
		t.Errorf("transposed source: %v", err)
	}
}

func TestSamplerErrors(t *testing.T) {
	for name, f := range map[string]func() error{
		"gaussian dim": func() error { _, err := Gaussian{}.Sample(NewRand(1), 3); return err },
		"gaussian n":   func() error { _, err := Gaussian{D: 2}.Sample(NewRand(1), 0); return err },
		"gaussian std": func() error { _, err := Gaussian{D: 2, Std: -1}.Sample(NewRand(1), 3); return err },
		"box mismatch": func() error {
			_, err := Box{Low: []float64{0}, High: []float64{1, 2}}.Sample(NewRand(1), 3)
			return err
		},
		"box inverted":   func() error { _, err := Box{Low: []float64{2}, High: []float64{1}}.Sample(NewRand(1), 3); return err },
		"box infinite":   func() error { _, err := UniformBox(1, 0, math.Inf(1)).Sample(NewRand(1), 3); return err },
		"box NaN":        func() error { _, err := UniformBox(1, math.NaN(), 1).Sample(NewRand(1), 3); return err },
		"rows nil":       func() error { _, err := Rows{}.Sample(NewRand(1), 3); return err },
		"dataset n test": func() error { _, err := MakeDataset(nil, Gaussian{D: 2}, NewRand(1), 3, -1); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestMakeDataset(t *testing.T) {
	teacher, err := NewTeacher(TeacherConfig{Sizes: []int{3, 4, 2}}, 5)
	if err != nil {
		t.Fatal(err)
	}
	// More rows than one labelling block, to test the blocking.
	n := labelBlock*2 + 17
	d, err := MakeDataset(teacher, Gaussian{D: 3}, NewRand(6), n, 100)
	if err != nil {
		t.Fatal(err)
	}
	want, err := teacher.Predict(d.X)
	if err != nil {
		t.Fatal(err)
	}
	if !denseBitsEqual(want, d.Y) {
		t.Error("blocked labels differ from Predict")
	}
	wantT, _ := teacher.Predict(d.TestX)
	if !denseBitsEqual(wantT, d.TestY) {
		t.Error("test labels differ from Predict")
	}
	d2, _ := MakeDataset(teacher, Gaussian{D: 3}, NewRand(6), n, 100)
	if !denseBitsEqual(d.X, d2.X) || !denseBitsEqual(d.TestY, d2.TestY) {
		t.Error("same seed, different dataset")
	}
	// No test set.
	d3, err := MakeDataset(teacher, Gaussian{D: 3}, NewRand(6), 10, 0)
	if err != nil || d3.TestX != nil || d3.TestY != nil {
		t.Errorf("nTest = 0: %+v %v", d3, err)
	}
	// Wrong input width.
	if _, err := MakeDataset(teacher, Gaussian{D: 5}, NewRand(6), 10, 0); err == nil {
		t.Error("wrong input width accepted")
	}
	if _, err := Label(nil, d.X); err == nil {
		t.Error("nil teacher accepted")
	}
	if err := LabelTo(nil, mat.NewDense(3, 1, nil), teacher, d.X); err == nil {
		t.Error("wrong destination accepted")
	}
	x := mat.NewDense(2, 3, []float64{1, 2, math.NaN(), 0, 0, 0})
	if _, err := Label(teacher, x); err == nil {
		t.Error("NaN input accepted")
	}
}

func TestLabelToNoAllocs(t *testing.T) {
	teacher, _ := NewTeacher(TeacherConfig{Sizes: []int{8, 4, 1}}, 1)
	x, _ := Gaussian{D: 8}.Sample(NewRand(1), 1000)
	y := mat.NewDense(1000, 1, nil)
	ws := mlp.NewWorkspace()
	LabelTo(ws, y, teacher, x)
	// Only the two block views per block allocate.
	if a := testing.AllocsPerRun(10, func() { LabelTo(ws, y, teacher, x) }); a > 4 {
		t.Errorf("LabelTo allocates %.0f times per call with a warm workspace", a)
	}
}

func TestOneHot(t *testing.T) {
	m, err := OneHot([]int{2, 0, 1, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(4, 3, []float64{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1})
	if !mat.Equal(m, want) {
		t.Errorf("OneHot = %v", mat.Formatted(m))
	}
	if _, err := OneHot([]int{3}, 3); err == nil {
		t.Error("label 3 of 3 accepted")
	}
	if _, err := OneHot(nil, 3); err == nil {
		t.Error("no labels accepted")
	}
}

func TestScaling(t *testing.T) {
	x := mat.NewDense(2, 2, []float64{0, 255, 51, 102})
	ScalePixels(x)
	if !mat.Equal(x, mat.NewDense(2, 2, []float64{0, 1, 0.2, 0.4})) {
		t.Errorf("ScalePixels: %v", mat.Formatted(x))
	}
	train := mat.NewDense(4, 3, []float64{
		1, 10, 5,
		2, 20, 5,
		3, 30, 5,
		4, 40, 5,
	})
	s, err := FitStandardizer(train)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Mean, []float64{2.5, 25, 5}) || s.Std[2] != 1 {
		t.Errorf("fit: %+v", s)
	}
	z := mat.DenseCopyOf(train)
	if err := s.Apply(z); err != nil {
		t.Fatal(err)
	}
	for j := range 2 {
		m, sd := stat.PopMeanStdDev(mat.Col(nil, j, z), nil)
		if math.Abs(m) > 1e-15 || math.Abs(sd-1) > 1e-15 {
			t.Errorf("column %d: mean %v std %v after standardising", j, m, sd)
		}
	}
	if z.At(0, 2) != 0 {
		t.Errorf("constant column: %v, want 0", z.At(0, 2))
	}
	// Applied to another set with the training statistics.
	test := mat.NewDense(1, 3, []float64{2.5, 25, 6})
	s.Apply(test)
	if !mat.Equal(test, mat.NewDense(1, 3, []float64{0, 0, 1})) {
		t.Errorf("test set: %v", mat.Formatted(test))
	}
	s.Invert(z)
	if !mat.EqualApprox(z, train, 1e-14) {
		t.Error("Invert does not undo Apply")
	}
	if err := s.Apply(mat.NewDense(1, 2, nil)); err == nil {
		t.Error("width mismatch accepted")
	}
	if err := s.Invert(mat.NewDense(1, 2, nil)); err == nil {
		t.Error("width mismatch accepted")
	}
	// Non-Dense input.
	if s2, err := FitStandardizer(train.T()); err != nil || len(s2.Mean) != 4 {
		t.Errorf("FitStandardizer on a transpose: %v", err)
	}
}

func TestMNISTStyleFixture(t *testing.T) {
	train, test, err := FashionMNIST(filepath.Join("testdata", "mnist-mini"))
	if err != nil {
		t.Fatal(err)
	}
	if r, c := train.X.Dims(); r != 4 || c != 9 || !slices.Equal(train.Labels, []int{3, 1, 4, 1}) {
		t.Errorf("train: %d×%d %v", r, c, train.Labels)
	}
	if r, c := test.X.Dims(); r != 2 || c != 9 || !slices.Equal(test.Labels, []int{5, 9}) || test.X.At(0, 0) != 100 {
		t.Errorf("test: %d×%d %v", r, c, test.Labels)
	}
	_, _, err = FashionMNIST(t.TempDir())
	if !errors.Is(err, ErrDataMissing) {
		t.Errorf("empty dir: %v, want ErrDataMissing", err)
	}
	// Mismatched counts.
	dir := filepath.Join("testdata", "mnist-mini")
	if _, err := ReadIDXPair(filepath.Join(dir, "train-images-idx3-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte")); err == nil {
		t.Error("4 images with 2 labels accepted")
	}
	if _, err := ReadIDXPair(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte")); err == nil {
		t.Error("1-D images accepted")
	}
}

// TestFashionMNIST reads the real data set when Debian's
// dataset-fashion-mnist package is installed.
func TestFashionMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 30 MB of gzip data; skipped with -short")
	}
	start := time.Now()
	train, test, err := FashionMNIST("")
	if errors.Is(err, ErrDataMissing) {
		t.Skipf("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read Fashion-MNIST (70 000 images) in %v", time.Since(start))
	for _, c := range []struct {
		name string
		set  *Labelled
		n    int
	}{{"train", train, 60000}, {"test", test, 10000}} {
		r, cols := c.set.X.Dims()
		if r != c.n || cols != 784 || len(c.set.Labels) != c.n {
			t.Fatalf("%s: %d×%d with %d labels, want %d×784", c.name, r, cols, len(c.set.Labels), c.n)
		}
		counts := make([]int, 10)
		for _, l := range c.set.Labels {
			counts[l]++
		}
		for k, n := range counts {
			if n != c.n/10 {
				t.Errorf("%s: class %d (%s) has %d images, want %d", c.name, k, FashionMNISTClasses[k], n, c.n/10)
			}
		}
		lo, hi := mat.Min(c.set.X), mat.Max(c.set.X)
		if lo != 0 || hi != 255 {
			t.Errorf("%s: pixels in [%v, %v], want [0, 255]", c.name, lo, hi)
		}
	}
}

func TestOutputVariance(t *testing.T) {
	y := mat.NewDense(4, 2, []float64{1, 10, 2, 10, 3, 10, 4, 10})
	// Column 0 has variance 1.25, column 1 none: mean 0.625.
	if got := OutputVariance(y); got != 0.625 {
		t.Errorf("OutputVariance = %v, want 0.625", got)
	}
	if got := OutputVariance(&mat.Dense{}); !math.IsNaN(got) {
		t.Errorf("empty: %v, want NaN", got)
	}
}

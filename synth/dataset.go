package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// Dataset is a teacher's labelled data: inputs X (n×d_in) and teacher
// outputs Y (n×d_out), and optionally held-out test inputs and outputs
// (nil when there are none).
type Dataset struct {
	X, Y         *mat.Dense
	TestX, TestY *mat.Dense
}

// labelBlock is the number of rows labelled per forward pass: it bounds the
// workspace of wide teachers on large inputs (60 000 rows through a
// 784→1000 layer would otherwise need gigabytes).
const labelBlock = 4096

// Label returns the teacher's outputs on the rows of x.
func Label(teacher *mlp.Network, x *mat.Dense) (*mat.Dense, error) {
	if teacher == nil {
		return nil, fmt.Errorf("synth: Label: nil teacher")
	}
	if x == nil || x.IsEmpty() {
		return nil, fmt.Errorf("synth: Label: empty input batch")
	}
	n, _ := x.Dims()
	y := mat.NewDense(n, teacher.OutputDim(), nil)
	if err := LabelTo(nil, y, teacher, x); err != nil {
		return nil, err
	}
	return y, nil
}

// LabelTo writes the teacher's outputs on the rows of x into y
// (rows(x)×OutputDim), in blocks of rows, using ws (nil means a temporary
// workspace). With a warm workspace it does not allocate beyond the block
// views.
func LabelTo(ws *mlp.Workspace, y *mat.Dense, teacher *mlp.Network, x *mat.Dense) error {
	n, _ := x.Dims()
	if r, c := y.Dims(); r != n || c != teacher.OutputDim() {
		return fmt.Errorf("synth: LabelTo: destination is %d×%d, want %d×%d", r, c, n, teacher.OutputDim())
	}
	if ws == nil {
		ws = mlp.NewWorkspace()
	}
	_, cx := x.Dims()
	for i := 0; i < n; i += labelBlock {
		j := min(i+labelBlock, n)
		xb := x.Slice(i, j, 0, cx).(*mat.Dense)
		yb := y.Slice(i, j, 0, teacher.OutputDim()).(*mat.Dense)
		if err := teacher.Forward(ws, yb, xb); err != nil {
			if i > 0 {
				return fmt.Errorf("synth: labelling rows %d–%d: %w", i, j-1, err)
			}
			return fmt.Errorf("synth: labelling: %w", err)
		}
	}
	return nil
}

// MakeDataset draws n training inputs and nTest test inputs (nTest may be
// zero) from s and labels them with the teacher. The training inputs are
// drawn first, then the test inputs, from the same generator.
func MakeDataset(teacher *mlp.Network, s Sampler, rng *rand.Rand, n, nTest int) (*Dataset, error) {
	if nTest < 0 {
		return nil, fmt.Errorf("synth: negative test sample count %d", nTest)
	}
	x, err := s.Sample(rng, n)
	if err != nil {
		return nil, err
	}
	var tx *mat.Dense
	if nTest > 0 {
		if tx, err = s.Sample(rng, nTest); err != nil {
			return nil, err
		}
	}
	return LabelDataset(teacher, x, tx)
}

// LabelDataset labels given training inputs x and, if testX is not nil,
// test inputs with the teacher.
func LabelDataset(teacher *mlp.Network, x, testX *mat.Dense) (*Dataset, error) {
	y, err := Label(teacher, x)
	if err != nil {
		return nil, err
	}
	d := &Dataset{X: x, Y: y}
	if testX != nil {
		if d.TestY, err = Label(teacher, testX); err != nil {
			return nil, fmt.Errorf("synth: test inputs: %w", err)
		}
		d.TestX = testX
	}
	return d, nil
}

// OneHot returns the n×k matrix whose row i is the indicator of class
// labels[i] (0 ≤ labels[i] < k).
func OneHot(labels []int, k int) (*mat.Dense, error) {
	if len(labels) == 0 || k <= 0 {
		return nil, fmt.Errorf("synth: OneHot needs labels and k > 0, got %d labels and k = %d", len(labels), k)
	}
	m := mat.NewDense(len(labels), k, nil)
	for i, c := range labels {
		if c < 0 || c >= k {
			return nil, fmt.Errorf("synth: OneHot: label %d at index %d is outside 0…%d", c, i, k-1)
		}
		m.Set(i, c, 1)
	}
	return m, nil
}

// OutputVariance returns the mean over the columns of y of their variance:
// the mean squared error of the best constant predictor. Dividing a
// student's loss by it gives a loss relative to the outputs' scale, which
// compares teachers of different output magnitudes. It is NaN for an
// empty y.
func OutputVariance(y *mat.Dense) float64 {
	if y == nil || y.IsEmpty() {
		return math.NaN()
	}
	r, c := y.Dims()
	var v float64
	for j := 0; j < c; j++ {
		col := mat.Col(nil, j, y)
		var m float64
		for _, x := range col {
			m += x
		}
		m /= float64(r)
		for _, x := range col {
			v += (x - m) * (x - m)
		}
	}
	return v / float64(r*c)
}

package identify

import (
	"fmt"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// Teacher is a network that can only be queried: it returns its outputs on
// a batch of inputs (one sample per row). *mlp.Network is a Teacher; a
// black-box function becomes one with TeacherFunc. A teacher known only
// through recorded inputs and outputs needs no Teacher: call RunData.
type Teacher interface {
	Predict(x *mat.Dense) (*mat.Dense, error)
}

// TeacherFunc adapts a function to the Teacher interface.
type TeacherFunc func(x *mat.Dense) (*mat.Dense, error)

// Predict calls f(x).
func (f TeacherFunc) Predict(x *mat.Dense) (*mat.Dense, error) { return f(x) }

var (
	_ Teacher = (*mlp.Network)(nil)
	_ Teacher = TeacherFunc(nil)
)

// query asks the teacher for its outputs on x and checks what comes back.
func query(t Teacher, x *mat.Dense) (*mat.Dense, error) {
	if t == nil {
		return nil, fmt.Errorf("identify: nil teacher")
	}
	y, err := t.Predict(x)
	if err != nil {
		return nil, fmt.Errorf("identify: querying the teacher: %w", err)
	}
	if y == nil || y.IsEmpty() {
		return nil, fmt.Errorf("identify: the teacher returned no outputs")
	}
	if ry, _ := y.Dims(); ry != x.RawMatrix().Rows {
		return nil, fmt.Errorf("identify: the teacher returned %d output rows for %d inputs", ry, x.RawMatrix().Rows)
	}
	return y, nil
}

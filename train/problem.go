package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// Range is a half-open range [Start, End) of indices into a parameter
// vector, for example a layer's parameters from (*mlp.Network).LayerParams.
type Range struct{ Start, End int }

// TrainableMask returns a mask over np parameters in which exactly the
// parameters in the given ranges are trainable.
func TrainableMask(np int, ranges ...Range) ([]bool, error) {
	m := make([]bool, np)
	for _, r := range ranges {
		if r.Start < 0 || r.End > np || r.Start > r.End {
			return nil, fmt.Errorf("train: TrainableMask: range [%d, %d) outside [0, %d)", r.Start, r.End, np)
		}
		for i := r.Start; i < r.End; i++ {
			m[i] = true
		}
	}
	return m, nil
}

// FrozenMask returns a mask over np parameters in which every parameter
// except those in the given ranges is trainable.
func FrozenMask(np int, ranges ...Range) ([]bool, error) {
	m, err := TrainableMask(np, ranges...)
	if err != nil {
		return nil, fmt.Errorf("train: FrozenMask: %w", err)
	}
	for i := range m {
		m[i] = !m[i]
	}
	return m, nil
}

// Problem is one student on one data set as an optimiser sees it. An
// optimiser works in the coordinates of the free (trainable) parameters
// only: vectors of length Dim, moved in and out of the student with Gather
// and Scatter. Problem methods never allocate once warm.
type Problem struct {
	// Student is the model being trained. Its Params are the current point.
	Student Student
	// X and Y are the data of the phase (possibly a subset of the data
	// given to Train).
	X, Y *mat.Dense
	// WS is the student's workspace.
	WS *mlp.Workspace
	// RNG is the student's random stream (minibatch shuffles).
	RNG *rand.Rand

	free  []int // indices of free parameters; nil means all
	np    int
	gfull []float64
	jfull mat.Dense
	// above is the first free layer of an *mlp.Network student whose
	// free parameters are exactly those of the layers from it on (the
	// layers below frozen), or −1: its Jacobian is then computed for
	// those columns only (mlp.Network.JacobianFrom).
	above int
}

func newProblem(s Student, x, y *mat.Dense, ws *mlp.Workspace, rng *rand.Rand, free []int) *Problem {
	np := len(s.Params())
	p := &Problem{Student: s, X: x, Y: y, WS: ws, RNG: rng, free: free, np: np, above: frozenBelow(s, free)}
	if free != nil {
		p.gfull = make([]float64, np)
	}
	return p
}

// frozenBelow returns the layer l ≥ 1 of net such that free is exactly
// the parameters from layer l's first on, or −1.
func frozenBelow(s Student, free []int) int {
	net, ok := s.(*mlp.Network)
	if !ok || len(free) == 0 {
		return -1
	}
	np := net.NumParams()
	start := free[0]
	if free[len(free)-1] != np-1 || len(free) != np-start {
		return -1 // not one contiguous run to the end (free is increasing)
	}
	for l := 1; l < net.NumLayers(); l++ {
		if first, _ := net.LayerParams(l); first == start {
			return l
		}
	}
	return -1
}

// Dim returns the number of free parameters.
func (p *Problem) Dim() int {
	if p.free == nil {
		return p.np
	}
	return len(p.free)
}

// Free returns the indices of the free parameters in the student's Params,
// or nil if every parameter is free. The caller must not modify it.
func (p *Problem) Free() []int { return p.free }

// Samples returns the number of residuals, rows(X)·cols(Y).
func (p *Problem) Samples() int {
	r, c := p.Y.Dims()
	return r * c
}

// Gather copies the free parameters of the student into dst (length Dim).
func (p *Problem) Gather(dst []float64) {
	params := p.Student.Params()
	if p.free == nil {
		copy(dst, params)
		return
	}
	for k, i := range p.free {
		dst[k] = params[i]
	}
}

// Scatter writes src (length Dim) into the free parameters of the student.
// Frozen parameters are untouched.
func (p *Problem) Scatter(src []float64) {
	params := p.Student.Params()
	if p.free == nil {
		copy(params, src)
		return
	}
	for k, i := range p.free {
		params[i] = src[k]
	}
}

// LossGrad returns the loss on (x, y) at the student's current parameters
// and writes the gradient with respect to the free parameters into g
// (length Dim). Nil x and y mean the problem's data.
func (p *Problem) LossGrad(g []float64, x, y *mat.Dense) (float64, error) {
	if x == nil {
		x, y = p.X, p.Y
	}
	if p.free == nil {
		return p.Student.LossGrad(p.WS, g, x, y)
	}
	loss, err := p.Student.LossGrad(p.WS, p.gfull, x, y)
	if err != nil {
		return loss, err
	}
	for k, i := range p.free {
		g[k] = p.gfull[i]
	}
	return loss, nil
}

// Loss returns the loss on the problem's data at the student's current
// parameters, by a forward pass if the student is a Losser.
func (p *Problem) Loss() (float64, error) {
	if l, ok := p.Student.(Losser); ok {
		return l.Loss(p.WS, p.X, p.Y)
	}
	if p.gfull == nil {
		p.gfull = make([]float64, p.np)
	}
	return p.Student.LossGrad(p.WS, p.gfull, p.X, p.Y)
}

// Residuals writes the residuals on the problem's data at the student's
// current parameters into r (length Samples) and reports whether the
// student can compute them without its Jacobian (is a Residualer); r is
// untouched when it cannot.
func (p *Problem) Residuals(r []float64) (bool, error) {
	s, ok := p.Student.(Residualer)
	if !ok {
		return false, nil
	}
	return true, s.Residuals(p.WS, r, p.X, p.Y)
}

// Jacobian writes the Jacobian of the residuals on the problem's data with
// respect to the free parameters into jac (Samples×Dim) and the residuals
// into r (length Samples).
func (p *Problem) Jacobian(jac *mat.Dense, r []float64) error {
	if p.free == nil {
		return p.Student.Jacobian(p.WS, jac, r, p.X, p.Y)
	}
	if p.above > 0 {
		return p.Student.(*mlp.Network).JacobianFrom(p.WS, jac, r, p.X, p.Y, p.above)
	}
	if p.jfull.IsEmpty() {
		p.jfull.ReuseAs(p.Samples(), p.np)
	}
	if err := p.Student.Jacobian(p.WS, &p.jfull, r, p.X, p.Y); err != nil {
		return err
	}
	src := p.jfull.RawMatrix()
	dst := jac.RawMatrix()
	for s := 0; s < src.Rows; s++ {
		srow := src.Data[s*src.Stride : s*src.Stride+src.Cols]
		drow := dst.Data[s*dst.Stride : s*dst.Stride+dst.Cols]
		for k, i := range p.free {
			drow[k] = srow[i]
		}
	}
	return nil
}

// infNorm returns max |v_i|, or NaN if some v_i is NaN.
func infNorm(v []float64) float64 {
	var m float64
	for _, x := range v {
		if x != x {
			return math.NaN()
		}
		if a := math.Abs(x); a > m {
			m = a
		}
	}
	return m
}

// freeIndices turns a mask into the list of free indices (nil for all).
func freeIndices(mask []bool, np int) ([]int, error) {
	if mask == nil {
		return nil, nil
	}
	if len(mask) != np {
		return nil, fmt.Errorf("train: Config.Trainable has %d entries for %d parameters", len(mask), np)
	}
	var free []int
	for i, m := range mask {
		if m {
			free = append(free, i)
		}
	}
	if len(free) == 0 {
		return nil, fmt.Errorf("train: Config.Trainable freezes every parameter")
	}
	if len(free) == np {
		return nil, nil
	}
	return free, nil
}

// checkData validates a data set before training.
func checkData(x, y *mat.Dense) error {
	if x == nil || x.IsEmpty() {
		return fmt.Errorf("train: empty input data")
	}
	if y == nil || y.IsEmpty() {
		return fmt.Errorf("train: empty target data")
	}
	rx, _ := x.Dims()
	ry, _ := y.Dims()
	if rx != ry {
		return fmt.Errorf("train: %d input rows but %d target rows", rx, ry)
	}
	for _, d := range []struct {
		what string
		m    *mat.Dense
	}{{"input", x}, {"target", y}} {
		raw := d.m.RawMatrix()
		for i := 0; i < raw.Rows; i++ {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("train: %s row %d, column %d is %v", d.what, i, j, v)
				}
			}
		}
	}
	return nil
}

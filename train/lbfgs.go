package train

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// LBFGS is limited-memory BFGS through gonum's optimize package, with
// gonum's convergence tests replaced by Train's stopping rules: gonum's
// defaults stop near a loss change of 1e-10 and a gradient ∞-norm of
// 1e-12, far above the loss floor. One iteration is one major iteration of
// gonum's method. It is the full-batch finisher for students too large for
// Levenberg–Marquardt.
//
// The zero value is ready to use.
type LBFGS struct {
	// Store is the number of correction pairs kept; zero means 15.
	Store int
}

// Name returns "LBFGS".
func (o *LBFGS) Name() string { return "LBFGS" }

func (o *LBFGS) validate() error {
	if o.Store < 0 {
		return fmt.Errorf("LBFGS.Store %d must be ≥ 0", o.Store)
	}
	return nil
}

// lbfgsHook is gonum's Converger: it hands every major iteration to the
// Monitor.
type lbfgsHook struct {
	p    *Problem
	m    *Monitor
	stop bool
}

func (h *lbfgsHook) Init(int) {}

func (h *lbfgsHook) Converged(loc *optimize.Location) optimize.Status {
	h.p.Scatter(loc.X)
	gn := math.NaN()
	if loc.Gradient != nil {
		gn = infNorm(loc.Gradient)
	}
	if h.m.Iterate(loc.F, gn) {
		h.stop = true
		return optimize.MethodConverge
	}
	return optimize.NotTerminated
}

// Run minimises the loss of p by L-BFGS.
func (o *LBFGS) Run(ctx context.Context, p *Problem, m *Monitor) error {
	k := p.Dim()
	store := o.Store
	if store == 0 {
		store = 15
	}
	// Func and Grad are called separately at the same point: evaluate
	// both once and cache.
	cx := make([]float64, k)
	cg := make([]float64, k)
	var cf float64
	var evalErr error
	valid := false
	eval := func(x []float64) {
		if valid && slices.Equal(cx, x) {
			return
		}
		copy(cx, x)
		p.Scatter(x)
		f, err := p.LossGrad(cg, nil, nil)
		if err != nil {
			evalErr = err
			f = math.NaN()
		}
		cf, valid = f, true
	}
	prob := optimize.Problem{
		Func: func(x []float64) float64 {
			eval(x)
			return cf
		},
		Grad: func(grad, x []float64) {
			eval(x)
			copy(grad, cg)
		},
		Status: func() (optimize.Status, error) {
			if evalErr != nil {
				return optimize.Failure, evalErr
			}
			if ctx.Err() != nil {
				return optimize.Failure, ctx.Err()
			}
			return optimize.NotTerminated, nil
		},
	}
	// Every convergence test and limit of gonum is off; the Monitor
	// decides. The zero values relied on: in Settings, GradientThreshold,
	// MajorIterations, Runtime and the evaluation limits 0 are off and
	// Concurrent 0 is one evaluation at a time (eval's cache needs that);
	// in the method, Linesearcher nil is gonum's default line search. But
	// the method's GradStopThreshold 0 means 1e-12, not off: only NaN
	// turns it off.
	hook := &lbfgsHook{p: p, m: m}
	settings := &optimize.Settings{Converger: hook}
	method := &optimize.LBFGS{Store: store, GradStopThreshold: math.NaN()}
	x0 := make([]float64, k)
	p.Gather(x0)
	res, err := optimize.Minimize(prob, x0, settings, method)
	if hook.stop {
		return nil
	}
	if res != nil && res.X != nil {
		p.Scatter(res.X)
	}
	if evalErr != nil {
		return evalErr
	}
	if ctx.Err() != nil {
		m.Stopped()
		return nil
	}
	if err != nil {
		// A failed line search at the floor: nothing more to gain.
		return fmt.Errorf("%w (%v)", ErrNoProgress, err)
	}
	return ErrNoProgress
}

package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// StopRules say when a phase ends. Each rule is checked after every
// iteration, including iteration 0 (the starting point); the first that
// holds ends the phase. The zero value of a field disables its rule, except
// MaxIter, whose zero value means 1000.
type StopRules struct {
	// Loss stops the phase when the loss is ≤ Loss.
	Loss float64
	// GradNorm stops the phase when the ∞-norm of the gradient over the
	// free parameters is ≤ GradNorm.
	GradNorm float64
	// MaxIter is the iteration budget (default 1000; negative: no limit).
	MaxIter int
	// MaxTime is the wall-time budget of the phase.
	MaxTime time.Duration
	// Patience stops the phase when the best loss has not decreased by a
	// relative amount of more than MinRelImprove for Patience iterations.
	Patience      int
	MinRelImprove float64
}

// DefaultMaxIter is the iteration budget of a phase whose StopRules.MaxIter
// is zero.
const DefaultMaxIter = 1000

func (s StopRules) validate() error {
	switch {
	case math.IsNaN(s.Loss) || s.Loss < 0:
		return fmt.Errorf("loss threshold %v must be ≥ 0", s.Loss)
	case math.IsNaN(s.GradNorm) || s.GradNorm < 0:
		return fmt.Errorf("gradient threshold %v must be ≥ 0", s.GradNorm)
	case s.MaxTime < 0:
		return fmt.Errorf("time budget %v must be ≥ 0", s.MaxTime)
	case s.Patience < 0:
		return fmt.Errorf("patience %d must be ≥ 0", s.Patience)
	case math.IsNaN(s.MinRelImprove) || s.MinRelImprove < 0 || s.MinRelImprove >= 1:
		return fmt.Errorf("minimum relative improvement %v must be in [0, 1)", s.MinRelImprove)
	}
	return nil
}

// StopReason says why a phase, and so a run, stopped.
type StopReason int

const (
	// NotStopped: the phase has not run.
	NotStopped StopReason = iota
	// LossReached: loss ≤ StopRules.Loss.
	LossReached
	// GradReached: gradient ∞-norm ≤ StopRules.GradNorm.
	GradReached
	// IterLimit: StopRules.MaxIter iterations.
	IterLimit
	// TimeLimit: StopRules.MaxTime elapsed.
	TimeLimit
	// NoImprovement: the patience rule.
	NoImprovement
	// NoProgress: the optimiser can make no further progress (for
	// example Levenberg–Marquardt at the floating-point floor).
	NoProgress
	// Diverged: the loss became NaN or infinite.
	Diverged
	// Canceled: the context was cancelled or its deadline passed.
	Canceled
	// RecorderStop: the Recorder returned an error.
	RecorderStop
	// Failed: the optimiser or the student returned an error.
	Failed
)

var reasonNames = [...]string{"not stopped", "loss threshold reached", "gradient threshold reached",
	"iteration limit", "time limit", "no improvement", "no progress possible", "diverged",
	"canceled", "stopped by recorder", "failed"}

// String describes the reason in a few words.
func (r StopReason) String() string {
	if r < 0 || int(r) >= len(reasonNames) {
		return fmt.Sprintf("StopReason(%d)", int(r))
	}
	return reasonNames[r]
}

// Converged reports whether the phase ended because one of its
// convergence rules held (LossReached or GradReached), rather than a
// budget, a stall, divergence, cancellation or a failure.
func (r StopReason) Converged() bool { return r == LossReached || r == GradReached }

// ErrNoProgress is returned by an Optimizer's Run when it cannot make
// further progress; the phase then ends with reason NoProgress, which is
// not an error of Train.
var ErrNoProgress = errors.New("train: optimiser can make no further progress")

// ErrDiverged is wrapped by the error of a run whose loss became NaN or
// infinite.
var ErrDiverged = errors.New("train: loss diverged")

// Monitor is handed by Train to an Optimizer. The optimiser calls Iterate
// after every iteration; the monitor records the event, keeps the best
// point seen and applies the stopping rules.
type Monitor struct {
	ctx     context.Context
	rules   StopRules
	rec     Recorder
	student int
	phase   string
	pindex  int
	t0      time.Time // start of Train
	pstart  time.Time // start of the phase

	params   []float64 // the student's parameters
	best     []float64
	bestLoss float64
	bestGrad float64
	iter     int
	ref      float64 // best loss at the last significant improvement
	stale    int
	reason   StopReason
	err      error
}

// Iterate reports that the student's parameters are now at a point of the
// given loss and gradient ∞-norm (NaN if unknown). It returns true when the
// optimiser must stop; the optimiser then returns nil from Run. The first
// call after the starting point is iteration 1.
func (m *Monitor) Iterate(loss, gradNorm float64) bool {
	m.iter++
	return m.observe(loss, gradNorm)
}

func (m *Monitor) observe(loss, gradNorm float64) bool {
	if m.reason != NotStopped {
		return true
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		m.reason = Diverged
		m.err = fmt.Errorf("%w in phase %d (%s) at iteration %d: loss %v", ErrDiverged, m.pindex, m.phase, m.iter, loss)
		return true
	}
	if loss < m.bestLoss {
		m.bestLoss, m.bestGrad = loss, gradNorm
		copy(m.best, m.params)
	}
	if m.rec != nil {
		e := Event{Student: m.student, Phase: m.phase, PhaseIndex: m.pindex, Iter: m.iter,
			Loss: loss, GradNorm: gradNorm, Elapsed: time.Since(m.t0)}
		if err := m.rec.Record(e); err != nil {
			m.reason, m.err = RecorderStop, err
			return true
		}
	}
	r := m.rules
	switch {
	case m.ctx.Err() != nil:
		m.reason, m.err = Canceled, m.ctx.Err()
	case loss <= r.Loss:
		m.reason = LossReached
	case gradNorm <= r.GradNorm: // false for NaN
		m.reason = GradReached
	case r.MaxIter >= 0 && m.iter >= r.MaxIter:
		m.reason = IterLimit
	case r.MaxTime > 0 && time.Since(m.pstart) >= r.MaxTime:
		m.reason = TimeLimit
	}
	if m.reason != NotStopped {
		return true
	}
	if r.Patience > 0 {
		if m.bestLoss < m.ref*(1-r.MinRelImprove) {
			m.ref, m.stale = m.bestLoss, 0
		} else if m.stale++; m.stale >= r.Patience {
			m.reason = NoImprovement
			return true
		}
	}
	return false
}

// Stopped reports whether the phase must stop, checking the context and
// the time budget (StopRules.MaxTime): an optimiser calls it inside long
// iterations (between minibatches, between conjugate-gradient steps) and
// returns nil from Run when it is true, so a long iteration cannot overrun
// the budget by more than one of its parts.
func (m *Monitor) Stopped() bool {
	if m.reason != NotStopped {
		return true
	}
	if err := m.ctx.Err(); err != nil {
		m.reason, m.err = Canceled, err
		return true
	}
	if m.rules.MaxTime > 0 && time.Since(m.pstart) >= m.rules.MaxTime {
		m.reason = TimeLimit
		return true
	}
	return false
}

// Iter returns the number of iterations so far in the phase.
func (m *Monitor) Iter() int { return m.iter }

// BestLoss returns the best loss seen in the phase.
func (m *Monitor) BestLoss() float64 { return m.bestLoss }

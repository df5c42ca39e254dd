package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// Optimizer is a training method. Its value holds settings only: Run must
// not modify it, so that one value can serve many students concurrently.
type Optimizer interface {
	// Name is a short name for progress events, for example "LM".
	Name() string
	// Run minimises the loss of p from the student's current parameters.
	// After every iteration it leaves the student's parameters at the new
	// point and calls m.Iterate; it returns nil as soon as Iterate (or, in
	// long iterations, m.Stopped) returns true. It returns ErrNoProgress
	// when it cannot go further, and any other error on failure.
	Run(ctx context.Context, p *Problem, m *Monitor) error
}

// Phase is one optimiser run within a training run.
type Phase struct {
	// Name labels the phase in events; empty means Optimizer.Name().
	Name string
	// Optimizer is required.
	Optimizer Optimizer
	// Stop are the stopping rules of the phase.
	Stop StopRules
	// Subset, if positive and smaller than the number of samples, trains
	// this phase on Subset samples drawn without replacement from the
	// student's random stream (a cheap first pass: a student at zero loss
	// on enough samples of a teacher is nearly at zero loss on all).
	Subset int
	// SubsetPerParam, if positive, sets the subset size to SubsetPerParam
	// times the number of free parameters (capped at the number of
	// samples), so that zero loss on the subset still pins the student
	// down; it overrides Subset.
	SubsetPerParam int
	// Gate, if positive, ends the run after this phase when its best loss
	// is above Gate: a student stuck in a search phase is not worth
	// polishing (Many restarts it instead).
	Gate float64
	// Finish, if positive, ends the run after this phase when its best
	// loss is at or below Finish: the later phases are for students this
	// one left short (a smoothed polish would only move a student already
	// at the floor away from it).
	Finish float64
	// Activation, if not nil, replaces the student's hidden activation
	// during this phase (the student must be an *mlp.Network; see
	// mlp.Network.WithHidden): continuation through a smoothed activation
	// (mlp.Smoothed) before the student's own. The phase's losses, and so
	// its Stop rules and Gate, are those of the replaced activation.
	Activation mlp.Activation
	// FreeAll trains every parameter in this phase, whatever
	// Config.Trainable says: a recipe that fits some layers with the
	// others frozen can end by polishing them all within the same
	// attempt, so that ManyConfig's restarts judge the attempt by the loss
	// it ends at.
	FreeAll bool
}

// Config configures Train. The zero value trains with PhasesFor(free
// parameters): DefaultPhases for small students, WidePhases for large.
type Config struct {
	// Phases run in order, each starting from the best point of the one
	// before. Nil means PhasesFor(number of free parameters).
	Phases []Phase
	// Trainable, if not nil, has one entry per parameter; only parameters
	// marked true are changed by any optimiser.
	Trainable []bool
	// Recorder receives progress events; nil means none.
	Recorder Recorder
	// Student is the index reported in events.
	Student int
	// RNG is the student's random stream (minibatch order, subsets); nil
	// means StudentRNG(0, Student). Many ignores it and uses
	// StudentRNG(ManyConfig.Seed, i).
	RNG *rand.Rand
}

// Settings of the default phases, measured on the synthetic family
// (teachers 4→r→1 with activation g, students 4→4r→1, 2 000–10 000 Gaussian
// inputs); the package documentation says how they combine and the README
// gives the measurements.
const (
	DefaultSubsetPerParam = 5   // subset of the first LM phase: samples per free parameter
	DefaultLMIter         = 120 // iteration budget of the subset LM phase
	DefaultLMPatience     = 40  // iterations without 1% improvement that end an LM phase
	DefaultPolishLMIter   = 50  // iteration budget of the full-data LM phase
	// DefaultInitGain multiplies the Glorot standard deviation of a new
	// student (see mlp.Network.InitGlorotGain). The paper's Glorot start
	// (gain 1) left 7 of 40 4→16→1 students of a standard-normal 4→4→1
	// teacher able to reach 1e-20 in 400 LM iterations; gains 2–5 left
	// 24–26 of 40, and 8 fewer again.
	DefaultInitGain = 3
)

// LMMaxParams is the largest student, in free parameters, that the default
// recipe trains with Levenberg–Marquardt (DefaultPhases); larger students
// are trained by matrix-free Gauss–Newton (WidePhases). LM's dense JᵀJ
// costs samples·P² per iteration and P² memory, which wins below the
// crossover measured in the README ("Choosing the route"); above it the
// Jacobian-vector products of GaussNewton are cheaper per unit of progress.
const LMMaxParams = 3000

// PhasesFor returns the default recipe for a student of the given number
// of free parameters: DefaultPhases up to LMMaxParams, WidePhases above.
// Train uses it when Config.Phases is nil.
func PhasesFor(params int) []Phase {
	if params <= LMMaxParams {
		return DefaultPhases()
	}
	return WidePhases()
}

// Settings of WidePhases.
const (
	DefaultWideMaxIter  = 400 // Gauss–Newton steps
	DefaultWidePatience = 25  // steps without 1% improvement that end the phase
)

// WidePhases returns the recipe for students too large for LM: one phase
// of GaussNewton, with its curvature products in float32
// (GaussNewton.SingleCurvature: the same steps at about half the cost), on
// all the data to the loss floor, ended after DefaultWideMaxIter steps or
// when DefaultWidePatience steps in a row improve the loss by less than 1%.
func WidePhases() []Phase {
	return []Phase{{Name: "gn", Optimizer: &GaussNewton{SingleCurvature: true},
		Stop: StopRules{Loss: DefaultStopLoss, MaxIter: DefaultWideMaxIter, Patience: DefaultWidePatience, MinRelImprove: 0.01}}}
}

// DefaultPhases returns the default training recipe: Levenberg–Marquardt on
// a random subset of DefaultSubsetPerParam samples per parameter until the
// loss floor (cheap, and a student at zero loss on it is nearly at zero
// loss on all data), then, if the subset loss reached DefaultRestartLoss,
// on all data.
func DefaultPhases() []Phase {
	return []Phase{
		{Name: "lm-subset", Optimizer: &LM{}, SubsetPerParam: DefaultSubsetPerParam, Gate: DefaultRestartLoss,
			Stop: StopRules{Loss: DefaultStopLoss, MaxIter: DefaultLMIter, Patience: DefaultLMPatience, MinRelImprove: 0.01}},
		{Name: "lm", Optimizer: &LM{},
			Stop: StopRules{Loss: DefaultStopLoss, MaxIter: DefaultPolishLMIter, Patience: 20, MinRelImprove: 0.01}},
	}
}

// PhaseResult reports one phase of a run.
type PhaseResult struct {
	Name string
	// Iter is the number of iterations run.
	Iter int
	// StartLoss and Loss are the loss on the phase's data at its start and
	// its best; GradNorm is the gradient ∞-norm at the best point (NaN if
	// unknown).
	StartLoss, Loss, GradNorm float64
	Reason                    StopReason
	Elapsed                   time.Duration
}

// Result reports a training run. The student's parameters are left at the
// best point of the last phase that ran.
type Result struct {
	// Loss is the loss on all the data at the returned parameters.
	Loss float64
	// Reason is why the last phase that ran stopped.
	Reason  StopReason
	Phases  []PhaseResult
	Elapsed time.Duration
}

// Iter returns the total number of iterations over all phases.
func (r *Result) Iter() int {
	n := 0
	for _, p := range r.Phases {
		n += p.Iter
	}
	return n
}

func (c *Config) withDefaults(np int) (Config, []int, error) {
	cfg := *c
	if cfg.Phases == nil {
		nfree := np
		for _, t := range cfg.Trainable {
			if !t {
				nfree--
			}
		}
		cfg.Phases = PhasesFor(nfree)
	}
	if len(cfg.Phases) == 0 {
		return cfg, nil, fmt.Errorf("train: Config.Phases is empty")
	}
	phases := make([]Phase, len(cfg.Phases))
	copy(phases, cfg.Phases)
	for i := range phases {
		ph := &phases[i]
		if ph.Optimizer == nil {
			return cfg, nil, fmt.Errorf("train: phase %d has no optimizer", i)
		}
		if v, ok := ph.Optimizer.(interface{ validate() error }); ok {
			if err := v.validate(); err != nil {
				return cfg, nil, fmt.Errorf("train: phase %d (%s): %w", i, ph.Optimizer.Name(), err)
			}
		}
		if err := ph.Stop.validate(); err != nil {
			return cfg, nil, fmt.Errorf("train: phase %d (%s): %w", i, ph.Optimizer.Name(), err)
		}
		if ph.Gate < 0 || math.IsNaN(ph.Gate) {
			return cfg, nil, fmt.Errorf("train: phase %d: gate %v must be ≥ 0", i, ph.Gate)
		}
		if ph.Finish < 0 || math.IsNaN(ph.Finish) {
			return cfg, nil, fmt.Errorf("train: phase %d: finish %v must be ≥ 0", i, ph.Finish)
		}
		if ph.Subset < 0 || ph.SubsetPerParam < 0 {
			return cfg, nil, fmt.Errorf("train: phase %d: subset size %d (per parameter %d) must be ≥ 0", i, ph.Subset, ph.SubsetPerParam)
		}
		if ph.Name == "" {
			ph.Name = ph.Optimizer.Name()
		}
		if ph.Stop.MaxIter == 0 {
			ph.Stop.MaxIter = DefaultMaxIter
		}
	}
	cfg.Phases = phases
	free, err := freeIndices(cfg.Trainable, np)
	if err != nil {
		return cfg, nil, err
	}
	if cfg.RNG == nil {
		cfg.RNG = StudentRNG(0, cfg.Student)
	}
	return cfg, free, nil
}

// Train trains s on (x, y) through the phases of cfg and leaves its
// parameters at the best point seen. It returns why it stopped; the error
// is non-nil for bad input, a failure of the student or optimiser, a
// diverged loss (wrapping ErrDiverged), a Recorder error, or cancellation
// (ctx.Err()); in all cases after the start the Result describes the
// partial run and the parameters hold its best point.
func Train(ctx context.Context, s Student, x, y *mat.Dense, cfg Config) (Result, error) {
	return train(ctx, s, x, y, &cfg, mlp.NewWorkspace())
}

func train(ctx context.Context, s Student, x, y *mat.Dense, c *Config, ws *mlp.Workspace) (Result, error) {
	t0 := time.Now()
	if s == nil {
		return Result{}, fmt.Errorf("train: nil student")
	}
	if err := checkData(x, y); err != nil {
		return Result{}, err
	}
	params := s.Params()
	if len(params) == 0 {
		return Result{}, fmt.Errorf("train: student has no parameters")
	}
	cfg, free, err := c.withDefaults(len(params))
	if err != nil {
		return Result{}, err
	}
	res := Result{Reason: NotStopped}
	best := make([]float64, len(params))
	var sub *subsetData
	for pi := range cfg.Phases {
		ph := &cfg.Phases[pi]
		px, py := x, y
		size := ph.Subset
		if ph.SubsetPerParam > 0 {
			nfree := len(params) // free == nil means every parameter is free
			if free != nil {
				nfree = len(free)
			}
			size = ph.SubsetPerParam * nfree
		}
		if n, _ := x.Dims(); size > 0 && size < n {
			if sub == nil {
				sub = &subsetData{}
			}
			px, py = sub.draw(cfg.RNG, x, y, size)
		}
		st, err := phaseStudent(s, ph)
		if err != nil {
			return res, fmt.Errorf("train: phase %d (%s): %w", pi, ph.Name, err)
		}
		pfree := free
		if ph.FreeAll {
			pfree = nil
		}
		p := newProblem(st, px, py, ws, cfg.RNG, pfree)
		m := &Monitor{ctx: ctx, rules: ph.Stop, rec: cfg.Recorder, student: cfg.Student, phase: ph.Name,
			pindex: pi, t0: t0, pstart: time.Now(), params: params, best: best, bestLoss: math.Inf(1), ref: math.Inf(1)}
		copy(best, params)
		pr := PhaseResult{Name: ph.Name, GradNorm: math.NaN()}
		var runErr error
		g := make([]float64, p.Dim())
		l0, err := p.LossGrad(g, nil, nil)
		if err != nil {
			res.Phases = append(res.Phases, pr)
			return res, fmt.Errorf("train: phase %d (%s): %w", pi, ph.Name, err)
		}
		pr.StartLoss = l0
		if !m.observe(l0, infNorm(g)) {
			runErr = ph.Optimizer.Run(ctx, p, m)
		}
		if m.reason == NotStopped && runErr == nil {
			if ctx.Err() != nil {
				m.reason, m.err = Canceled, ctx.Err()
			} else {
				runErr = ErrNoProgress
			}
		}
		if errors.Is(runErr, ErrNoProgress) {
			if m.reason == NotStopped {
				m.reason = NoProgress
			}
			runErr = nil
		}
		if runErr != nil {
			m.reason, m.err = Failed, fmt.Errorf("train: phase %d (%s): %w", pi, ph.Name, runErr)
		}
		if !math.IsInf(m.bestLoss, 1) {
			copy(params, best)
		}
		pr.Iter, pr.Loss, pr.GradNorm, pr.Reason = m.iter, m.bestLoss, m.bestGrad, m.reason
		pr.Elapsed = time.Since(m.pstart)
		res.Phases = append(res.Phases, pr)
		res.Reason = m.reason
		if cfg.Recorder != nil && m.reason != RecorderStop {
			e := Event{Student: cfg.Student, Phase: ph.Name, PhaseIndex: pi, Iter: m.iter, Loss: m.bestLoss,
				GradNorm: m.bestGrad, Elapsed: time.Since(t0), Done: true, Reason: m.reason}
			if err := cfg.Recorder.Record(e); err != nil && m.err == nil {
				m.reason, m.err = RecorderStop, err
				res.Reason = RecorderStop
			}
		}
		if m.err != nil {
			res.Loss = finalLoss(s, ws, x, y)
			res.Elapsed = time.Since(t0)
			return res, m.err
		}
		if ph.Gate > 0 && !(m.bestLoss <= ph.Gate) {
			break
		}
		if ph.Finish > 0 && m.bestLoss <= ph.Finish {
			break
		}
	}
	res.Loss = finalLoss(s, ws, x, y)
	res.Elapsed = time.Since(t0)
	return res, nil
}

// phaseStudent is s as phase ph trains it: with ph.Activation in its
// hidden layers if that is set, sharing s's parameters.
func phaseStudent(s Student, ph *Phase) (Student, error) {
	if ph.Activation == nil {
		return s, nil
	}
	net, ok := s.(*mlp.Network)
	if !ok {
		return nil, fmt.Errorf("Activation %q needs an *mlp.Network student, not %T", ph.Activation.Name(), s)
	}
	return net.WithHidden(ph.Activation)
}

// finalLoss evaluates the loss on all data (NaN on error).
func finalLoss(s Student, ws *mlp.Workspace, x, y *mat.Dense) float64 {
	if l, ok := s.(Losser); ok {
		v, err := l.Loss(ws, x, y)
		if err != nil {
			return math.NaN()
		}
		return v
	}
	g := make([]float64, len(s.Params()))
	v, err := s.LossGrad(ws, g, x, y)
	if err != nil {
		return math.NaN()
	}
	return v
}

// subsetData holds the rows of a random subset.
type subsetData struct {
	perm []int
	x, y *mat.Dense
}

func (d *subsetData) draw(rng *rand.Rand, x, y *mat.Dense, k int) (*mat.Dense, *mat.Dense) {
	n, cx := x.Dims()
	_, cy := y.Dims()
	if len(d.perm) != n {
		d.perm = make([]int, n)
	}
	for i := range d.perm {
		d.perm[i] = i
	}
	// Partial Fisher–Yates: the first k entries are a uniform sample.
	for i := 0; i < k; i++ {
		j := i + rng.IntN(n-i)
		d.perm[i], d.perm[j] = d.perm[j], d.perm[i]
	}
	if d.x == nil || d.x.RawMatrix().Rows != k {
		d.x, d.y = mat.NewDense(k, cx, nil), mat.NewDense(k, cy, nil)
	}
	gatherRows(d.x, x, d.perm[:k])
	gatherRows(d.y, y, d.perm[:k])
	return d.x, d.y
}

// gatherRows sets dst row i to src row idx[i].
func gatherRows(dst, src *mat.Dense, idx []int) {
	s, d := src.RawMatrix(), dst.RawMatrix()
	for i, r := range idx {
		copy(d.Data[i*d.Stride:i*d.Stride+d.Cols], s.Data[r*s.Stride:r*s.Stride+s.Cols])
	}
}

// StudentRNG returns the random stream of student i of a run seeded with
// seed: rand.New(rand.NewPCG(seed, uint64(i))). It depends on (seed, i)
// alone, so student i can be reproduced without the others.
func StudentRNG(seed uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(i)))
}

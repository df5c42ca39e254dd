package identify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// RunProbes queries the teacher at n inputs drawn from the probe strategy
// p with the run's seed, then recovers it as Run does. Through
// Config.QueryBudget it refuses n above the budget before any query.
func RunProbes(ctx context.Context, teacher Teacher, p Probes, n int, cfg Config) (*Result, error) {
	if p == nil {
		return nil, fmt.Errorf("identify: RunProbes: nil probe strategy")
	}
	if _, err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, err
	}
	if cfg.QueryBudget > 0 && n > cfg.QueryBudget {
		return &Result{Config: cfg}, &QueryBudgetError{Used: 0, Asked: n, Budget: cfg.QueryBudget}
	}
	x, err := p.Sample(probeRNG(cfg.Seed, 0), n)
	if err != nil {
		return nil, fmt.Errorf("identify: drawing %d probes: %w", n, err)
	}
	return Run(ctx, teacher, x, cfg)
}

// Active is the active (query-by-committee) probe strategy of RunActive:
// the students are a committee, and the teacher is queried only where
// they disagree most.
//
// Round 0 queries Initial inputs drawn from Candidates and trains the
// students on them. Every later round draws Pool fresh candidates, scores
// each by the committee's disagreement — the variance of the students'
// outputs, averaged over the outputs, the students being those at zero
// loss (all of them while fewer than two are) — queries the teacher at the
// PerRound candidates with the highest scores, adds them to the training
// set and retrains every student from where it is (warm start; a student
// that then misses the loss floor is restarted from its own random
// stream). The rounds stop when at least ⌈γN⌉ students are at zero loss
// and their mean disagreement over the pool is at most Agreement: the
// students then agree with each other on fresh candidates to the loss
// floor, as they agree with the teacher on the queries. (The mean, not
// the largest: a student at 1e-22 instead of 1e-30 differs from the
// others by ~1e-14 at a few extreme candidates forever, and would keep
// the rounds going to MaxRounds.) The students are then clustered as in
// Run.
type Active struct {
	// Candidates is the distribution the queries are chosen from.
	// Required.
	Candidates Probes
	// Initial is the number of queries of round 0. Zero means
	// 4·(Dim+1).
	Initial int
	// PerRound is the number of queries added per round. Zero means
	// Dim+1.
	PerRound int
	// Pool is the number of candidates scored per round. Zero means
	// 50·PerRound.
	Pool int
	// MaxRounds bounds the number of rounds after round 0. Zero means
	// 100. A run that reaches it without agreement is clustered anyway,
	// with the rounds in Result.Rounds as evidence.
	MaxRounds int
	// Agreement is the committee's mean variance over the candidates at
	// which the students count as agreeing. Zero means the run's zero-loss threshold (Result.ZeroLoss:
	// Config.ZeroLoss raised to the outputs' noise floor).
	Agreement float64
	// Retrain configures the students' training in the rounds after
	// round 0, from where they are. Its zero value means Config.Train.
	// Setting it lets round 0 stop early (Config.Train with a loose
	// Stop.Loss): a student fitted to few queries is only one of their
	// interpolants, so its last digits are not worth their cost before
	// more queries come.
	Retrain train.Config
	// RetrainBelow, if positive, restricts the training of the rounds
	// after round 0 to the students whose loss is at most RetrainBelow;
	// the others keep their weights, and their loss is measured on the
	// grown queries. A wide student trapped far above the floor costs as
	// much to retrain as one on its way there, without coming closer.
	// Zero retrains every student.
	RetrainBelow float64
}

// ActiveRound reports one round of RunActive.
type ActiveRound struct {
	// Round is 0 for the initial queries.
	Round int
	// Added is the number of queries this round made, Queries the total
	// after it.
	Added, Queries int
	// Committee is the number of students at zero loss before the round's
	// queries, and MeanDisagreement and MaxDisagreement summarise their
	// disagreement over the round's candidate pool (NaN in round 0).
	Committee                         int
	MeanDisagreement, MaxDisagreement float64
	// BestLoss and WorstLoss are the students' losses after the round's
	// training.
	BestLoss, WorstLoss float64
	// Elapsed is the round's wall time.
	Elapsed time.Duration
}

func (a Active) withDefaults() (Active, error) {
	if a.Candidates == nil {
		return a, fmt.Errorf("identify: Active.Candidates is required (the distribution to choose queries from)")
	}
	d := a.Candidates.Dim()
	if d <= 0 {
		return a, fmt.Errorf("identify: Active.Candidates has dimension %d", d)
	}
	if a.Initial == 0 {
		a.Initial = 4 * (d + 1)
	}
	if a.PerRound == 0 {
		a.PerRound = d + 1
	}
	if a.Pool == 0 {
		a.Pool = 50 * a.PerRound
	}
	if a.MaxRounds == 0 {
		a.MaxRounds = 100
	}
	switch {
	case a.Initial < 2:
		return a, fmt.Errorf("identify: Active.Initial = %d: need at least 2 initial queries", a.Initial)
	case a.PerRound < 1:
		return a, fmt.Errorf("identify: Active.PerRound = %d must be positive", a.PerRound)
	case a.Pool < a.PerRound:
		return a, fmt.Errorf("identify: Active.Pool = %d is smaller than PerRound = %d", a.Pool, a.PerRound)
	case a.MaxRounds < 0:
		return a, fmt.Errorf("identify: Active.MaxRounds = %d is negative", a.MaxRounds)
	case !(a.Agreement >= 0) || math.IsInf(a.Agreement, 0):
		return a, fmt.Errorf("identify: Active.Agreement = %v must be finite and ≥ 0", a.Agreement)
	case !(a.RetrainBelow >= 0) || math.IsInf(a.RetrainBelow, 0):
		return a, fmt.Errorf("identify: Active.RetrainBelow = %v must be finite and ≥ 0", a.RetrainBelow)
	}
	return a, nil
}

// RunActive recovers the teacher by Expand-and-Cluster with actively chosen
// queries (see Active): round by round it queries the teacher where the
// students disagree most, until they agree. Every query goes through an
// Oracle with Config.QueryBudget; when the budget runs out before the
// students agree, RunActive returns the Result so far — the queried data,
// the students trained on them, the rounds — with an error wrapping
// ErrQueryBudget that gives the count. The run is a function of the seed
// alone, whatever Config.Workers is.
func RunActive(ctx context.Context, teacher Teacher, a Active, cfg Config) (*Result, error) {
	start := time.Now()
	a, err := a.withDefaults()
	if err != nil {
		return nil, err
	}
	c0, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if c0.Widths == nil && c0.Rho == 0 {
		// On a handful of initial queries even students of the teacher's
		// width reach zero loss, so the automatic search would pick ρ = 1.
		return nil, fmt.Errorf("identify: RunActive needs Config.Rho or Config.Widths: the automatic ρ search would run on the few initial queries, which any student fits")
	}
	oracle, err := NewOracle(teacher, c0.QueryBudget)
	if err != nil {
		return nil, err
	}
	if c0.QueryBudget > 0 && a.Initial > c0.QueryBudget {
		return &Result{Config: c0}, &QueryBudgetError{Used: 0, Asked: a.Initial, Budget: c0.QueryBudget}
	}
	t0 := time.Now()
	x, err := a.Candidates.Sample(probeRNG(c0.Seed, 0), a.Initial)
	if err != nil {
		return nil, fmt.Errorf("identify: drawing %d initial queries: %w", a.Initial, err)
	}
	y, err := oracle.Predict(x)
	if err != nil {
		return &Result{Config: c0, Queries: oracle.Queries()}, err
	}
	c, prec, symmetry, err := prepare(cfg, x, y)
	if err != nil {
		return &Result{Config: c0, Queries: oracle.Queries(), QueryInputs: x, QueryOutputs: y}, err
	}
	res := &Result{Config: c, Rho: c.Rho, ZeroLoss: c.ZeroLoss, Precision: prec}
	keep := func() { res.Queries, res.QueryInputs, res.QueryOutputs = oracle.Queries(), x, y }
	students, err := activeRounds(ctx, oracle, a, cfg, &c, &x, &y, &symmetry, res, t0)
	keep()
	if err == nil {
		err = recoverFrom(ctx, x, y, students, &c, res)
	}
	return finish(res, err, x, y, symmetry, start)
}

// activeRounds trains the students on the initial queries and runs the
// query rounds, and returns the students it ends with (also in
// res.Students).
func activeRounds(ctx context.Context, oracle *Oracle, a Active, cfg Config, c *Config, x, y **mat.Dense, symmetry **Warning, res *Result, t0 time.Time) ([]student, error) {
	res.StudentWidths = c.studentWidths(res.Rho)
	tt := time.Now()
	students, err := trainStudents(ctx, *x, *y, c, res.StudentWidths, c.Students, res)
	res.Timings.Students += time.Since(tt)
	r0 := ActiveRound{Round: 0, Added: a.Initial, Queries: oracle.Queries(), MeanDisagreement: math.NaN(), MaxDisagreement: math.NaN(), Elapsed: time.Since(t0)}
	r0.BestLoss, r0.WorstLoss = lossRange(students)
	res.Rounds = append(res.Rounds, r0)
	if err != nil {
		return students, err
	}
	minSize, err := cluster.MinClusterSize(c.Gamma, c.Students)
	if err != nil {
		return students, fmt.Errorf("identify: %w", err)
	}
	for round := 1; ; round++ {
		if err := ctx.Err(); err != nil {
			return students, err
		}
		t0 := time.Now()
		agreement := a.Agreement
		if agreement == 0 {
			agreement = c.ZeroLoss
		}
		committee := committeeOf(students, c.ZeroLoss)
		pool, err := a.Candidates.Sample(probeRNG(c.Seed, round), a.Pool)
		if err != nil {
			return students, fmt.Errorf("identify: round %d: drawing %d candidates: %w", round, a.Pool, err)
		}
		voters := committee
		if len(voters) < 2 {
			voters = make([]*mlp.Network, len(students))
			for i, s := range students {
				voters[i] = s.net
			}
		}
		scores, err := disagreement(voters, pool)
		if err != nil {
			return students, fmt.Errorf("identify: round %d: %w", round, err)
		}
		rd := ActiveRound{Round: round, Committee: len(committee), Queries: oracle.Queries()}
		rd.MeanDisagreement, rd.MaxDisagreement = meanMax(scores)
		if len(committee) >= minSize && rd.MeanDisagreement <= agreement {
			rd.BestLoss, rd.WorstLoss = lossRange(students)
			rd.Elapsed = time.Since(t0)
			res.Rounds = append(res.Rounds, rd)
			return students, record(c, fmt.Sprintf("active round %d: %d students agree to %.3g on %d candidates", round, len(committee), rd.MeanDisagreement, a.Pool), rd.MeanDisagreement, t0)
		}
		if round > a.MaxRounds {
			res.Warnings = append(res.Warnings, Warning{Kind: CommitteeDisagrees,
				Evidence: fmt.Sprintf("after %d rounds and %d queries the %d students at zero loss still disagree by %.3g on average (largest %.3g) on %d fresh candidates, above the agreement threshold %.3g",
					a.MaxRounds, oracle.Queries(), len(committee), rd.MeanDisagreement, rd.MaxDisagreement, a.Pool, agreement),
				Remedy: "raise Active.MaxRounds or the query budget, or use more students"})
			return students, nil
		}
		k := a.PerRound
		if rem := oracle.Remaining(); rem >= 0 && rem < k {
			k = rem
		}
		if k == 0 {
			return students, &QueryBudgetError{Used: oracle.Queries(), Asked: a.PerRound, Budget: oracle.Budget()}
		}
		pick := topK(scores, k)
		xn := mat.NewDense(k, pool.RawMatrix().Cols, nil)
		for i, p := range pick {
			copy(xn.RawRowView(i), pool.RawRowView(p))
		}
		yn, err := oracle.Predict(xn)
		if err != nil {
			return students, err
		}
		*x, *y = stack(*x, xn), stack(*y, yn)
		// The thresholds follow the outputs' precision, measured again on
		// all the answers.
		nc, prec, sym, err := prepare(cfg, *x, *y)
		if err != nil {
			return students, err
		}
		nc.Rho = c.Rho
		*c, *symmetry = nc, sym
		res.Config, res.ZeroLoss, res.Precision = nc, nc.ZeroLoss, prec
		tt := time.Now()
		students, err = warmRetrain(ctx, *x, *y, students, round, a, c, res)
		res.Timings.Students += time.Since(tt)
		rd.Added, rd.Queries = k, oracle.Queries()
		rd.BestLoss, rd.WorstLoss = lossRange(students)
		rd.Elapsed = time.Since(t0)
		res.Rounds = append(res.Rounds, rd)
		if err != nil {
			return students, err
		}
		if err := record(c, fmt.Sprintf("active round %d: %d queries, disagreement %.3g", round, rd.Queries, rd.MeanDisagreement), rd.BestLoss, t0); err != nil {
			return students, err
		}
	}
}

// warmRetrain trains the students again on the grown data from where they
// are: every student, or those at most Active.RetrainBelow. A retrained
// student that ends above the restart loss is restarted from a fresh
// random draw of the round's stream, so the run stays a function of
// (seed, students, round). The students not retrained, and those whose
// retraining fails or is cancelled, keep their weights and get their loss
// on the grown data.
func warmRetrain(ctx context.Context, x, y *mat.Dense, students []student, round int, a Active, c *Config, res *Result) ([]student, error) {
	var picked []int // positions in students of those retrained
	for k, s := range students {
		if a.RetrainBelow == 0 || s.loss <= a.RetrainBelow {
			picked = append(picked, k)
		}
	}
	started := make([]bool, len(picked))
	widths := res.StudentWidths
	cols, outs := x.RawMatrix().Cols, y.RawMatrix().Cols
	newStudent := func(i int, rng *rand.Rand) (*mlp.Network, error) {
		if !started[i] { // Many calls student i from one goroutine only
			started[i] = true
			return students[picked[i]].net.Clone(), nil
		}
		return NewStudent(c.Activation, cols, widths, outs, c.InitGain, rng)
	}
	mc := manyConfig(c, studentParams(cols, widths, outs))
	if a.Retrain.Phases != nil {
		mc.Config = trainConfig(a.Retrain, c.Recorder)
	}
	mc.Seed = c.Seed ^ (uint64(round) << 40) ^ 0x6163746976650000 // "active"
	var results []train.StudentResult
	var err error
	if len(picked) > 0 { // none qualifies: every student keeps its weights
		results, err = train.Many(ctx, x, y, len(picked), newStudent, mc)
	}
	byPosition := make(map[int]train.StudentResult, len(results))
	for _, r := range results {
		byPosition[picked[r.Index]] = r
	}
	previous := make(map[int]*Checkpoint, len(res.Students))
	for _, cp := range res.Students {
		previous[cp.Index] = cp
	}
	var kept []student
	res.StudentLosses = res.StudentLosses[:0]
	res.Students = res.Students[:0]
	for k, s := range students {
		r, retrained := byPosition[k]
		if retrained && (r.Err != nil || r.Net == nil || math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0)) {
			// A failed or cancelled retraining costs the round's
			// progress, not the student: it keeps its weights.
			ferr := r.Err
			if ferr == nil {
				ferr = fmt.Errorf("diverged (loss %v)", r.Loss)
			}
			res.Failed = append(res.Failed, StudentFailure{Student: s.index, Err: fmt.Errorf("active round %d: %w", round, ferr)})
			retrained = false
		}
		if !retrained {
			loss, lerr := s.net.Loss(nil, x, y)
			if lerr != nil {
				return kept, fmt.Errorf("identify: active round %d: student %d: %w", round, s.index, lerr)
			}
			s.loss = loss
			kept = append(kept, s)
			res.StudentLosses = append(res.StudentLosses, loss)
			cp := &Checkpoint{Index: s.index, Seed: c.Seed, Widths: widths, Loss: loss, Net: s.net}
			if old := previous[s.index]; old != nil {
				cp.Phases, cp.Elapsed = old.Phases, old.Elapsed
			}
			res.Students = append(res.Students, cp)
			continue
		}
		kept = append(kept, student{index: s.index, net: r.Net, loss: r.Loss})
		res.StudentLosses = append(res.StudentLosses, r.Loss)
		res.Students = append(res.Students, &Checkpoint{Index: s.index, Seed: c.Seed, Widths: widths,
			Loss: r.Loss, Phases: r.Phases, Net: r.Net, Elapsed: r.Total})
	}
	if err != nil {
		return kept, err
	}
	if len(kept) < 2 {
		return kept, fmt.Errorf("%w: %d of %d after active round %d", ErrTooFewStudents, len(kept), len(students), round)
	}
	return kept, nil
}

// committeeOf returns the students at or below the zero-loss threshold.
func committeeOf(students []student, zero float64) []*mlp.Network {
	var out []*mlp.Network
	for _, s := range students {
		if s.loss <= zero {
			out = append(out, s.net)
		}
	}
	return out
}

// disagreement returns, per row of pool, the variance of the networks'
// outputs across the networks, averaged over the outputs.
func disagreement(nets []*mlp.Network, pool *mat.Dense) ([]float64, error) {
	n := pool.RawMatrix().Rows
	var sum, sumSq []float64
	outs := 0
	ws := mlp.NewWorkspace()
	var p mat.Dense
	for _, net := range nets {
		if err := net.Forward(ws, &p, pool); err != nil {
			return nil, err
		}
		raw := p.RawMatrix()
		if sum == nil {
			outs = raw.Cols
			sum, sumSq = make([]float64, n*outs), make([]float64, n*outs)
		}
		for i := 0; i < n; i++ {
			for o, v := range raw.Data[i*raw.Stride : i*raw.Stride+outs] {
				sum[i*outs+o] += v
				sumSq[i*outs+o] += v * v
			}
		}
	}
	k := float64(len(nets))
	scores := make([]float64, n)
	for i := range scores {
		for o := 0; o < outs; o++ {
			m := sum[i*outs+o] / k
			scores[i] += math.Max(0, sumSq[i*outs+o]/k-m*m)
		}
		scores[i] /= float64(outs)
	}
	return scores, nil
}

// topK returns the indices of the k largest scores, largest first, ties
// by index.
func topK(scores []float64, k int) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx[:k]
}

func meanMax(v []float64) (mean, mx float64) {
	for _, x := range v {
		mean += x
		mx = math.Max(mx, x)
	}
	return mean / float64(len(v)), mx
}

func lossRange(students []student) (best, worst float64) {
	if len(students) == 0 {
		return math.NaN(), math.NaN()
	}
	best, worst = math.Inf(1), math.Inf(-1)
	for _, s := range students {
		best, worst = math.Min(best, s.loss), math.Max(worst, s.loss)
	}
	return best, worst
}

// stack returns a on top of b.
func stack(a, b *mat.Dense) *mat.Dense {
	ra, c := a.Dims()
	rb, _ := b.Dims()
	out := mat.NewDense(ra+rb, c, nil)
	out.Slice(0, ra, 0, c).(*mat.Dense).Copy(a)
	out.Slice(ra, ra+rb, 0, c).(*mat.Dense).Copy(b)
	return out
}

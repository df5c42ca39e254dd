package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// ManyConfig configures Many.
type ManyConfig struct {
	// Config is the training configuration of every student; its Student
	// and RNG fields are ignored (each student gets its index and
	// StudentRNG(Seed, i)). Its Recorder is called from several
	// goroutines.
	Config
	// Seed is the seed of the run.
	Seed uint64
	// Workers is the number of students trained at once; zero means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Restarts is how many times a student that ends above RestartLoss
	// (or fails) is built afresh from its continuing random stream and
	// trained again; the best attempt is kept. Zero means DefaultRestarts
	// for students of at most LMMaxParams parameters and none for larger
	// ones (a wide student that misses the floor is slow, not trapped, and
	// an attempt costs minutes), a negative value none. Restarts keep student i a function of
	// (Seed, i) alone.
	Restarts int
	// RestartLoss is the loss a student must reach not to be restarted;
	// zero means DefaultRestartLoss.
	RestartLoss float64
	// Enough, if positive, runs the restarts in rounds and stops them
	// once Enough students have reached RestartLoss: round 0 is every
	// student's first attempt, round r restarts every student still above
	// RestartLoss with restarts left, and no round starts after one that
	// ends with Enough students at RestartLoss (the others keep their best
	// attempt so far). Within a restart round the attempts count in
	// student order: once the students at RestartLoss reach Enough with
	// student c's attempt of round r ≥ 1, the attempts of round r of the
	// students after c are cancelled if running and left out if done
	// (those students keep their best attempt of the earlier rounds), so
	// no worker waits for an attempt whose outcome cannot matter. A
	// student's k-th attempt is the same with or without Enough, and
	// which attempts are kept depends only on their outcomes, so the
	// results are still the same for any number of workers. It saves the
	// restarts of trapped students when the caller needs only Enough at
	// the floor. Every attempt's network is kept until the end (the stop
	// round decides which is a student's best), so memory grows with the
	// attempts run.
	Enough int
	// LateEnough, if positive, lowers Enough from round LateRound on: a
	// complete round r ≥ LateRound with LateEnough students at
	// RestartLoss ends the restarts too. A caller that can work with
	// fewer students at the floor than it would like stops paying for
	// the restarts of a population that reaches the floor rarely, once
	// every student has had LateRound+1 attempts. Like Enough, it
	// depends only on the rounds' outcomes, never on the workers.
	LateEnough, LateRound int
	// StopAfter, if not nil, is asked after every complete round r that
	// Enough (or LateEnough) does not end, with every student's best
	// attempt of rounds 0…r in index order; true ends the restarts after
	// round r as Enough would. A caller can stop on what the students
	// have in common rather than on their losses. It is called under
	// Many's lock, one round at a time and in order, and must not modify
	// the networks; the results stay the same for any number of workers
	// only if it depends on its arguments alone. It needs Enough > 0.
	StopAfter func(round int, best []StudentResult) bool
}

// enoughAt is the number of students at RestartLoss that ends the
// restarts after round r.
func (mc *ManyConfig) enoughAt(r int) int {
	if mc.LateEnough > 0 && r >= mc.LateRound {
		return min(mc.Enough, mc.LateEnough)
	}
	return mc.Enough
}

// DefaultRestarts is the number of restarts of a student when
// ManyConfig.Restarts is zero. A student that misses DefaultRestartLoss is
// usually trapped rather than slow, while a fresh start from its continuing
// random stream succeeds with the same probability as the first, so
// restarts raise the fraction of students at the floor more cheaply than
// longer training. Attempt k of student i is the same for any budget ≥ k−1.
const DefaultRestarts = 49

// StudentResult is the outcome of one student of Many.
type StudentResult struct {
	// Index is the student's index, 0 … n−1.
	Index int
	// Net is the trained student at its best point (nil if construction
	// failed).
	Net *mlp.Network
	// Result describes the run.
	Result
	// Err is non-nil if the student failed, diverged or was cancelled;
	// the other students are unaffected.
	Err error
	// Attempts is the number of starts the student took (1 + restarts)
	// and Total the time of all of them (Result.Elapsed is the kept
	// attempt's).
	Attempts int
	Total    time.Duration
}

// Many trains n students on (x, y) concurrently. Student i is built by
// newStudent(i, rng) with rng = StudentRNG(cfg.Seed, i), which should
// initialise its weights from rng; training then continues with the same
// stream. Every student has its own workspace and stream and no floating
// point reduction crosses goroutines, so the results are bit-identical for
// any number of workers.
//
// Many returns one result per student, in index order. A student that
// fails or diverges is reported in its StudentResult.Err. The returned
// error is non-nil for bad arguments, or, with the partial results, when
// ctx is cancelled (students not started then have Err = ctx.Err()).
func Many(ctx context.Context, x, y *mat.Dense, n int, newStudent func(i int, rng *rand.Rand) (*mlp.Network, error), cfg ManyConfig) ([]StudentResult, error) {
	if n <= 0 {
		return nil, fmt.Errorf("train: Many: number of students %d must be positive", n)
	}
	if newStudent == nil {
		return nil, fmt.Errorf("train: Many: nil student constructor")
	}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("train: Many: %d workers", cfg.Workers)
	}
	if cfg.LateEnough < 0 || cfg.LateRound < 0 || (cfg.LateEnough > 0 && cfg.Enough <= 0) {
		return nil, fmt.Errorf("train: Many: LateEnough %d from round %d needs Enough > 0 (have %d) and neither negative", cfg.LateEnough, cfg.LateRound, cfg.Enough)
	}
	if cfg.StopAfter != nil && cfg.Enough <= 0 {
		return nil, fmt.Errorf("train: Many: StopAfter needs Enough > 0 (have %d)", cfg.Enough)
	}
	if err := checkData(x, y); err != nil {
		return nil, fmt.Errorf("train: Many: %w", err)
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if cfg.Enough > 0 {
		return manyRounds(ctx, x, y, n, newStudent, &cfg, workers)
	}
	results := make([]StudentResult, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := mlp.NewWorkspace()
			for i := range next {
				results[i] = trainOne(ctx, x, y, i, newStudent, &cfg, ws)
			}
		}()
	}
	var err error
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			for j := i; j < n; j++ {
				results[j] = StudentResult{Index: j, Err: ctx.Err()}
			}
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
			for j := i; j < n; j++ {
				results[j] = StudentResult{Index: j, Err: ctx.Err()}
			}
			i = n
		}
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return results, err
}

// One trains student i as Many does, with its own workspace: Many(…)[i]
// and One(…, i, …) are the same student, bit for bit. It is meant for
// running students as separate processes.
func One(ctx context.Context, x, y *mat.Dense, i int, newStudent func(int, *rand.Rand) (*mlp.Network, error), cfg ManyConfig) StudentResult {
	if newStudent == nil {
		return StudentResult{Index: i, Err: fmt.Errorf("train: One: nil student constructor")}
	}
	if err := checkData(x, y); err != nil {
		return StudentResult{Index: i, Err: fmt.Errorf("train: One: %w", err)}
	}
	return trainOne(ctx, x, y, i, newStudent, &cfg, mlp.NewWorkspace())
}

func trainOne(ctx context.Context, x, y *mat.Dense, i int, newStudent func(int, *rand.Rand) (*mlp.Network, error), mc *ManyConfig, ws *mlp.Workspace) StudentResult {
	s := newStudentRun(i, mc)
	for {
		r := attemptOne(ctx, x, y, i, newStudent, mc, ws, s.rng)
		if s.add(r, mc) || ctx.Err() != nil {
			return s.best
		}
	}
}

// studentRun is the bookkeeping of one student's attempts: its random
// stream, restart budget and best attempt so far.
type studentRun struct {
	rng      *rand.Rand
	restarts int
	target   float64
	attempts int
	elapsed  time.Duration // of the attempts so far
	best     StudentResult
}

func newStudentRun(i int, mc *ManyConfig) *studentRun {
	s := &studentRun{rng: StudentRNG(mc.Seed, i), restarts: mc.Restarts, target: mc.RestartLoss}
	if s.restarts == 0 {
		s.restarts = DefaultRestarts
	}
	if s.target == 0 {
		s.target = DefaultRestartLoss
	}
	s.best.Index = i
	return s
}

// add records attempt r and reports whether the student is finished: at
// the target, out of restarts, or unable to build a network.
func (s *studentRun) add(r StudentResult, mc *ManyConfig) bool {
	s.attempts++
	s.elapsed += r.Elapsed
	r.Attempts = s.attempts
	if s.attempts == 1 || betterResult(r, s.best) {
		s.best = r
	}
	s.best.Attempts, s.best.Total = s.attempts, s.elapsed
	if s.attempts == 1 && mc.Restarts == 0 && r.Net != nil && r.Net.NumParams() > LMMaxParams {
		s.restarts = 0
	}
	return s.best.Reached(s.target) || s.attempts > s.restarts || r.Net == nil
}

// manyRounds is Many with ManyConfig.Enough. Attempt a of every student
// belongs to round a. A free worker takes the lowest-round attempt that
// is ready (the student's previous attempt done, the student not
// finished), so no worker waits for a round to end: it may run a student's
// next attempt while others finish the current round. Once a round is
// complete with Enough students at the target, or a restart round's
// attempts up to some student bring them to Enough (prefixCut), no later
// attempt starts, the running ones past that point are cancelled, and
// those that ran anyway are discarded, so the results are those of strict
// rounds, cut in student order, for any number of workers.
func manyRounds(ctx context.Context, x, y *mat.Dense, n int, newStudent func(int, *rand.Rand) (*mlp.Network, error), mc *ManyConfig, workers int) ([]StudentResult, error) {
	rs := newRoundState(n, mc)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := mlp.NewWorkspace()
			for {
				i, actx, ok := rs.take(ctx)
				if !ok {
					return
				}
				r := attemptOne(actx, x, y, i, newStudent, mc, ws, rs.runs[i].rng)
				rs.finish(i, r)
			}
		}()
	}
	wg.Wait()
	return rs.results(ctx), ctx.Err()
}

func newRoundState(n int, mc *ManyConfig) *roundState {
	rs := &roundState{n: n, mc: mc, runs: make([]*studentRun, n), done: make([][]StudentResult, n),
		busy: make([]bool, n), cancel: make([]context.CancelFunc, n), finished: make([]bool, n), stop: -1, judged: -1}
	rs.cond = sync.NewCond(&rs.mu)
	for i := range rs.runs {
		rs.runs[i] = newStudentRun(i, mc)
	}
	return rs
}

// roundState is the shared state of manyRounds, guarded by mu.
type roundState struct {
	mu       sync.Mutex
	cond     *sync.Cond
	n        int
	mc       *ManyConfig
	runs     []*studentRun        // bookkeeping of every attempt run, for finished
	done     [][]StudentResult    // every finished attempt, per student
	busy     []bool               // an attempt of the student is running
	cancel   []context.CancelFunc // of the running attempt, per student
	finished []bool               // at the target, out of restarts or failed
	stop     int                  // the round after which no attempt starts; −1 while unknown
	cut      int                  // the last student whose attempt of round stop is kept
	judged   int                  // the last complete round checked for Enough; −1 before any
}

// dropped reports whether student i's attempt of round is past the stop.
func (rs *roundState) dropped(i, round int) bool {
	return rs.stop >= 0 && (round > rs.stop || (round == rs.stop && i > rs.cut))
}

// take returns the student whose next attempt is the lowest-round ready
// one and the context of that attempt, waiting while none is ready but
// some attempt runs; ok is false when no attempt is left to run.
func (rs *roundState) take(ctx context.Context) (int, context.Context, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for {
		if ctx.Err() != nil {
			return 0, nil, false
		}
		best, running := -1, false
		for i := 0; i < rs.n; i++ {
			running = running || rs.busy[i]
			round := len(rs.done[i])
			if rs.busy[i] || rs.finished[i] || rs.dropped(i, round) {
				continue
			}
			if best < 0 || round < len(rs.done[best]) {
				best = i
			}
		}
		if best >= 0 {
			rs.busy[best] = true
			actx, cancel := context.WithCancel(ctx)
			rs.cancel[best] = cancel
			return best, actx, true
		}
		if !running {
			return 0, nil, false
		}
		rs.cond.Wait()
	}
}

// finish records student i's attempt and decides, once a round is
// complete or its attempts so far are Enough, whether it was the last.
func (rs *roundState) finish(i int, r StudentResult) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.busy[i] = false
	if rs.cancel[i] != nil {
		rs.cancel[i]()
		rs.cancel[i] = nil
	}
	rs.done[i] = append(rs.done[i], r)
	rs.finished[i] = rs.runs[i].add(r, rs.mc)
	rs.judge()
	rs.cond.Broadcast()
}

// judge decides the rounds in order: a student that finishes its last
// attempt of round r may complete rounds r … r+k at once (the others ran
// ahead), and the stop round is the first of them with Enough. A restart
// round may stop before it is complete (prefixCut).
func (rs *roundState) judge() {
	for rs.stop < 0 {
		r := rs.judged + 1
		if c, ok := rs.prefixCut(r); ok {
			rs.stopAt(r, c)
			return
		}
		if rs.completeRound() < r {
			return
		}
		rs.judged = r
		if rs.reachedBy(r) >= rs.mc.enoughAt(r) ||
			(rs.mc.StopAfter != nil && rs.mc.StopAfter(r, rs.bestBy(r))) {
			rs.stopAt(r, rs.n-1)
		}
	}
}

// prefixCut returns the student c whose attempt of restart round r brings
// the students at the target to Enough, counting the attempts of round r
// in student order, once every attempt of round r up to c is done; ok is
// false while that is undecided or never happens. Round 0 is always kept
// whole (every student needs an attempt), and so is a round that starts
// with Enough already reached (LateEnough lowering it from round r on:
// every student gets its LateRound+1 attempts).
func (rs *roundState) prefixCut(r int) (c int, ok bool) {
	if r == 0 {
		return 0, false
	}
	need, count := rs.mc.enoughAt(r), rs.reachedBy(r-1)
	if count >= need {
		return 0, false
	}
	for i := 0; i < rs.n; i++ {
		switch {
		case len(rs.done[i]) > r:
			if rs.done[i][r].Reached(rs.runs[i].target) {
				if count++; count >= need {
					return i, true
				}
			}
		case rs.finished[i]:
			// Finished in an earlier round: no attempt in round r.
		default:
			return 0, false
		}
	}
	return 0, false
}

// stopAt makes round r the last, keeping its attempts of students 0…c,
// and cancels the running attempts that will not be kept.
func (rs *roundState) stopAt(r, c int) {
	rs.stop, rs.cut = r, c
	for i, busy := range rs.busy {
		if busy && rs.dropped(i, len(rs.done[i])) {
			rs.cancel[i]()
		}
	}
}

// completeRound returns the highest round every student has either done
// or finished before, −1 if none.
func (rs *roundState) completeRound() int {
	complete := math.MaxInt
	for i := 0; i < rs.n; i++ {
		if !rs.finished[i] {
			complete = min(complete, len(rs.done[i])-1)
		}
	}
	if complete == math.MaxInt {
		// Every student finished: the last round anyone ran.
		complete = -1
		for i := 0; i < rs.n; i++ {
			complete = max(complete, len(rs.done[i])-1)
		}
	}
	return complete
}

// reachedBy counts the students at the target in an attempt of round ≤ round.
func (rs *roundState) reachedBy(round int) int {
	count := 0
	for i := 0; i < rs.n; i++ {
		for a, r := range rs.done[i] {
			if a <= round && r.Reached(rs.runs[i].target) {
				count++
				break
			}
		}
	}
	return count
}

// results returns each student's best attempt of those kept (an attempt
// past the stop, run ahead or cancelled while the last kept round was
// ending, is left out); a student that never ran carries ctx's error.
func (rs *roundState) results(ctx context.Context) []StudentResult {
	out := make([]StudentResult, rs.n)
	for i, attempts := range rs.done {
		kept := len(attempts)
		for kept > 0 && rs.dropped(i, kept-1) {
			kept--
		}
		out[i] = rs.bestOf(i, attempts[:kept])
		if len(attempts) == 0 {
			out[i] = StudentResult{Index: i, Err: ctx.Err()}
		}
	}
	return out
}

// bestBy returns each student's best attempt of rounds 0…round (an
// empty result for a student with none).
func (rs *roundState) bestBy(round int) []StudentResult {
	out := make([]StudentResult, rs.n)
	for i, attempts := range rs.done {
		out[i] = rs.bestOf(i, attempts[:min(len(attempts), round+1)])
	}
	return out
}

// bestOf returns student i's best of attempts, with their count and time.
func (rs *roundState) bestOf(i int, attempts []StudentResult) StudentResult {
	kept := newStudentRun(i, rs.mc)
	for _, r := range attempts {
		kept.add(r, rs.mc)
	}
	return kept.best
}

// Reached reports whether the student trained without error to a loss of
// at most target on all the data; Many restarts a student until it reaches
// ManyConfig.RestartLoss.
func (r *StudentResult) Reached(target float64) bool { return r.Err == nil && r.Loss <= target }

// betterResult prefers a successful run, then the lower loss.
func betterResult(a, b StudentResult) bool {
	if (a.Err == nil) != (b.Err == nil) {
		return a.Err == nil
	}
	return a.Loss < b.Loss
}

func attemptOne(ctx context.Context, x, y *mat.Dense, i int, newStudent func(int, *rand.Rand) (*mlp.Network, error), mc *ManyConfig, ws *mlp.Workspace, rng *rand.Rand) StudentResult {
	r := StudentResult{Index: i}
	net, err := newStudent(i, rng)
	if err != nil {
		r.Err = fmt.Errorf("train: student %d: %w", i, err)
		return r
	}
	if net == nil {
		r.Err = fmt.Errorf("train: student %d: constructor returned nil", i)
		return r
	}
	r.Net = net
	cfg := mc.Config
	cfg.Student, cfg.RNG = i, rng
	r.Result, err = train(ctx, net, x, y, &cfg, ws)
	if err != nil {
		r.Err = fmt.Errorf("train: student %d: %w", i, err)
	}
	return r
}

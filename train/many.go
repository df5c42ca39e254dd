package train

import (
	"context"
	"fmt"
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
	if err := checkData(x, y); err != nil {
		return nil, fmt.Errorf("train: Many: %w", err)
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
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
	restarts, target := mc.Restarts, mc.RestartLoss
	if restarts == 0 {
		restarts = DefaultRestarts
	}
	if target == 0 {
		target = DefaultRestartLoss
	}
	rng := StudentRNG(mc.Seed, i)
	start := time.Now()
	var best StudentResult
	for attempt := 1; ; attempt++ {
		r := attemptOne(ctx, x, y, i, newStudent, mc, ws, rng)
		r.Attempts = attempt
		if attempt == 1 || betterResult(r, best) {
			best = r
		}
		best.Attempts, best.Total = attempt, time.Since(start)
		if attempt == 1 && mc.Restarts == 0 && r.Net != nil && r.Net.NumParams() > LMMaxParams {
			restarts = 0
		}
		if best.Reached(target) || attempt > restarts || ctx.Err() != nil || r.Net == nil {
			return best
		}
	}
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

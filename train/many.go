package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"

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
}

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

func trainOne(ctx context.Context, x, y *mat.Dense, i int, newStudent func(int, *rand.Rand) (*mlp.Network, error), mc *ManyConfig, ws *mlp.Workspace) StudentResult {
	r := StudentResult{Index: i}
	rng := StudentRNG(mc.Seed, i)
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

package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// trainStudents returns the run's students, training only those that dir
// does not hold yet, o.workers at a time, and saving each one into dir as
// it ends: a teacher whose run was interrupted resumes with the students
// it had, and only the missing ones are trained again. Files of other
// settings are ignored (identify.LoadCheckpoints checks seed and widths;
// the directory name carries the rest of the settings). It also returns
// the summed training time of the students it loaded.
func trainStudents(ctx context.Context, x, y *mat.Dense, cfg identify.Config, dir string, workers int) ([]*identify.Checkpoint, time.Duration, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	cps, skipped, err := identify.LoadCheckpoints(dir, cfg)
	if err != nil {
		return nil, 0, err
	}
	var loaded time.Duration
	for _, cp := range cps {
		loaded += cp.Elapsed
	}
	for _, e := range skipped {
		fmt.Println("  ignored:", e)
	}
	missing := identify.Missing(cps, cfg.Students)
	if len(cps) > 0 {
		fmt.Printf("  %d students loaded from %s, %d to train\n", len(cps), dir, len(missing))
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	next := make(chan int)
	for range min(max(workers, 1), len(missing)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cp, err := trainOne(ctx, x, y, cfg, i, dir)
				mu.Lock()
				if err != nil && ctx.Err() == nil {
					// identify.Recover counts it as failed.
					fmt.Printf("    student %d failed: %v\n", i, err)
				} else if err == nil {
					cps = append(cps, cp)
				}
				mu.Unlock()
			}
		}()
	}
	for _, i := range missing {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return cps, loaded, err
	}
	return cps, loaded, nil
}

// recoverWithStudents trains the run's students (or loads those dir holds,
// trainStudents) and recovers the teacher from them (identify.Recover).
// Students loaded from an interrupted run count with their own training
// times, o.workers at a time: studentTime includes their share, resumed,
// which the caller adds to the run's total. A run is returned only when
// the students were trained.
func recoverWithStudents(ctx context.Context, o options, x, y *mat.Dense, cfg identify.Config, dir string) (run *identify.Result, studentTime, resumed time.Duration, err error) {
	t0 := time.Now()
	cps, loaded, err := trainStudents(ctx, x, y, cfg, dir, o.workers)
	if err != nil {
		return nil, 0, 0, err
	}
	resumed = loaded / time.Duration(max(1, min(o.workers, o.students)))
	studentTime = time.Since(t0) + resumed
	run, err = identify.Recover(ctx, x, y, cps, cfg)
	return run, studentTime, resumed, err
}

// relativeLosses returns the lowest and the median of the students'
// losses relative to the variance of the teacher's outputs y.
func relativeLosses(losses []float64, y *mat.Dense) (lo, med float64) {
	v := synth.OutputVariance(y)
	lo, med = minMedian(losses)
	return lo / v, med / v
}

// trainOne trains student i and saves it into dir.
func trainOne(ctx context.Context, x, y *mat.Dense, cfg identify.Config, i int, dir string) (*identify.Checkpoint, error) {
	cp, err := identify.TrainStudent(ctx, x, y, cfg, i)
	if err != nil {
		return nil, fmt.Errorf("student %d: %w", i, err)
	}
	if ctx.Err() != nil {
		// Stopped early by the interrupt: not a finished student.
		return nil, ctx.Err()
	}
	if _, err := cp.Save(dir); err != nil {
		return nil, err
	}
	return cp, nil
}

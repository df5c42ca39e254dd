// Command paper runs Expand-and-Cluster on the paper's synthetic family
// (Martinelli et al., ICML 2024, §5, Figure 5B): one-hidden-layer teachers
// d_in → r → 1 with activation g, d_in ∈ {2, 4, 8, 16, 32}, r ∈ {2, 4, 8},
// ten teachers each, with the paper's settings (N = 20 students for r ≤ 4,
// 10 for r = 8, γ = 0.8, β = π/24) and students ρ·r wide.
//
// Every finished (problem, ρ) is appended to OUT/results.csv at once, so an
// interrupted run loses nothing finished; a rerun skips the rows already
// there (-resume, the default). -timeout bounds each (problem, ρ): one that
// reaches it is recorded as a failure whose note says so. At the end, or on Ctrl-C, OUT/summary.md
// gets the success rate per (d_in, r, ρ) of every row of the CSV and
// OUT/success.png a picture of it.
//
// Success means exact recovery: the recovered width equals the teacher's
// and every teacher neuron's cosine distance to its matched recovered
// neuron (incoming weights and bias) is below 1e-6.
//
// Examples:
//
//	go run ./examples/paper -per-setting 3 -rho 4 -parallel 2
//	go run ./examples/paper -din 2,4 -r 2 -index 0-9 -rho 1,2,4,8
//	go run ./examples/paper -summary-only -out results/paper
//
// Outputs go to out/paper (ignored by git) unless -out names another
// directory, so the committed results/paper changes only when asked for.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/plots"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
)

// successTol is the cosine-distance threshold of an exact recovery.
const successTol = 1e-6

type options struct {
	din, r, index []int
	perSetting    int
	rhos          []float64
	out           string
	parallel      int
	samples, test int
	resume        bool
	verbose       bool
	pictures      string
	summaryOnly   bool
	lossFloor     float64
	restarts      int
	polish        int
	varpro        int
	timeout       time.Duration
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("paper: ")
	var o options
	var din, r, index, rho string
	flag.StringVar(&din, "din", "", "input dimensions to run, e.g. 2,4,8 (default all: 2,4,8,16,32)")
	flag.StringVar(&r, "r", "", "teacher widths to run, e.g. 2,4 (default all: 2,4,8)")
	flag.StringVar(&index, "index", "", "teacher indices to run, e.g. 0-2 or 0,5 (default all: 0-9)")
	flag.IntVar(&o.perSetting, "per-setting", 0, "run only the first `n` teachers of each (d_in, r) (0: all)")
	flag.StringVar(&rho, "rho", "1,2,4,8", "expansion factors ρ (students are ρ·r wide)")
	// Not a fresh directory: a rerun of the same command resumes there.
	// The committed table is regenerated only with -out results/paper.
	flag.StringVar(&o.out, "out", "out/paper", "output `dir` (results.csv, summary.md, pictures); the committed results/paper only when named")
	flag.IntVar(&o.parallel, "parallel", 1, "problems run at once; each trains its students with GOMAXPROCS/parallel workers")
	flag.IntVar(&o.samples, "samples", 0, fmt.Sprintf("training inputs per problem (0: the family default, %d)", synth.DefaultSamples))
	flag.IntVar(&o.test, "test-samples", 0, fmt.Sprintf("held-out inputs for the test RMSE (0: %d)", synth.DefaultTestSamples))
	flag.BoolVar(&o.resume, "resume", true, "skip (problem, ρ, samples) rows already in results.csv")
	flag.BoolVar(&o.verbose, "v", false, "print every student's training progress")
	flag.StringVar(&o.pictures, "pictures", "failed", "clustering pictures per problem under OUT/pictures: none, failed or all")
	flag.Float64Var(&o.lossFloor, "loss-floor", 0, fmt.Sprintf("students' Levenberg–Marquardt phases stop at this loss (0: train's default %g)", train.DefaultStopLoss))
	flag.IntVar(&o.restarts, "restarts", 0, fmt.Sprintf("fresh starts of a student that misses the restart loss (0: train's default %d, -1: none); not part of a row's key, so use another -out", train.DefaultRestarts))
	flag.IntVar(&o.polish, "polish", 0, "experimental: no gate after the subset phase, and the full-data LM phase runs up to `n` iterations (0: train's default recipe); not part of a row's key, so use another -out")
	flag.IntVar(&o.varpro, "varpro", 0, "experimental: no gate after the subset LM phase, then up to `n` iterations of train.VarPro (variable projection of the output layer) on a subset, gated, before the full-data LM phase (0: train's default recipe); not part of a row's key, so use another -out")
	flag.BoolVar(&o.summaryOnly, "summary-only", false, "only rewrite summary.md and success.png from results.csv")
	flag.DurationVar(&o.timeout, "timeout", 0, "wall-time limit per (problem, ρ); a problem that reaches it is recorded as a failure with a note (0: none)")
	flag.Parse()
	var err error
	if o.din, err = parseInts(din); err == nil {
		if o.r, err = parseInts(r); err == nil {
			if o.index, err = parseInts(index); err == nil {
				o.rhos, err = parseFloats(rho)
			}
		}
	}
	if err == nil && o.parallel < 1 {
		err = fmt.Errorf("-parallel %d must be at least 1", o.parallel)
	}
	if err == nil && !slices.Contains([]string{"none", "failed", "all"}, o.pictures) {
		err = fmt.Errorf("-pictures %q: want none, failed or all", o.pictures)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "paper:", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		if errors.Is(err, context.Canceled) {
			log.Print("interrupted; finished rows are in the CSV, rerun the same command to continue")
			os.Exit(130)
		}
		log.Fatal(err)
	}
}

// job is one (problem, ρ) pair.
type job struct {
	p     synth.Problem
	rho   float64
	floor float64
	o     *options
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	csvPath := filepath.Join(o.out, "results.csv")
	if o.summaryOnly {
		return writeSummary(o.out, csvPath)
	}
	opts := synth.FamilyOptions{DIn: o.din, R: o.r, Index: o.index, PerSetting: o.perSetting, Samples: o.samples, TestSamples: o.test}
	problems := synth.Family(opts)
	if len(problems) == 0 {
		return fmt.Errorf("no family problem matches -din %v -r %v -index %v (d_in ∈ %v, r ∈ %v, index 0–%d)",
			o.din, o.r, o.index, synth.FamilyDIn, synth.FamilyR, synth.FamilyTeachers-1)
	}
	done := map[string]bool{}
	if o.resume {
		rows, err := readRows(csvPath)
		if err != nil {
			return err
		}
		for _, row := range rows {
			done[row.key()] = true
		}
	}
	// ρ outermost so that a partial run covers every setting at the first ρ.
	floor := o.lossFloor
	if floor == 0 {
		floor = train.DefaultStopLoss
	}
	var jobs []job
	skipped := 0
	for _, rho := range o.rhos {
		for _, p := range interleave(problems) {
			if done[rowKey(p.Name, rho, p.Samples, floor)] {
				skipped++
				continue
			}
			jobs = append(jobs, job{p, rho, floor, &o})
		}
	}
	w, err := openRows(csvPath)
	if err != nil {
		return err
	}
	defer w.close()

	workers := max(1, runtime.GOMAXPROCS(0)/o.parallel)
	fmt.Printf("Expand-and-Cluster on %d synthetic problems × ρ ∈ %v: %d runs to do, %d already in %s\n",
		len(problems), o.rhos, len(jobs), skipped, csvPath)
	fmt.Printf("settings: activation g, N = 20 (r ≤ 4) / 10 (r = 8), γ = %g, β = π/24, %d training and %d test inputs, student loss floor %g, %d problems at once × %d workers\n",
		synth.FamilyGamma, problems[0].Samples, problems[0].TestSamples, floor, o.parallel, workers)
	fmt.Printf("success = recovered width equals the teacher's and every neuron's cosine distance < %g\n\n", successTol)

	prog := newProgress(os.Stderr, len(jobs))
	jobCh := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range min(o.parallel, max(1, len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobCh {
				row, res, cmp, err := solve(ctx, j, workers, o.verbose)
				if err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						firstErr = cmp2(firstErr, fmt.Errorf("%s ρ=%g: %w", j.p.Name, j.rho, err))
						mu.Unlock()
					}
					continue
				}
				if err := w.append(row); err != nil {
					mu.Lock()
					firstErr = cmp2(firstErr, err)
					mu.Unlock()
					continue
				}
				if o.pictures == "all" || (o.pictures == "failed" && !row.Success) {
					dir := filepath.Join(o.out, "pictures", fmt.Sprintf("%s-rho%g", j.p.Name, j.rho))
					if _, err := plots.RenderResult(dir, res, cmp); err != nil {
						prog.println(fmt.Sprintf("pictures of %s: %v", j.p.Name, err))
					}
				}
				prog.finished(row)
			}
		}()
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		jobCh <- j
	}
	close(jobCh)
	wg.Wait()
	prog.stop()
	if err := writeSummary(o.out, csvPath); err != nil {
		return err
	}
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

func cmp2(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// interleave orders problems so that every (d_in, r) setting gets its
// first teacher before any gets its second: a run cut short still covers
// all settings.
func interleave(ps []synth.Problem) []synth.Problem {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b synth.Problem) int {
		if a.Index != b.Index {
			return a.Index - b.Index
		}
		// Small problems first within a round.
		if a.R != b.R {
			return a.R - b.R
		}
		return a.DIn - b.DIn
	})
	return out
}

// solve recovers one problem's teacher at one ρ and compares it with the
// teacher on the held-out inputs.
func solve(ctx context.Context, j job, workers int, verbose bool) (row, *identify.Result, *identify.Report, error) {
	start := time.Now()
	p := j.p
	teacher, err := p.Teacher()
	if err != nil {
		return row{}, nil, nil, err
	}
	x, y, testX, _, err := p.Data()
	if err != nil {
		return row{}, nil, nil, err
	}
	cfg := identify.Config{
		Activation: p.Activation, BaseWidth: p.R, Rho: j.rho,
		Students: p.Students, Gamma: p.Gamma, Beta: p.Beta,
		Seed: p.Seed, Workers: workers, Restarts: j.o.restarts,
	}
	if j.floor != train.DefaultStopLoss {
		// train's default recipe with another loss floor for the LM phases.
		phases := train.DefaultPhases()
		for i := range phases {
			if _, ok := phases[i].Optimizer.(*train.LM); ok {
				phases[i].Stop.Loss = j.floor
			}
		}
		cfg.Train = train.Config{Phases: phases}
	}
	if j.o.polish > 0 {
		phases := cfg.Train.Phases
		if phases == nil {
			phases = train.DefaultPhases()
		}
		phases[0].Gate = 0
		phases[1].Stop.MaxIter = j.o.polish
		phases[1].Stop.Patience = max(20, j.o.polish/5)
		cfg.Train = train.Config{Phases: phases}
	}
	if j.o.varpro > 0 {
		phases := cfg.Train.Phases
		if phases == nil {
			phases = train.DefaultPhases()
		}
		phases[0].Gate = 0
		vp := train.Phase{Name: "varpro-subset", Optimizer: &train.VarPro{}, SubsetPerParam: train.DefaultSubsetPerParam,
			Gate: train.DefaultRestartLoss, Stop: train.StopRules{Loss: phases[0].Stop.Loss, MaxIter: j.o.varpro, Patience: 40, MinRelImprove: 0.01}}
		cfg.Train = train.Config{Phases: []train.Phase{phases[0], vp, phases[1]}}
	}
	if verbose {
		cfg.Recorder = train.NewPrinter(os.Stderr)
	}
	pctx := ctx
	if j.o.timeout > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, j.o.timeout)
		defer cancel()
	}
	res, err := identify.RunData(pctx, x, y, cfg)
	if ctx.Err() != nil {
		return row{}, nil, nil, ctx.Err()
	}
	if err != nil && pctx.Err() != nil {
		err = fmt.Errorf("time limit %v reached: %w", j.o.timeout, err)
	}
	rw := row{Problem: p.Name, DIn: p.DIn, R: p.R, Index: p.Index, Rho: j.rho, Samples: p.Samples,
		Students: p.Students, LossFloor: j.floor}
	if res != nil {
		if len(res.StudentWidths) > 0 {
			rw.StudentWidth = res.StudentWidths[0]
		}
		rw.ZeroLoss, rw.Failed = countZero(res.StudentLosses, res.Config.ZeroLoss), len(res.Failed)
		rw.BestStudentLoss = minLoss(res.StudentLosses)
	}
	var cmp *identify.Report
	switch {
	case err != nil:
		// A run that found no neuron (or failed otherwise) is an
		// unsuccessful recovery, not a crash of the sweep.
		rw.RecoveredWidth, rw.MaxCosine, rw.TestRMSE, rw.TestRelRMSE = 0, 1, -1, -1
		rw.Note = err.Error()
	default:
		rep, cerr := identify.Compare(teacher, res.Network, testX)
		if cerr != nil {
			return row{}, nil, nil, cerr
		}
		cmp = &rep
		rw.RecoveredWidth = res.Widths[0]
		rw.Success = rep.Exact(successTol)
		rw.MaxCosine = rep.Layers[0].MaxCosineDistance
		rw.MaxOutErr = rep.Layers[0].MaxOutRelErr
		rw.TestRMSE, rw.TestRelRMSE = rep.RMSE, rep.RelRMSE
		rw.FinalLoss = res.FinalLoss
	}
	rw.Seconds = time.Since(start).Seconds()
	return rw, res, cmp, nil
}

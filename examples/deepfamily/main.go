// Command deepfamily runs Expand-and-Cluster on the deep synthetic family
// (synth.DeepFamily: 72 teachers with two and three hidden layers, every
// built-in activation), N = 10 students ⌈ρ·r⌉ wide in every layer
// (-rho-upper sets another ρ for the layers above the first), γ = 0.8,
// β = π/24, one problem after another.
//
// Every finished problem is appended to OUT/results.csv at once, so an
// interrupted sweep loses nothing finished; a rerun skips the problems
// already there. At the end, or on Ctrl-C, OUT/summary.md gets the
// success rate and median time per activation and per depth, and
// OUT/success.png a picture of it. -timeout bounds each problem (a problem
// that runs out is recorded as a failure with its note).
//
// Success means exact recovery as identify.Report.Exact(1e-6) judges it:
// every hidden layer has the teacher's width and every teacher neuron's
// cosine distance to its matched recovered neuron is below 1e-6.
//
// -probe-scan trains nothing: it prints, for the selected teachers, how far
// a network at loss 1e-16 may sit from the teacher (identify.Determine) on
// more probes and on wider ones, to tell a teacher the family's probes
// leave undetermined from one that more or wider queries would pin down.
//
// Examples:
//
//	go run ./examples/deepfamily -act tanh,sigmoid -workers 1
//	go run ./examples/deepfamily -summary-only -out results/deepfamily
//	go run ./examples/deepfamily -probe-scan -act sigmoid
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
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/cputime"
	"github.com/paramrecovery/expandcluster/internal/csvlog"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

const successTol = 1e-6

func main() {
	log.SetFlags(0)
	log.SetPrefix("deepfamily: ")
	acts := flag.String("act", "", "activations to run, e.g. tanh,sigmoid (default all built-ins)")
	depth := flag.Int("layers", 0, "run only teachers with this many hidden layers (2 or 3; 0: both)")
	rho := flag.Float64("rho", synth.DeepRho, "expansion factor ρ")
	out := flag.String("out", "out/deepfamily", "output `dir` (results.csv, summary.md, success.png)")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "students trained at once")
	timeout := flag.Duration("timeout", 5*time.Minute, "wall-time limit per problem")
	cpuLimit := flag.Duration("cpu-limit", 0, "processor-time limit per problem, for shared machines where wall time says little (0: none)")
	rhoUpper := flag.Float64("rho-upper", 0, "expansion factor of the hidden layers above the first (0: -rho); use a separate -out, the rows record -rho only")
	gain := flag.Float64("gain", 0, "students' initial Glorot gain (0: identify's default); use a separate -out, the rows do not record it")
	restarts := flag.Int("restarts", 0, "fresh starts of a first-round student that misses the floor (0: identify's default, negative: none); use a separate -out, the rows do not record it")
	continuation := flag.Bool("continuation", false, "train piecewise-linear (ReLU, leaky ReLU) students by continuation through smoothed activations (identify.Config.Continuation; other activations ignore it); use a separate -out, the rows do not record it")
	plainPiecewise := flag.Bool("plain-piecewise", false, "train piecewise-linear (ReLU, leaky ReLU) students plain, without the smoothed polish (identify.Config.PlainPiecewise; other activations ignore it); use a separate -out, the rows do not record it")
	names := flag.String("problems", "", "run only these problems, comma-separated names such as deep-g-4x5x3x1 (default all)")
	standardSigmoid := flag.Bool("standard-sigmoid", false, "draw sigmoid teachers with standard normal weights, as the sweeps up to v34 did (synth.DeepFamilyOptions.StandardSigmoid; with -summary-only, for the rows of such a sweep); use a separate -out, the rows do not record it")
	summaryOnly := flag.Bool("summary-only", false, "only rewrite summary.md and success.png from results.csv")
	scan := flag.Bool("probe-scan", false, "train nothing: print how firmly Gaussian probes of several counts and scales determine each selected teacher (identify.Determine) and stop")
	flag.Parse()

	if !*scan {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	csvPath := filepath.Join(*out, "results.csv")
	if !*summaryOnly {
		opts := synth.DeepFamilyOptions{StandardSigmoid: *standardSigmoid}
		if *acts != "" {
			opts.Activations = strings.Split(*acts, ",")
		}
		if *depth != 0 {
			opts.HiddenLayers = []int{*depth}
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		ps := synth.DeepFamily(opts)
		if *names != "" {
			var err error
			if ps, err = only(ps, strings.Split(*names, ",")); err != nil {
				log.Fatal(err)
			}
		}
		if *scan {
			stop()
			if err := probeScan(os.Stdout, ps); err != nil {
				log.Fatal(err)
			}
			return
		}
		st := settings{rho: *rho, rhoUpper: *rhoUpper, gain: *gain, restarts: *restarts, continuation: *continuation, plainPiecewise: *plainPiecewise, workers: *workers}
		if st.rhoUpper == 0 {
			st.rhoUpper = st.rho
		}
		err := sweep(ctx, ps, csvPath, st, *timeout, *cpuLimit)
		stop()
		if err != nil && !errors.Is(err, context.Canceled) {
			log.Fatal(err)
		}
	}
	if err := writeSummary(*out, csvPath, synth.DeepFamilyOptions{StandardSigmoid: *standardSigmoid}); err != nil {
		log.Fatal(err)
	}
}

// only returns the problems of ps named in names, or an error naming one
// that is not among them (a misspelt name would otherwise run nothing).
func only(ps []synth.DeepProblem, names []string) ([]synth.DeepProblem, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("-problems: -act and -layers selected no problem")
	}
	for _, n := range names {
		if !slices.ContainsFunc(ps, func(p synth.DeepProblem) bool { return p.Name == n }) {
			return nil, fmt.Errorf("-problems: no problem %q among the %d selected (names look like %s)", n, len(ps), ps[0].Name)
		}
	}
	return slices.DeleteFunc(ps, func(p synth.DeepProblem) bool { return !slices.Contains(names, p.Name) }), nil
}

// sweep runs the problems not yet in csvPath, appending a row for each.
// settings are the students' settings of a sweep: expansion factors of
// the first hidden layer (rho) and of those above it (rhoUpper), and the
// identify.Config fields the flags set.
type settings struct {
	rho, rhoUpper, gain float64
	restarts            int
	continuation        bool
	plainPiecewise      bool
	workers             int
}

func sweep(ctx context.Context, ps []synth.DeepProblem, csvPath string, st settings, timeout, cpuLimit time.Duration) error {
	done, err := readRows(csvPath)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, r := range done {
		have[r.key()] = true
	}
	w, err := openRows(csvPath)
	if err != nil {
		return err
	}
	defer w.close()
	for i, p := range ps {
		if have[rowKey(p.Name, st.rho, p.Samples)] {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pctx, cancel := context.WithTimeout(ctx, timeout)
		cpu0 := cputime.Process().Seconds()
		if cpuLimit > 0 {
			pctx = cancelAfterCPU(pctx, cancel, cpu0+cpuLimit.Seconds())
		}
		r := solve(pctx, p, st)
		r.CPUSeconds = cputime.Process().Seconds() - cpu0
		cancel()
		if ctx.Err() != nil {
			return ctx.Err() // interrupted, not finished: not recorded
		}
		if err := w.append(r); err != nil {
			return err
		}
		fmt.Printf("[%d/%d] %s: exact %v, widths %s of %s, max cosine %.2g, %.1fs (%.1fs CPU; %s) %s\n",
			i+1, len(ps), r.Problem, r.Success, r.Recovered, r.Teacher, r.MaxCosine, r.Seconds, r.CPUSeconds, r.Stages, r.Note)
	}
	return nil
}

// solve runs one problem and returns its row.
func solve(ctx context.Context, p synth.DeepProblem, st settings) row {
	start := time.Now()
	r := row{Problem: p.Name, Activation: p.Activation.Name(), Layers: len(p.Hidden()), Teacher: csvlog.Widths(p.Sizes),
		Rho: st.rho, Samples: p.Samples, Students: p.Students, MaxCosine: 1, TestRelRMSE: -1}
	teacher, d, err := p.Dataset()
	if err != nil {
		r.Note = err.Error()
		return r
	}
	widths := make([]int, len(p.Hidden()))
	for i, h := range p.Hidden() {
		rho := st.rho
		if i > 0 {
			rho = st.rhoUpper
		}
		widths[i] = int(float64(h)*rho + 0.999999)
	}
	cfg := identify.Config{Activation: p.Activation, HiddenLayers: len(widths), Widths: widths,
		Students: p.Students, Gamma: p.Gamma, Beta: p.Beta, Seed: p.Seed, Workers: st.workers, InitGain: st.gain, Restarts: st.restarts}
	if _, ok := mlp.Smoothed(p.Activation, 1); ok {
		cfg.Continuation, cfg.PlainPiecewise = st.continuation, st.plainPiecewise
	}
	res, err := identify.RunData(ctx, d.X, d.Y, cfg)
	r.Seconds = time.Since(start).Seconds()
	if res != nil {
		r.Recovered = csvlog.Widths(res.Widths)
		r.ZeroLoss = countBelow(res.StudentLosses, res.ZeroLoss)
		r.Warnings = len(res.Warnings)
		t := res.Timings
		r.Stages = fmt.Sprintf("students %.1fs, cluster %.1fs, retrain %.1fs, fine-tune %.1fs", t.Students.Seconds(), t.Cluster.Seconds(), t.Retrain.Seconds(), t.FineTune.Seconds())
		if len(res.Layers) > 0 && res.Layers[0].Agreed {
			r.Stages += ", layer 1 on agreement"
		}
		for l, rep := range res.Layers {
			if rep.Converged {
				r.Stages += fmt.Sprintf(", layer %d over converged students", l+1)
			}
			if rep.Relaxed {
				r.Stages += fmt.Sprintf(", layer %d relaxed to clusters of %d", l+1, rep.MinSize)
			}
		}
	}
	if err != nil {
		r.Note = strings.ReplaceAll(err.Error(), "\n", " ")
		return r
	}
	rep, err := identify.Compare(teacher, res.Network, d.TestX)
	if err != nil {
		r.Note = err.Error()
		return r
	}
	r.Success = rep.Exact(successTol)
	r.MaxCosine = 0
	for _, l := range rep.Layers {
		r.MaxCosine = max(r.MaxCosine, l.MaxCosineDistance)
	}
	r.TestRelRMSE = rep.RelRMSE
	return r
}

func countBelow(v []float64, t float64) int {
	n := 0
	for _, x := range v {
		if x <= t {
			n++
		}
	}
	return n
}

// cancelAfterCPU calls cancel once this process has used until seconds of
// processor time, checking every second; the returned context is ctx.
func cancelAfterCPU(ctx context.Context, cancel context.CancelFunc, until float64) context.Context {
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if cputime.Process().Seconds() >= until {
					cancel()
					return
				}
			}
		}
	}()
	return ctx
}

// Command deep recovers a teacher with two (or three) hidden layers,
// 4 → 5 → 3 → 1 by default, from its input–output behaviour. Expand-and-
// Cluster clusters the first hidden layer of N wide students, writes the
// recovered layer into every student, retrains it (every layer free, from
// there), then clusters the next layer, and so on (docs/method.md §3,
// step 2.7, which keeps the recovered layer fixed).
//
// Deep students are trained only to loss 1e-10, where their first-layer
// clusters are already tight; rebuilt on the recovered layer, they are
// retrained with every layer free, which takes them to the floor (students
// that stay trapped get fresh layers above the recovered one); a top
// hidden layer that gives no cluster is recovered by a one-hidden-layer
// run on the layers below.
//
// With the default flags (4 → 5 → 3 → 1, ρ = 3, N = 10, 2 000 probes) on
// two cores at commit 9489dcc, tanh, sigmoid, g, ReLU and GELU are
// recovered exactly in 5.0, 16.4, 60.1, 17.7 and 55.4 s
// (results/deep/runs.csv; a run of the same code just before, not in the
// CSV: g 56.2 s, GELU 48.2 s).
//
// Example:
//
//	go run ./examples/deep
//	go run ./examples/deep -sizes 4,6,4,3,1 -rho 3
//	go run ./examples/deep -act gelu -out results/deep/gelu -csv results/deep/runs.csv
//
// It prints the recovered widths against the teacher's, the comparison
// report (per layer: width, worst cosine distance of a matched neuron,
// worst outgoing-weight error; function RMSE on fresh inputs) and the time,
// and writes the clustering pictures of every layer to -out.
package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"github.com/paramrecovery/expandcluster/internal/cputime"
	"github.com/paramrecovery/expandcluster/internal/outdir"
	"log"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/plots"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("deep: ")
	sizes := flag.String("sizes", "4,5,3,1", "teacher layer widths, input first, output last (2 or 3 hidden layers)")
	actName := flag.String("act", "tanh", "hidden activation: g, tanh, sigmoid, softplus, gelu, silu, erf, relu")
	rho := flag.Float64("rho", 3, "student hidden widths are ⌈ρ·teacher width⌉ (the width is assumed known only for the expansion)")
	students := flag.Int("students", 10, "number of students N")
	gamma := flag.Float64("gamma", 0.8, "γ: minimum cluster size as a fraction of N")
	betaDeg := flag.Float64("beta-deg", 7.5, "β in degrees: maximum median angle in a cluster (7.5° = π/24)")
	samples := flag.Int("samples", 2000, "probe inputs (standard Gaussian)")
	seed := flag.Uint64("seed", 11, "seed of the teacher; the students use seed+1")
	fanIn := flag.Bool("fan-in", false, "scale the teacher's weights by 1/√fan_in")
	out := flag.String("out", "", "directory for the pictures and report (default: a fresh out/deep-* directory; the committed results/deep only when named)")
	lmIter := flag.Int("lm-iter", 0, "train each student by Levenberg–Marquardt on all probes for up to this many iterations, without restarts (0: identify's default recipe)")
	gain := flag.Float64("gain", 0, "initial weights' gain over Glorot (0: identify's default)")
	continuation := flag.Bool("continuation", false, "relu and leaky ReLU: train the first-round students by continuation through smoothed activations (identify.Config.Continuation)")
	plainPiecewise := flag.Bool("plain-piecewise", false, "relu and leaky ReLU: train the students plain, without the smoothed polish (identify.Config.PlainPiecewise)")
	verbose := flag.Bool("v", false, "print the students' training progress")
	csvPath := flag.String("csv", "", "append one line (activation, teacher, recovered widths, exact, worst cosine distance, seconds, error) to this CSV file")
	flag.Parse()
	if d, err := outdir.Or(*out, "deep"); err != nil {
		log.Fatal(err)
	} else {
		*out = d
	}

	dims, err := parseSizes(*sizes)
	if err != nil {
		log.Fatal(err)
	}
	act, err := mlp.Lookup(*actName)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()

	// 1. The teacher: weights and biases standard normal (with -fan-in
	// divided by √fan_in, for wider or deeper teachers).
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: dims, Hidden: act, FanIn: *fanIn}, *seed)
	if err != nil {
		log.Fatal(err)
	}
	hidden := dims[1 : len(dims)-1]
	rng := synth.NewRand(*seed + 100)
	probe, _ := synth.Gaussian{D: dims[0]}.Sample(rng, *samples)
	fresh, _ := synth.Gaussian{D: dims[0]}.Sample(rng, 10000)
	fmt.Printf("teacher %v, activation %s (%v), %d probe inputs\n", dims, act.Name(), act.Symmetry(), *samples)

	// 2. Expand and cluster, layer by layer.
	widths := make([]int, len(hidden))
	for i, w := range hidden {
		widths[i] = int(math.Ceil(*rho * float64(w)))
	}
	cfg := identify.Config{
		Activation: act, HiddenLayers: len(hidden), Widths: widths,
		Students: *students, Gamma: *gamma, Beta: *betaDeg * math.Pi / 180,
		Seed: *seed + 1, Workers: runtime.GOMAXPROCS(0), InitGain: *gain, Continuation: *continuation,
		PlainPiecewise: *plainPiecewise,
	}
	if *lmIter > 0 {
		cfg.Train = train.Config{Phases: []train.Phase{{Name: "lm", Optimizer: &train.LM{},
			Stop: train.StopRules{Loss: train.DefaultStopLoss, MaxIter: *lmIter, Patience: *lmIter / 10, MinRelImprove: 0.01}}}}
		cfg.Restarts = -1
	}
	if *verbose {
		cfg.Recorder = train.NewPrinter(os.Stderr)
	}
	fmt.Printf("training %d students of hidden widths %v (ρ = %g) ...\n", *students, widths, *rho)
	res, err := identify.Run(ctx, teacher, probe, cfg)
	if err != nil {
		// Say how far it got before giving up.
		if res != nil {
			fmt.Println("verdict:", res.Verdict())
			fmt.Printf("student losses %.3g\n", res.StudentLosses)
			for _, l := range res.Layers {
				fmt.Printf("layer %d: %d vectors, %d clusters at the cut, %d kept (%d too small, %d unaligned)\n",
					l.Layer, l.Vectors, l.Clusters, l.Kept, l.RemovedSmall, l.RemovedUnaligned)
			}
			if _, perr := plots.RenderResult(*out, res, nil); perr == nil {
				fmt.Printf("pictures of the layers clustered so far in %s\n", *out)
			}
		}
		fmt.Printf("time %.1fs\n", time.Since(start).Seconds())
		if cerr := appendRun(*csvPath, act.Name(), *sizes, res, nil, time.Since(start), err); cerr != nil {
			log.Print(cerr)
		}
		log.Fatal(err)
	}

	// 3. Compare with the teacher on fresh inputs.
	rep, err := identify.Compare(teacher, res.Network, fresh)
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range res.Layers {
		fmt.Printf("layer %d: %d vectors, %d clusters at the cut, %d kept (%d too small, %d unaligned)\n",
			l.Layer, l.Vectors, l.Clusters, l.Kept, l.RemovedSmall, l.RemovedUnaligned)
	}
	paths, err := plots.RenderResult(*out, res, &rep)
	if err != nil {
		log.Fatal(err)
	}
	report := fmt.Sprintf("teacher %v, activation %s, ρ = %g, N = %d, %d probe inputs\n%v\nstudent losses %.3g\ntimings: students %s, cluster %s, retrain %s, fine-tune %s\n",
		dims, act.Name(), *rho, *students, *samples, rep, res.StudentLosses,
		res.Timings.Students.Round(time.Millisecond), res.Timings.Cluster.Round(time.Millisecond),
		res.Timings.Retrain.Round(time.Millisecond), res.Timings.FineTune.Round(time.Millisecond))
	if err := os.WriteFile(filepath.Join(*out, "report.txt"), []byte(report), 0o644); err != nil {
		log.Fatal(err)
	}

	if err := appendRun(*csvPath, act.Name(), *sizes, res, &rep, time.Since(start), nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println()
	fmt.Println("== summary ==")
	fmt.Printf("teacher hidden widths %v, recovered %v\n", hidden, res.Widths)
	fmt.Println(rep)
	fmt.Println("verdict:", res.Verdict())
	fmt.Printf("exact recovery (every width right, every cosine distance < 1e-6): %v\n", rep.Exact(1e-6))
	fmt.Printf("time %.1fs on %d cores; pictures and report.txt in %s (%d files)\n",
		time.Since(start).Seconds(), runtime.GOMAXPROCS(0), *out, len(paths)+1)
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("-sizes %q: %q is not a positive width", s, f)
		}
		out = append(out, v)
	}
	if len(out) < 4 || len(out) > 5 {
		return nil, fmt.Errorf("-sizes %q: want 2 or 3 hidden layers (4 or 5 widths)", s)
	}
	return out, nil
}

// appendRun appends one run to the CSV file at path (nothing if path is
// empty), writing the header first into a new file.
func appendRun(path, act, sizes string, res *identify.Result, rep *identify.Report, elapsed time.Duration, runErr error) error {
	if path == "" {
		return nil
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if os.IsNotExist(statErr) {
		w.Write([]string{"activation", "teacher", "recovered_hidden", "exact", "max_cosine_distance", "seconds", "cores", "error", "cpu_seconds"})
	}
	var widths []string
	if res != nil {
		for _, v := range res.Widths {
			widths = append(widths, strconv.Itoa(v))
		}
	}
	exact, worst := false, 1.0
	if rep != nil {
		exact, worst = rep.Exact(1e-6), 0
		for _, l := range rep.Layers {
			worst = math.Max(worst, l.MaxCosineDistance)
		}
	}
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	w.Write([]string{act, strings.ReplaceAll(sizes, ",", "x"), strings.Join(widths, "x"), strconv.FormatBool(exact),
		strconv.FormatFloat(worst, 'g', 3, 64), strconv.FormatFloat(elapsed.Seconds(), 'f', 1, 64), strconv.Itoa(runtime.GOMAXPROCS(0)), msg,
		strconv.FormatFloat(cputime.Process().Seconds(), 'f', 1, 64)})
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Command blackbox recovers teachers that can only be queried (issue 14,
// "Black-box teachers"). Every teacher call goes through an
// identify.Oracle with a query budget; the recovery is judged by
// identify.WeightError, the precision measure of the model-extraction
// literature: the largest absolute parameter error after matching up to
// the activation's symmetries, as 2^-k, and the worst output error on
// fresh queries.
//
// Two modes:
//
//   - -mode fmnist: a Fashion-MNIST-trained 784 → 64 → 10 teacher (the
//     committed g, ReLU, tanh, sigmoid and softplus teachers, or any with
//     -teacher-<act>) recovered from isotropic Gaussian
//     queries (-probes iso; -probes shifted centres them on the images'
//     mean, where tanh and sigmoid neurons have a second-order signal,
//     though that did not rescue the tanh teacher; -probes matched draws
//     from a Gaussian with the images' per-pixel mean and standard
//     deviation, which never excites the constant pixels). Students and fine-tuning train by matrix-free
//     Gauss–Newton with a wall-time budget each. With -grow-to the
//     students search on -queries queries, where a step is cheap, down to
//     -first-loss, and finish on fresh queries grown to -grow-to
//     (identify.RunActive with one round of random growth); -student-iter
//     cuts the students after a number of steps rather than a time;
//     -fine-tune-loss stops the fine-tune at a loss (the zero-loss
//     threshold 1e-14 instead of 1e-28 spares the last quadratically
//     convergent steps). One row per teacher in OUT/fmnist.csv, with the
//     test-image comparison when the Fashion-MNIST files are installed.
//     A deep teacher (784 → r₁ → … → r_L → 10, such as
//     results/fashionmnist/deep's 784 → 30 → 30 → 30 → 10, passed with
//     -teacher-<act>) is recovered layer by layer by -width-wide students
//     of the same depth, rebuilt and retrained (-retrain-time) above each
//     recovered layer; its rows go to OUT/fmnist-deep.csv, with widths and
//     test-image matches per layer joined by "x".
//   - -mode synth: on teachers of the paper's synthetic family, the
//     number of queries needed for exact recovery (every width right,
//     every neuron within cosine distance 1e-6, as examples/paper) with
//     fixed isotropic Gaussian probes — the smallest n of a ladder with
//     ratio 2^(1/4) that recovers exactly — against the active
//     (query-by-committee) strategy identify.RunActive with the same
//     students. Rows in OUT/synth.csv; OUT/synth.md has the table and
//     OUT/synth.png the picture.
//
// Rows already in a CSV (same settings) are skipped, so an interrupted run
// resumes. OUT defaults to a fresh directory blackbox-<date-time>; the
// committed results/blackbox is written only when named with -out.
//
// Examples (the committed results/blackbox):
//
//	go run ./examples/blackbox -mode synth -out results/blackbox
//	go run ./examples/blackbox -mode synth -rho 2 -out results/blackbox
//	go run ./examples/blackbox -mode fmnist -act g -out results/blackbox
//	go run ./examples/blackbox -mode fmnist -act relu -out results/blackbox
//	go run ./examples/blackbox -mode fmnist -act relu -queries 16384 -grow-to 65536 \
//	    -student-time 13m -grow-time 10m -fine-tune-time 6m -complete 0.05 -out results/blackbox
//	go run ./examples/blackbox -mode fmnist -act g -queries 32768 -grow-to 65536 -student-iter 45 \
//	    -student-time 20m -grow-time 9m -fine-tune-time 9m -complete 0.05 -out results/blackbox
//	go run ./examples/blackbox -mode fmnist -act g -evaluate results/blackbox/recovered-g-iso-std1-q32768-grow65536-iter45-complete0.05.json
//
// The last two recover the ReLU and g teachers exactly (every parameter
// within 2^-38.8 and 2^-39.2, 2^16 queries, 28 and 25 minutes on two
// cores); -evaluate compares a saved recovery with its teacher on the
// Fashion-MNIST test images (data-space matches, label agreement) and on
// fresh queries (identify.WeightError), training nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
)

type options struct {
	mode string
	out  string

	// fmnist
	acts         []string
	teachers     map[string]string
	queries      int
	budget       int
	students     int
	gamma        float64
	width        int
	studentTime  time.Duration
	studentIter  int
	adamEpochs   int
	fineTuneTime time.Duration
	retrainTime  time.Duration
	fineTuneLoss float64
	studentLoss  float64
	single       bool
	recluster    string
	complete     float64
	growTo       int
	firstLoss    float64
	growTime     time.Duration
	probes       string
	std          float64
	fresh        int
	dataDir      string
	seed         uint64
	evaluate     string
	subspace     bool

	// synth
	problems []string
	rho      float64
	maxN     int
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("blackbox: ")
	var o options
	var acts, problems string
	flag.StringVar(&o.mode, "mode", "synth", "fmnist (784→64→10 Fashion-MNIST teachers) or synth (fixed against active probes on the synthetic family)")
	flag.StringVar(&o.out, "out", "", "output directory (default: a fresh blackbox-<date-time>)")
	flag.StringVar(&acts, "act", "g,relu", "fmnist: teachers' activations")
	teachers := map[string]*string{}
	for _, t := range committedTeachers {
		teachers[t.act] = flag.String("teacher-"+t.act, t.path, "fmnist: the "+t.act+" teacher")
	}
	flag.IntVar(&o.queries, "queries", 1<<14, "fmnist: Gaussian queries the students train on")
	flag.IntVar(&o.budget, "budget", 1<<18, "fmnist: query budget of the recovery (identify.Config.QueryBudget)")
	flag.IntVar(&o.students, "students", 2, "fmnist: students (trained at once on the two cores)")
	flag.Float64Var(&o.gamma, "gamma", 0, "fmnist: γ (0: 1 for two students, else 0.5)")
	flag.IntVar(&o.width, "width", 72, "fmnist: students' hidden width")
	flag.DurationVar(&o.studentTime, "student-time", 24*time.Minute, "fmnist: wall time per student")
	flag.IntVar(&o.studentIter, "student-iter", 0, "fmnist: Gauss–Newton steps per student before the clustering (0: -student-time alone limits them); a step count makes the students independent of the machine's speed, with -student-time as a cap")
	flag.IntVar(&o.adamEpochs, "adam-epochs", 0, "fmnist: epochs of minibatch Adam before the students' Gauss–Newton steps (0: none)")
	flag.DurationVar(&o.fineTuneTime, "fine-tune-time", 5*time.Minute, "fmnist: wall time of the fine-tuning")
	flag.Float64Var(&o.fineTuneLoss, "fine-tune-loss", train.DefaultStopLoss, "fmnist: the fine-tune stops at this loss (absolute MSE); the zero-loss threshold 1e-14 is enough for the issue's targets and saves the last quadratically convergent steps")
	flag.Float64Var(&o.studentLoss, "student-loss", train.DefaultStopLoss, "fmnist: the students stop at this loss (absolute MSE; not with -grow-to, whose first round stops at -first-loss); at the zero-loss threshold 1e-14 their neurons are close enough for the clustering, and the fine-tune does the last digits")
	flag.BoolVar(&o.single, "single", false, "fmnist: Gauss–Newton's CG products in float32 (train.GaussNewton.SingleCurvature), about twice as fast per step")
	flag.StringVar(&o.recluster, "recluster", "", "fmnist: train nothing; redo the clustering, completion and fine-tune of the students saved in this directory on -queries fresh queries, with the run's other flags, and print the result (no CSV row)")
	flag.DurationVar(&o.retrainTime, "retrain-time", 5*time.Minute, "fmnist, deep teachers: wall time per student retrained above each recovered layer")
	flag.Float64Var(&o.complete, "complete", 0, "fmnist: identify.Config.Complete (0: off): add the students' neurons that the clustering dropped but the outputs need")
	flag.IntVar(&o.growTo, "grow-to", 0, "fmnist: after the students reach -first-loss on -queries queries, add fresh queries up to this total and train on, from where they are, the students below 1e-6 (identify.RunActive, one round; 0: off)")
	flag.Float64Var(&o.firstLoss, "first-loss", 1e-8, "fmnist, with -grow-to: the students' loss on the first queries at which they stop for more")
	flag.DurationVar(&o.growTime, "grow-time", 10*time.Minute, "fmnist, with -grow-to: wall time per student on the grown queries")
	flag.StringVar(&o.probes, "probes", "iso", "fmnist: iso (isotropic Gaussian around the origin, -std), shifted (isotropic around the images' mean) or matched (per-pixel mean and scale of the images)")
	flag.Float64Var(&o.std, "std", 1, "fmnist: standard deviation of isotropic queries")
	flag.IntVar(&o.fresh, "fresh", 10000, "fmnist: fresh queries for the worst-case output error (not part of the budget)")
	flag.StringVar(&o.dataDir, "data", "/usr/share/datasets/fashion-mnist", "fmnist: Fashion-MNIST IDX files (for -probes matched and the test-image comparison)")
	flag.Uint64Var(&o.seed, "seed", 1, "fmnist: run seed")
	flag.StringVar(&o.evaluate, "evaluate", "", "fmnist: train nothing; compare this saved recovery (mlp JSON) with the -act teacher on the test images and fresh queries")
	flag.BoolVar(&o.subspace, "subspace", false, "fmnist: first estimate the span of the teacher's first-layer weights from finite-difference gradients (identify.EstimateSubspace) and train the students on the queries' coordinates in it; rows go to fmnist-subspace.csv or fmnist-deep-subspace.csv")
	flag.StringVar(&problems, "problems", "din2-r2-t00..04,din4-r2-t00..04,din4-r4-t00..04", "synth: family problems (name or name-prefix-tAA..BB)")
	flag.Float64Var(&o.rho, "rho", 4, "synth: students are ρ·r wide")
	flag.IntVar(&o.maxN, "max-queries", 4096, "synth: largest fixed probe count tried")
	flag.Parse()
	o.acts = strings.Split(acts, ",")
	o.teachers = map[string]string{}
	for act, path := range teachers {
		o.teachers[act] = *path
	}
	var err error
	if o.problems, err = expandProblems(problems); err != nil {
		log.Fatal(err)
	}
	if o.out == "" {
		o.out = "blackbox-" + time.Now().Format("20060102-150405")
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch o.mode {
	case "fmnist":
		err = runFMNIST(ctx, o)
	case "synth":
		err = runSynth(ctx, o)
	default:
		err = fmt.Errorf("-mode %q: want fmnist or synth", o.mode)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// committedTeachers are the Fashion-MNIST 784 → 64 → 10 teachers under
// results/, one per activation of the paper's Fashion-MNIST experiment.
var committedTeachers = []struct{ act, path string }{
	{"g", "results/fashionmnist/r64/teacher-g-e10-s1.json"},
	{"relu", "results/fashionmnist-gn/relu-r64/teacher-relu-e10-s1.json"},
	{"tanh", "results/fashionmnist-acts/tanh-r64/teacher-tanh-e10-s1.json"},
	{"sigmoid", "results/fashionmnist-acts/sigmoid-r64/teacher-sigmoid-e10-s1.json"},
	{"softplus", "results/fashionmnist-acts/softplus-r64/teacher-softplus-e10-s1.json"},
}

// expandProblems turns "din4-r2-t00..04" into the five names.
func expandProblems(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		i := strings.Index(f, "..")
		if i < 0 {
			out = append(out, f)
			continue
		}
		var lo, hi int
		head := f[:i-2]
		if _, err := fmt.Sscanf(f[i-2:], "%02d..%02d", &lo, &hi); err != nil || hi < lo {
			return nil, fmt.Errorf("problem range %q: want e.g. din4-r2-t00..04", f)
		}
		for k := lo; k <= hi; k++ {
			out = append(out, fmt.Sprintf("%s%02d", head, k))
		}
	}
	return out, nil
}

func loadNet(path string) (*mlp.Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return mlp.Load(f)
}

// loadAvg returns the 1-minute load average (NaN if unknown).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "NaN"
	}
	return strings.Fields(string(b))[0]
}

// Command fashionmnist recovers teachers trained on real data: one-hidden-
// layer classifiers 784 → r → 10 (activation g by default) trained on
// Fashion-MNIST, probed with training images, recovered by Expand-and-
// Cluster with the paper's MNIST-size settings (DESIGN.md §3: γ = 0.5,
// β = π/3, students trained by minibatch Adam with a plateau schedule),
// clustering in data space (identify.DataSpace) unless -geometry weight.
//
// It reports, per teacher width r, the recovered width and its overhead
// (recovered − r)/r, the comparison with the teacher on the test images
// (the width, worst cosine distance of a matched neuron, function RMSE),
// both networks' test accuracy and the time, appends a row to
// OUT/results.csv, rewrites OUT/summary.md, and writes the clustering
// pictures to OUT/r<r>/.
//
// The data come from Debian's dataset-fashion-mnist package
// (/usr/share/datasets/fashion-mnist); without them the command says so and
// exits with status 3.
//
// Build with -tags cblas (cgo, Debian's libopenblas-dev) for OpenBLAS
// products, about 3× faster for these widths.
//
// Examples:
//
//	go run -tags cblas ./examples/fashionmnist -r 32,64 -students 10 -probe 20000 -epochs 150 -init-gain 1
//	go run ./examples/fashionmnist                       # r = 32 and 64
//	go run ./examples/fashionmnist -r 64 -students 8 -probe 10000 -epochs 60
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/plots"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

type options struct {
	dir           string
	widths        []int
	act           mlp.Activation
	students      int
	gamma, beta   float64
	rho           float64
	teacherEpochs int
	probe         int
	epochs        int
	studentTime   time.Duration
	lr            float64
	batch         int
	fineTune      int
	lbfgsIter     int
	initGain      float64
	geometry      identify.Geometry
	seed          uint64
	out           string
	workers       int
	verbose       bool
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("fashionmnist: ")
	var o options
	var widths, act, geometry string
	var betaDeg float64
	flag.StringVar(&o.dir, "data", synth.FashionMNISTDir, "directory with the Fashion-MNIST IDX files")
	flag.StringVar(&widths, "r", "32,64", "teacher hidden widths")
	flag.StringVar(&act, "act", "g", "hidden activation of teachers and students (g, tanh, sigmoid, softplus, gelu, silu, erf, relu)")
	flag.IntVar(&o.students, "students", 10, "number of students N")
	flag.Float64Var(&o.gamma, "gamma", 0.5, "γ: minimum cluster size as a fraction of N")
	flag.Float64Var(&betaDeg, "beta-deg", 60, "β in degrees: maximum median angle within a cluster")
	flag.Float64Var(&o.rho, "rho", 2, "students are ρ·r wide")
	flag.IntVar(&o.teacherEpochs, "teacher-epochs", 10, "epochs of teacher training (minibatch Adam, one-hot MSE)")
	flag.IntVar(&o.probe, "probe", 60000, "training images used as probes (the first n)")
	flag.IntVar(&o.epochs, "epochs", 100, "maximum epochs of student training")
	flag.DurationVar(&o.studentTime, "student-time", 0, "wall-time budget per student (0: none)")
	flag.Float64Var(&o.lr, "lr", 1e-3, "students' initial Adam learning rate (reduced on plateaus)")
	flag.IntVar(&o.batch, "batch", 640, "students' minibatch size")
	flag.IntVar(&o.lbfgsIter, "lbfgs", 0, "full-batch L-BFGS iterations after Adam (0: none)")
	flag.Float64Var(&o.initGain, "init-gain", 1, fmt.Sprintf("students start Glorot-normal times this gain; identify.Run's own students use train.DefaultInitGain = %g, meant for the small synthetic students", float64(train.DefaultInitGain)))
	flag.StringVar(&geometry, "geometry", "data", "space in which neurons are clustered and compared with the teacher: data (identify.DataSpace) or weight (the paper's)")
	flag.IntVar(&o.fineTune, "fine-tune", 10, "epochs of minibatch Adam on the recovered network (0: none)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of teacher training; students use seed+r")
	flag.StringVar(&o.out, "out", "results/fashionmnist", "output directory")
	flag.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "students trained at once")
	flag.BoolVar(&o.verbose, "v", false, "print every student's progress")
	flag.Parse()
	o.beta = betaDeg * math.Pi / 180
	var err error
	if o.widths, err = parseInts(widths); err == nil {
		o.act, err = mlp.Lookup(act)
	}
	if err == nil {
		o.geometry, err = parseGeometry(geometry)
	}
	if err != nil {
		log.Print(err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	trainSet, testSet, err := synth.FashionMNIST(o.dir)
	if errors.Is(err, synth.ErrDataMissing) {
		fmt.Fprintf(os.Stderr, "Fashion-MNIST not found at %s: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass -data DIR\n(%v)\n", o.dir, err)
		os.Exit(3)
	}
	if err != nil {
		log.Fatal(err)
	}
	synth.ScalePixels(trainSet.X)
	synth.ScalePixels(testSet.X)
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		log.Fatal(err)
	}
	var results []result
	for _, r := range o.widths {
		res, err := runWidth(ctx, o, r, trainSet, testSet)
		if err != nil {
			log.Fatal(err)
		}
		results = append(results, res)
		if err := appendCSV(filepath.Join(o.out, "results.csv"), res); err != nil {
			log.Fatal(err)
		}
	}
	summary, err := writeSummary(o.out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("\n== summary of this run ==")
	for _, r := range results {
		fmt.Println(r.line())
	}
	fmt.Printf("\nall runs so far (%s):\n\n%s", filepath.Join(o.out, "summary.md"), summary)
}

// result is one recovered teacher.
type result struct {
	R, Recovered, StudentWidth    int
	Act                           string
	Students, Probes, Epochs      int
	Gamma, BetaDeg, Rho           float64
	TeacherAcc, RecoveredAcc      float64
	MaxCosine, MedianCosine       float64
	RMSE, RelRMSE                 float64
	StudentLossMin, StudentLossMd float64
	TeacherSecs, StudentSecs      float64
	ClusterSecs, TotalSecs        float64
	Workers                       int
	InitGain                      float64
	Geometry, Backend             string
	// Matched counts the teacher neurons whose recovered partner is
	// within cosine distance matchTol.
	Matched int
}

// matchTol is the cosine distance (cos ≥ 0.9) under which a teacher neuron
// counts as matched in the summary.
const matchTol = 0.1

func (r result) overhead() float64 { return float64(r.Recovered-r.R) / float64(r.R) }

func (r result) line() string {
	return fmt.Sprintf("r = %d (%s): recovered width %d, overhead %+.1f%%; teacher neurons matched within cosine distance %g: %d of %d; max cosine distance (%s) %.3g (median %.3g); test RMSE %.3g (relative %.3g); test accuracy teacher %.2f%%, recovered %.2f%%; %d students ×%g wide, %d probes, ≤%d epochs; time %s (students %s)",
		r.R, r.Act, r.Recovered, 100*r.overhead(), matchTol, r.Matched, r.R, r.Geometry, r.MaxCosine, r.MedianCosine, r.RMSE, r.RelRMSE,
		100*r.TeacherAcc, 100*r.RecoveredAcc, r.Students, r.Rho, r.Probes, r.Epochs,
		secs(r.TotalSecs), secs(r.StudentSecs))
}

func secs(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Second).String()
}

func runWidth(ctx context.Context, o options, r int, trainSet, testSet *synth.Labelled) (result, error) {
	start := time.Now()
	dir := filepath.Join(o.out, fmt.Sprintf("r%d", r))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{}, err
	}
	res := result{R: r, Act: o.act.Name(), Students: o.students, Gamma: o.gamma, BetaDeg: o.beta * 180 / math.Pi,
		Rho: o.rho, Epochs: o.epochs, Workers: o.workers, InitGain: o.initGain,
		Geometry: geometryName(o.geometry), Backend: mlp.Backend()}

	// 1. The teacher: a classifier 784 → r → 10 trained on all 60 000
	// training images (one-hot targets, MSE). A saved teacher of the same
	// settings is reused.
	teacherPath := filepath.Join(dir, fmt.Sprintf("teacher-%s-e%d-s%d.json", o.act.Name(), o.teacherEpochs, o.seed))
	teacher, err := loadNet(teacherPath)
	if err != nil {
		fmt.Printf("r = %d: training the teacher 784→%d→10 (%s) for %d epochs ...\n", r, r, o.act.Name(), o.teacherEpochs)
		spec := mlp.Spec{Sizes: []int{784, r, 10}, Hidden: o.act, Output: mlp.Identity}
		var rep synth.TrainReport
		teacher, rep, err = synth.TrainClassifier(ctx, trainSet, spec, synth.TrainConfig{Epochs: o.teacherEpochs, Seed: o.seed})
		if err != nil {
			return res, fmt.Errorf("teacher r = %d: %w", r, err)
		}
		if err := saveNet(teacherPath, teacher); err != nil {
			return res, err
		}
		fmt.Printf("  teacher training loss %.4g\n", rep.Loss)
	} else {
		fmt.Printf("r = %d: teacher loaded from %s\n", r, teacherPath)
	}
	res.TeacherSecs = time.Since(start).Seconds()
	if res.TeacherAcc, err = synth.Accuracy(teacher, testSet.X, testSet.Labels); err != nil {
		return res, err
	}
	fmt.Printf("  teacher test accuracy %.2f%%\n", 100*res.TeacherAcc)

	// 2. Probe it with training images: only its outputs are used.
	n, _ := trainSet.X.Dims()
	res.Probes = min(o.probe, n)
	x := mat.DenseCopyOf(trainSet.X.Slice(0, res.Probes, 0, 784))
	y, err := synth.Label(teacher, x)
	if err != nil {
		return res, err
	}

	// 3. Expand and cluster.
	stopRules := train.StopRules{MaxIter: o.epochs, MaxTime: o.studentTime, Loss: 1e-12}
	cfg := identify.Config{
		Activation: o.act, BaseWidth: r, Rho: o.rho,
		Students: o.students, Gamma: o.gamma, Beta: o.beta,
		Seed: o.seed + uint64(r), Workers: o.workers, Geometry: o.geometry,
		// No restarts: identify's default retrains a student that misses
		// 1e-20 up to 4 times, which no Adam-trained MNIST-size student
		// reaches.
		Restarts: -1,
		Train: train.Config{Phases: []train.Phase{{
			Name:      fmt.Sprintf("adam-%d", o.batch),
			Optimizer: &train.Adam{LR: o.lr, BatchSize: o.batch, Plateau: &train.Plateau{Patience: 5, MinLR: 1e-6}},
			Stop:      stopRules,
		}}},
	}
	if o.lbfgsIter > 0 {
		cfg.Train.Phases = append(cfg.Train.Phases, train.Phase{Name: "lbfgs", Optimizer: &train.LBFGS{},
			Stop: train.StopRules{MaxIter: o.lbfgsIter, MaxTime: o.studentTime, Loss: 1e-12}})
	}
	if o.fineTune > 0 {
		cfg.FineTune = train.Config{Phases: []train.Phase{{Name: "fine-tune",
			Optimizer: &train.Adam{LR: o.lr / 10, BatchSize: o.batch},
			Stop:      train.StopRules{MaxIter: o.fineTune}}}}
	} else {
		cfg.SkipFineTune = true
	}
	if o.verbose {
		p := train.NewPrinter(os.Stderr)
		p.Interval = 30 * time.Second
		cfg.Recorder = p
	} else {
		cfg.Recorder = &phaseEnds{}
	}
	fmt.Printf("  training %d students 784→%d→10 on %d probes (Adam lr %g, batch %d, ≤%d epochs, then ≤%d L-BFGS iterations%s) with %d workers ...\n",
		o.students, int(math.Ceil(o.rho*float64(r))), res.Probes, o.lr, o.batch, o.epochs, o.lbfgsIter, budget(o.studentTime), o.workers)
	fmt.Printf("  students start Glorot-normal × %g\n", o.initGain)
	var run *identify.Result
	t0 := time.Now()
	if o.initGain == train.DefaultInitGain {
		run, err = identify.RunData(ctx, x, y, cfg)
	} else {
		run, err = trainAndRecover(ctx, x, y, cfg, o.initGain)
	}
	if run != nil {
		if len(run.StudentWidths) > 0 {
			res.StudentWidth = run.StudentWidths[0]
		}
		res.StudentLossMin, res.StudentLossMd = minMedian(run.StudentLosses)
		// Wall time of the training (Recover's Timings.Students sums the
		// students' own times).
		res.StudentSecs = (time.Since(t0) - run.Timings.Cluster - run.Timings.FineTune - run.Timings.Retrain).Seconds()
		res.ClusterSecs = run.Timings.Cluster.Seconds()
	}
	if err != nil {
		if ctx.Err() != nil || run == nil || run.Network != nil {
			return res, fmt.Errorf("r = %d: %w", r, err)
		}
		// Nothing survived the filters: an honest zero, not a crash.
		res.MaxCosine, res.MedianCosine, res.RMSE, res.RelRMSE = 1, 1, math.NaN(), math.NaN()
		res.TotalSecs = time.Since(start).Seconds()
		if _, perr := plots.RenderResult(dir, run, nil); perr != nil {
			fmt.Println("  pictures:", perr)
		}
		fmt.Printf("  recovery failed: %v\n", err)
		return res, nil
	}
	res.Recovered = run.Widths[0]

	// 4. Compare with the teacher on the 10 000 test images.
	cmp, err := identify.CompareIn(o.geometry, teacher, run.Network, testSet.X)
	if err != nil {
		return res, err
	}
	l := cmp.Layers[0]
	res.MaxCosine = l.MaxCosineDistance
	cos := make([]float64, 0, len(l.Matches))
	for _, m := range l.Matches {
		cos = append(cos, m.CosineDistance)
	}
	_, res.MedianCosine = minMedian(cos)
	for _, d := range cos {
		if d <= matchTol {
			res.Matched++
		}
	}
	res.RMSE, res.RelRMSE = cmp.RMSE, cmp.RelRMSE
	if res.RecoveredAcc, err = synth.Accuracy(run.Network, testSet.X, testSet.Labels); err != nil {
		return res, err
	}
	res.TotalSecs = time.Since(start).Seconds()

	if err := saveNet(filepath.Join(dir, "recovered.json"), run.Network); err != nil {
		return res, err
	}
	if _, err := plots.RenderResult(dir, run, &cmp); err != nil {
		return res, err
	}
	lr := run.Layers[0]
	report := fmt.Sprintf("%s\n%v\nclustering: %d vectors, cut at %.4g: %d clusters, %d kept, %d too small (< %d members), %d unaligned (β = %g°)\nstudent losses %.4g\ntimings: students %s, cluster %s, fine-tune %s, total %s\n",
		res.line(), cmp, lr.Vectors, lr.CutHeight, lr.Clusters, lr.Kept, lr.RemovedSmall, lr.MinSize, lr.RemovedUnaligned, res.BetaDeg,
		run.StudentLosses, time.Duration(res.StudentSecs*float64(time.Second)).Round(time.Second), run.Timings.Cluster.Round(time.Millisecond),
		run.Timings.FineTune.Round(time.Second), time.Since(start).Round(time.Second))
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(report), 0o644); err != nil {
		return res, err
	}
	fmt.Print("  ", report)
	return res, nil
}

func budget(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf(", ≤%s each", d)
}

// phaseEnds prints one line per finished student phase.
type phaseEnds struct{}

func (phaseEnds) Record(e train.Event) error {
	if e.Done && e.Student >= 0 {
		fmt.Printf("    student %d %s: %d iterations, loss %.3e (%s, %s)\n", e.Student, e.Phase, e.Iter, e.Loss, e.Reason, e.Elapsed.Round(time.Second))
	}
	return nil
}

func minMedian(v []float64) (lo, med float64) {
	var s []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return math.NaN(), math.NaN()
	}
	sortFloats(s)
	if len(s)%2 == 1 {
		return s[0], s[len(s)/2]
	}
	return s[0], (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func parseGeometry(s string) (identify.Geometry, error) {
	switch s {
	case "data":
		return identify.DataSpace, nil
	case "weight":
		return identify.WeightSpace, nil
	}
	return 0, fmt.Errorf("-geometry %q: want data or weight", s)
}

func geometryName(g identify.Geometry) string {
	if g == identify.DataSpace {
		return "data"
	}
	return "weight"
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("-r %q: %q is not a positive width", s, f)
		}
		out = append(out, v)
	}
	return out, nil
}

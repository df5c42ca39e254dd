// Command fashionmnist recovers teachers trained on real data: one-hidden-
// layer classifiers 784 → r → 10 trained on Fashion-MNIST for each of the
// activations the paper used on Fashion-MNIST and CIFAR-10 (g, ReLU, tanh,
// sigmoid, softplus), probed with training images, recovered by Expand-
// and-Cluster with the paper's MNIST-size settings (γ = 0.5, β = π/3),
// clustering in data space (identify.DataSpace) unless -geometry weight.
// Students are trained by matrix-free Gauss–Newton (train.WidePhases,
// -route gn, the default) or by the paper's minibatch Adam with a plateau
// schedule (-route adam); the recovered network is fine-tuned by the same
// Gauss–Newton engine.
//
// It reports, per activation and teacher width r, the recovered width and
// its overhead (recovered − r)/r, the comparison with the teacher on the
// test images (matched neurons, cosine distances, function RMSE, label
// agreement: the fraction of test images on which the recovered network
// predicts the teacher's label), both networks' test accuracy and the
// time, appends a row to OUT/results.csv (rows already there for the same
// settings are skipped, so an interrupted run resumes), rewrites
// OUT/summary.md, and writes the clustering pictures to OUT/<act>-r<r>/.
// Every student is saved as it ends, under OUT/<act>-r<r>/students-<settings>/
// (identify.Checkpoint files), so an interrupted teacher resumes with the
// students it has and trains only the missing ones.
// OUT defaults to a fresh directory fashionmnist-<date-time>: committed
// results are never modified unless -out names them.
//
// With -layers L > 1 the teachers are deep, 784 → r → … → r → 10 (L hidden
// layers of width r, such as the authors' deep MNIST architecture
// 784 → 30 → 30 → 30 → 10), and are recovered layer by layer by students
// of the same depth, every layer ρ·r wide, trained by Gauss–Newton; above
// each recovered layer the students are rebuilt on it and retrained
// (-retrain-time). Each layer is compared with the teacher's in data
// space on the test images (neurons within cosine distance 1e-2 and 1e-3),
// with the label agreement; rows go to OUT/results-deep.csv and
// OUT/summary-deep.md, the recovered network and report.txt to
// OUT/<act>-r<r>x<L>/. With -subspace the students see the probes only
// through their coordinates in the span of the teacher's first-layer
// weights, estimated from finite-difference gradients at probe images
// (identify.EstimateSubspace, 2·784 extra queries per gradient point):
// the teacher computes nothing else from its inputs, so nothing is lost,
// and the recovered network is lifted back to the 784 pixels. With
// -gaussian S the teacher is queried instead at as many Gaussian inputs
// with the probe images' mean and covariance and S times their spread
// (drawn in the span with -subspace): on the images the upper layers of a
// deep teacher are weakly determined, on wider queries over the same
// directions they are pinned down. Clustering in data space then uses the
// queries; the comparison with the teacher stays on the test images.
//
// The data come from Debian's dataset-fashion-mnist package
// (/usr/share/datasets/fashion-mnist); without them the command says so and
// exits with status 3.
//
// Build with -tags cblas (cgo, Debian's libopenblas-dev) to use OpenBLAS
// for the dense products instead of the package's own kernels.
//
// Examples:
//
//	go run ./examples/fashionmnist                                  # five activations, r = 64 and 32
//	go run ./examples/fashionmnist -act g,relu -r 64 -out results/fashionmnist-gn
//	go run ./examples/fashionmnist -route adam -epochs 150 -act g -r 64
//	go run ./examples/fashionmnist -layers 3 -r 30 -act g -rho 4 -students 2 -gamma 1 -student-time 25m -retrain-time 8m -fine-tune-time 6m
//	go run ./examples/fashionmnist -layers 3 -r 30 -act g -rho 2 -students 2 -gamma 1 -probe 30000 -subspace -gaussian 8 -single -student-time 20m -retrain-time 8m -fine-tune-time 8m
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
	acts          []mlp.Activation
	route         string
	complete      float64
	students      int
	gamma, beta   float64
	rho           float64
	teacherEpochs int
	probe         int
	epochs        int
	studentTime   time.Duration
	fineTuneTime  time.Duration
	retrainTime   time.Duration
	lr            float64
	batch         int
	initGain      float64
	geometry      identify.Geometry
	seed          uint64
	out           string
	workers       int
	verbose       bool
	teachersOnly  bool
	layers        int
	subspace      bool
	gaussian      float64
	single        bool
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("fashionmnist: ")
	var o options
	var widths, acts, geometry string
	var betaDeg float64
	flag.StringVar(&o.dir, "data", synth.FashionMNISTDir, "directory with the Fashion-MNIST IDX files")
	flag.StringVar(&widths, "r", "64,32", "teacher hidden widths")
	flag.StringVar(&acts, "act", "g,relu,tanh,sigmoid,softplus", "hidden activations of teachers and students, comma-separated (names as mlp.Lookup spells them)")
	flag.StringVar(&o.route, "route", "gn", "student training: gn (matrix-free Gauss–Newton, train.WidePhases) or adam (minibatch Adam with a plateau schedule)")
	flag.Float64Var(&o.complete, "complete", 0, "identify.Config.Complete: add the students' neurons that the clustering dropped but the outputs need, each removing at least this fraction of the remaining residual (0: off; the row's route then reads gn+complete<f>)")
	flag.IntVar(&o.students, "students", 4, "number of students N")
	flag.Float64Var(&o.gamma, "gamma", 0.5, "γ: minimum cluster size as a fraction of N")
	flag.Float64Var(&betaDeg, "beta-deg", 60, "β in degrees: maximum median angle within a cluster")
	flag.Float64Var(&o.rho, "rho", 2, "students are ρ·r wide")
	flag.IntVar(&o.teacherEpochs, "teacher-epochs", 10, "epochs of teacher training (minibatch Adam, one-hot MSE)")
	flag.IntVar(&o.probe, "probe", 20000, "training images used as probes (the first n)")
	flag.IntVar(&o.epochs, "epochs", 400, "maximum iterations of student training (Gauss–Newton steps or Adam epochs)")
	flag.DurationVar(&o.studentTime, "student-time", 4*time.Minute, "wall-time budget per student (0: none)")
	flag.DurationVar(&o.fineTuneTime, "fine-tune-time", 3*time.Minute, "wall-time budget of the Gauss–Newton fine-tuning of the recovered network (0: none; negative: no fine-tuning)")
	flag.Float64Var(&o.lr, "lr", 1e-3, "-route adam: initial learning rate (reduced on plateaus)")
	flag.IntVar(&o.batch, "batch", 640, "-route adam: minibatch size")
	flag.Float64Var(&o.initGain, "init-gain", 1, "students start Glorot-normal times this gain")
	flag.StringVar(&geometry, "geometry", "data", "space in which neurons are clustered and compared with the teacher: data (identify.DataSpace) or weight (the paper's)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of teacher training; students use seed+r")
	flag.StringVar(&o.out, "out", "", "output directory (default: a fresh fashionmnist-<date-time>); rows already in OUT/results.csv are skipped")
	flag.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "students trained at once")
	flag.BoolVar(&o.verbose, "v", false, "print every student's progress")
	flag.IntVar(&o.layers, "layers", 1, "hidden layers of the teachers, each r wide; a deep teacher is recovered layer by layer by students of its depth, its rows go to OUT/results-deep.csv")
	flag.BoolVar(&o.subspace, "subspace", false, "deep teachers: train the students on the probes' coordinates in the span of the teacher's first-layer weights, estimated from finite-difference gradients at probe images (identify.EstimateSubspace; extra queries), and lift the recovered network back to the 784 pixels")
	flag.Float64Var(&o.gaussian, "gaussian", 0, "deep teachers: query the teacher at -probe Gaussian inputs with the probe images' mean and covariance and this many times their spread, instead of at the images (0: the images); with -subspace the Gaussian is drawn in the span, where the covariance is 30×30")
	flag.BoolVar(&o.single, "single", false, "-route gn: the students' (and the retrained students') Gauss–Newton CG products in float32 (train.GaussNewton.SingleCurvature), about twice as fast per step; the route column reads gn32")
	flag.DurationVar(&o.retrainTime, "retrain-time", 6*time.Minute, "deep teachers: wall-time budget per student for the retraining above each recovered layer")
	flag.BoolVar(&o.teachersOnly, "teachers-only", false, "train (or load) the teachers, save them under OUT/<act>-r<r>/ (<act>-r<r>x<layers>/ for deep ones) and stop: no students, no CSV row (for examples/blackbox -teacher-<act>)")
	flag.Parse()
	o.beta = betaDeg * math.Pi / 180
	var err error
	if o.widths, err = parseInts(widths); err == nil {
		o.acts, err = parseActs(acts)
	}
	if err == nil {
		o.geometry, err = parseGeometry(geometry)
	}
	if err == nil && o.layers < 1 {
		err = fmt.Errorf("-layers %d: want at least 1 hidden layer", o.layers)
	}
	if err == nil && o.subspace && o.layers == 1 {
		err = fmt.Errorf("-subspace is for deep teachers (-layers > 1)")
	}
	if err == nil && o.gaussian != 0 && (o.layers == 1 || !(o.gaussian > 0) || math.IsInf(o.gaussian, 0)) {
		err = fmt.Errorf("-gaussian %v: want a finite spread factor > 0, for deep teachers (-layers > 1)", o.gaussian)
	}
	if err == nil && o.layers > 1 && o.route != "gn" {
		err = fmt.Errorf("-layers %d with -route %s: deep students are trained by Gauss–Newton only", o.layers, o.route)
	}
	if err == nil && o.single && o.route != "gn" {
		err = fmt.Errorf("-single is for -route gn, not %s", o.route)
	}
	if err == nil && o.route != "gn" && o.route != "adam" {
		err = fmt.Errorf("-route %q: want gn or adam", o.route)
	}
	if err != nil {
		log.Print(err)
		os.Exit(2)
	}
	if o.out == "" {
		o.out = "fashionmnist-" + time.Now().Format("20060102-150405")
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
	csvPath := filepath.Join(o.out, "results.csv")
	done, err := doneKeys(csvPath, csvHeader)
	if err != nil {
		log.Fatal(err)
	}
	var results []result
	if o.teachersOnly {
		if err := trainTeachers(ctx, o, trainSet, testSet); err != nil {
			log.Fatal(err)
		}
		return
	}
	if o.layers > 1 {
		if err := runDeep(ctx, o, trainSet, testSet); err != nil {
			log.Fatal(err)
		}
		return
	}
	for _, act := range o.acts {
		for _, r := range o.widths {
			if done[o.key(act.Name(), r)] {
				fmt.Printf("%s r = %d: already in %s, skipped\n", act.Name(), r, csvPath)
				continue
			}
			res, err := runTeacher(ctx, o, act, r, trainSet, testSet)
			if err != nil {
				log.Fatal(err)
			}
			results = append(results, res)
			if err := appendCSV(csvPath, res); err != nil {
				log.Fatal(err)
			}
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
	Act, Route                    string
	Students, Probes, Epochs      int
	Gamma, BetaDeg, Rho           float64
	TeacherAcc, RecoveredAcc      float64
	LabelAgreement                float64
	MaxCosine, MedianCosine       float64
	RMSE, RelRMSE                 float64
	StudentLossMin, StudentLossMd float64 // relative to the output variance
	TeacherSecs, StudentSecs      float64
	ClusterSecs, FineTuneSecs     float64
	TotalSecs                     float64
	Workers                       int
	InitGain                      float64
	Geometry, Backend             string
	// Matched and MatchedTight count the teacher neurons whose recovered
	// partner is within cosine distance matchTol and tightTol.
	Matched, MatchedTight int
}

// fineTuneMaxCG bounds the CG iterations of a fine-tune step, as in
// identify's default fine-tune.
const fineTuneMaxCG = 500

// matchTol (cos ≥ 0.9) and tightTol are the cosine distances under which
// a teacher neuron counts as matched in the summary.
const (
	matchTol = 0.1
	tightTol = 1e-3
)

func (r result) overhead() float64 { return float64(r.Recovered-r.R) / float64(r.R) }

func (r result) line() string {
	return fmt.Sprintf("%s r = %d (%s students): recovered width %d, overhead %+.1f%%; teacher neurons matched within cosine distance %g: %d, within %g: %d of %d; max cosine distance (%s) %.3g (median %.3g); test RMSE %.3g (relative %.3g); label agreement %.2f%%; test accuracy teacher %.2f%%, recovered %.2f%%; %d students ×%g wide, %d probes; time %s (students %s, fine-tune %s)",
		r.Act, r.R, r.Route, r.Recovered, 100*r.overhead(), tightTol, r.MatchedTight, matchTol, r.Matched, r.R, r.Geometry, r.MaxCosine, r.MedianCosine, r.RMSE, r.RelRMSE,
		100*r.LabelAgreement, 100*r.TeacherAcc, 100*r.RecoveredAcc, r.Students, r.Rho, r.Probes,
		secs(r.TotalSecs), secs(r.StudentSecs), secs(r.FineTuneSecs))
}

func secs(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Second).String()
}

// key identifies a row's settings for resuming.
func (o options) key(act string, r int) string {
	k := fmt.Sprintf("%s/%d/%s/%d/%g/%d", act, r, o.routeLabel(), o.students, o.rho, o.probe)
	if o.layers > 1 {
		k += fmt.Sprintf("/x%d", o.layers)
	}
	if o.subspace {
		k += "/subspace"
	}
	if o.gaussian > 0 {
		k += fmt.Sprintf("/gaussian%g", o.gaussian)
	}
	return k
}

// routeLabel is the route column of a row: the student training and,
// with -complete, the completion.
func (o options) routeLabel() string {
	route := o.route
	if o.single {
		route += "32" // float32 curvature products
	}
	if o.complete > 0 {
		return fmt.Sprintf("%s+complete%g", route, o.complete)
	}
	return route
}

// studentDir names the directory, inside a teacher's, of the students of
// these settings (those identify.LoadCheckpoints cannot tell apart).
func (o options) studentDir() string {
	route := o.route
	if o.single {
		route += "32"
	}
	d := fmt.Sprintf("students-%s-n%d-p%d-e%d-t%s-g%g", route, o.students, o.probe, o.epochs, o.studentTime, o.initGain)
	if o.subspace {
		d += "-subspace" // inputs in the teacher's span, not pixels
	}
	if o.gaussian > 0 {
		d += fmt.Sprintf("-gaussian%g", o.gaussian)
	}
	return d
}

// teacherDir names the directory of a teacher with layers hidden layers
// of width r: <act>-r<r>, or <act>-r<r>x<layers> for a deep one.
func teacherDir(act mlp.Activation, r, layers int) string {
	if layers > 1 {
		return fmt.Sprintf("%s-r%dx%d", act.Name(), r, layers)
	}
	return fmt.Sprintf("%s-r%d", act.Name(), r)
}

// teacher returns the classifier 784 → r → 10 (-layers hidden layers of
// width r) with activation act trained on all 60 000 training images
// (one-hot targets, MSE), reusing a saved one of the same settings in dir.
func teacher(ctx context.Context, o options, act mlp.Activation, r int, dir string, trainSet *synth.Labelled) (*mlp.Network, error) {
	path := filepath.Join(dir, fmt.Sprintf("teacher-%s-e%d-s%d.json", act.Name(), o.teacherEpochs, o.seed))
	if t, err := mlp.LoadFile(path); err == nil {
		fmt.Printf("%s r = %d: teacher loaded from %s\n", act.Name(), r, path)
		return t, nil
	}
	sizes := []int{784}
	for range max(1, o.layers) {
		sizes = append(sizes, r)
	}
	sizes = append(sizes, 10)
	fmt.Printf("%s r = %d: training the teacher %v for %d epochs ...\n", act.Name(), r, sizes, o.teacherEpochs)
	spec := mlp.Spec{Sizes: sizes, Hidden: act, Output: mlp.Identity}
	t, rep, err := synth.TrainClassifier(ctx, trainSet, spec, synth.TrainConfig{Epochs: o.teacherEpochs, Seed: o.seed})
	if err != nil {
		return nil, fmt.Errorf("teacher %s r = %d: %w", act.Name(), r, err)
	}
	fmt.Printf("  teacher training loss %.4g\n", rep.Loss)
	return t, t.SaveFile(path)
}

// trainTeachers trains (or loads) every teacher of the run and reports its
// test accuracy, without students.
func trainTeachers(ctx context.Context, o options, trainSet, testSet *synth.Labelled) error {
	for _, act := range o.acts {
		for _, r := range o.widths {
			dir := filepath.Join(o.out, teacherDir(act, r, o.layers))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			t, err := teacher(ctx, o, act, r, dir, trainSet)
			if err != nil {
				return err
			}
			acc, err := synth.Accuracy(t, testSet.X, testSet.Labels)
			if err != nil {
				return err
			}
			fmt.Printf("  teacher test accuracy %.2f%%\n", 100*acc)
		}
	}
	return nil
}

// studentConfig is the identify configuration of the chosen route.
func studentConfig(o options, act mlp.Activation, r int) identify.Config {
	stop := train.StopRules{MaxIter: o.epochs, MaxTime: o.studentTime, Loss: train.DefaultStopLoss,
		Patience: train.DefaultWidePatience, MinRelImprove: 0.01}
	phase := train.Phase{Name: "gn", Optimizer: &train.GaussNewton{SingleCurvature: o.single}, Stop: stop}
	if o.route == "adam" {
		stop.Patience = 0
		phase = train.Phase{Name: fmt.Sprintf("adam-%d", o.batch),
			Optimizer: &train.Adam{LR: o.lr, BatchSize: o.batch, Plateau: &train.Plateau{Patience: 5, MinLR: 1e-7}}, Stop: stop}
	}
	cfg := identify.Config{
		Activation: act, BaseWidth: r, Rho: o.rho,
		Students: o.students, Gamma: o.gamma, Beta: o.beta, InitGain: o.initGain,
		Seed: o.seed + uint64(r), Workers: o.workers, Geometry: o.geometry, Complete: o.complete,
		Restarts: -1,
		Train:    train.Config{Phases: []train.Phase{phase}},
	}
	if o.fineTuneTime < 0 {
		cfg.SkipFineTune = true
	} else {
		// Long CG runs, as identify's default fine-tune uses: near the
		// teacher the damping vanishes and a step is as good as its solve.
		cfg.FineTune = train.Config{Phases: []train.Phase{{Name: "fine-tune", Optimizer: &train.GaussNewton{MaxCG: fineTuneMaxCG},
			Stop: train.StopRules{Loss: train.DefaultStopLoss, MaxIter: train.DefaultWideMaxIter, MaxTime: o.fineTuneTime,
				Patience: train.DefaultWidePatience, MinRelImprove: 0.01}}}}
	}
	if o.verbose {
		p := train.NewPrinter(os.Stderr)
		p.Interval = 30 * time.Second
		cfg.Recorder = p
	} else {
		cfg.Recorder = &phaseEnds{}
	}
	return cfg
}

// probed is a teacher and its outputs on the probe images.
type probed struct {
	t                       *mlp.Network
	x, y                    *mat.Dense
	dir                     string // the teacher's output directory
	probes                  int
	teacherAcc, teacherSecs float64
}

// probeTeacher trains or loads the teacher of act and width r (o.layers
// hidden layers), measures its test accuracy and labels the first -probe
// training images with its outputs: only these outputs are used.
func probeTeacher(ctx context.Context, o options, act mlp.Activation, r int, trainSet, testSet *synth.Labelled) (probed, error) {
	start := time.Now()
	p := probed{dir: filepath.Join(o.out, teacherDir(act, r, o.layers))}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return p, err
	}
	var err error
	if p.t, err = teacher(ctx, o, act, r, p.dir, trainSet); err != nil {
		return p, err
	}
	p.teacherSecs = time.Since(start).Seconds()
	if p.teacherAcc, err = synth.Accuracy(p.t, testSet.X, testSet.Labels); err != nil {
		return p, err
	}
	fmt.Printf("  teacher test accuracy %.2f%%\n", 100*p.teacherAcc)
	n, _ := trainSet.X.Dims()
	p.probes = min(o.probe, n)
	p.x = mat.DenseCopyOf(trainSet.X.Slice(0, p.probes, 0, 784))
	p.y, err = synth.Label(p.t, p.x)
	return p, err
}

func runTeacher(ctx context.Context, o options, act mlp.Activation, r int, trainSet, testSet *synth.Labelled) (result, error) {
	start := time.Now()
	res := result{R: r, Act: act.Name(), Route: o.routeLabel(), Students: o.students, Gamma: o.gamma, BetaDeg: o.beta * 180 / math.Pi,
		Rho: o.rho, Epochs: o.epochs, Workers: o.workers, InitGain: o.initGain,
		Geometry: geometryName(o.geometry), Backend: mlp.Backend()}
	p, err := probeTeacher(ctx, o, act, r, trainSet, testSet)
	if err != nil {
		return res, err
	}
	res.TeacherSecs, res.Probes, res.TeacherAcc = p.teacherSecs, p.probes, p.teacherAcc
	t, x, y, dir := p.t, p.x, p.y, p.dir
	cfg := studentConfig(o, act, r)
	fmt.Printf("  training %d students 784→%d→10 on %d probes (%s, ≤%d iterations%s) with %d workers ...\n",
		o.students, int(math.Ceil(o.rho*float64(r))), res.Probes, o.route, o.epochs, budget(o.studentTime), o.workers)
	run, studentTime, resumed, err := recoverWithStudents(ctx, o, x, y, cfg, filepath.Join(dir, o.studentDir()))
	start = start.Add(-resumed)
	res.StudentSecs = studentTime.Seconds()
	if run != nil {
		if len(run.StudentWidths) > 0 {
			res.StudentWidth = run.StudentWidths[0]
		}
		res.StudentLossMin, res.StudentLossMd = relativeLosses(run.StudentLosses, y)
		res.ClusterSecs, res.FineTuneSecs = run.Timings.Cluster.Seconds(), run.Timings.FineTune.Seconds()
	}
	if err != nil {
		if ctx.Err() != nil || run == nil || run.Network != nil {
			return res, fmt.Errorf("%s r = %d: %w", act.Name(), r, err)
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
	if err := compareWithTeacher(&res, o, t, run.Network, testSet); err != nil {
		return res, err
	}
	res.TotalSecs = time.Since(start).Seconds()
	if err := run.Network.SaveFile(filepath.Join(dir, "recovered.json")); err != nil {
		return res, err
	}
	cmp, err := identify.CompareIn(o.geometry, t, run.Network, testSet.X)
	if err != nil {
		return res, err
	}
	if _, err := plots.RenderResult(dir, run, &cmp); err != nil {
		return res, err
	}
	lr := run.Layers[0]
	report := fmt.Sprintf("%s\n%v\nclustering: %d vectors, cut at %.4g: %d clusters, %d kept, %d too small (< %d members), %d unaligned (β = %g°)\nstudent losses %.4g\nwarnings: %v\ntimings: students %s, cluster %s, fine-tune %s, total %s\n",
		res.line(), cmp, lr.Vectors, lr.CutHeight, lr.Clusters, lr.Kept, lr.RemovedSmall, lr.MinSize, lr.RemovedUnaligned, res.BetaDeg,
		run.StudentLosses, run.Warnings, secs(res.StudentSecs), run.Timings.Cluster.Round(time.Millisecond),
		run.Timings.FineTune.Round(time.Second), time.Since(start).Round(time.Second))
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(report), 0o644); err != nil {
		return res, err
	}
	fmt.Print("  ", report)
	return res, nil
}

// compareWithTeacher fills the comparison columns of res on the test
// images: matched neurons and cosine distances (in the clustering's
// geometry), RMSE, accuracies and label agreement.
func compareWithTeacher(res *result, o options, t, rec *mlp.Network, testSet *synth.Labelled) error {
	cmp, err := identify.CompareIn(o.geometry, t, rec, testSet.X)
	if err != nil {
		return err
	}
	l := cmp.Layers[0]
	res.MaxCosine = l.MaxCosineDistance
	cos := make([]float64, 0, len(l.Matches))
	for _, m := range l.Matches {
		cos = append(cos, m.CosineDistance)
	}
	res.Matched, res.MatchedTight = l.Within(matchTol), l.Within(tightTol)
	_, res.MedianCosine = minMedian(cos)
	res.RMSE, res.RelRMSE = cmp.RMSE, cmp.RelRMSE
	res.RecoveredAcc, res.LabelAgreement, err = accuracies(t, rec, testSet)
	return err
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

func parseActs(s string) ([]mlp.Activation, error) {
	var out []mlp.Activation
	for _, f := range strings.Split(s, ",") {
		a, err := mlp.Lookup(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("-act %q: %w", s, err)
		}
		out = append(out, a)
	}
	return out, nil
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

// Command widestudents measures how fast wide students of a Fashion-MNIST
// teacher reach the loss floor with each training route: matrix-free
// Gauss–Newton (train.GaussNewton, the route train picks for students of
// more than train.LMMaxParams parameters) against the paper's minibatch Adam
// with a plateau schedule, on the same students (same initial weights, same
// probes). It records the loss relative to the output variance against the
// student's own CPU-seconds (its thread's CPU time, so other work on the
// machine does not count), appends the curve to OUT/curves.csv, and draws
// OUT/loss-vs-cpu.png with the median over students of each route.
//
// Runs already in curves.csv (same route, activation, r, ρ, probes, student
// seed and budget) are skipped, so an interrupted command resumes. OUT
// defaults to a fresh directory widestudents-<date-time>.
//
// Example (the committed results/widestudents):
//
//	go run ./examples/widestudents -act g -r 64 -students 2 -budget 10m -out results/widestudents
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/cputime"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

type options struct {
	act          mlp.Activation
	r, probe     int
	rho          float64
	students     int
	routes       []string
	budget       time.Duration
	out, dataDir string
	teacherPath  string
	trace        bool
	save         bool
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("widestudents: ")
	var o options
	var act, routes string
	flag.StringVar(&act, "act", "g", "activation of teacher and students")
	flag.IntVar(&o.r, "r", 64, "teacher width")
	flag.Float64Var(&o.rho, "rho", 2, "students are ρ·r wide")
	flag.IntVar(&o.probe, "probe", 20000, "training images used as probes (with +iso: Gaussian queries, any number)")
	flag.IntVar(&o.students, "students", 2, "students per route (seeds 1…n)")
	flag.StringVar(&routes, "routes", "gn,adam", "training routes to compare: adam, gn, or gn with options joined by + (gn+cg15, gn+curv20000, gn+geodesic, gn+proj, gn+keepout, gn+ekfac, gn+bt; +noise<σ> on any route adds pixel noise to the probes, +iso<σ> replaces them by as many isotropic Gaussian queries)")
	flag.BoolVar(&o.save, "save", false, "save every student as it ends, OUT/student-<route>-rho<ρ>-seed<n>.json")
	flag.BoolVar(&o.trace, "trace", false, "print every Gauss–Newton step (damping, CG iterations, ρ)")
	flag.DurationVar(&o.budget, "budget", 10*time.Minute, "CPU time per student")
	flag.StringVar(&o.out, "out", "", "output directory (default: a fresh widestudents-<date-time>)")
	flag.StringVar(&o.dataDir, "data", synth.FashionMNISTDir, "directory with the Fashion-MNIST IDX files")
	flag.StringVar(&o.teacherPath, "teacher", "", "teacher network JSON (default: train one, 10 epochs, seed 1, saved in OUT)")
	flag.Parse()
	var err error
	if o.act, err = mlp.Lookup(act); err != nil {
		log.Fatal(err)
	}
	o.routes = strings.Split(routes, ",")
	for _, r := range o.routes {
		if err := checkRoute(r); err != nil {
			log.Fatalf("-routes: %v", err)
		}
	}
	if o.out == "" {
		o.out = "widestudents-" + time.Now().Format("20060102-150405")
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o options) error {
	trainSet, _, err := synth.FashionMNIST(o.dataDir)
	if errors.Is(err, synth.ErrDataMissing) {
		fmt.Fprintf(os.Stderr, "Fashion-MNIST not found at %s: install Debian's dataset-fashion-mnist\n", o.dataDir)
		os.Exit(3)
	}
	if err != nil {
		return err
	}
	synth.ScalePixels(trainSet.X)
	teacher, err := loadTeacher(ctx, o, trainSet)
	if err != nil {
		return err
	}
	x := mat.DenseCopyOf(trainSet.X.Slice(0, min(o.probe, trainSet.X.RawMatrix().Rows), 0, 784))
	y, err := synth.Label(teacher, x)
	if err != nil {
		return err
	}
	csvPath := filepath.Join(o.out, "curves.csv")
	done, err := doneRuns(csvPath)
	if err != nil {
		return err
	}
	for seed := 1; seed <= o.students; seed++ {
		for _, route := range o.routes {
			c := curve{Route: route, Act: o.act.Name(), R: o.r, Rho: o.rho, Probes: probeCount(route, x, o), Seed: seed, Budget: o.budget.Seconds()}
			if done[c.key()] {
				fmt.Printf("%s seed %d: already in %s\n", route, seed, csvPath)
				continue
			}
			if err := c.measure(ctx, teacher, x, y, o); err != nil {
				return err
			}
			if err := appendCurve(csvPath, c); err != nil {
				return err
			}
			fmt.Printf("%s seed %d: relative loss %.3g after %.0f CPU-s (%s)\n", route, seed, c.final(), c.CPU[len(c.CPU)-1], c.Reason)
		}
	}
	curves, err := readCurves(csvPath)
	if err != nil {
		return err
	}
	return drawCurves(filepath.Join(o.out, "loss-vs-cpu.png"), curves)
}

func loadTeacher(ctx context.Context, o options, trainSet *synth.Labelled) (*mlp.Network, error) {
	path := o.teacherPath
	if path == "" {
		path = filepath.Join(o.out, fmt.Sprintf("teacher-%s-r%d-e10-s1.json", o.act.Name(), o.r))
	}
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		return mlp.Load(f)
	} else if o.teacherPath != "" {
		return nil, err
	}
	fmt.Printf("training the teacher 784→%d→10 (%s) for 10 epochs ...\n", o.r, o.act.Name())
	spec := mlp.Spec{Sizes: []int{784, o.r, 10}, Hidden: o.act}
	t, _, err := synth.TrainClassifier(ctx, trainSet, spec, synth.TrainConfig{Epochs: 10, Seed: 1})
	if err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return t, t.Save(f)
}

// measure trains one student by c.Route until c.Budget CPU-seconds and
// records its relative loss after every iteration.
func (c *curve) measure(ctx context.Context, teacher *mlp.Network, x, y *mat.Dense, o options) error {
	route, probe, err := splitProbes(c.Route)
	if err != nil {
		return err
	}
	if probe.Noise > 0 || probe.Iso > 0 {
		if x, y, err = otherProbes(teacher, x, c.Probes, probe); err != nil {
			return err
		}
	}
	width := int(math.Ceil(o.rho * float64(o.r)))
	net, err := mlp.New(mlp.Spec{Sizes: []int{784, width, 10}, Hidden: o.act})
	if err != nil {
		return err
	}
	net.InitGlorotGain(train.StudentRNG(uint64(c.Seed), 0), 1)
	variance := synth.OutputVariance(y)
	var phases []train.Phase
	phase := train.Phase{Name: "adam", Optimizer: &train.Adam{LR: 1e-3, BatchSize: 640, Plateau: &train.Plateau{Patience: 5, MinLR: 1e-7}}}
	if route != "adam" {
		gn, err := gnVariant(route)
		if err != nil {
			return err
		}
		if o.trace {
			gn.Trace = func(s *train.GNStep) {
				fmt.Printf("%s seed %d: loss %.3e  λ %.2e  CG %d  predicted −%.3g  ρ %.3f  accepted %v  ‖δ‖ %.3g\n",
					c.Route, c.Seed, s.Loss/variance, s.Lambda, s.CG, s.Predicted, s.Rho, s.Accepted, s.StepNorm)
			}
		}
		phase = train.Phase{Name: route, Optimizer: gn}
		if warm, ok := warmPhase(route, variance, gn.Trace); ok {
			phases = append(phases, warm)
		}
	}
	phase.Stop = train.StopRules{MaxIter: -1, Loss: train.DefaultStopLoss}
	phases = append(phases, phase)
	// The student trains on this goroutine's thread alone, so the
	// thread's CPU time is the student's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := cputime.Thread().Seconds()
	errBudget := errors.New("CPU budget spent")
	rec := train.RecorderFunc(func(e train.Event) error {
		if e.Done {
			return nil
		}
		t := cputime.Thread().Seconds() - c0
		c.CPU, c.Loss = append(c.CPU, t), append(c.Loss, e.Loss/variance)
		if t >= c.Budget {
			return errBudget
		}
		return nil
	})
	res, err := train.Train(ctx, net, x, y, train.Config{Recorder: rec, Phases: phases})
	c.Reason = res.Reason.String()
	if errors.Is(err, errBudget) {
		c.Reason, err = "CPU budget", nil
	}
	if err != nil {
		return err
	}
	// A failure below is reported but does not cost the measured curve.
	if err := printMatch(c, teacher, net, x); err != nil {
		log.Print(err)
	}
	if o.save {
		// The student as it ends (train.Train leaves the best point in it).
		name := fmt.Sprintf("student-%s-rho%g-seed%d.json", strings.ReplaceAll(c.Route, "+", "_"), c.Rho, c.Seed)
		if err := net.SaveFile(filepath.Join(o.out, name)); err != nil {
			log.Print(err)
		}
	}
	return nil
}

// probeCount is the number of probes a route trains on: -probe Gaussian
// queries for an +iso route (not capped by the 60 000 images they
// replace), else the images x.
func probeCount(route string, x *mat.Dense, o options) int {
	if _, probe, err := splitProbes(route); err == nil && probe.Iso > 0 {
		return o.probe
	}
	return x.RawMatrix().Rows
}

// otherProbes returns the n probes a route's probe option asks for and
// the teacher's outputs on them: the images x plus Gaussian pixel noise
// (n is then x's row count), or isotropic Gaussian queries. The seed is
// fixed, so every route sees the same probes.
func otherProbes(teacher *mlp.Network, x *mat.Dense, n int, opt probeOption) (*mat.Dense, *mat.Dense, error) {
	rng := rand.New(rand.NewPCG(7, 7))
	var xn *mat.Dense
	if opt.Iso > 0 {
		xn = mat.NewDense(n, x.RawMatrix().Cols, nil)
	} else {
		xn = mat.DenseCopyOf(x)
	}
	data := xn.RawMatrix().Data
	for i := range data {
		if opt.Iso > 0 {
			data[i] = opt.Iso * rng.NormFloat64()
		} else {
			data[i] += opt.Noise * rng.NormFloat64()
		}
	}
	y, err := synth.Label(teacher, xn)
	return xn, y, err
}

// printMatch prints how many of the teacher's neurons have a student
// neuron within data-space cosine distance 1e-3 and 1e-2 on the probes
// (identify.CompareIn, identify.DataSpace): a low loss reached by a
// student that can fit the probes without the teacher's neurons (more
// parameters than equations) identifies nothing.
func printMatch(c *curve, teacher, student *mlp.Network, x *mat.Dense) error {
	cmp, err := identify.CompareIn(identify.DataSpace, teacher, student, x)
	if err != nil {
		return err
	}
	tight, loose := cmp.Layers[0].Within(1e-3), cmp.Layers[0].Within(1e-2)
	var d []float64
	for _, m := range cmp.Layers[0].Matches {
		d = append(d, m.CosineDistance)
	}
	slices.Sort(d)
	fmt.Printf("%s seed %d: teacher neurons with a student neuron within data-space cosine distance 1e-3: %d, 1e-2: %d of %d (median %.3g); student parameters %d, probe equations %d\n",
		c.Route, c.Seed, tight, loose, len(d), d[len(d)/2], student.NumParams(), x.RawMatrix().Rows*student.OutputDim())
	return nil
}

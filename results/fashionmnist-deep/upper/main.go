// Command upper asks whether the deep Fashion-MNIST teacher's upper layers
// can be recovered once the layers below them are known exactly: it
// computes the teacher's own activations of hidden layer -given on the
// first -probe training images, runs Expand-and-Cluster on them and the
// teacher's outputs (students as examples/fashionmnist trains them:
// Gauss–Newton, ρ·30 wide, no restarts), and compares the result with the
// teacher's layers above -given on the test images in data space.
//
//	go run ./results/fashionmnist-deep/upper -given 2 -student-time 10m
//	go run ./results/fashionmnist-deep/upper -given 1 -student-time 25m
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func main() {
	teacherPath := flag.String("teacher", "results/fashionmnist-deep/g-r30x3/teacher-g-e10-s1.json", "the deep teacher")
	given := flag.Int("given", 2, "hidden layers of the teacher given exactly (1 or 2)")
	probe := flag.Int("probe", 30000, "training images probed")
	students := flag.Int("students", 2, "N")
	gamma := flag.Float64("gamma", 1, "γ")
	rho := flag.Float64("rho", 4, "ρ")
	studentTime := flag.Duration("student-time", 10*time.Minute, "wall-time budget per student")
	retrainTime := flag.Duration("retrain-time", 8*time.Minute, "wall-time budget per retrained student (two layers above)")
	fineTune := flag.Duration("fine-tune-time", 6*time.Minute, "wall-time budget of the fine-tune (negative: none)")
	workers := flag.Int("workers", 2, "students trained at once")
	studentDir := flag.String("students-dir", "", "load the students from this directory when it holds -students of them (identify.Recover), else train them and save them there")
	weightSpace := flag.Bool("weight-space", false, "cluster in weight space (the paper's) instead of data space")
	gaussian := flag.Float64("gaussian", 0, "Gaussian first-layer pre-activations with the images' mean and this many times their standard deviations (their covariance scaled) instead of the images' (for -determine, and for training; the comparison stays on the test images)")
	lmTime := flag.Duration("lm-time", 0, "if positive, polish each student after its Gauss–Newton phase by Levenberg–Marquardt (dense JᵀJ) for this long")
	lmOnly := flag.Bool("lm", false, "train the students by Levenberg–Marquardt alone (on -lm-subset samples per parameter, then on all) within -student-time, instead of Gauss–Newton")
	lmSubset := flag.Int("lm-subset", 2, "samples per free parameter of the Levenberg–Marquardt subset phase (-lm) and polish (-lm-time)")
	determine := flag.Int("determine", 0, "train nothing: print identify.Determine's displacements of the teacher's layers above -given on this many images' activations")
	flag.Parse()
	t, err := mlp.LoadFile(*teacherPath)
	if err != nil {
		log.Fatal(err)
	}
	hidden := t.NumLayers() - 1
	if *given < 1 || *given >= hidden {
		log.Fatalf("-given %d: the teacher has %d hidden layers; give 1…%d", *given, hidden, hidden-1)
	}
	trainSet, testSet, err := synth.FashionMNIST("")
	if err != nil {
		log.Fatal(err)
	}
	synth.ScalePixels(trainSet.X)
	synth.ScalePixels(testSet.X)
	rows, _ := trainSet.X.Dims()
	if *probe < 1 || *probe > rows {
		log.Fatalf("-probe %d: want 1…%d", *probe, rows)
	}
	x := trainSet.X.Slice(0, *probe, 0, 784).(*mat.Dense)
	var h, ht, y mat.Dense
	check(t.Hidden(nil, &h, x, *given-1))
	check(t.Hidden(nil, &ht, testSet.X, *given-1))
	check(t.Forward(nil, &y, x))
	top, err := above(t, *given)
	check(err)
	if *gaussian > 0 && *determine == 0 {
		// Train on queries: the layers above see the Gaussian features,
		// labelled by the teacher's layers above; compared on the images.
		g, err := gaussianFeatures(t, x, *given, *probe, *gaussian)
		check(err)
		h = *g
		y = mat.Dense{}
		check(top.Forward(nil, &y, &h))
		fmt.Printf("training on %d Gaussian first-layer pre-activations (images' mean, %g × their covariance's square root)\n", *probe, *gaussian)
	}
	if *determine > 0 {
		n := min(*determine, *probe)
		feats := h.Slice(0, n, 0, t.Layer(*given).In).(*mat.Dense)
		if *gaussian > 0 {
			feats, err = gaussianFeatures(t, x, *given, n, *gaussian)
			check(err)
			fmt.Printf("Gaussian first-layer pre-activations (images' mean, %g × their covariance's square root), %d draws\n", *gaussian, n)
		}
		check(printDeterminacy(top, feats))
		return
	}

	widths := make([]int, hidden-*given)
	for i := range widths {
		widths[i] = int(math.Ceil(*rho * float64(t.Layer(*given+i).Out)))
	}
	stop := train.StopRules{MaxIter: 400, MaxTime: *studentTime, Loss: train.DefaultStopLoss,
		Patience: train.DefaultWidePatience, MinRelImprove: 0.01}
	cfg := identify.Config{Activation: t.Layer(0).Act, HiddenLayers: len(widths), Widths: widths,
		Students: *students, Gamma: *gamma, Seed: 1, Workers: *workers, Restarts: -1, Geometry: identify.DataSpace,
		Train: train.Config{Phases: []train.Phase{{Name: "gn", Optimizer: &train.GaussNewton{}, Stop: stop}}},
		FineTune: train.Config{Phases: []train.Phase{{Name: "fine-tune", Optimizer: &train.GaussNewton{MaxCG: 500},
			Stop: train.StopRules{Loss: train.DefaultStopLoss, MaxIter: train.DefaultWideMaxIter, MaxTime: *fineTune,
				Patience: train.DefaultWidePatience, MinRelImprove: 0.01}}}},
	}
	if *lmOnly {
		cfg.Train.Phases = []train.Phase{
			{Name: "lm-subset", Optimizer: &train.LM{}, SubsetPerParam: *lmSubset, Stop: stop},
			{Name: "lm", Optimizer: &train.LM{}, Stop: stop}}
	}
	if *lmTime > 0 {
		// Exact (Cholesky) steps where truncated CG creeps: the students
		// above a given layer are small enough for a dense JᵀJ on a subset.
		cfg.Train.Phases = append(cfg.Train.Phases, train.Phase{Name: "lm", Optimizer: &train.LM{}, SubsetPerParam: *lmSubset,
			Stop: train.StopRules{MaxIter: 1000, MaxTime: *lmTime, Loss: train.DefaultStopLoss, Patience: train.DefaultLMPatience, MinRelImprove: 0.01}})
	}
	if len(widths) > 1 {
		cfg.Retrain = train.Config{Phases: []train.Phase{{Name: "retrain", Optimizer: &train.GaussNewton{},
			Stop: train.StopRules{MaxIter: 400, MaxTime: *retrainTime, Loss: train.DefaultStopLoss,
				Patience: train.DefaultWidePatience, MinRelImprove: 0.01}}}}
	}
	if *fineTune < 0 {
		cfg.SkipFineTune = true
	}
	if *weightSpace {
		cfg.Geometry = identify.WeightSpace
	}
	p := train.NewPrinter(os.Stderr)
	p.Interval = time.Minute
	cfg.Recorder = p
	fmt.Printf("teacher %s: layers 1…%d given exactly; students %d→%v→10 (N = %d, γ = %g, clustered in %v) on %d inputs' layer-%d activations\n",
		*teacherPath, *given, t.Layer(*given).In, widths, *students, *gamma, cfg.Geometry, *probe, *given)
	start := time.Now()
	res, err := run(&h, &y, cfg, *studentDir)
	fmt.Printf("time %s, err %v\n", time.Since(start).Round(time.Second), err)
	if res == nil {
		return
	}
	fmt.Printf("student losses %.3g; recovered widths %v\n", res.StudentLosses, res.Widths)
	for i, s := range res.Students {
		rep, err := identify.CompareIn(identify.DataSpace, top, s.Net, &ht)
		check(err)
		fmt.Printf("student %d alone:\n", i)
		printMatches(rep, *given)
	}
	if res.Network == nil {
		return
	}
	rep, err := identify.CompareIn(identify.DataSpace, top, res.Network, &ht)
	check(err)
	fmt.Println("recovered network:")
	printMatches(rep, *given)
}

// run recovers the network from (x, y): from the students saved in dir
// when it holds cfg.Students of them, else training them (and saving
// them in dir, if set).
func run(x, y *mat.Dense, cfg identify.Config, dir string) (*identify.Result, error) {
	ctx := context.Background()
	if dir != "" {
		cps, skipped, err := identify.LoadCheckpoints(dir, cfg)
		if err == nil && len(cps) >= cfg.Students {
			fmt.Printf("students loaded from %s\n", dir)
			return identify.Recover(ctx, x, y, cps[:cfg.Students], cfg)
		}
		if err != nil || len(skipped) > 0 {
			fmt.Printf("training the students: %s gave %d of %d (error %v, skipped %v)\n", dir, len(cps), cfg.Students, err, skipped)
		}
	}
	res, err := identify.RunData(ctx, x, y, cfg)
	if dir != "" && res != nil {
		if merr := os.MkdirAll(dir, 0o755); merr != nil {
			return res, merr
		}
		for _, cp := range res.Students {
			if _, serr := cp.Save(dir); serr != nil {
				return res, serr
			}
		}
	}
	return res, err
}

// gaussianFeatures returns the activations of hidden layer given of t
// (1-based) when its first layer's pre-activations are n Gaussian draws
// with the mean of those on the images x and scale² times their
// covariance: the inputs that queries spread over the span of the first
// layer's weights give the layers above.
func gaussianFeatures(t *mlp.Network, x *mat.Dense, given, n int, scale float64) (*mat.Dense, error) {
	L := t.Layer(0)
	var z mat.Dense
	z.Mul(x, L.W.T())
	rows, d := z.Dims()
	mean := make([]float64, d)
	for j := range mean {
		mean[j] = stat.Mean(mat.Col(nil, j, &z), nil) + L.B[j]
	}
	var cov mat.SymDense
	stat.CovarianceMatrix(&cov, &z, nil)
	var chol mat.Cholesky
	if !chol.Factorize(&cov) {
		return nil, fmt.Errorf("the images' first-layer pre-activations have a singular covariance (%d images)", rows)
	}
	var lower mat.TriDense
	chol.LTo(&lower)
	rng := rand.New(rand.NewPCG(1, 2))
	eps := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			eps.Set(i, j, rng.NormFloat64())
		}
	}
	h := new(mat.Dense)
	h.Mul(eps, lower.T())
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			h.Set(i, j, L.Act.Eval(mean[j]+scale*h.At(i, j)))
		}
	}
	// Layers 2…given by hand, not through above(t, 1).Hidden: mlp's
	// forward pass sums in another order (last-bit differences on 47 %
	// of the entries), and the committed logs came from this one.
	for l := 1; l < given; l++ {
		Ll := t.Layer(l)
		next := new(mat.Dense)
		next.Mul(h, Ll.W.T())
		r, c := next.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				next.Set(i, j, Ll.Act.Eval(next.At(i, j)+Ll.B[j]))
			}
		}
		h = next
	}
	return h, nil
}

// printDeterminacy prints how far a network at a few losses on x may sit
// from net along its weakest direction (identify.Determine).
func printDeterminacy(net *mlp.Network, x *mat.Dense) error {
	d, err := identify.Determine(net, x)
	if err != nil {
		return err
	}
	rows, _ := x.Dims()
	fmt.Printf("identify.Determine on %d inputs (%d equations, %d parameters): smallest singular value %.3g; displacement at loss 1e-8 %.3g, 1e-12 %.3g, 1e-16 %.3g\n",
		rows, d.Equations, d.Params, d.SigmaMin, d.Displacement(1e-8), d.Displacement(1e-12), d.Displacement(1e-16))
	return nil
}

// printMatches prints, per layer of rep, how many teacher neurons have a
// match within data-space cosine distance 1e-2 and 1e-3.
func printMatches(rep identify.Report, given int) {
	for l, lay := range rep.Layers {
		fmt.Printf("  teacher layer %d: %d of %d neurons within data-space cosine distance 1e-2, %d within 1e-3 (max %.3g)\n",
			given+l+1, lay.Within(1e-2), len(lay.Matches), lay.Within(1e-3), lay.MaxCosineDistance)
	}
	fmt.Printf("  test relative RMSE %.3g\n", rep.RelRMSE)
}

// above returns the layers of t above hidden layer given (1-based) as a
// network of their own.
func above(t *mlp.Network, given int) (*mlp.Network, error) {
	sizes := []int{t.Layer(given).In}
	var acts []mlp.Activation
	for l := given; l < t.NumLayers(); l++ {
		sizes = append(sizes, t.Layer(l).Out)
		acts = append(acts, t.Layer(l).Act)
	}
	top, err := mlp.New(mlp.Spec{Sizes: sizes, Acts: acts})
	if err != nil {
		return nil, err
	}
	for l := given; l < t.NumLayers(); l++ {
		top.Layer(l - given).W.Copy(t.Layer(l).W)
		copy(top.Layer(l-given).B, t.Layer(l).B)
	}
	return top, nil
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

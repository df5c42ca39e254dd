// Command spread asks how the query distribution shapes one deep student
// of the deep Fashion-MNIST teacher 784 → 30 → 30 → 30 → 10 (g): it
// estimates the span of the teacher's first-layer weights at the first
// -n training images (identify.EstimateSubspace), queries the teacher at
// the images' span coordinates or (-spread S > 0) at as many Gaussian
// points with the coordinates' mean and covariance and S times their
// spread, trains one student 30 → w → w → w → 10 on them by Gauss–Newton
// (float32 curvature products) for -time, and compares it, lifted back to
// the pixels, with the teacher layer by layer on the 10 000 test images in
// data space (teacher neurons within cosine distance 1e-2 and 1e-3).
// Meant to run on one core (GOMAXPROCS=1), two settings side by side.
//
// With -preacts it trains nothing and prints, per hidden layer of the
// teacher, how its neurons' pre-activations spread on the queries: a
// neuron whose pre-activation seldom comes near 0 stays in one regime of g
// (≈ 0 or ≈ z + 1) and looks affine to the layer above, which leaves it
// weakly determined. With checkpoint files as arguments it trains nothing
// and compares those saved span students (identify.Checkpoint, as
// examples/fashionmnist -subspace saves them) with the teacher instead;
// with -importance as well, it prints per teacher neuron how much the
// outputs on the queries depend on it next to each student's distance.
//
//	GOMAXPROCS=1 go run ./results/fashionmnist-deep/spread -width 60 -spread 8 -time 8m
//	go run ./results/fashionmnist-deep/spread -preacts -spread 8
//	go run ./results/fashionmnist-deep/spread OUT/g-r30x3/students-*/student-*.json
//	go run ./results/fashionmnist-deep/spread -importance -spread 4 OUT/g-r30x3/students-*/student-*.json
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func main() {
	log.SetFlags(0)
	teacherPath := flag.String("teacher", "results/fashionmnist-deep/g-r30x3/teacher-g-e10-s1.json", "the deep teacher")
	width := flag.Int("width", 60, "student width of every hidden layer")
	n := flag.Int("n", 30000, "training images (the span is estimated at them) and queries")
	spread := flag.Float64("spread", 0, "Gaussian queries with the images' span mean and covariance, this many times their spread (0: the images themselves)")
	limit := flag.Duration("time", 8*time.Minute, "training time of the student")
	seed := flag.Uint64("seed", 1, "seed of the queries and the student")
	preacts := flag.Bool("preacts", false, "train nothing: print the spread of the teacher's pre-activations on the queries")
	importance := flag.Bool("importance", false, "with student files: print, per teacher neuron, how much the outputs on the queries change when it is held at its mean, next to each student's data-space distance from it on the test images")
	flag.Parse()
	if *spread < 0 || *width < 1 || *n < 2 {
		log.Fatalf("-spread %v, -width %d, -n %d: want spread ≥ 0, width ≥ 1, n ≥ 2", *spread, *width, *n)
	}
	ctx := context.Background()
	t, err := mlp.LoadFile(*teacherPath)
	check(err)
	trainSet, testSet, err := synth.FashionMNIST("")
	check(err)
	synth.ScalePixels(trainSet.X)
	synth.ScalePixels(testSet.X)
	sub, _, z, err := span.ImageSpan(ctx, t, trainSet.X, *n)
	check(err)
	if flag.NArg() > 0 && !*importance {
		compareSaved(t, sub, testSet.X, flag.Args())
		return
	}
	if *spread > 0 {
		z, err = span.Gaussian(z, *spread, *seed, *n)
		check(err)
	}
	x, err := sub.Expand(z)
	check(err)
	y, err := t.Predict(x)
	check(err)
	v := synth.OutputVariance(y)
	fmt.Printf("span %d, %d queries (spread %g; 0: images), output variance %.4g\n", sub.Dim(), *n, *spread, v)
	if *preacts {
		printPreacts(t, x)
		return
	}
	if *importance {
		printImportance(t, sub, x, testSet.X, flag.Args())
		return
	}
	cfg := identify.Config{Activation: t.Layer(0).Act, Widths: []int{*width, *width, *width}, HiddenLayers: 3,
		Students: 2, Gamma: 1, Seed: *seed, Workers: 1, Restarts: -1,
		Train: train.Config{Phases: []train.Phase{{Name: "gn", Optimizer: &train.GaussNewton{SingleCurvature: true},
			Stop: train.StopRules{Loss: train.DefaultStopLoss, MaxIter: 100000, MaxTime: *limit}}}}}
	p := train.NewPrinter(os.Stdout)
	p.Interval = 20 * time.Second
	cfg.Recorder = p
	cp, err := identify.TrainStudent(ctx, z, y, cfg, 0)
	check(err)
	fmt.Printf("student %v: loss %.3g (%.3g of the output variance) in %s\n", cp.Widths, cp.Loss, cp.Loss/v, cp.Elapsed.Round(time.Second))
	printComparison(t, sub, cp.Net, testSet.X)
}

// printComparison lifts the span student net back to the pixels and
// prints how many teacher neurons of each layer it holds within data-space
// cosine distance 1e-2 and 1e-3 on the test images.
func printComparison(t *mlp.Network, sub *identify.Subspace, net *mlp.Network, test *mat.Dense) {
	lifted, err := sub.Lift(net)
	check(err)
	rep, err := identify.CompareIn(identify.DataSpace, t, lifted, test)
	check(err)
	for l, lc := range rep.Layers {
		fmt.Printf("layer %d: %d of %d teacher neurons within 1e-2, %d within 1e-3\n", l+1, lc.Within(1e-2), len(lc.Matches), lc.Within(1e-3))
	}
	fmt.Printf("test relative RMSE %.3g\n", rep.RelRMSE)
}

// compareSaved compares the saved span students in files with t.
func compareSaved(t *mlp.Network, sub *identify.Subspace, test *mat.Dense, files []string) {
	for _, f := range files {
		cp, err := identify.ReadCheckpoint(f)
		check(err)
		fmt.Printf("%s: widths %v, loss %.4g\n", f, cp.Widths, cp.Loss)
		printComparison(t, sub, cp.Net, test)
	}
}

// printImportance prints, per hidden layer of t and per teacher neuron
// (least important first), the RMS change of t's outputs on x when the
// neuron's activation is held at its mean over x, relative to the
// outputs' spread, and the data-space cosine distance on test from each
// saved span student in files: whether the neurons students miss are the
// ones that hardly matter.
func printImportance(t *mlp.Network, sub *identify.Subspace, x, test *mat.Dense, files []string) {
	var reps []identify.Report
	for _, f := range files {
		cp, err := identify.ReadCheckpoint(f)
		check(err)
		lifted, err := sub.Lift(cp.Net)
		check(err)
		rep, err := identify.CompareIn(identify.DataSpace, t, lifted, test)
		check(err)
		reps = append(reps, rep)
	}
	for l := 0; l < t.NumLayers()-1; l++ {
		imp := heldAtMean(t, x, l)
		order := make([]int, len(imp))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return imp[order[a]] < imp[order[b]] })
		fmt.Printf("layer %d: neuron, output change when held at its mean, each student's distance\n", l+1)
		for _, j := range order {
			fmt.Printf("  %2d  %8.2e ", j, imp[j])
			for _, r := range reps {
				fmt.Printf(" %8.1e", r.Layers[l].Matches[j].CosineDistance)
			}
			fmt.Println()
		}
	}
}

// heldAtMean returns, per neuron of hidden layer l of t, the RMS change of
// the outputs on x when that neuron's activation is replaced by its mean
// over x (folded into the next layer's bias), relative to the outputs'
// standard deviation.
func heldAtMean(t *mlp.Network, x *mat.Dense, l int) []float64 {
	var h, y mat.Dense
	check(t.Hidden(nil, &h, x, l))
	check(t.Forward(nil, &y, x))
	v := synth.OutputVariance(&y)
	rows, width := h.Dims()
	out := make([]float64, width)
	var ya mat.Dense
	held := t.Clone()
	next := held.Layer(l + 1)
	for j := range out {
		// Fold neuron j's mean into the next layer's bias, then undo it.
		m := stat.Mean(mat.Col(nil, j, &h), nil)
		w := mat.Col(nil, j, next.W)
		b := slices.Clone(next.B)
		for o := range w {
			next.B[o] += w[o] * m
			next.W.Set(o, j, 0)
		}
		check(held.Forward(nil, &ya, x))
		next.W.SetCol(j, w)
		copy(next.B, b)
		ya.Sub(&ya, &y)
		d := mat.Norm(&ya, 2)
		_, c := ya.Dims()
		out[j] = math.Sqrt(d * d / float64(rows*c) / v)
	}
	return out
}

// printPreacts prints, per hidden layer of t, the median over neurons of
// the standard deviation of their pre-activations on x, the median and
// smallest fraction of inputs on which a neuron's pre-activation lies in
// (−1, 1), and how many neurons have it there for under 2 % of x.
func printPreacts(t *mlp.Network, x *mat.Dense) {
	for l := 0; l < t.NumLayers()-1; l++ {
		var pre mat.Dense
		check(t.PreActivations(nil, &pre, x, l))
		rows, cols := pre.Dims()
		stds, near := make([]float64, cols), make([]float64, cols)
		rare := 0
		for j := 0; j < cols; j++ {
			col := mat.Col(nil, j, &pre)
			inside := 0
			for i := range col {
				if math.Abs(col[i]) < 1 {
					inside++
				}
			}
			stds[j] = stat.StdDev(col, nil)
			near[j] = float64(inside) / float64(rows)
			if near[j] < 0.02 {
				rare++
			}
		}
		sort.Float64s(stds)
		sort.Float64s(near)
		fmt.Printf("layer %d: pre-activation std median %.2f; fraction in (−1, 1) median %.3f, smallest %.4f; %d of %d neurons there for < 2%% of the queries\n",
			l+1, stds[cols/2], near[cols/2], near[0], rare, cols)
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

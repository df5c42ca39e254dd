// Command stitch measures data-space stitching on the committed deep
// Fashion-MNIST span students (run 2, or the student files given as
// arguments): pair the two students' neurons by
// the uncentred correlation of their pre-activations on the 30 000 probe
// images at every layer (mutual nearest neighbours within cosine distance
// -tau) — or, with -min m, group all the students' neurons by average
// linkage cut at -tau and keep the groups of m or more students — average
// each pair's (group's) pre-activations, fit each stitched layer's
// incoming weights to them by least squares on the stitched layer below
// and the readout to the teacher's outputs, then optionally fine-tune
// (-finetune) and compare with the teacher in data space on the test
// images, as examples/fashionmnist does. It is an experiment, not a
// route identify offers: run it from the repository root,
//
//	go run ./results/fashionmnist-deep/stitch -tau 0.3 -finetune 10m
//	go run ./results/fashionmnist-deep/stitch -tau 0.01 -min 2 -spread 4 -finetune 10m STUDENT.json...
//
// With -spread S the students are span students trained on Gaussian
// queries S times wider than the images (examples/fashionmnist -gaussian
// S): the pre-activations are taken, and the fine-tune runs, on 30 000
// (-queries) such queries instead of the images. With -above L the layers
// from L up are stitched instead from -above-students new students trained
// on the activations of the stitched layer L−1 (the layer-by-layer
// recovery of the paper, stitching in place of its retraining); with -base
// FILE the layers below L come from a network saved earlier with -save
// instead (without -above: the whole network, its readout refitted);
// -above-dir keeps those new students, so that later runs regroup them
// without training, and -above-table prints how many groups of their
// neurons each cut keeps, held by how many of them (agree.go). With
// -prune F the (fine-tuned) network then loses hidden neurons one at a time
// while its loss stays within F times its value before (prune.go), and
// -prune-finetune trains it on; -prune-cycles repeats the two. With -bend N
// the fine-tune and pruning also see bend queries (bend.go): for each
// neuron of -bend-layers that the queries keep out of g's bend almost
// always, N more queries from the same distribution that put it there.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/results/fashionmnist-deep/internal/span"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

const dir = "results/fashionmnist-deep/g-r30x3/"

func main() {
	tau := flag.Float64("tau", 1e-2, "largest cosine distance of a pair (with -min: the linkage cut)")
	ft := flag.Duration("finetune", 0, "fine-tune time")
	single := flag.Int("single", -1, "stitch one student's neurons alone (index)")
	minStudents := flag.Int("min", 0, "group all students' neurons by average linkage cut at -tau and keep groups holding this many students (0: mutual nearest pairs of two students)")
	above := flag.Int("above", 0, "stitch only the layers below this one (1-based) from the given students; train -above-students new students of the layers from it up on the stitched layer's activations and stitch those from them (0: none)")
	aboveStudents := flag.Int("above-students", 4, "students of the layers above -above")
	aboveWidth := flag.Int("above-width", 120, "width of every hidden layer of those students")
	aboveTime := flag.Duration("above-time", 10*time.Minute, "training time of each of them (two at once)")
	aboveStd := flag.Bool("above-standardize", false, "train those students on the stitched activations standardised (each to zero mean, unit variance; folded back into their first layer afterwards)")
	aboveTable := flag.Bool("above-table", false, "with -above: print, before stitching each layer from -above up, how many groups of the new students' neurons each linkage cut and each -min would keep, and the max-clusters cut's count for each share of the students (the data's choices), with how many teacher neurons they hold (a diagnostic)")
	aboveDir := flag.String("above-dir", "", "with -above: keep those students in this directory (student-I.json); a student already there is read instead of trained, so a stopped run loses no finished student (one directory per -base and -above: only the sizes are checked)")
	diagnose := flag.Bool("diagnose", false, "print, for each stitched neuron of layers 2–3, its cosine distance to the nearest teacher neuron (pre-activations on the queries) and its largest centred correlation with a stitched neuron of the layer below (a pass-through copy)")
	queries := flag.Int("queries", 30000, "Gaussian queries with -spread")
	pruneFactor := flag.Float64("prune", 0, "after the fine-tune, remove hidden neurons one at a time while the loss stays within this factor of its value before (0: no pruning; see prune)")
	pruneFT := flag.Duration("prune-finetune", 0, "fine-tune time after pruning")
	save := flag.String("save", "", "write the final network, lifted to pixel space, to this file (refused if it exists); with several -prune-cycles also each cycle's, to FILE without .json plus -cycleN.json")
	base := flag.String("base", "", "take the hidden layers (with -above L: the layers below L) from this saved network (784 inputs, three hidden layers, as -save writes) instead of stitching them; the readout is refitted")
	merge := flag.Bool("merge", false, "with -prune: also try merging the closest pairs of neurons of a layer into one (see prune)")
	cycles := flag.Int("prune-cycles", 1, "with -prune: prune and fine-tune (-prune-finetune) this many times, stopping early when a pruning removes nothing")
	pruneStep := flag.Float64("prune-step", 0, "with -prune: also stop before a removal that multiplies the loss by more than this (the knee of the loss curve; 0: no such stop)")
	pruneRetrain := flag.Int("prune-retrain", 0, "with -prune: Gauss–Newton steps after each removal before its loss is judged (0: none)")
	pruneReport := flag.Bool("prune-report", false, "with -prune: compare the network with the teacher after every removal")
	pruneLayers := flag.String("prune-layers", "", "with -prune: only these hidden layers (1-based, comma-separated) lose neurons (empty: all)")
	spread := flag.Float64("spread", 0, "Gaussian span queries this many times wider than the images instead of the images (0: the images)")
	bend := flag.Int("bend", 0, "add this many bend queries per rarely bent neuron of -bend-layers before the fine-tune (see bendQueries; 0: none)")
	bendLayers := flag.String("bend-layers", "2", "with -bend: the hidden layers (1-based, comma-separated) whose neurons get bend queries")
	bendBelow := flag.Float64("bend-below", 0.05, "with -bend: neurons the queries put in g's bend less often than this get bend queries")
	keepFiles := flag.String("keep", "", "with -prune: comma-separated saved networks (as -save writes); a neuron one of them holds within -keep-tau is never removed (see heldElsewhere)")
	keepTau := flag.Float64("keep-tau", 1e-3, "with -keep: largest uncentred cosine distance of the pre-activations on the queries")
	unbendBelow := flag.Float64("unbend", 0, "before the fine-tune (and each -prune-finetune), move into g's bend the neurons the queries keep on one side of it for all but this fraction (see unbend; 0: none)")
	unbendLayers := flag.String("unbend-layers", "2,3", "with -unbend: the hidden layers (1-based, comma-separated) whose neurons may move")
	saveSteps := flag.Bool("prune-save-steps", false, "with -prune and -save: also write the network after each removal, to FILE without .json plus -W1xW2xW3.json (its widths)")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		for i := 0; i < 2; i++ {
			files = append(files, fmt.Sprintf("%sstudents-gn-n2-p30000-e400-t25m0s-g1-subspace/student-%05d.json", dir, i))
		}
	}
	grouped := len(files) // the students -min counts: with -base and -above only the new ones
	if *base != "" && *above > 0 {
		grouped = *aboveStudents
	}
	if !(*tau > 0 && *tau <= 2) || *single < -1 || *single >= len(files) || *ft < 0 || *minStudents < 0 || *minStudents > grouped ||
		(*minStudents == 0 && grouped != 2) || *spread < 0 || *queries < 1 ||
		(*pruneFactor != 0 && !(*pruneFactor >= 1)) || *pruneFT < 0 || (*pruneFT > 0 && *pruneFactor == 0) ||
		*cycles < 1 || ((*merge || *cycles > 1) && *pruneFactor == 0) ||
		*above < 0 || *above == 1 || *above > 3 || (*above > 0 && (*aboveStudents < *minStudents || *aboveWidth < 1 || *aboveTime <= 0)) {
		check(fmt.Errorf("stitch: -tau %g must be in (0, 2], -single %d in -1…%d, -finetune %s not negative, -min %d in 0…%d (0 needs two students), -spread %g not negative, -queries %d positive, -above %d 0, 2 or 3 (with -above-students ≥ -min, positive width and time), -prune %g 0 or at least 1, -prune-finetune %s not negative and only with -prune, -prune-cycles %d positive (-merge and several cycles only with -prune)",
			*tau, *single, len(files)-1, *ft, *minStudents, grouped, *spread, *queries, *above, *pruneFactor, *pruneFT, *cycles))
	}
	only, err := layerList("-prune-layers", *pruneLayers)
	check(err)
	if ((len(only) > 0 || *pruneStep != 0 || *pruneRetrain != 0 || *pruneReport) && *pruneFactor == 0) ||
		(*pruneStep != 0 && !(*pruneStep > 1)) || *pruneRetrain < 0 || (*keepFiles != "" && *pruneFactor == 0) || (*saveSteps && (*pruneFactor == 0 || *save == "")) || !(*unbendBelow >= 0 && *unbendBelow < 1) || !(*keepTau > 0 && *keepTau < 1) {
		check(fmt.Errorf("stitch: -prune-layers %q, -prune-step %g, -prune-retrain %d, -prune-report and -keep only with -prune, -prune-save-steps only with -prune and -save, -unbend in [0, 1), -prune-step 0 or over 1, -prune-retrain not negative, -keep-tau %g in (0, 1)", *pruneLayers, *pruneStep, *pruneRetrain, *keepTau))
	}
	if *aboveDir != "" {
		if *above == 0 {
			check(fmt.Errorf("stitch: -above-dir %s only with -above", *aboveDir))
		}
		check(os.MkdirAll(*aboveDir, 0o755))
	}
	bendOn, err := layerList("-bend-layers", *bendLayers)
	check(err)
	unbendOn, err := layerList("-unbend-layers", *unbendLayers)
	check(err)
	if *bend < 0 || !(*bendBelow > 0 && *bendBelow <= 1) || (*bend > 0 && *spread == 0) {
		check(fmt.Errorf("stitch: -bend %d must not be negative and needs -spread, -bend-below %g in (0, 1]", *bend, *bendBelow))
	}
	for c := 0; *save != "" && c <= *cycles; c++ {
		if _, err := os.Stat(savePath(*save, c, *cycles)); err == nil {
			check(fmt.Errorf("stitch: -save %s exists: not overwriting it", savePath(*save, c, *cycles)))
		}
	}
	ctx := context.Background()
	t, err := mlp.LoadFile(dir + "teacher-g-e10-s1.json")
	check(err)
	trainSet, testSet, err := synth.FashionMNIST("")
	check(err)
	synth.ScalePixels(trainSet.X)
	synth.ScalePixels(testSet.X)
	sub, imgs, z, err := span.ImageSpan(ctx, t, trainSet.X, 30000)
	check(err)
	x := imgs
	zImgs := z
	if *spread > 0 {
		z, err = span.Gaussian(z, *spread, 1, *queries)
		check(err)
		x, err = sub.Expand(z)
		check(err)
	}
	y, err := synth.Label(t, x)
	check(err)
	v := synth.OutputVariance(y)
	var nets []*mlp.Network
	for i, f := range files {
		if *base != "" {
			break // the layers below -above come from the base; the rest from new students
		}
		cp, err := identify.ReadCheckpoint(f)
		check(err)
		l, _ := cp.Net.Loss(nil, z, y)
		fmt.Printf("student %d: checkpoint loss %.4g, loss here %.4g\n", i, cp.Loss, l)
		nets = append(nets, cp.Net)
	}
	act := t.Layer(0).Act
	var baseIns []*mat.Dense
	if *base != "" {
		baseIns = loadBase(*base, sub, t)
	}
	h := z            // recovered layer below, on the probes
	in, first := z, 0 // the students' inputs and their first layer's index here
	var ins []*mat.Dense
	for l := 0; l < 3; l++ {
		if baseIns != nil && (*above == 0 || l+1 < *above) {
			ins = append(ins, baseIns[l])
			h = forward(h, baseIns[l], act)
			fmt.Printf("layer %d: %d neurons from %s\n", l+1, h.RawMatrix().Cols, *base)
			continue
		}
		if l+1 == *above {
			nets = trainAbove(ctx, h, y, act, 3-l, *aboveStudents, *aboveWidth, *aboveTime, *aboveStd, *aboveDir)
			in, first = h, l
		}
		var ps []*mat.Dense
		for _, n := range nets {
			ps = append(ps, preact(n, in, l-first))
		}
		var targets [][]float64
		switch {
		case *single >= 0:
			targets = columnsOf(ps[*single])
		case *minStudents > 0:
			targets = groups(ps, *tau, *minStudents)
		default:
			targets = pairs(ps[0], ps[1], *tau)
		}
		if len(targets) == 0 {
			check(fmt.Errorf("layer %d: no pair within cosine distance %g: raise -tau", l+1, *tau))
		}
		if *aboveTable && *above > 0 && l+1 >= *above {
			var tp mat.Dense
			check(t.PreActivations(nil, &tp, x, l))
			printAgreement(ps, &tp)
		}
		if *diagnose && l > 0 {
			var tp mat.Dense
			check(t.PreActivations(nil, &tp, x, l))
			printPassThrough(targets, &tp, h)
		}
		incoming := fitIncoming(h, columns(targets))
		ins = append(ins, incoming)
		h = forward(h, incoming, act)
		fmt.Printf("layer %d: %d neurons\n", l+1, len(targets))
	}
	net := build(ins, act, h, y)
	if *bend > 0 {
		draw := func(n int, seed uint64) (*mat.Dense, error) { return span.Gaussian(zImgs, *spread, seed, n) }
		// Seeds from 1000 on: the fitting queries use seed 1.
		z, y = addBendQueries(net, t, sub, z, y, draw, bendOptions{layers: bendOn, below: *bendBelow, each: *bend, pool: 5000000, seed: 1000})
	}
	if *unbendBelow > 0 {
		moveOneSided(net, z, y, *unbendBelow, unbendOn)
	}
	loss, _ := net.Loss(nil, z, y)
	fmt.Printf("stitched: loss %.4g (rel %.4g)\n", loss, loss/v)
	report(sub, t, net, testSet.X)
	if *ft > 0 {
		fineTune(ctx, net, z, y, *ft, v)
		report(sub, t, net, testSet.X)
	}
	var keep func(int, *mat.Dense) []bool
	if *keepFiles != "" {
		var refs []*mlp.Network
		for _, f := range strings.Split(*keepFiles, ",") {
			refs = append(refs, netFrom(loadBase(f, sub, t), act))
		}
		keep = heldElsewhere(refs, z, *keepTau)
		describeKept(net, z, keep)
	}
	for c := 0; *pruneFactor > 0 && c < *cycles; c++ {
		before := net.NumParams()
		opts := pruneOptions{factor: *pruneFactor, step: *pruneStep, merge: *merge, only: only, retrain: *pruneRetrain, keep: keep}
		opts.onStep = func(n *mlp.Network) {
			if *pruneReport {
				report(sub, t, n, testSet.X)
			}
			if *saveSteps {
				saveLifted(sub, n, stepPath(*save, hiddenWidths(n)))
			}
		}
		net = prune(net, z, y, opts)
		if net.NumParams() == before {
			break
		}
		report(sub, t, net, testSet.X)
		if *pruneFT > 0 {
			if *unbendBelow > 0 {
				moveOneSided(net, z, y, *unbendBelow, unbendOn)
			}
			fineTune(ctx, net, z, y, *pruneFT, v)
			report(sub, t, net, testSet.X)
		}
		if *save != "" && *cycles > 1 {
			saveLifted(sub, net, savePath(*save, c+1, *cycles))
		}
	}
	if *save != "" {
		saveLifted(sub, net, *save)
	}
}

// layerList parses the flag name's value: comma-separated hidden layers,
// 1 to 3.
func layerList(name, s string) ([]int, error) {
	var only []int
	if s == "" {
		return nil, nil
	}
	for _, f := range strings.Split(s, ",") {
		l, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || l < 1 || l > 3 {
			return nil, fmt.Errorf("stitch: %s %q: %q is not a hidden layer (1, 2 or 3)", name, s, f)
		}
		only = append(only, l)
	}
	return only, nil
}

// savePath is where -save FILE keeps the network after pruning cycle c
// (1-based) of n, when there are several: a long run keeps each; cycle 0
// is FILE itself, the final network.
func savePath(file string, c, n int) string {
	if c == 0 || n == 1 {
		return file
	}
	return strings.TrimSuffix(file, ".json") + fmt.Sprintf("-cycle%d.json", c)
}

// stepPath is where -prune-save-steps keeps the network of the given hidden
// widths: FILE without .json plus -W1xW2xW3.json.
func stepPath(file string, widths []int) string {
	w := make([]string, len(widths))
	for i, v := range widths {
		w[i] = strconv.Itoa(v)
	}
	return strings.TrimSuffix(file, ".json") + "-" + strings.Join(w, "x") + ".json"
}

// saveLifted writes net, lifted to pixel space, to path.
func saveLifted(sub *identify.Subspace, net *mlp.Network, path string) {
	lifted, err := sub.Lift(net)
	check(err)
	check(lifted.SaveFile(path))
}

// loadBase reads a network saved by -save and returns its layers' incoming
// vectors on the span coordinates (the first layer's weights W·U: the span's
// basis U is orthonormal, so this undoes Lift).
func loadBase(path string, sub *identify.Subspace, t *mlp.Network) []*mat.Dense {
	n, err := mlp.LoadFile(path)
	check(err)
	if n.InputDim() != t.InputDim() || n.NumLayers() != t.NumLayers() || n.OutputDim() != t.OutputDim() {
		check(fmt.Errorf("stitch: network %s: sizes %v, the teacher's %v: need the same inputs, outputs and number of layers", path, n.Sizes(), t.Sizes()))
	}
	for l := 0; l < n.NumLayers(); l++ {
		if n.Layer(l).B == nil {
			check(fmt.Errorf("stitch: network %s: layer %d has no bias: stitch's networks all have one", path, l+1))
		}
	}
	ins := incomings(n)
	L := n.Layer(0)
	var w mat.Dense
	w.Mul(L.W, sub.Basis)
	k := sub.Dim()
	first := mat.NewDense(L.Out, k+1, nil)
	first.Slice(0, L.Out, 0, k).(*mat.Dense).Copy(&w)
	first.SetCol(k, L.B)
	ins[0] = first
	return ins
}

// fineTuner is the optimiser of every fine-tune and retraining: Gauss–Newton
// with float32 curvature products and long CG solves.
func fineTuner() *train.GaussNewton { return &train.GaussNewton{SingleCurvature: true, MaxCG: 500} }

// fineTune trains net on (z, y) for up to limit (Gauss–Newton, float32
// curvature, one CG solve of up to 500 steps) and prints the loss, also
// relative to the output variance v.
func fineTune(ctx context.Context, net *mlp.Network, z, y *mat.Dense, limit time.Duration, v float64) {
	cfg := train.Config{Phases: []train.Phase{{Name: "ft", Optimizer: fineTuner(),
		Stop: train.StopRules{MaxTime: limit, MaxIter: 100000, Patience: 20, MinRelImprove: 0.01}}}}
	p := train.NewPrinter(os.Stdout)
	p.Interval = 30 * time.Second
	cfg.Recorder = p
	r, err := train.Train(ctx, net, z, y, cfg)
	check(err)
	fmt.Printf("fine-tuned: loss %.4g (rel %.4g)\n", r.Loss, r.Loss/v)
}

func report(sub *identify.Subspace, t, net *mlp.Network, test *mat.Dense) {
	lifted, err := sub.Lift(net)
	check(err)
	cmp, err := identify.CompareIn(identify.DataSpace, t, lifted, test)
	check(err)
	for i, l := range cmp.Layers {
		fmt.Printf("  layer %d: width %d, within 1e-2 %d, 1e-3 %d\n", i+1, lifted.Layer(i).Out, l.Within(1e-2), l.Within(1e-3))
	}
	labels, err := synth.Predictions(t, test)
	check(err)
	agree, err := synth.Accuracy(lifted, test, labels)
	check(err)
	fmt.Printf("  test rel RMSE %.4g, label agreement %.2f%%\n", cmp.RelRMSE, 100*agree)
}

// preact returns layer l's pre-activations of net on x.
func preact(net *mlp.Network, x *mat.Dense, l int) *mat.Dense {
	var p mat.Dense
	check(net.PreActivations(nil, &p, x, l))
	return &p
}

// trainAbove trains n students of the given number of hidden layers, each
// width wide, on the stitched activations h and the teacher's outputs y
// (Gauss–Newton with float32 curvature, limit each, two at once) and
// returns them. With standardize they train on h standardised per column
// and get the standardisation folded into their first layer, so they take
// h as it is.
func trainAbove(ctx context.Context, h, y *mat.Dense, act mlp.Activation, hidden, n, width int, limit time.Duration, standardize bool, dir string) []*mlp.Network {
	var std *synth.Standardizer
	if standardize {
		var err error
		std, err = synth.FitStandardizer(h)
		check(err)
		h = mat.DenseCopyOf(h)
		check(std.Apply(h))
	}
	widths := make([]int, hidden)
	for i := range widths {
		widths[i] = width
	}
	cfg := identify.Config{Activation: act, Widths: widths, HiddenLayers: hidden, Students: n, Gamma: 1, Seed: 1, Restarts: -1,
		Train: train.Config{Phases: []train.Phase{{Name: "gn", Optimizer: &train.GaussNewton{SingleCurvature: true},
			Stop: train.StopRules{Loss: train.DefaultStopLoss, MaxIter: 100000, MaxTime: limit}}}}}
	p := train.NewPrinter(os.Stdout)
	p.Interval = time.Minute
	cfg.Recorder = p
	nets := make([]*mlp.Network, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if nets[i] = readAbove(dir, i, h.RawMatrix().Cols, hidden, y.RawMatrix().Cols); nets[i] != nil {
					continue
				}
				cp, err := identify.TrainStudent(ctx, h, y, cfg, i)
				check(err)
				nets[i] = cp.Net
				if std != nil {
					foldStandardizer(cp.Net.Layer(0), std)
				}
				if dir != "" {
					check(cp.Net.SaveFile(abovePath(dir, i)))
				}
			}
		}()
	}
	for i := range nets {
		next <- i
	}
	close(next)
	wg.Wait()
	return nets
}

// abovePath is where -above-dir keeps student i.
func abovePath(dir string, i int) string { return fmt.Sprintf("%s/student-%d.json", dir, i) }

// readAbove returns student i of -above-dir if it is there (nil if dir is
// empty or the file is missing), refusing one whose sizes do not fit: a
// directory from another -above or another base network.
func readAbove(dir string, i, in, hidden, out int) *mlp.Network {
	if dir == "" {
		return nil
	}
	n, err := mlp.LoadFile(abovePath(dir, i))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	check(err)
	if n.InputDim() != in || n.NumLayers() != hidden+1 || n.OutputDim() != out {
		check(fmt.Errorf("stitch: %s: sizes %v, want %d inputs, %d hidden layers, %d outputs", abovePath(dir, i), n.Sizes(), in, hidden, out))
	}
	fmt.Printf("above student %d: read from %s\n", i, abovePath(dir, i))
	return n
}

// foldStandardizer rewrites a first layer L that takes standardised inputs
// (x − Mean)/Std so that it takes x: W ↦ W/Std column by column, b ↦ b −
// (W/Std)·Mean.
func foldStandardizer(L *mlp.Layer, s *synth.Standardizer) {
	for i := 0; i < L.Out; i++ {
		row := L.W.RawRowView(i)
		for j := range row {
			row[j] /= s.Std[j]
			L.B[i] -= row[j] * s.Mean[j]
		}
	}
}

// printPassThrough prints, per stitched target (pre-activations), the
// uncentred cosine distance to the nearest column of teacher and the
// largest centred correlation with a column of below, sorted by the
// latter.
func printPassThrough(targets [][]float64, teacher, below *mat.Dense) {
	type row struct{ dist, corr float64 }
	var rows []row
	tcols, bcols := columnsOf(teacher), columnsOf(below)
	for _, u := range targets {
		r := row{dist: 2}
		for _, v := range tcols {
			r.dist = min(r.dist, 1-floats.Dot(u, v)/(floats.Norm(u, 2)*floats.Norm(v, 2)))
		}
		for _, v := range bcols {
			r.corr = max(r.corr, math.Abs(stat.Correlation(u, v, nil)))
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].corr > rows[b].corr })
	for _, r := range rows {
		fmt.Printf("    teacher distance %.2e  pass-through correlation %.6f\n", r.dist, r.corr)
	}
}

// columnsOf returns the columns of m, each copied out once.
func columnsOf(m *mat.Dense) [][]float64 {
	_, c := m.Dims()
	cols := make([][]float64, c)
	for j := range cols {
		cols[j] = mat.Col(nil, j, m)
	}
	return cols
}

// groups returns the averaged pre-activations of the groups of neurons
// (columns of ps, one matrix per student) that average linkage under the
// uncentred cosine distance joins below tau, keeping the groups that hold
// neurons of at least minStudents students (the clustering's γN).
func groups(ps []*mat.Dense, tau float64, minStudents int) [][]float64 {
	rows, owner := stackColumns(ps)
	tree, err := cluster.Linkage(rows, cluster.Average, cluster.Cosine)
	check(err)
	return groupMeans(rows, keptGroups(cluster.Groups(tree.CutHeight(tau)), owner, minStudents))
}

// pairs returns the averaged pre-activations of the mutual nearest pairs
// (by uncentred correlation) within cosine distance tau.
func pairs(a, b *mat.Dense, tau float64) [][]float64 {
	_, ca := a.Dims()
	_, cb := b.Dims()
	na, nb := colNorms(a), colNorms(b)
	var g mat.Dense
	g.Mul(a.T(), b)
	bestA := make([]int, ca)
	bestB := make([]int, cb)
	for j := range bestB {
		bestB[j] = -1
	}
	dist := func(i, j int) float64 { return 1 - g.At(i, j)/(na[i]*nb[j]) }
	for i := 0; i < ca; i++ {
		bestA[i] = 0
		for j := 1; j < cb; j++ {
			if dist(i, j) < dist(i, bestA[i]) {
				bestA[i] = j
			}
		}
	}
	for j := 0; j < cb; j++ {
		for i := 0; i < ca; i++ {
			if bestB[j] < 0 || dist(i, j) < dist(bestB[j], j) {
				bestB[j] = i
			}
		}
	}
	var out [][]float64
	for i := 0; i < ca; i++ {
		j := bestA[i]
		if bestB[j] == i && dist(i, j) <= tau {
			u, w := mat.Col(nil, i, a), mat.Col(nil, j, b)
			for k := range u {
				u[k] = (u[k] + w[k]) / 2
			}
			out = append(out, u)
		}
	}
	return out
}

func colNorms(a *mat.Dense) []float64 {
	_, c := a.Dims()
	n := make([]float64, c)
	for j := range n {
		n[j] = mat.Norm(a.ColView(j), 2)
	}
	return n
}

// fitIncoming returns [W | b] (one row per column of targets) fitting
// targets on [h, 1] by least squares.
func fitIncoming(h, targets *mat.Dense) *mat.Dense {
	a := withOnes(h)
	var qr mat.QR
	qr.Factorize(a)
	var beta mat.Dense
	if err := qr.SolveTo(&beta, false, targets); err != nil {
		if _, ok := err.(mat.Condition); !ok {
			check(err)
		}
		// Duplicated columns (a network's copies of one neuron): the
		// minimum-norm solution shares their weight.
		var svd mat.SVD
		if !svd.Factorize(a, mat.SVDThin) {
			check(fmt.Errorf("stitch: least squares: SVD failed"))
		}
		beta.Reset()
		svd.SolveTo(&beta, targets, svd.Rank(1e-12))
	}
	return mat.DenseCopyOf(beta.T())
}

// columns stacks vectors as the columns of a matrix.
func columns(vs [][]float64) *mat.Dense {
	m := mat.NewDense(len(vs[0]), len(vs), nil)
	for j, v := range vs {
		m.SetCol(j, v)
	}
	return m
}

func forward(h, in *mat.Dense, act mlp.Activation) *mat.Dense {
	r, c := h.Dims()
	k, _ := in.Dims()
	out := mat.NewDense(r, k, nil)
	out.Mul(h, in.Slice(0, k, 0, c).(*mat.Dense).T())
	for i := 0; i < r; i++ {
		row := out.RawRowView(i)
		for j := range row {
			row[j] = act.Eval(row[j] + in.At(j, c))
		}
	}
	return out
}

// build returns the network of the stitched layers ins, its readout the
// least-squares fit of y on top, the stitched top layer's activations (main
// computed them while stitching).
func build(ins []*mat.Dense, act mlp.Activation, top, y *mat.Dense) *mlp.Network {
	return netFrom(append(ins, fitIncoming(top, y)), act)
}

// setLayer writes incoming vectors [W | b] into L.
func setLayer(L *mlp.Layer, in *mat.Dense) {
	for j := 0; j < L.Out; j++ {
		copy(L.W.RawRowView(j), in.RawRowView(j)[:L.In])
		L.B[j] = in.At(j, L.In)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

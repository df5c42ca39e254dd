package deepstitch

import (
	"context"
	"errors"
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
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Options are one stitch run's settings: the stitch tool's flags, one
// field per flag (see its -help for each).
type Options struct {
	Tau, Spread                           float64
	FineTune                              time.Duration
	Single, MinStudents                   int
	Above, AboveStudents, AboveWidth      int
	AboveTime                             time.Duration
	AboveSeed                             uint64
	AboveWorkers                          int // students trained at once (0: two)
	AboveStandardize, AboveTable          bool
	AboveDir                              string
	Diagnose                              bool
	Queries                               int
	PruneFactor                           float64
	PruneFineTune                         time.Duration
	Save, Base                            string
	Merge                                 bool
	PruneCycles                           int
	PruneStep                             float64
	PruneRetrain                          int
	PruneReport, PruneSaveSteps           bool
	PruneLayers, BendLayers, UnbendLayers []int
	Bend                                  int
	BendBelow                             float64
	Keep                                  []string
	KeepTau, Unbend                       float64
	// Refill, when positive, rebuilds that hidden layer (1-based) before
	// the fine-tune: its neurons no Keep network holds within KeepTau
	// taken out, neurons added back by forward selection from those and
	// the Keep networks' (see Refill) until an addition divides the loss by
	// less than RefillGain. It needs Keep.
	Refill     int
	RefillGain float64
	// Students are the span students' files (identify checkpoints) and
	// Nets span students given as networks; the layers Above or Base does
	// not give come from them, the files' first.
	Students []string
	Nets     []*mlp.Network
	// FineTuneSteps, PruneFineTuneSteps and AboveSteps, when positive,
	// bound the fine-tunes (after stitching, after each pruning cycle) and
	// the layer students in Gauss–Newton steps as well as in time: a run
	// bounded by steps, not by its time, gives the same networks on any
	// machine.
	FineTuneSteps, PruneFineTuneSteps, AboveSteps int
	// Threads is the number of goroutines each fine-tune and pruning
	// retrain shares its curvature products among (train.GaussNewton's
	// Threads; 0: one). It does not change the results.
	Threads int
}

// Defaults returns the stitch tool's default settings.
func Defaults() Options {
	return Options{Tau: 1e-2, Single: -1, AboveStudents: 4, AboveWidth: 120, AboveTime: 10 * time.Minute, AboveSeed: 1, Queries: 30000,
		PruneCycles: 1, BendLayers: []int{2}, BendBelow: 0.05, KeepTau: 1e-3, UnbendLayers: []int{2, 3}}
}

// Validate says which settings are impossible or contradictory.
func (o Options) Validate() error {
	given := len(o.Students) + len(o.Nets)
	grouped := given // the students -min counts: with -base and -above only the new ones
	if o.Base != "" && o.Above > 0 {
		grouped = o.AboveStudents
	}
	stitches := o.Base == "" || o.Above > 0 // some layer is stitched from students
	if !(o.Tau > 0 && o.Tau <= 2) || o.Single < -1 || o.Single >= given || o.FineTune < 0 || o.MinStudents < 0 || o.MinStudents > grouped ||
		(stitches && o.MinStudents == 0 && grouped != 2) || o.Spread < 0 || o.Queries < 1 ||
		(o.PruneFactor != 0 && !(o.PruneFactor >= 1)) || o.PruneFineTune < 0 || (o.PruneFineTune > 0 && o.PruneFactor == 0) ||
		o.PruneCycles < 1 || ((o.Merge || o.PruneCycles > 1) && o.PruneFactor == 0) ||
		o.Above < 0 || o.Above == 1 || o.Above > 3 || (o.Above > 0 && (o.AboveStudents < o.MinStudents || o.AboveWidth < 1 || o.AboveTime <= 0)) {
		return fmt.Errorf("stitch: -tau %g must be in (0, 2], -single %d in -1…%d, -finetune %s not negative, -min %d in 0…%d (0 needs two students), -spread %g not negative, -queries %d positive, -above %d 0, 2 or 3 (with -above-students ≥ -min, positive width and time), -prune %g 0 or at least 1, -prune-finetune %s not negative and only with -prune, -prune-cycles %d positive (-merge and several cycles only with -prune)",
			o.Tau, o.Single, given-1, o.FineTune, o.MinStudents, grouped, o.Spread, o.Queries, o.Above, o.PruneFactor, o.PruneFineTune, o.PruneCycles)
	}
	if ((len(o.PruneLayers) > 0 || o.PruneStep != 0 || o.PruneRetrain != 0 || o.PruneReport) && o.PruneFactor == 0) ||
		(o.PruneStep != 0 && !(o.PruneStep > 1)) || o.PruneRetrain < 0 || (len(o.Keep) > 0 && o.PruneFactor == 0 && o.Refill == 0) || (o.PruneSaveSteps && (o.PruneFactor == 0 || o.Save == "")) || !(o.Unbend >= 0 && o.Unbend < 1) || !(o.KeepTau > 0 && o.KeepTau < 1) {
		return fmt.Errorf("stitch: -prune-layers %v, -prune-step %g, -prune-retrain %d, -prune-report only with -prune, -keep only with -prune or -refill, -prune-save-steps only with -prune and -save, -unbend %g in [0, 1), -prune-step 0 or over 1, -prune-retrain not negative, -keep-tau %g in (0, 1)", o.PruneLayers, o.PruneStep, o.PruneRetrain, o.Unbend, o.KeepTau)
	}
	if o.FineTuneSteps < 0 || o.PruneFineTuneSteps < 0 || o.AboveSteps < 0 || o.Threads < 0 {
		return fmt.Errorf("stitch: fine-tune steps %d, prune fine-tune steps %d, layer students' steps %d and threads %d must not be negative",
			o.FineTuneSteps, o.PruneFineTuneSteps, o.AboveSteps, o.Threads)
	}
	if o.Refill < 0 || o.Refill > 3 || (o.Refill > 0 && (len(o.Keep) == 0 || !(o.RefillGain > 1))) || (o.Refill == 0 && o.RefillGain != 0) {
		return fmt.Errorf("stitch: -refill %d: 0 or a hidden layer (1, 2 or 3), and then with -keep and -refill-gain over 1 (%g); -refill-gain only with -refill", o.Refill, o.RefillGain)
	}
	if o.AboveDir != "" && o.Above == 0 {
		return fmt.Errorf("stitch: -above-dir %s only with -above", o.AboveDir)
	}
	if o.Bend < 0 || !(o.BendBelow > 0 && o.BendBelow <= 1) || (o.Bend > 0 && o.Spread == 0) {
		return fmt.Errorf("stitch: -bend %d must not be negative and needs -spread, -bend-below %g in (0, 1]", o.Bend, o.BendBelow)
	}
	for _, ls := range [][]int{o.PruneLayers, o.BendLayers, o.UnbendLayers} {
		for _, l := range ls {
			if l < 1 || l > 3 {
				return fmt.Errorf("stitch: hidden layer %d in %v: want 1, 2 or 3", l, ls)
			}
		}
	}
	for c := 0; o.Save != "" && c <= o.PruneCycles; c++ {
		if _, err := os.Stat(savePath(o.Save, c, o.PruneCycles)); err == nil {
			return fmt.Errorf("stitch: -save %s exists: not overwriting it", savePath(o.Save, c, o.PruneCycles))
		}
	}
	return nil
}

// Data is what every run starts from: the teacher, the test images, the
// span of its first-layer weights, the queries (span coordinates) with
// their pixels and the teacher's outputs there.
type Data struct {
	Teacher *mlp.Network
	Test    *mat.Dense
	Sub     *identify.Subspace
	// ZImages are the first 30 000 training images' span coordinates; Z
	// the queries' (ZImages itself when spread is 0), X their pixels and Y
	// the teacher's outputs on them.
	ZImages, Z, X, Y *mat.Dense
	Spread           float64
	// TestLabels are the teacher's labels of the test images, which every
	// comparison measures agreement with.
	TestLabels []int
}

// Setup loads the deep teacher from teacherPath (the committed one is
// span.TeacherPath; any 784 → … → 10 network of three hidden layers with
// biases will do) and Fashion-MNIST, and draws the queries: with spread
// S > 0, n Gaussian span queries S times wider than the images (seed 1),
// else the 30 000 images.
func Setup(ctx context.Context, teacherPath string, spread float64, n int) (d *Data, err error) {
	defer recoverStop(&err)
	if !(spread >= 0) || n < 1 {
		return nil, fmt.Errorf("stitch: spread %g must not be negative, queries %d positive", spread, n)
	}
	t, err := mlp.LoadFile(teacherPath)
	check(err)
	if t.InputDim() != 784 || t.NumLayers() != 4 || t.OutputDim() != 10 {
		return nil, fmt.Errorf("stitch: teacher %s has sizes %v: the stitching handles 784 inputs, three hidden layers and 10 outputs", teacherPath, t.Sizes())
	}
	for l := 0; l < t.NumLayers(); l++ {
		if t.Layer(l).B == nil {
			return nil, fmt.Errorf("stitch: teacher %s: layer %d has no bias", teacherPath, l+1)
		}
	}
	trainSet, testSet, err := synth.FashionMNIST("")
	check(err)
	synth.ScalePixels(trainSet.X)
	synth.ScalePixels(testSet.X)
	sub, imgs, z, err := span.ImageSpan(ctx, t, trainSet.X, 30000)
	check(err)
	d = &Data{Teacher: t, Test: testSet.X, Sub: sub, ZImages: z, Z: z, X: imgs, Spread: spread}
	if spread > 0 {
		d.Z, err = span.Gaussian(z, spread, 1, n)
		check(err)
		d.X, err = sub.Expand(d.Z)
		check(err)
	}
	d.Y, err = synth.Label(t, d.X)
	check(err)
	d.TestLabels, err = synth.Predictions(t, d.Test)
	check(err)
	return d, nil
}

// stop carries an error from a helper to Run (see the package comment).
type stop struct{ err error }

// check stops the run on err.
func check(err error) {
	if err != nil {
		panic(stop{err})
	}
}

// recoverStop turns a helper's stop into *err; other panics go on.
func recoverStop(err *error) {
	if r := recover(); r != nil {
		s, ok := r.(stop)
		if !ok {
			panic(r)
		}
		*err = s.err
	}
}

// Run stitches, fine-tunes, prunes and saves as o says, on d (whose spread
// must be o's), and returns the final network on the span coordinates
// (Data.Sub lifts it to the pixels).
func Run(ctx context.Context, d *Data, o Options) (net *mlp.Network, err error) {
	defer recoverStop(&err)
	check(o.Validate())
	if d.Spread != o.Spread {
		return nil, fmt.Errorf("stitch: data drawn with spread %g, options ask for %g", d.Spread, o.Spread)
	}
	if o.AboveDir != "" {
		check(os.MkdirAll(o.AboveDir, 0o755))
	}
	t, sub, z, y := d.Teacher, d.Sub, d.Z, d.Y
	v := synth.OutputVariance(y)
	var nets []*mlp.Network
	for i, f := range o.Students {
		if o.Base != "" {
			break // the layers below -above come from the base; the rest from new students
		}
		cp, err := identify.ReadCheckpoint(f)
		check(err)
		l, _ := cp.Net.Loss(nil, z, y)
		fmt.Printf("student %d: checkpoint loss %.4g, loss here %.4g\n", i, cp.Loss, l)
		nets = append(nets, cp.Net)
	}
	if o.Base == "" {
		nets = append(nets, o.Nets...)
	}
	act := t.Layer(0).Act
	var baseIns []*mat.Dense
	if o.Base != "" {
		baseIns = loadBase(o.Base, sub, t)
	}
	h := z            // recovered layer below, on the probes
	in, first := z, 0 // the students' inputs and their first layer's index here
	var ins []*mat.Dense
	for l := 0; l < 3; l++ {
		if baseIns != nil && (o.Above == 0 || l+1 < o.Above) {
			ins = append(ins, baseIns[l])
			h = forward(h, baseIns[l], act)
			fmt.Printf("layer %d: %d neurons from %s\n", l+1, h.RawMatrix().Cols, o.Base)
			continue
		}
		if l+1 == o.Above {
			nets, err = TrainStudents(ctx, h, y, act, StudentSpec{Hidden: 3 - l, Width: o.AboveWidth, N: o.AboveStudents, Seed: o.AboveSeed,
				Workers: o.AboveWorkers, Limit: o.AboveTime, Steps: o.AboveSteps, Standardize: o.AboveStandardize, Dir: o.AboveDir})
			check(err)
			in, first = h, l
		}
		var ps []*mat.Dense
		for _, n := range nets {
			ps = append(ps, preact(n, in, l-first))
		}
		var targets [][]float64
		switch {
		case o.Single >= 0:
			targets = columnsOf(ps[o.Single])
		case o.MinStudents > 0:
			targets = groups(ps, o.Tau, o.MinStudents)
		default:
			targets = pairs(ps[0], ps[1], o.Tau)
		}
		if len(targets) == 0 {
			check(fmt.Errorf("layer %d: no pair within cosine distance %g: raise -tau", l+1, o.Tau))
		}
		if o.AboveTable && o.Above > 0 && l+1 >= o.Above {
			var tp mat.Dense
			check(t.PreActivations(nil, &tp, d.X, l))
			printAgreement(ps, &tp)
		}
		if o.Diagnose && l > 0 {
			var tp mat.Dense
			check(t.PreActivations(nil, &tp, d.X, l))
			printPassThrough(targets, &tp, h)
		}
		incoming := fitIncoming(h, columns(targets))
		ins = append(ins, incoming)
		h = forward(h, incoming, act)
		fmt.Printf("layer %d: %d neurons\n", l+1, len(targets))
	}
	net = build(ins, act, h, y)
	if o.Bend > 0 {
		draw := func(n int, seed uint64) (*mat.Dense, error) { return span.Gaussian(d.ZImages, o.Spread, seed, n) }
		// Seeds from 1000 on: the fitting queries use seed 1.
		z, y = addBendQueries(net, t, sub, z, y, draw, bendOptions{layers: o.BendLayers, below: o.BendBelow, each: o.Bend, pool: 5000000, seed: 1000})
	}
	var refs []*mlp.Network
	for _, f := range o.Keep {
		refs = append(refs, loadReference(f, sub, t))
	}
	if o.Refill > 0 {
		steps := refill(net, z, y, refs, RefillOptions{Layer: o.Refill, KeepTau: o.KeepTau, MinGain: o.RefillGain, Threads: o.Threads})
		net = steps[len(steps)-1]
	}
	if o.Unbend > 0 { // after the refill: neurons it brings in may be one-sided
		moveOneSided(net, z, y, o.Unbend, o.UnbendLayers)
	}
	loss, _ := net.Loss(nil, z, y)
	fmt.Printf("stitched: loss %.4g (rel %.4g)\n", loss, loss/v)
	report(d, net)
	if o.FineTune > 0 {
		fineTune(ctx, net, z, y, budget{o.FineTune, o.FineTuneSteps, o.Threads}, v)
		report(d, net)
	}
	var keep func(int, *mat.Dense) []bool
	if len(o.Keep) > 0 && o.PruneFactor > 0 {
		keep = heldElsewhere(refs, z, o.KeepTau)
		describeKept(net, z, keep)
	}
	for c := 0; o.PruneFactor > 0 && c < o.PruneCycles; c++ {
		check(ctx.Err())
		before := net.NumParams()
		opts := pruneOptions{factor: o.PruneFactor, step: o.PruneStep, merge: o.Merge, only: o.PruneLayers, retrain: o.PruneRetrain, keep: keep, threads: o.Threads}
		opts.onStep = func(n *mlp.Network) {
			check(ctx.Err()) // a long pruning stops at the next removal
			if o.PruneReport {
				report(d, n)
			}
			if o.PruneSaveSteps {
				saveLifted(sub, n, stepPath(o.Save, hiddenWidths(n)))
			}
		}
		net = prune(net, z, y, opts)
		if net.NumParams() == before {
			break
		}
		report(d, net)
		if o.PruneFineTune > 0 {
			if o.Unbend > 0 {
				moveOneSided(net, z, y, o.Unbend, o.UnbendLayers)
			}
			fineTune(ctx, net, z, y, budget{o.PruneFineTune, o.PruneFineTuneSteps, o.Threads}, v)
			report(d, net)
		}
		if o.Save != "" && o.PruneCycles > 1 {
			saveLifted(sub, net, savePath(o.Save, c+1, o.PruneCycles))
		}
	}
	if o.Save != "" {
		saveLifted(sub, net, o.Save)
	}
	return net, nil
}

// LayerList parses the flag name's value: comma-separated hidden layers,
// 1 to 3.
func LayerList(name, s string) ([]int, error) {
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

// loadReference reads a -keep network: a span student (on the span
// coordinates, as TrainStudents saves them, of any widths) or a network a
// stage saved (on the teacher's inputs; loadBase). The span students are
// the fits independent of a stage network's lineage that every run has.
func loadReference(path string, sub *identify.Subspace, t *mlp.Network) *mlp.Network {
	n, err := mlp.LoadFile(path)
	check(err)
	if n.InputDim() != sub.Dim() {
		return netFrom(loadBase(path, sub, t), t.Layer(0).Act)
	}
	if n.NumLayers() != t.NumLayers() || n.OutputDim() != t.OutputDim() {
		check(fmt.Errorf("stitch: span network %s: sizes %v, the teacher's %v: need the same outputs and number of layers", path, n.Sizes(), t.Sizes()))
	}
	return n
}

// FineTuner is the optimiser of every fine-tune and retraining: Gauss–Newton
// with float32 curvature products and long CG solves, its products shared
// by threads goroutines. Exported for experiments that vary it.
func FineTuner(threads int) *train.GaussNewton {
	return &train.GaussNewton{SingleCurvature: true, MaxCG: 500, Threads: threads}
}

// budget bounds a fine-tune: its time, its Gauss–Newton steps (0: no
// bound but the time) and the threads it runs on.
type budget struct {
	limit          time.Duration
	steps, threads int
}

// maxSteps is the step bound of StopRules for steps (0: none).
func maxSteps(steps int) int {
	if steps > 0 {
		return steps
	}
	return 100000
}

// fineTune trains net on (z, y) within b (Gauss–Newton, float32
// curvature, one CG solve of up to 500 steps) and prints the loss, also
// relative to the output variance v.
func fineTune(ctx context.Context, net *mlp.Network, z, y *mat.Dense, b budget, v float64) {
	gn := FineTuner(b.threads)
	cg := 0 // CG iterations: a step's cost, which the step budget does not fix
	gn.Trace = func(st *train.GNStep) { cg += st.CG }
	cfg := train.Config{Phases: []train.Phase{{Name: "ft", Optimizer: gn,
		Stop: train.StopRules{MaxTime: b.limit, MaxIter: maxSteps(b.steps), Patience: 20, MinRelImprove: 0.01}}}}
	p := train.NewPrinter(os.Stdout)
	p.Interval = 30 * time.Second
	cfg.Recorder = p
	r, err := train.Train(ctx, net, z, y, cfg)
	check(err)
	fmt.Printf("fine-tuned: loss %.4g (rel %.4g) after %d steps, %d CG iterations, %s\n", r.Loss, r.Loss/v, r.Iter(), cg, r.Elapsed.Round(time.Second))
}

// report prints net (on the span coordinates) compared with the teacher
// (Compare).
func report(d *Data, net *mlp.Network) {
	lifted, err := d.Sub.Lift(net)
	check(err)
	c, err := Compare(d, lifted)
	check(err)
	for i, w := range c.Widths {
		fmt.Printf("  layer %d: width %d, within 1e-2 %d, 1e-3 %d\n", i+1, w, c.Within2[i], c.Within3[i])
	}
	fmt.Printf("  test rel RMSE %.4g, label agreement %.2f%%\n", c.RelRMSE, 100*c.Agreement)
}

// Comparison is a network compared with the teacher on the test images in
// data space: per hidden layer its width and the teacher neurons within
// cosine distance 1e-2 and 1e-3 of one of its neurons; the outputs'
// relative RMSE and the fraction of images given the teacher's label.
type Comparison struct {
	Widths, Within2, Within3 []int
	RelRMSE, Agreement       float64
}

// Compare compares lifted (on the 784 pixels) with d's teacher on d's
// test images.
func Compare(d *Data, lifted *mlp.Network) (Comparison, error) {
	var c Comparison
	cmp, err := identify.CompareIn(identify.DataSpace, d.Teacher, lifted, d.Test)
	if err != nil {
		return c, err
	}
	for i, l := range cmp.Layers {
		c.Widths = append(c.Widths, lifted.Layer(i).Out)
		c.Within2 = append(c.Within2, l.Within(1e-2))
		c.Within3 = append(c.Within3, l.Within(1e-3))
	}
	c.RelRMSE = cmp.RelRMSE
	c.Agreement, err = synth.Accuracy(lifted, d.Test, d.TestLabels)
	return c, err
}

// preact returns layer l's pre-activations of net on x.
func preact(net *mlp.Network, x *mat.Dense, l int) *mat.Dense {
	var p mat.Dense
	check(net.PreActivations(nil, &p, x, l))
	return &p
}

// StudentSpec describes students trained on a layer's activations: their
// number of hidden layers, every one Width wide, how many, each one's
// time limit (and, when Patience > 0, the Gauss–Newton steps without a 1 %
// gain after which one stops early), whether they see the activations
// standardised, the directory that keeps them (empty: none), the seed of
// their initialisations (student i's stream is identify's for Seed and i)
// and how many train at once (0: two, one per core of the project's
// machine; each student runs on one core).
type StudentSpec struct {
	Hidden, Width, N int
	Limit            time.Duration
	Steps            int // Gauss–Newton steps at most (0: no bound but Limit)
	Patience         int
	Standardize      bool
	Dir              string
	Seed             uint64
	Workers          int
}

// TrainStudents trains spec.N students on the activations h and the
// teacher's outputs y (Gauss–Newton with float32 curvature, two at once)
// and returns them. A student already in spec.Dir (student-I.json) is read
// instead of trained, and each one is written there as it ends, so a
// stopped run loses no finished student; a student cut short by ctx is
// not written. With Standardize the students train on h standardised per
// column and get the standardisation folded into their first layer, so
// they take h as it is.
func TrainStudents(ctx context.Context, h, y *mat.Dense, act mlp.Activation, spec StudentSpec) (nets []*mlp.Network, err error) {
	defer recoverStop(&err)
	if spec.Hidden < 1 || spec.Width < 1 || spec.N < 1 || spec.Limit <= 0 || spec.Steps < 0 || spec.Patience < 0 || spec.Workers < 0 {
		return nil, fmt.Errorf("stitch: students: %d hidden layers, width %d, %d students, limit %s, %d steps, patience %d and %d workers: want all positive (steps, patience and workers not negative)",
			spec.Hidden, spec.Width, spec.N, spec.Limit, spec.Steps, spec.Patience, spec.Workers)
	}
	workers := spec.Workers
	if workers == 0 {
		workers = 2
	}
	if spec.Dir != "" {
		check(os.MkdirAll(spec.Dir, 0o755))
		check(claimDir(spec))
	}
	var std *synth.Standardizer
	if spec.Standardize {
		std, err = synth.FitStandardizer(h)
		check(err)
		h = mat.DenseCopyOf(h)
		check(std.Apply(h))
	}
	widths := make([]int, spec.Hidden)
	for i := range widths {
		widths[i] = spec.Width
	}
	stopRules := train.StopRules{Loss: train.DefaultStopLoss, MaxIter: maxSteps(spec.Steps), MaxTime: spec.Limit}
	if spec.Patience > 0 {
		stopRules.Patience, stopRules.MinRelImprove = spec.Patience, 0.01
	}
	cfg := identify.Config{Activation: act, Widths: widths, HiddenLayers: spec.Hidden, Students: spec.N, Gamma: 1, Seed: spec.Seed, Restarts: -1,
		Train: train.Config{Phases: []train.Phase{{Name: "gn", Optimizer: &train.GaussNewton{SingleCurvature: true}, Stop: stopRules}}}}
	p := train.NewPrinter(os.Stdout)
	p.Interval = time.Minute
	cfg.Recorder = p
	nets = make([]*mlp.Network, spec.N)
	errs := make([]error, spec.N)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				nets[i], errs[i] = trainOrRead(ctx, h, y, cfg, spec, std, i)
			}
		}()
	}
	for i := range nets {
		next <- i
	}
	close(next)
	wg.Wait()
	return nets, errors.Join(errs...)
}

// trainOrRead returns student i of spec.Dir if it is there, else trains it
// (TrainStudents) and writes it there unless ctx cut it short.
func trainOrRead(ctx context.Context, h, y *mat.Dense, cfg identify.Config, spec StudentSpec, std *synth.Standardizer, i int) (n *mlp.Network, err error) {
	defer recoverStop(&err) // this goroutine's own: Run's recover does not reach it
	if n = readAbove(spec.Dir, i, h.RawMatrix().Cols, spec.Hidden, y.RawMatrix().Cols); n != nil {
		return n, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cp, err := identify.TrainStudent(ctx, h, y, cfg, i)
	check(err)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("student %d: stopped before its limit: %w", i, err)
	}
	if std != nil {
		foldStandardizer(cp.Net.Layer(0), std)
	}
	if spec.Dir != "" {
		check(cp.Net.SaveFile(StudentPath(spec.Dir, i)))
	}
	return cp.Net, nil
}

// StudentPath is the file TrainStudents keeps student i of a
// StudentSpec.Dir in (stitch's -above-dir, the example's OUT/students).
func StudentPath(dir string, i int) string { return fmt.Sprintf("%s/student-%d.json", dir, i) }

// readAbove returns student i of -above-dir if it is there (nil if dir is
// empty or the file is missing), refusing one whose sizes do not fit: a
// directory from another -above or another base network.
func readAbove(dir string, i, in, hidden, out int) *mlp.Network {
	if dir == "" {
		return nil
	}
	n, err := mlp.LoadFile(StudentPath(dir, i))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	check(err)
	if n.InputDim() != in || n.NumLayers() != hidden+1 || n.OutputDim() != out {
		check(fmt.Errorf("stitch: %s: sizes %v, want %d inputs, %d hidden layers, %d outputs", StudentPath(dir, i), n.Sizes(), in, hidden, out))
	}
	fmt.Printf("student %d: read from %s\n", i, StudentPath(dir, i))
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

// Base reads a network saved by a stage (on the teacher's inputs, as
// saveLifted writes it) and returns it on d's span coordinates, as a stage
// starting from it would: for experiments on one stage's network outside
// Run.
func Base(d *Data, path string) (net *mlp.Network, err error) {
	defer recoverStop(&err)
	return netFrom(loadBase(path, d.Sub, d.Teacher), d.Teacher.Layer(0).Act), nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/csvlog"
	"github.com/paramrecovery/expandcluster/internal/outdir"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
)

var fmnistHeader = []string{"activation", "d_in", "r", "probes", "queries", "budget", "students", "student_width",
	"student_seconds", "fine_tune_seconds", "best_student_loss", "recovered_width", "max_cosine_distance",
	"max_weight_error", "weight_bits", "max_output_error", "output_bits", "rel_rmse", "seconds", "load1", "error", "complete", "grown_to", "first_queries",
	"test_matched_1e3", "test_rel_rmse", "label_agreement", "student_iter", "adam_epochs", "fine_tune_loss", "student_loss", "single_curvature"}

// deepHeader is the layout of fmnist-deep.csv, the rows of teachers with
// more than one hidden layer: fmnistHeader, with widths and matched counts
// per layer joined by "x", and the matches within 1e-2.
var deepHeader = append(append([]string(nil), fmnistHeader...), "test_matched_1e2")

// subspaceColumns end the rows of runs with -subspace: the dimension of
// the estimated span, the queries spent on it and its singular value gap.
var subspaceColumns = []string{"subspace_dim", "subspace_queries", "subspace_gap"}

// csvFor returns the CSV file and layout of a teacher's rows.
func csvFor(teacher *mlp.Network, o options) (string, []string) {
	name, header := "fmnist", fmnistHeader
	if teacher.NumLayers() > 2 {
		name, header = "fmnist-deep", deepHeader
	}
	if o.subspace {
		name, header = name+"-subspace", append(append([]string(nil), header...), subspaceColumns...)
	}
	return filepath.Join(o.out, name+".csv"), header
}

// hiddenLabel is the r column of a teacher: its hidden widths joined by
// "x" ("64" for a 784 → 64 → 10 teacher, "30x30x30" for a deep one).
func hiddenLabel(teacher *mlp.Network) string {
	sizes := teacher.Sizes()
	return csvlog.Widths(sizes[1 : len(sizes)-1])
}

// fmnistKey identifies a row: the settings that change the result; r is
// the teacher's hiddenLabel.
func fmnistKey(act, r string, o options) string {
	return strings.Join([]string{act, "784", r, probeName(o), strconv.Itoa(o.queries), strconv.Itoa(o.budget), strconv.Itoa(o.students),
		strconv.Itoa(o.width), fmtSec(o.studentTime), fmtSec(o.fineTuneTime), strconv.FormatFloat(o.complete, 'g', -1, 64),
		strconv.Itoa(o.growTo), strconv.Itoa(o.studentIter), strconv.Itoa(o.adamEpochs), fmtLoss(o.fineTuneLoss), fmtLoss(o.studentLoss), strconv.FormatBool(o.single)}, "/")
}

func probeName(o options) string {
	if o.probes == "iso" || o.probes == "shifted" {
		return fmt.Sprintf("%s-std%g", o.probes, o.std)
	}
	return o.probes
}

// queryProbes returns the query distribution -probes names: isotropic
// Gaussian queries of standard deviation -std around the origin (iso) or
// around the training images' mean (shifted), or a Gaussian with the
// images' per-pixel mean and scale (matched).
//
// Why shifted: the teachers' biases are small, so around the origin a
// tanh or sigmoid neuron's pre-activation is symmetric about its odd
// point, and the teacher's outputs have no second-order Hermite part
// (bench/hermite_probes.py), the part that lets students find the
// neurons' directions quickly. Around the images' mean the
// pre-activations sit off the odd point and the second-order part carries
// a third of every neuron's variance, for every activation. (For the
// committed tanh teacher this alone did not get the students off their
// plateau; see results/blackbox.)
func queryProbes(o options) (identify.Probes, error) {
	if o.probes == "iso" {
		return identify.IsotropicGaussian(784, o.std)
	}
	if o.probes != "shifted" && o.probes != "matched" {
		return nil, fmt.Errorf("-probes %q: want iso, shifted or matched", o.probes)
	}
	set, _, err := synth.FashionMNIST(o.dataDir)
	if err != nil {
		return nil, err
	}
	synth.ScalePixels(set.X)
	if o.probes == "matched" {
		return identify.MatchGaussian(set.X, false)
	}
	moments, err := synth.FitStandardizer(set.X)
	if err != nil {
		return nil, err
	}
	scale := make([]float64, 784)
	for j := range scale {
		scale[j] = o.std
	}
	return identify.ScaledGaussian(moments.Mean, scale)
}

func fmtLoss(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func fmtSec(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 0, 64) }

func runFMNIST(ctx context.Context, o options) error {
	if o.evaluate != "" {
		return evaluateFMNIST(o)
	}
	for _, act := range o.acts {
		teacher, err := loadTeacher(act, o)
		if err != nil {
			return err
		}
		path, header := csvFor(teacher, o)
		done, err := fmnistDone(path, header)
		if err != nil {
			return err
		}
		if o.recluster != "" {
			// A redone clustering of saved students is printed, not a row:
			// its settings are those of the run that trained them.
			if _, err := recoverFMNIST(ctx, act, teacher, header, o); err != nil {
				return err
			}
			continue
		}
		if done[fmnistKey(act, hiddenLabel(teacher), o)] {
			fmt.Printf("%s: already in %s\n", act, path)
			continue
		}
		rec, err := recoverFMNIST(ctx, act, teacher, header, o)
		if err != nil {
			return err
		}
		if err := csvlog.Append(path, header, rec); err != nil {
			return err
		}
	}
	return nil
}

// recoverFMNIST recovers teacher (of activation act, loaded by
// loadTeacher) through queries and returns its row, in the layout header.
func recoverFMNIST(ctx context.Context, act string, teacher *mlp.Network, header []string, o options) ([]string, error) {
	var err error
	tpath := o.teachers[act]
	r := hiddenLabel(teacher)
	layers := teacher.NumLayers() - 1
	widths := make([]int, layers)
	for i := range widths {
		widths[i] = o.width
	}
	hidden := teacher.Layer(0).Act
	probes, err := queryProbes(o)
	if err != nil {
		return nil, err
	}
	var teacherQ identify.Teacher = teacher // the teacher as the students see it
	gn := func(name string, d time.Duration, maxIter, maxCG int, stopLoss float64) []train.Phase {
		if maxIter == 0 {
			maxIter = 1 << 30
		}
		return []train.Phase{{Name: name, Optimizer: &train.GaussNewton{MaxCG: maxCG, SingleCurvature: o.single},
			Stop: train.StopRules{Loss: stopLoss, MaxIter: maxIter, MaxTime: d, Patience: 50, MinRelImprove: 0.001}}}
	}
	if o.growTo > 0 && o.studentLoss != train.DefaultStopLoss {
		return nil, fmt.Errorf("-student-loss %g with -grow-to %d: the first round stops at -first-loss, set that instead", o.studentLoss, o.growTo)
	}
	if !(o.studentLoss >= 0) {
		return nil, fmt.Errorf("-student-loss %g: want a loss ≥ 0", o.studentLoss)
	}
	firstStop := o.studentLoss
	if o.growTo > 0 {
		firstStop = o.firstLoss
	}
	gamma := o.gamma
	if gamma == 0 {
		gamma = 0.5
		if o.students == 2 {
			gamma = 1
		}
	}
	cfg := identify.Config{
		Activation: hidden, HiddenLayers: layers, Widths: widths, Students: o.students, Gamma: gamma,
		Seed: o.seed, InitGain: 1, Restarts: -1, QueryBudget: o.budget, Complete: o.complete,
		Train: train.Config{Phases: append(adamFirst(o), gn("gn", o.studentTime, o.studentIter, 0, firstStop)...)},
		// Long CG runs in the fine-tune, as identify's default: near the
		// teacher the damping vanishes and a step is as good as its solve.
		FineTune: train.Config{Phases: gn("fine-tune", o.fineTuneTime, 0, 500, o.fineTuneLoss)},
		Recorder: progress(),
	}
	if layers > 1 {
		// The students rebuilt on each recovered layer, as the students
		// themselves: Gauss–Newton within a time and step budget.
		cfg.Retrain = train.Config{Phases: gn("retrain", o.retrainTime, o.studentIter, 0, firstStop)}
	}
	load0 := loadAvg()
	fmt.Printf("%s: 784→%s→10 teacher %s; %d %s queries, %d students 784→%s→10, %v each (load %s)\n",
		act, r, tpath, o.queries, probeName(o), o.students, csvlog.Widths(widths), o.studentTime, load0)
	t0 := time.Now()
	var res *identify.Result
	var runErr error
	var sub *identify.Subspace
	if o.subspace {
		if o.recluster != "" {
			return nil, fmt.Errorf("-subspace with -recluster: the saved students are in a subspace the run does not keep")
		}
		if sub, err = reduce(ctx, &teacherQ, &probes, &cfg, o); err != nil {
			return nil, err
		}
	}
	if o.growTo > 0 {
		// One round of growth: a student fitted to the first queries is
		// one of their interpolants, close to the teacher but not it; on
		// the grown set it goes on from there to the teacher in a few
		// steps, where a student started on all of them would pay the
		// larger set's cost for every step of its search.
		added := o.growTo - o.queries
		if added <= 0 {
			return nil, fmt.Errorf("-grow-to %d must exceed -queries %d", o.growTo, o.queries)
		}
		// The grown round starts near the teacher, so it solves each step
		// as far as the fine-tune does. It stops a decade below the
		// zero-loss threshold, where its students count as at the floor
		// (Config.Complete takes their neurons on any decrease): the
		// fine-tune of the recovered network, at the teacher's width,
		// does the last digits far faster than the wide student.
		a := identify.Active{Candidates: probes, Initial: o.queries, PerRound: added, Pool: added, MaxRounds: 1,
			Retrain: train.Config{Phases: gn("gn-grown", o.growTime, 0, 500, train.DefaultZeroLoss/10)}, RetrainBelow: 1e-6}
		res, runErr = identify.RunActive(ctx, teacherQ, a, cfg)
	} else if o.recluster != "" {
		res, runErr = recluster(ctx, teacher, probes, cfg, o)
	} else {
		res, runErr = identify.RunProbes(ctx, teacherQ, probes, o.queries, cfg)
	}
	if sub != nil && res != nil {
		if err := sub.LiftResult(res); err != nil {
			return nil, err
		}
		// The comparisons below draw from the original distribution.
		if probes, err = queryProbes(o); err != nil {
			return nil, err
		}
	}
	secs := time.Since(t0).Seconds()
	if res != nil && o.recluster == "" {
		// Keep the students, so that the clustering, completion and
		// fine-tune can be redone from them (identify.Recover).
		dir, err := outdir.Unused(filepath.Join(o.out, "students-"+runName(act, r, o)), "")
		if err != nil {
			return nil, err
		}
		if err := saveStudents(dir, res.Students); err != nil {
			return nil, err
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	row := map[string]string{
		"activation": act, "d_in": "784", "r": r, "probes": probeName(o), "queries": strconv.Itoa(o.queries),
		"budget": strconv.Itoa(o.budget), "students": strconv.Itoa(o.students), "student_width": strconv.Itoa(o.width),
		"student_seconds": fmtSec(o.studentTime), "fine_tune_seconds": fmtSec(o.fineTuneTime),
		"seconds": strconv.FormatFloat(secs, 'f', 0, 64), "load1": load0 + "–" + loadAvg(),
		"complete": strconv.FormatFloat(o.complete, 'g', -1, 64), "grown_to": strconv.Itoa(o.growTo),
		"first_queries": strconv.Itoa(o.queries), "student_iter": strconv.Itoa(o.studentIter),
		"adam_epochs": strconv.Itoa(o.adamEpochs), "fine_tune_loss": fmtLoss(o.fineTuneLoss),
		"student_loss": fmtLoss(o.studentLoss), "single_curvature": strconv.FormatBool(o.single),
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	if res != nil {
		row["queries"] = strconv.Itoa(res.Queries)
		best := math.Inf(1)
		for _, l := range res.StudentLosses {
			best = math.Min(best, l)
		}
		row["best_student_loss"] = g(best)
	}
	if runErr != nil {
		row["error"] = strings.ReplaceAll(runErr.Error(), "\n", " ")
	}
	if sub != nil {
		row["subspace_dim"], row["subspace_queries"], row["subspace_gap"] = strconv.Itoa(sub.Dim()), strconv.Itoa(sub.Queries), g(sub.Gap)
	}
	row["max_weight_error"], row["weight_bits"], row["max_output_error"], row["output_bits"] = "NaN", "NaN", "NaN", "NaN"
	if res != nil && res.Network != nil {
		row["recovered_width"] = csvlog.Widths(res.Widths)
		fresh, err := probes.Sample(synth.NewRand(o.seed+1000), o.fresh)
		if err != nil {
			return nil, err
		}
		cmp, err := identify.Compare(teacher, res.Network, fresh)
		if err != nil {
			return nil, err
		}
		worst := 0.0
		for _, l := range cmp.Layers {
			worst = math.Max(worst, l.MaxCosineDistance)
		}
		row["max_cosine_distance"], row["rel_rmse"] = g(worst), g(cmp.RelRMSE)
		fmt.Println(cmp)
		if wr, err := identify.WeightError(teacher, res.Network, fresh); err == nil {
			row["max_weight_error"], row["weight_bits"] = g(wr.MaxAbs), strconv.FormatFloat(wr.Bits, 'f', 1, 64)
			row["max_output_error"], row["output_bits"] = g(wr.MaxOutputError), strconv.FormatFloat(wr.OutputBits, 'f', 1, 64)
			fmt.Println(wr)
		} else {
			fmt.Println("weight error:", err)
			if row["error"] == "" {
				row["error"] = err.Error()
			}
		}
		if ir, err := imageMetrics(teacher, res.Network, o.dataDir); err == nil {
			fmt.Println(ir)
			row["test_matched_1e3"], row["test_matched_1e2"] = csvlog.Widths(ir.Matched1e3), csvlog.Widths(ir.Matched1e2)
			row["test_rel_rmse"] = g(ir.RelRMSE)
			row["label_agreement"] = strconv.FormatFloat(ir.LabelAgreement, 'f', 4, 64)
		} else {
			fmt.Println("no test-image comparison:", err)
		}
		path, err := outdir.Unused(filepath.Join(o.out, "recovered-"+runName(act, r, o)+completeSuffix(o)), ".json")
		if err != nil {
			return nil, err
		}
		if err := res.Network.SaveFile(path); err != nil {
			return nil, err
		}
		fmt.Println(res.Verdict())
	}
	out := make([]string, len(header))
	for i, h := range header {
		out[i] = row[h]
	}
	fmt.Printf("%s: %s\n", act, strings.Join(out, ","))
	return out, nil
}

// recluster redoes the clustering, completion and fine-tune (identify.Recover)
// of the students saved in -recluster, on -queries fresh queries of the
// run's distribution (not those the students trained on, which a grown run
// does not keep: students at the loss floor fit the teacher everywhere).
func recluster(ctx context.Context, teacher *mlp.Network, probes identify.Probes, cfg identify.Config, o options) (*identify.Result, error) {
	cps, skipped, err := identify.LoadCheckpoints(o.recluster, cfg)
	if err != nil {
		return nil, err
	}
	for _, e := range skipped {
		fmt.Println("skipped:", e)
	}
	x, err := probes.Sample(synth.NewRand(o.seed+2000), o.queries)
	if err != nil {
		return nil, err
	}
	y, err := teacher.Predict(x)
	if err != nil {
		return nil, err
	}
	return identify.Recover(ctx, x, y, cps, cfg)
}

// progress prints the pipeline stages and, once a minute per student, the
// training loss.
func progress() train.Recorder {
	p := train.NewPrinter(os.Stdout)
	p.Interval = time.Minute
	return p
}

// fmnistDone returns the keys (fmnistKey) of the rows in the CSV at path,
// of layout header.
func fmnistDone(path string, header []string) (map[string]bool, error) {
	done := map[string]bool{}
	recs, err := csvlog.Read(path, header)
	if errors.Is(err, os.ErrNotExist) {
		return done, nil
	}
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		// The fields of fmnistKey. The queries requested are first_queries:
		// queries is the count used, which is grown_to for a grown run and
		// 0 for a refused one.
		done[strings.Join([]string{rec[0], rec[1], rec[2], rec[3], rec[23], rec[5], rec[6], rec[7], rec[8], rec[9], rec[21], rec[22], rec[27], rec[28], rec[29], rec[30], rec[31]}, "/")] = true
	}
	return done, nil
}

// saveStudents writes every student checkpoint into dir.
func saveStudents(dir string, cps []*identify.Checkpoint) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, cp := range cps {
		if _, err := cp.Save(dir); err != nil {
			return err
		}
	}
	return nil
}

// adamFirst returns the students' first phase with -adam-epochs: minibatch
// Adam (batch 640, learning rate 1e-3, reduce on plateau), as
// examples/widestudents measures it. On queries of the softplus teacher
// Adam reaches 1e-5 of the output variance in under a CPU-minute, where
// Gauss–Newton needs three, but stalls near 1e-7
// (results/widestudents-queries), so it can take the first steps and
// Gauss–Newton the rest. Tried on the tanh teacher's plateau, it did not
// get the students off it (results/blackbox).
func adamFirst(o options) []train.Phase {
	if o.adamEpochs == 0 {
		return nil
	}
	adam := &train.Adam{LR: 1e-3, BatchSize: 640, Plateau: &train.Plateau{Patience: 5, MinLR: 1e-7}}
	return []train.Phase{{Name: "adam", Optimizer: adam, Stop: train.StopRules{MaxIter: o.adamEpochs, Loss: o.firstLoss}}}
}

// runName names a run's files by its teacher (r, its hiddenLabel),
// probes and query counts.
func runName(act, r string, o options) string {
	name := fmt.Sprintf("%s-%s-q%d", act, probeName(o), o.queries)
	if r != "64" { // the names of the committed r = 64 runs stay as they are
		name = fmt.Sprintf("%s-r%s-%s-q%d", act, r, probeName(o), o.queries)
	}
	if o.growTo > 0 {
		name += fmt.Sprintf("-grow%d", o.growTo)
	}
	if o.studentIter > 0 {
		name += fmt.Sprintf("-iter%d", o.studentIter)
	}
	if o.adamEpochs > 0 {
		name += fmt.Sprintf("-adam%d", o.adamEpochs)
	}
	if o.subspace {
		name += "-subspace"
	}
	if o.studentLoss != train.DefaultStopLoss {
		name += fmt.Sprintf("-sl%g", o.studentLoss)
	}
	if o.single {
		name += "-single"
	}
	return name
}

// completeSuffix tells apart the files of runs with -complete, which
// share their other settings with runs without.
func completeSuffix(o options) string {
	if o.complete > 0 {
		return fmt.Sprintf("-complete%g", o.complete)
	}
	return ""
}

// evaluateFMNIST compares the saved recovery o.evaluate with the teacher
// of the one activation in o.acts: the figures a run prints at its end.
func evaluateFMNIST(o options) error {
	if len(o.acts) != 1 {
		return fmt.Errorf("-evaluate needs one -act, have %q", strings.Join(o.acts, ","))
	}
	teacher, err := loadTeacher(o.acts[0], o)
	if err != nil {
		return err
	}
	rec, err := loadNet(o.evaluate)
	if err != nil {
		return err
	}
	ir, err := imageMetrics(teacher, rec, o.dataDir)
	if err != nil {
		return err
	}
	fmt.Println(ir)
	probes, err := queryProbes(o)
	if err != nil {
		return err
	}
	fresh, err := probes.Sample(synth.NewRand(o.seed+1000), o.fresh)
	if err != nil {
		return err
	}
	wr, err := identify.WeightError(teacher, rec, fresh)
	if err != nil {
		return err
	}
	fmt.Println(wr)
	return nil
}

// loadTeacher reads the teacher of activation act and checks its shape.
func loadTeacher(act string, o options) (*mlp.Network, error) {
	path, ok := o.teachers[act]
	if !ok {
		return nil, fmt.Errorf("no teacher for activation %q (-teacher-<activation> flags: g, relu, tanh, sigmoid, softplus)", act)
	}
	teacher, err := loadNet(path)
	if err != nil {
		return nil, err
	}
	if teacher.InputDim() != 784 || len(teacher.Sizes()) < 3 || teacher.OutputDim() != 10 {
		return nil, fmt.Errorf("%s: teacher sizes %v, want 784→r→10 or 784→r₁→…→r_L→10", path, teacher.Sizes())
	}
	return teacher, nil
}

// reduce estimates the span of the teacher's first-layer weights through
// queries (identify.EstimateSubspace, its queries taken from the budget)
// and turns the teacher, the probes and the configuration into their
// versions on the span's coordinates.
func reduce(ctx context.Context, teacher *identify.Teacher, probes *identify.Probes, cfg *identify.Config, o options) (*identify.Subspace, error) {
	t0 := time.Now()
	oracle, err := identify.NewOracle(*teacher, cfg.QueryBudget)
	if err != nil {
		return nil, err
	}
	sub, err := identify.EstimateSubspace(ctx, oracle, *probes, identify.SubspaceOptions{Seed: o.seed})
	if err != nil {
		return nil, err
	}
	fmt.Printf("subspace: %d of 784 directions from %d gradient points (%d queries, %.1fs); singular value gap %.3g\n",
		sub.Dim(), sub.Points, sub.Queries, time.Since(t0).Seconds(), sub.Gap)
	if cfg.QueryBudget > 0 {
		if cfg.QueryBudget -= sub.Queries; cfg.QueryBudget <= 0 {
			return nil, fmt.Errorf("the subspace took %d queries, the whole budget -budget %d", sub.Queries, o.budget)
		}
	}
	*teacher, *probes = sub.Teacher(*teacher), sub.Probes(*probes)
	return sub, nil
}

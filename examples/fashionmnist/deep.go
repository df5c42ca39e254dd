package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/csvlog"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// deepTol is the data-space cosine distance within which a deep teacher's
// neuron counts as matched (the deep target: ≥ 90 % of every layer).
const deepTol = 1e-2

// deepHeader is the layout of OUT/results-deep.csv: one row per deep
// teacher, per-layer figures joined by "x" (layer 1 first).
var deepHeader = []string{"r", "layers", "activation", "route", "rho", "student_width", "students", "gamma", "probes", "max_iterations",
	"recovered_widths", "neurons", "matched_within_1e-2", "matched_within_1e-3", "max_cosine_distances",
	"test_rel_rmse", "label_agreement", "teacher_test_acc", "recovered_test_acc",
	"best_student_rel_loss", "median_student_rel_loss",
	"student_seconds", "retrain_seconds", "fine_tune_seconds", "total_seconds", "workers", "error",
	"subspace_dim", "subspace_queries", "gaussian_spread"}

// deepResult is one recovered deep teacher 784 → r → … → r → 10.
type deepResult struct {
	R, Layers, Students, Probes, Epochs, Workers, StudentWidth int
	Act, Route                                                 string
	Rho, Gamma                                                 float64
	Recovered, Neurons, Matched, MatchedTight                  []int
	MaxCosine                                                  []float64
	RelRMSE, LabelAgreement, TeacherAcc, RecoveredAcc          float64
	StudentLossMin, StudentLossMd                              float64 // relative to the output variance
	StudentSecs, RetrainSecs, FineTuneSecs, TotalSecs          float64
	Err                                                        string
	// SubspaceDim and SubspaceQueries are the dimension of the teacher's
	// first-layer span the students were trained in (-subspace) and the
	// queries its estimate made; 0 without.
	SubspaceDim, SubspaceQueries int
	// GaussianSpread is -gaussian: the probes were Gaussian queries with
	// the images' mean and this many times their spread; 0 for the images.
	GaussianSpread float64
}

func (r deepResult) record() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	i := strconv.Itoa
	cos := make([]string, len(r.MaxCosine))
	for k, c := range r.MaxCosine {
		cos[k] = strconv.FormatFloat(c, 'g', 3, 64)
	}
	return []string{i(r.R), i(r.Layers), r.Act, r.Route, f(r.Rho), i(r.StudentWidth), i(r.Students), f(r.Gamma), i(r.Probes), i(r.Epochs),
		csvlog.Widths(r.Recovered), csvlog.Widths(r.Neurons), csvlog.Widths(r.Matched), csvlog.Widths(r.MatchedTight), strings.Join(cos, "x"),
		f(r.RelRMSE), f(r.LabelAgreement), f(r.TeacherAcc), f(r.RecoveredAcc),
		f(r.StudentLossMin), f(r.StudentLossMd),
		f(r.StudentSecs), f(r.RetrainSecs), f(r.FineTuneSecs), f(r.TotalSecs), i(r.Workers), r.Err,
		i(r.SubspaceDim), i(r.SubspaceQueries), f(r.GaussianSpread)}
}

func (r deepResult) line() string {
	if r.Err != "" {
		return fmt.Sprintf("%s 784→%dx%d→10: not recovered (%s); students' best relative loss %.3g; time %s", r.Act, r.R, r.Layers, r.Err, r.StudentLossMin, secs(r.TotalSecs))
	}
	return fmt.Sprintf("%s 784→%dx%d→10 (%d students %d wide): recovered widths %s; teacher neurons within data-space cosine distance %g: %s, within 1e-3: %s of %s; "+
		"test relative RMSE %.3g; label agreement %.2f%%; test accuracy teacher %.2f%%, recovered %.2f%%; students' best / median relative loss %.3g / %.3g; time %s (students %s, retraining %s, fine-tune %s)",
		r.Act, r.R, r.Layers, r.Students, r.StudentWidth, csvlog.Widths(r.Recovered), deepTol, csvlog.Widths(r.Matched), csvlog.Widths(r.MatchedTight), csvlog.Widths(r.Neurons),
		r.RelRMSE, 100*r.LabelAgreement, 100*r.TeacherAcc, 100*r.RecoveredAcc, r.StudentLossMin, r.StudentLossMd,
		secs(r.TotalSecs), secs(r.StudentSecs), secs(r.RetrainSecs), secs(r.FineTuneSecs))
}

// deepConfig is studentConfig for a teacher of o.layers hidden layers:
// students of the same depth, every layer ρ·r wide, and the students
// rebuilt on each recovered layer retrained by the same Gauss–Newton
// engine within -retrain-time.
func deepConfig(o options, act mlp.Activation, r int) identify.Config {
	cfg := studentConfig(o, act, r)
	cfg.HiddenLayers = o.layers
	cfg.Retrain = train.Config{Phases: []train.Phase{{Name: "retrain", Optimizer: &train.GaussNewton{SingleCurvature: o.single},
		Stop: train.StopRules{MaxIter: o.epochs, MaxTime: o.retrainTime, Loss: train.DefaultStopLoss,
			Patience: train.DefaultWidePatience, MinRelImprove: 0.01}}}}
	return cfg
}

// runDeepTeacher recovers the deep teacher of act and width r from its
// outputs on the first -probe training images, layer by layer, and
// compares it with the teacher on the test images in data space.
func runDeepTeacher(ctx context.Context, o options, act mlp.Activation, r int, trainSet, testSet *synth.Labelled) (deepResult, error) {
	start := time.Now()
	res := deepResult{R: r, Layers: o.layers, Act: act.Name(), Route: o.routeLabel(), Students: o.students, Gamma: o.gamma,
		Rho: o.rho, Epochs: o.epochs, Workers: o.workers}
	p, err := probeTeacher(ctx, o, act, r, trainSet, testSet)
	if err != nil {
		return res, err
	}
	res.Probes, res.TeacherAcc = p.probes, p.teacherAcc
	cfg := deepConfig(o, act, r)
	x, in := p.x, "784"
	var sub *identify.Subspace
	if o.subspace {
		if sub, x, err = reduceToSpan(ctx, p, o); err != nil {
			return res, fmt.Errorf("%s r = %d×%d: %w", act.Name(), r, o.layers, err)
		}
		res.SubspaceDim, res.SubspaceQueries = sub.Dim(), sub.Queries
		in = strconv.Itoa(sub.Dim())
	}
	y := p.y
	if o.gaussian > 0 {
		if x, y, err = gaussianQueries(p, x, sub, o); err != nil {
			return res, fmt.Errorf("%s r = %d×%d: %w", act.Name(), r, o.layers, err)
		}
		res.GaussianSpread = o.gaussian
	}
	fmt.Printf("  training %d students %s→%d×%d→10 on %d probes (%s, ≤%d iterations%s) with %d workers ...\n",
		o.students, in, int(math.Ceil(o.rho*float64(r))), o.layers, res.Probes, o.routeLabel(), o.epochs, budget(o.studentTime), o.workers)
	run, studentTime, resumed, err := recoverWithStudents(ctx, o, x, y, cfg, filepath.Join(p.dir, o.studentDir()))
	start = start.Add(-resumed)
	res.StudentSecs = studentTime.Seconds()
	if run != nil && sub != nil {
		// Back to the 784 pixels: the first layer W becomes W·Uᵀ.
		if lerr := sub.LiftResult(run); lerr != nil {
			return res, lerr
		}
	}
	if run != nil {
		if len(run.StudentWidths) > 0 {
			res.StudentWidth = run.StudentWidths[0]
		}
		res.StudentLossMin, res.StudentLossMd = relativeLosses(run.StudentLosses, y)
		res.RetrainSecs, res.FineTuneSecs = run.Timings.Retrain.Seconds(), run.Timings.FineTune.Seconds()
		res.Recovered = run.Widths
	}
	res.TotalSecs = time.Since(start).Seconds()
	if err != nil {
		if ctx.Err() != nil || run == nil || run.Network != nil {
			return res, fmt.Errorf("%s r = %d×%d: %w", act.Name(), r, o.layers, err)
		}
		// A layer with no cluster left: an honest failure, not a crash.
		res.Err = strings.ReplaceAll(err.Error(), "\n", " ")
		return res, writeDeepReport(p.dir, res, run, "")
	}
	cmp, err := compareDeep(&res, p.t, run.Network, testSet)
	if err != nil {
		return res, err
	}
	if err := run.Network.SaveFile(filepath.Join(p.dir, "recovered.json")); err != nil {
		return res, err
	}
	return res, writeDeepReport(p.dir, res, run, cmp.String())
}

// reduceToSpan estimates the span of the teacher's first-layer weight
// vectors from central-difference gradients at probe images
// (identify.EstimateSubspace; its queries are reported) and returns it
// with the probes' coordinates in it. The teacher sees its inputs only
// through that span, so students trained on the coordinates fit the same
// outputs with 30 inputs instead of 784: a quarter of the parameters of
// 784 → 120 → 120 → 120 → 10, and no first-layer weights along the pixel
// directions the data barely excite.
func reduceToSpan(ctx context.Context, p probed, o options) (*identify.Subspace, *mat.Dense, error) {
	t0 := time.Now()
	probes, err := identify.NewDataset(p.x)
	if err != nil {
		return nil, nil, err
	}
	sub, err := identify.EstimateSubspace(ctx, p.t, probes, identify.SubspaceOptions{Seed: o.seed})
	if err != nil {
		return nil, nil, err
	}
	fmt.Printf("  subspace: %d of 784 directions from %d gradient points at probe images (%d queries, %.1fs); singular value gap %.3g\n",
		sub.Dim(), sub.Points, sub.Queries, time.Since(t0).Seconds(), sub.Gap)
	z, err := sub.Reduce(p.x)
	return sub, z, err
}

// gaussianQueries replaces the probe images by as many Gaussian queries
// with their mean and covariance and o.gaussian times their spread, drawn
// in the span's coordinates x when sub is not nil (the teacher is queried
// at their 784-pixel points), and returns the queries with the teacher's
// outputs. Why: on the images the teacher's upper layers are weakly
// determined — its neurons there vary little and together — while queries
// spread over the same directions, wider, pin every layer down and let
// the students hold the first layer's neurons.
func gaussianQueries(p probed, x *mat.Dense, sub *identify.Subspace, o options) (*mat.Dense, *mat.Dense, error) {
	g, err := identify.MatchGaussian(x, true)
	if err == nil {
		g, err = g.Widened(o.gaussian)
	}
	if err != nil {
		return nil, nil, err
	}
	q, err := g.Sample(synth.NewRand(o.seed+7), p.probes)
	if err != nil {
		return nil, nil, err
	}
	pixels := q
	if sub != nil {
		if pixels, err = sub.Expand(q); err != nil {
			return nil, nil, err
		}
	}
	y, err := synth.Label(p.t, pixels)
	if err != nil {
		return nil, nil, err
	}
	fmt.Printf("  probes: %d Gaussian queries with the images' mean and %g times their spread (output variance %.4g; on the images %.4g)\n",
		p.probes, o.gaussian, synth.OutputVariance(y), synth.OutputVariance(p.y))
	return q, y, nil
}

// compareDeep fills the comparison columns of res on the test images:
// per layer, the teacher neurons matched within data-space cosine distance
// deepTol and 1e-3 (an unmatched neuron has distance 1) and the largest
// distance; the function's relative RMSE, accuracies and label agreement.
func compareDeep(res *deepResult, t, rec *mlp.Network, testSet *synth.Labelled) (identify.Report, error) {
	cmp, err := identify.CompareIn(identify.DataSpace, t, rec, testSet.X)
	if err != nil {
		return cmp, err
	}
	for _, l := range cmp.Layers {
		matched, tight := l.Within(deepTol), l.Within(tightTol)
		res.Neurons = append(res.Neurons, len(l.Matches))
		res.Matched, res.MatchedTight = append(res.Matched, matched), append(res.MatchedTight, tight)
		res.MaxCosine = append(res.MaxCosine, l.MaxCosineDistance)
	}
	res.RelRMSE = cmp.RelRMSE
	res.RecoveredAcc, res.LabelAgreement, err = accuracies(t, rec, testSet)
	return cmp, err
}

// accuracies returns rec's test accuracy and its label agreement with t:
// the fraction of test images on which rec predicts t's label.
func accuracies(t, rec *mlp.Network, testSet *synth.Labelled) (acc, agreement float64, err error) {
	if acc, err = synth.Accuracy(rec, testSet.X, testSet.Labels); err != nil {
		return 0, 0, err
	}
	teacherLabels, err := synth.Predictions(t, testSet.X)
	if err != nil {
		return 0, 0, err
	}
	agreement, err = synth.Accuracy(rec, testSet.X, teacherLabels)
	return acc, agreement, err
}

// writeDeepReport writes dir/report.txt: the result line, the comparison,
// every layer's clustering and the run's verdict.
func writeDeepReport(dir string, res deepResult, run *identify.Result, comparison string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", res.line(), comparison)
	for i, lr := range run.Layers {
		fmt.Fprintf(&b, "layer %d: %d vectors, %d clusters, %d kept, %d too small (< %d members), %d unaligned\n",
			i+1, lr.Vectors, lr.Clusters, lr.Kept, lr.RemovedSmall, lr.MinSize, lr.RemovedUnaligned)
	}
	fmt.Fprintf(&b, "student losses %.4g\n%s\ntimings: %+v\n", run.StudentLosses, run.Verdict(), run.Timings)
	fmt.Print("  ", b.String())
	return os.WriteFile(filepath.Join(dir, "report.txt"), []byte(b.String()), 0o644)
}

// writeDeepSummary writes OUT/summary-deep.md from every row of
// OUT/results-deep.csv and returns it.
func writeDeepSummary(dir string) (string, error) {
	recs, err := readRows(filepath.Join(dir, "results-deep.csv"), deepHeader)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# Expand-and-Cluster on deep Fashion-MNIST teachers 784 → r → … → r → 10\n\n")
	fmt.Fprintf(&b, "Measured by `go run ./examples/fashionmnist -layers L` (every row of `results-deep.csv`). Per-layer figures are joined by ×, layer 1 first. "+
		"Matched: teacher neurons whose recovered partner is within data-space cosine distance %g (and 1e-3) on the 10 000 test images; "+
		"label agreement is the fraction of test images on which the recovered network predicts the teacher's label. Student losses are relative to the output variance.\n\n", deepTol)
	b.WriteString("| act | teacher | route | recovered widths | matched ≤ 1e-2 | matched ≤ 1e-3 | test RMSE (rel.) | label agreement | test acc. teacher / recovered | best / median student loss | students (N × width) | probes | time (students, retraining, fine-tune) | error |\n")
	b.WriteString("|---|---|---|---|---|---|---:|---:|---|---|---|---:|---|---|\n")
	col := columnsOf(deepHeader)
	for _, rec := range recs {
		v := func(name string) string { return rec[col[name]] }
		num := func(name string) float64 { x, _ := strconv.ParseFloat(v(name), 64); return x }
		students := v("students") + " × " + v("student_width")
		if num("subspace_dim") > 0 {
			students += fmt.Sprintf(" on the %s-dim. span (%s queries)", v("subspace_dim"), v("subspace_queries"))
		}
		fmt.Fprintf(&b, "| %s | 784→%s×%s→10 | %s | %s | %s / %s | %s | %.3g | %.2f%% | %.2f%% / %.2f%% | %.3g / %.3g | %s | %s | %s (%s, %s, %s) | %s |\n",
			v("activation"), v("r"), v("layers"), v("route"), v("recovered_widths"), v("matched_within_1e-2"), v("neurons"), v("matched_within_1e-3"),
			num("test_rel_rmse"), 100*num("label_agreement"), 100*num("teacher_test_acc"), 100*num("recovered_test_acc"),
			num("best_student_rel_loss"), num("median_student_rel_loss"), students, v("probes"),
			secs(num("total_seconds")), secs(num("student_seconds")), secs(num("retrain_seconds")), secs(num("fine_tune_seconds")), v("error"))
	}
	s := b.String()
	return s, os.WriteFile(filepath.Join(dir, "summary-deep.md"), []byte(s), 0o644)
}

// runDeep recovers every deep teacher of the run whose row is not yet in
// OUT/results-deep.csv, appending a row each, and rewrites the summary.
func runDeep(ctx context.Context, o options, trainSet, testSet *synth.Labelled) error {
	path := filepath.Join(o.out, "results-deep.csv")
	if err := upgradeCSV(path, deepHeader); err != nil {
		return err
	}
	done, err := doneKeys(path, deepHeader)
	if err != nil {
		return err
	}
	var results []deepResult
	for _, act := range o.acts {
		for _, r := range o.widths {
			if done[o.key(act.Name(), r)] {
				fmt.Printf("%s r = %d×%d: already in %s, skipped\n", act.Name(), r, o.layers, path)
				continue
			}
			res, err := runDeepTeacher(ctx, o, act, r, trainSet, testSet)
			if err != nil {
				return err
			}
			results = append(results, res)
			if err := csvlog.Append(path, deepHeader, res.record()); err != nil {
				return err
			}
		}
	}
	summary, err := writeDeepSummary(o.out)
	if err != nil {
		return err
	}
	fmt.Println("\n== summary of this run ==")
	for _, r := range results {
		fmt.Println(r.line())
	}
	fmt.Printf("\nall runs so far (%s):\n\n%s", filepath.Join(o.out, "summary-deep.md"), summary)
	return nil
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/internal/deepstitch"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

// stage is one step of the chain: its name (OUT/<name>.json) and its
// stitch settings given the previous stage's file.
type stage struct {
	name    string
	options func(prev string) deepstitch.Options
}

// stages is the chain the package comment describes, with the constants
// measured in results/fashionmnist-deep. Every fine-tune is bounded by
// Gauss–Newton steps (so that the run does not depend on the machine's
// speed) — those the hand-run chain's took in its minutes there; stages 2
// and 3, which it did not have, get 50 and 105 — and, as a cap, by three
// times those minutes (-time-scale scales the caps).
func stages(s settings) []stage {
	at := func(f func(o *deepstitch.Options)) func(string) deepstitch.Options {
		return func(prev string) deepstitch.Options {
			o := deepstitch.Defaults()
			o.Spread, o.Queries, o.Base, o.Threads = querySpread, queryCount, prev, s.workers
			f(&o)
			return o
		}
	}
	m := func(minutes int) time.Duration { return s.scaled(3 * time.Duration(minutes) * time.Minute) }
	return []stage{
		{"1-stitch", at(func(o *deepstitch.Options) {
			o.Base, o.Tau, o.MinStudents, o.FineTune, o.FineTuneSteps = "", 0.02, 2, m(25), 101
			o.PruneFactor, o.PruneFineTune, o.PruneFineTuneSteps = 2, m(15), 50
		})},
		{"2-layer1-knee", at(func(o *deepstitch.Options) {
			o.PruneFactor, o.PruneStep, o.PruneLayers, o.PruneRetrain = 1e9, 5, []int{1}, 5
			o.PruneFineTune, o.PruneFineTuneSteps = m(10), 50
		})},
		{"3-unbend", at(func(o *deepstitch.Options) { o.Unbend, o.FineTune, o.FineTuneSteps = 0.01, m(30), 105 })},
		{"4-prune", at(func(o *deepstitch.Options) { o.PruneFactor, o.PruneFineTune, o.PruneFineTuneSteps = 10, m(30), 105 })},
		{"5-layer2-refill", at(func(o *deepstitch.Options) {
			o.Refill, o.RefillGain, o.Keep, o.Unbend, o.FineTune, o.FineTuneSteps = 2, s.refillGain, s.studentFiles(), 0.01, m(30), 105
		})},
		{"6-layer2-knee", at(func(o *deepstitch.Options) {
			o.PruneFactor, o.PruneStep, o.PruneLayers, o.PruneRetrain = 1e9, 5, []int{2}, 5
			o.PruneFineTune, o.PruneFineTuneSteps = m(30), 105
		})},
		{"7-layer3-cycles", at(func(o *deepstitch.Options) {
			o.PruneFactor, o.PruneLayers, o.PruneCycles, o.PruneFineTune, o.PruneFineTuneSteps = 1.5, []int{3}, 12, m(5), 25
		})},
		{"8-unbend", at(func(o *deepstitch.Options) { o.Unbend, o.FineTune, o.FineTuneSteps = 0.01, m(15), 61 })},
		{"9-unbend", at(func(o *deepstitch.Options) { o.Unbend, o.FineTune, o.FineTuneSteps = 0.01, m(15), 51 })},
		{"10-layer3-agreement", at(func(o *deepstitch.Options) {
			o.Above, o.AboveStudents, o.AboveTime, o.AboveSteps, o.AboveDir = 3, s.aboveStudents, s.scaled(s.aboveTime), s.aboveSteps, s.out+"/above"
			o.AboveSeed, o.AboveWorkers = s.seed, s.workers
			o.MinStudents, o.Tau, o.AboveTable, o.FineTune, o.FineTuneSteps = s.minAgree, s.tau, true, m(20), 110
		})},
	}
}

// studentFiles are the span students' files (stage 0), the references a
// refill keeps and draws from.
func (s settings) studentFiles() []string {
	fs := make([]string, s.students)
	for i := range fs {
		fs[i] = deepstitch.StudentPath(filepath.Join(s.out, "students"), i)
	}
	return fs
}

// summaryRow is one stage's network compared with the teacher.
type summaryRow struct {
	stage   string
	relLoss float64
	deepstitch.Comparison
}

// summarize compares the network saved at path with the teacher: its loss
// on the queries relative to their output variance, and on the test images
// (data space) its matched neurons, relative RMSE and label agreement.
func summarize(d *deepstitch.Data, name, path string) (summaryRow, error) {
	r := summaryRow{stage: name}
	net, err := mlp.LoadFile(path)
	if err != nil {
		return r, err
	}
	loss, err := net.Loss(nil, d.X, d.Y)
	if err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	r.relLoss = loss / synth.OutputVariance(d.Y)
	r.Comparison, err = deepstitch.Compare(d, net)
	if err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// writeSummary writes the stages' table to path.
func writeSummary(path string, s settings, rows []summaryRow) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Deep Fashion-MNIST teacher 784 → 30 → 30 → 30 → 10 (g), recovered stage by stage\n\n")
	fmt.Fprintf(&b, "%d span students of %d Gauss–Newton steps, %d layer-3 students of %d, agreement: groups held by ≥ %d of them at cut %g; time caps × %g.\n",
		s.students, s.studentSteps, s.aboveStudents, s.aboveSteps, s.minAgree, s.tau, s.timeScale)
	fmt.Fprintf(&b, "Loss relative to the output variance on the %d Gaussian queries (× %d spread); neurons, RMSE and labels on the 10 000 test images, data space.\n\n", queryCount, querySpread)
	b.WriteString("| stage | widths | rel. loss | layer 1 within 1e-2 (1e-3) | layer 2 | layer 3 | all | test rel. RMSE | label agreement |\n|---|---|---:|---|---|---|---:|---:|---:|\n")
	for _, r := range rows {
		ws := make([]string, len(r.Widths))
		total := 0
		fmt.Fprintf(&b, "| %s | ", r.stage)
		for i, w := range r.Widths {
			ws[i] = fmt.Sprint(w)
			total += r.Within2[i]
		}
		fmt.Fprintf(&b, "%s | %.3g |", strings.Join(ws, " × "), r.relLoss)
		for i := range r.Widths {
			fmt.Fprintf(&b, " %d (%d) |", r.Within2[i], r.Within3[i])
		}
		fmt.Fprintf(&b, " %d | %.3g | %.2f %% |\n", total, r.RelRMSE, 100*r.Agreement)
	}
	fmt.Print(b.String())
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// tally counts exact recoveries and collects run times.
type tally struct {
	n, ok     int
	secs, cpu []float64
}

func (t *tally) add(r row) {
	t.n++
	if r.Success {
		t.ok++
	}
	t.secs = append(t.secs, r.Seconds)
	if r.CPUSeconds >= 0 {
		t.cpu = append(t.cpu, r.CPUSeconds)
	}
}

func (t *tally) line(label string) string {
	return fmt.Sprintf("| %s | %d | %d | %.0f%% | %s | %s |\n", label, t.n, t.ok, 100*float64(t.ok)/float64(t.n), dur(median(t.secs)), dur(median(t.cpu)))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func dur(s float64) string { return (time.Duration(s*10) * time.Second / 10).String() }

// lastWins keeps the last row of every key (a rerun replaces a row).
func lastWins(rows []row) []row {
	idx := map[string]int{}
	var out []row
	for _, r := range rows {
		if i, ok := idx[r.key()]; ok {
			out[i] = r
			continue
		}
		idx[r.key()] = len(out)
		out = append(out, r)
	}
	return out
}

// writeSummary writes summary.md and success.png from the CSV, whose
// teachers were drawn as draw says (its StandardSigmoid).
func writeSummary(dir, csvPath string, draw synth.DeepFamilyOptions) error {
	rows, err := readRows(csvPath)
	if err != nil {
		return err
	}
	rows = lastWins(rows)
	byAct, byDepth, all := map[string]*tally{}, map[int]*tally{}, &tally{}
	var acts []string
	for _, r := range rows {
		if byAct[r.Activation] == nil {
			byAct[r.Activation] = &tally{}
			acts = append(acts, r.Activation)
		}
		if byDepth[r.Layers] == nil {
			byDepth[r.Layers] = &tally{}
		}
		byAct[r.Activation].add(r)
		byDepth[r.Layers].add(r)
		all.add(r)
	}
	var b strings.Builder
	b.WriteString("# Expand-and-Cluster on the deep synthetic family\n\n")
	fmt.Fprintf(&b, "Measured by `go run ./examples/deepfamily` (rows of `%s`). Teachers of synth.DeepFamily, "+
		"N = 10 students, γ = 0.8, β = π/24. **Success** = identify.Compare finds every hidden width right and every "+
		"teacher neuron within cosine distance %g.\n\n", filepath.Base(csvPath), successTol)
	if len(rows) == 0 {
		b.WriteString("No rows yet.\n")
	} else {
		b.WriteString("| activation | teachers | exact | success rate | median wall time per teacher | median CPU time per teacher |\n|---|---:|---:|---:|---:|---:|\n")
		for _, a := range acts {
			b.WriteString(byAct[a].line(a))
		}
		for _, d := range []int{2, 3} {
			if t := byDepth[d]; t != nil {
				b.WriteString(t.line(fmt.Sprintf("**%d hidden layers**", d)))
			}
		}
		b.WriteString(all.line("**all**"))
		b.WriteString("\nWall times are on a shared machine (other jobs running); CPU time is the run's own processor time.\n")
		disp, err := displacements(rows, draw)
		if err != nil {
			return err
		}
		firm, weak := &tally{}, &tally{}
		for i, r := range rows {
			if disp[i] <= weakDisplacement {
				firm.add(r)
			} else {
				weak.add(r)
			}
		}
		fmt.Fprintf(&b, "\n**Determinacy.** The *displacement* of a teacher is how far (parameter norm) a network at loss %g on its "+
			"training inputs may sit from it along the weakest direction, to first order (identify.Determine). Above %g, "+
			"students at that loss need not share the teacher's neurons to the accuracy clustering needs:\n\n", floorLoss, weakDisplacement)
		b.WriteString("| teachers | count | exact | success rate | median wall time per teacher | median CPU time per teacher |\n|---|---:|---:|---:|---:|---:|\n")
		b.WriteString(firm.line(fmt.Sprintf("displacement ≤ %g", weakDisplacement)))
		if weak.n > 0 {
			b.WriteString(weak.line(fmt.Sprintf("displacement > %g", weakDisplacement)))
		}
		b.WriteString("\n| problem | exact | recovered hidden widths | max cosine distance | wall time | CPU time | displacement at 1e-16 | note |\n|---|---|---|---:|---:|---:|---:|---|\n")
		for i, r := range rows {
			fmt.Fprintf(&b, "| %s | %v | %s | %.2g | %s | %s | %.1e | %s |\n", r.Problem, r.Success, r.Recovered, r.MaxCosine, dur(r.Seconds), dur(r.CPUSeconds), disp[i], truncate(r.Note, 120))
		}
		if err := successPicture(filepath.Join(dir, "success.png"), acts, byAct); err != nil {
			return err
		}
		b.WriteString("\n![success rate per activation](success.png)\n")
	}
	path := filepath.Join(dir, "summary.md")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(b.String())
	return nil
}

// floorLoss is the loss at which displacements are reported: about where
// the deep recipe's first round and retraining stop (identify's
// deepHandoverLoss), which the clustering sees.
const floorLoss = 1e-16

// weakDisplacement splits the teachers into firmly and weakly determined:
// on the family at 5252d92–7cc01b6 no teacher above it was recovered.
const weakDisplacement = 1e-2

// displacements returns, for every row's teacher (drawn as draw says) on
// its training inputs, the identify.Determine displacement at floorLoss.
func displacements(rows []row, draw synth.DeepFamilyOptions) ([]float64, error) {
	out := make([]float64, len(rows))
	for i, r := range rows {
		p, err := synth.DeepFamilyProblem(r.Problem, synth.DeepFamilyOptions{Samples: r.Samples, TestSamples: -1, StandardSigmoid: draw.StandardSigmoid})
		if err != nil {
			return nil, err
		}
		teacher, err := p.Teacher()
		if err != nil {
			return nil, err
		}
		x, _, err := p.Inputs()
		if err != nil {
			return nil, err
		}
		d, err := identify.Determine(teacher, x)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Problem, err)
		}
		out[i] = d.Displacement(floorLoss)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// successPicture draws the success rate per activation.
func successPicture(path string, acts []string, byAct map[string]*tally) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Deep family: exact recoveries (cosine distance < %g)", successTol)
	p.Y.Label.Text = "success rate"
	p.Y.Min, p.Y.Max = 0, 1
	vals := make(plotter.Values, len(acts))
	for i, a := range acts {
		vals[i] = float64(byAct[a].ok) / float64(byAct[a].n)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(18))
	if err != nil {
		return err
	}
	bars.Color = color.RGBA{0x1f, 0x77, 0xb4, 255}
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalX(acts...)
	return p.Save(16*vg.Centimeter, 9*vg.Centimeter, path)
}

package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

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

// writeSummary writes summary.md and success.png from the CSV.
func writeSummary(dir, csvPath string) error {
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
		b.WriteString("\n| problem | exact | recovered hidden widths | max cosine distance | wall time | CPU time | note |\n|---|---|---|---:|---:|---:|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %v | %s | %.2g | %s | %s | %s |\n", r.Problem, r.Success, r.Recovered, r.MaxCosine, dur(r.Seconds), dur(r.CPUSeconds), truncate(r.Note, 120))
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

package main

import (
	"cmp"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// group is the set of rows of one (ρ, samples).
type group struct {
	rho     float64
	samples int
	floor   float64
	rows    []row
}

type cell struct {
	n, ok int
	secs  []float64
}

func (c *cell) rate() float64 { return float64(c.ok) / float64(c.n) }

func groups(rows []row) []*group {
	var gs []*group
	find := func(rho float64, samples int, floor float64) *group {
		for _, g := range gs {
			if g.rho == rho && g.samples == samples && g.floor == floor {
				return g
			}
		}
		g := &group{rho: rho, samples: samples, floor: floor}
		gs = append(gs, g)
		return g
	}
	for _, r := range rows {
		g := find(r.Rho, r.Samples, r.LossFloor)
		g.rows = append(g.rows, r)
	}
	slices.SortFunc(gs, func(a, b *group) int {
		return cmp.Or(cmp.Compare(a.rho, b.rho), cmp.Compare(a.samples, b.samples), cmp.Compare(a.floor, b.floor))
	})
	return gs
}

func (g *group) cells() map[[2]int]*cell {
	m := map[[2]int]*cell{}
	for _, r := range g.rows {
		k := [2]int{r.DIn, r.R}
		c := m[k]
		if c == nil {
			c = &cell{}
			m[k] = c
		}
		c.n++
		if r.Success {
			c.ok++
		}
		c.secs = append(c.secs, r.Seconds)
	}
	return m
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}

func dur(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}

// lastWins keeps the last row of each key (a rerun replaces an earlier row).
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

// writeSummary writes summary.md and success-rho<ρ>.png from every row of
// the CSV, and prints the summary.
func writeSummary(dir, csvPath string) error {
	rows, err := readRows(csvPath)
	if err != nil {
		return err
	}
	rows = lastWins(rows)
	var b strings.Builder
	fmt.Fprintf(&b, "# Expand-and-Cluster on the paper's synthetic family\n\n")
	fmt.Fprintf(&b, "Measured by `go run ./examples/paper` (rows of `%s`, %d runs). Teachers d_in → r → 1 with activation g, "+
		"Gaussian inputs; N = 20 students (r ≤ 4) or 10 (r = 8), γ = %g, β = π/24; students ρ·r wide.\n\n",
		filepath.Base(csvPath), len(rows), synth.FamilyGamma)
	fmt.Fprintf(&b, "**Success** = the recovered width equals the teacher's **and** every teacher neuron's cosine distance "+
		"to its matched recovered neuron (incoming weights and bias, up to the activation's symmetry) is below %g.\n", successTol)
	if len(rows) == 0 {
		b.WriteString("\nNo rows yet.\n")
	}
	var pictures []string
	for _, g := range groups(rows) {
		cells := g.cells()
		keys := make([][2]int, 0, len(cells))
		for k := range cells {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
		tot := &cell{}
		for _, k := range keys {
			c := cells[k]
			tot.n += c.n
			tot.ok += c.ok
			tot.secs = append(tot.secs, c.secs...)
		}
		fmt.Fprintf(&b, "\n## ρ = %g, %d training inputs, student loss floor %g: %d/%d exact (%.0f%%), %s of run time\n\n",
			g.rho, g.samples, g.floor, tot.ok, tot.n, 100*tot.rate(), dur(sum(tot.secs)))
		b.WriteString("| d_in | r | teachers | exact | success rate | median time per teacher | total time |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, k := range keys {
			c := cells[k]
			fmt.Fprintf(&b, "| %d | %d | %d | %d | %.0f%% | %s | %s |\n", k[0], k[1], c.n, c.ok, 100*c.rate(), dur(median(c.secs)), dur(sum(c.secs)))
		}
		// The Figure 5B grid.
		b.WriteString("\nSuccess rate (exact/teachers), d_in × r:\n\n| d_in \\ r |")
		for _, r := range synth.FamilyR {
			fmt.Fprintf(&b, " %d |", r)
		}
		b.WriteString("\n|---:|")
		for range synth.FamilyR {
			b.WriteString("---:|")
		}
		b.WriteString("\n")
		for _, d := range synth.FamilyDIn {
			fmt.Fprintf(&b, "| %d |", d)
			for _, r := range synth.FamilyR {
				if c := cells[[2]int{d, r}]; c != nil {
					fmt.Fprintf(&b, " %.0f%% (%d/%d) |", 100*c.rate(), c.ok, c.n)
				} else {
					b.WriteString(" – |")
				}
			}
			b.WriteString("\n")
		}
		var failed []string
		for _, r := range g.rows {
			if !r.Success {
				s := fmt.Sprintf("%s (width %d/%d, max cosine distance %.2g, students at zero loss %d/%d", r.Problem, r.RecoveredWidth, r.R, r.MaxCosine, r.ZeroLoss, r.Students)
				if r.Note != "" {
					s += ", " + r.Note
				}
				failed = append(failed, s+")")
			}
		}
		if len(failed) > 0 {
			fmt.Fprintf(&b, "\nNot exact: %s.\n", strings.Join(failed, "; "))
		}
		name := fmt.Sprintf("success-rho%g-n%d-floor%g.png", g.rho, g.samples, g.floor)
		if err := successPicture(filepath.Join(dir, name), g, cells); err != nil {
			return err
		}
		pictures = append(pictures, name)
		fmt.Fprintf(&b, "\n![success rate at ρ = %g](%s)\n", g.rho, name)
	}
	if gs := groups(rows); len(gs) > 0 {
		easeTable(&b, gs)
		if err := easePicture(filepath.Join(dir, "ease.png"), gs); err != nil {
			return err
		}
		pictures = append(pictures, "ease.png")
		b.WriteString("\n![success and students at zero loss against r/d_in](ease.png)\n")
	}
	path := filepath.Join(dir, "summary.md")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Println()
	fmt.Print(b.String())
	fmt.Printf("\nwrote %s and %s\n", path, strings.Join(pictures, ", "))
	return nil
}

// successPicture draws the success rate per d_in, one bar per r.
func successPicture(path string, g *group, cells map[[2]int]*cell) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Exact recoveries, ρ = %g, %d inputs (cosine distance < %g)", g.rho, g.samples, successTol)
	p.Y.Label.Text = "success rate"
	p.X.Label.Text = "input dimension d_in"
	p.Y.Min, p.Y.Max = 0, 1.35
	cols := []color.Color{color.RGBA{0x1f, 0x77, 0xb4, 255}, color.RGBA{0xff, 0x7f, 0x0e, 255}, color.RGBA{0x2c, 0xa0, 0x2c, 255}}
	w := vg.Points(12)
	var names []string
	for _, d := range synth.FamilyDIn {
		names = append(names, fmt.Sprint(d))
	}
	for i, r := range synth.FamilyR {
		vals := make(plotter.Values, len(synth.FamilyDIn))
		any := false
		for j, d := range synth.FamilyDIn {
			if c := cells[[2]int{d, r}]; c != nil {
				vals[j] = c.rate()
				any = true
			}
		}
		if !any {
			continue
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return err
		}
		bars.Color = cols[i%len(cols)]
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(i-1)
		p.Add(bars)
		p.Legend.Add(fmt.Sprintf("r = %d", r), bars)
	}
	p.Legend.Top = true
	p.NominalX(names...)
	return p.Save(16*vg.Centimeter, 10*vg.Centimeter, path)
}

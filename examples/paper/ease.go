package main

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// easePoint is one r/d_in value of one group: teachers run, exact
// recoveries, and the fraction of students that reached zero loss.
type easePoint struct {
	ratio            float64 // r/d_in
	n, ok            int
	students, atZero int
}

// ease groups g's rows by r/d_in, the paper's ease-of-identifiability axis
// (Martinelli et al. 2024, Figure 5B: the fewer teacher neurons per input
// dimension, the easier).
func ease(g *group) []easePoint {
	m := map[float64]*easePoint{}
	for _, r := range g.rows {
		k := float64(r.R) / float64(r.DIn)
		p := m[k]
		if p == nil {
			p = &easePoint{ratio: k}
			m[k] = p
		}
		p.n++
		if r.Success {
			p.ok++
		}
		p.students += r.Students
		p.atZero += r.ZeroLoss
	}
	var out []easePoint
	for _, p := range m {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b easePoint) int { return cmp.Compare(a.ratio, b.ratio) })
	return out
}

func ratioLabel(x float64) string {
	if x >= 1 {
		return fmt.Sprintf("%g", x)
	}
	return fmt.Sprintf("1/%g", 1/x)
}

// easeTable writes the success rate and the fraction of students at zero
// loss against r/d_in, one column per group.
func easeTable(b *strings.Builder, gs []*group) {
	if len(gs) == 0 {
		return
	}
	ratios := map[float64]bool{}
	pts := make([]map[float64]easePoint, len(gs))
	for i, g := range gs {
		pts[i] = map[float64]easePoint{}
		for _, p := range ease(g) {
			ratios[p.ratio] = true
			pts[i][p.ratio] = p
		}
	}
	var keys []float64
	for k := range ratios {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b.WriteString("\n## Ease of identifiability: success against r/d_in\n\n")
	b.WriteString("Exact recoveries (and the fraction of students at zero loss, loss ≤ 1e-14) per teacher-width-to-input-dimension ratio r/d_in, pooled over the (d_in, r) settings with that ratio.\n\n| r/d_in |")
	for _, g := range gs {
		fmt.Fprintf(b, " %s |", groupLabel(g))
	}
	b.WriteString("\n|---:|")
	for range gs {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, k := range keys {
		fmt.Fprintf(b, "| %s |", ratioLabel(k))
		for i := range gs {
			p, ok := pts[i][k]
			if !ok {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(b, " %d/%d exact, %.0f%% of students at zero loss |", p.ok, p.n, 100*float64(p.atZero)/float64(p.students))
		}
		b.WriteString("\n")
	}
}

func groupLabel(g *group) string {
	s := fmt.Sprintf("ρ = %g", g.rho)
	if g.samples != synth.DefaultSamples {
		s += fmt.Sprintf(", %d inputs", g.samples)
	}
	if g.floor != 1e-28 {
		s += fmt.Sprintf(", floor %g", g.floor)
	}
	return s
}

// easePicture draws success rate (solid) and fraction of students at zero
// loss (dashed) against r/d_in on a log₂ axis, one colour per group.
func easePicture(path string, gs []*group) error {
	p := plot.New()
	p.Title.Text = "Ease of identifiability: exact recoveries against r/d_in"
	p.X.Label.Text = "teacher width / input dimension r/d_in (log scale)"
	p.Y.Label.Text = "fraction (solid: exact recoveries, dashed: students at zero loss)"
	p.Y.Min, p.Y.Max = 0, 1.05
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = easeTicks{}
	cols := []color.Color{color.RGBA{0x1f, 0x77, 0xb4, 255}, color.RGBA{0xff, 0x7f, 0x0e, 255}, color.RGBA{0x2c, 0xa0, 0x2c, 255},
		color.RGBA{0xd6, 0x27, 0x28, 255}, color.RGBA{0x94, 0x67, 0xbd, 255}, color.RGBA{0x8c, 0x56, 0x4b, 255}}
	for i, g := range gs {
		pts := ease(g)
		succ := make(plotter.XYs, len(pts))
		zero := make(plotter.XYs, len(pts))
		for k, q := range pts {
			succ[k] = plotter.XY{X: q.ratio, Y: float64(q.ok) / float64(q.n)}
			zero[k] = plotter.XY{X: q.ratio, Y: float64(q.atZero) / float64(q.students)}
		}
		c := cols[i%len(cols)]
		l, s, err := plotter.NewLinePoints(succ)
		if err != nil {
			return err
		}
		l.Color, s.Color = c, c
		s.Shape = draw.CircleGlyph{}
		lz, err := plotter.NewLine(zero)
		if err != nil {
			return err
		}
		lz.Color = c
		lz.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l, s, lz)
		p.Legend.Add(groupLabel(g), l, s)
	}
	p.Legend.Left = true
	p.Legend.Top = false
	return p.Save(16*vg.Centimeter, 11*vg.Centimeter, path)
}

// easeTicks labels the powers of two of the r/d_in axis.
type easeTicks struct{}

func (easeTicks) Ticks(min, max float64) []plot.Tick {
	var t []plot.Tick
	for e := math.Floor(math.Log2(min)); e <= math.Ceil(math.Log2(max)); e++ {
		v := math.Pow(2, e)
		if v >= min*0.999 && v <= max*1.001 {
			t = append(t, plot.Tick{Value: v, Label: ratioLabel(v)})
		}
	}
	return t
}

package main

import (
	"errors"
	"fmt"
	"github.com/paramrecovery/expandcluster/internal/csvlog"
	"image/color"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// curve is one student's relative loss against its CPU-seconds.
type curve struct {
	Route, Act string
	R, Probes  int
	Rho        float64
	Seed       int
	Budget     float64
	Reason     string
	CPU, Loss  []float64
}

func (c curve) key() string {
	return fmt.Sprintf("%s/%s/%d/%g/%d/%d/%g", c.Route, c.Act, c.R, c.Rho, c.Probes, c.Seed, c.Budget)
}

// final is the best relative loss the student reached.
func (c curve) final() float64 { return slices.Min(c.Loss) }

// bestBy returns the lowest loss reached by CPU time t (NaN before the
// first point).
func (c curve) bestBy(t float64) float64 {
	best := math.NaN()
	for i, ti := range c.CPU {
		if ti > t {
			break
		}
		if !(c.Loss[i] >= best) {
			best = c.Loss[i]
		}
	}
	return best
}

var curveHeader = []string{"route", "activation", "r", "rho", "probes", "seed", "budget_cpu_seconds", "point", "cpu_seconds", "rel_loss", "reason"}

// appendCurve appends c's points to the CSV at path (with the header if
// the file is new).
func appendCurve(path string, c curve) error {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	rows := make([][]string, len(c.CPU))
	for i := range c.CPU {
		rows[i] = []string{c.Route, c.Act, strconv.Itoa(c.R), g(c.Rho), strconv.Itoa(c.Probes), strconv.Itoa(c.Seed), g(c.Budget),
			strconv.Itoa(i), g(c.CPU[i]), g(c.Loss[i]), c.Reason}
	}
	return csvlog.Append(path, curveHeader, rows...)
}

// readCurves reads every curve of the CSV at path, in file order.
func readCurves(path string) ([]curve, error) {
	recs, err := csvlog.Read(path, curveHeader)
	if err != nil {
		return nil, err
	}
	var out []curve
	index := map[string]int{}
	for _, rec := range recs {
		num := func(i int) float64 { v, _ := strconv.ParseFloat(rec[i], 64); return v }
		c := curve{Route: rec[0], Act: rec[1], Rho: num(3), Budget: num(6), Reason: rec[10]}
		c.R, _ = strconv.Atoi(rec[2])
		c.Probes, _ = strconv.Atoi(rec[4])
		c.Seed, _ = strconv.Atoi(rec[5])
		k, ok := index[c.key()]
		if !ok {
			k = len(out)
			index[c.key()] = k
			out = append(out, c)
		}
		out[k].CPU = append(out[k].CPU, num(8))
		out[k].Loss = append(out[k].Loss, num(9))
	}
	return out, nil
}

// doneRuns returns the keys of the curves already in the CSV at path.
func doneRuns(path string) (map[string]bool, error) {
	curves, err := readCurves(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for _, c := range curves {
		done[c.key()] = true
	}
	return done, nil
}

// drawCurves plots every curve thinly and, per route, the median over its
// students of the best loss reached by each CPU time, on a log scale.
func drawCurves(path string, curves []curve) error {
	p := plot.New()
	p.Title.Text = "Wide students: loss relative to the output variance against CPU time"
	p.X.Label.Text = "CPU-seconds per student"
	p.Y.Label.Text = "relative loss"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: 1}
	colours := map[string]color.Color{"gn": color.RGBA{R: 200, A: 255}, "adam": color.RGBA{B: 200, A: 255}}
	byRoute := map[string][]curve{}
	var routes []string
	mixed := mixedSettings(curves)
	for _, c := range curves {
		g := c.Route
		if mixed {
			g = fmt.Sprintf("%s, ρ = %g, %d probes", c.Route, c.Rho, c.Probes)
		}
		if _, ok := byRoute[g]; !ok {
			routes = append(routes, g)
		}
		byRoute[g] = append(byRoute[g], c)
	}
	for i, route := range routes {
		base, _, _ := splitProbes(route)
		col := colours[base]
		if col == nil {
			col = plotutil.Color(i + 2)
		}
		for _, c := range byRoute[route] {
			l, err := plotter.NewLine(points(c.CPU, c.Loss))
			if err != nil {
				return err
			}
			l.Color, l.Width = faded(col), vg.Points(0.5)
			p.Add(l)
		}
		// Each route's median ends where its longest curve ends: a
		// shorter budget is not a plateau.
		end := 0.0
		for _, c := range byRoute[route] {
			end = max(end, c.CPU[len(c.CPU)-1])
		}
		med, err := plotter.NewLine(medianCurve(byRoute[route], end))
		if err != nil {
			return err
		}
		med.Color, med.Width = col, vg.Points(2)
		p.Add(med)
		p.Legend.Add(fmt.Sprintf("%s (median of %d)", routeName(route), len(byRoute[route])), med)
	}
	p.Legend.Top = true
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}

// mixedSettings reports whether the curves differ in ρ or in the number
// of probes: each (route, ρ, probes) then gets its own median, and the
// legend names them.
func mixedSettings(curves []curve) bool {
	for _, c := range curves {
		if c.Rho != curves[0].Rho || c.Probes != curves[0].Probes {
			return true
		}
	}
	return false
}

func routeName(route string) string {
	r, probe, err := splitProbes(route)
	if err != nil {
		return route
	}
	switch {
	case probe.Iso > 0:
		return fmt.Sprintf("%s, isotropic Gaussian queries σ = %g", baseRouteName(r), probe.Iso)
	case probe.Noise > 0:
		return fmt.Sprintf("%s, pixel noise σ = %g", baseRouteName(r), probe.Noise)
	}
	return baseRouteName(r)
}

func baseRouteName(r string) string {
	switch r {
	case "gn":
		return "Gauss–Newton (train.GaussNewton)"
	case "adam":
		return "minibatch Adam (batch 640)"
	}
	if opts, ok := strings.CutPrefix(r, "gn+"); ok {
		return "Gauss–Newton, " + strings.ReplaceAll(opts, "+", ", ")
	}
	return r
}

// faded is c at a third of its opacity (non-premultiplied, so the hue
// stays).
func faded(c color.Color) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = 85
	return n
}

// points keeps the positive losses (a log scale cannot show zero).
func points(x, y []float64) plotter.XYs {
	var xy plotter.XYs
	for i := range x {
		if y[i] > 0 {
			xy = append(xy, plotter.XY{X: x[i], Y: y[i]})
		}
	}
	return xy
}

// medianCurve samples, on 200 times up to tmax, the median over curves of
// the best loss reached by that time.
func medianCurve(curves []curve, tmax float64) plotter.XYs {
	var xy plotter.XYs
	for k := 1; k <= 200; k++ {
		t := tmax * float64(k) / 200
		var v []float64
		for _, c := range curves {
			if b := c.bestBy(t); !math.IsNaN(b) {
				v = append(v, b)
			}
		}
		if len(v) == 0 {
			continue
		}
		slices.Sort(v)
		m := v[len(v)/2]
		if len(v)%2 == 0 {
			m = math.Sqrt(v[len(v)/2-1] * v[len(v)/2])
		}
		if m > 0 {
			xy = append(xy, plotter.XY{X: t, Y: m})
		}
	}
	return xy
}

package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/paramrecovery/expandcluster/internal/csvlog"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// successTol is the cosine-distance threshold of an exact recovery, as in
// examples/paper.
const successTol = 1e-6

var synthHeader = []string{"problem", "d_in", "r", "rho", "students", "strategy", "queries", "exact", "largest_failed", "rounds", "max_weight_error", "weight_bits", "max_output_error", "seconds", "load1"}

// synthRow is one (problem, strategy) measurement. Queries is the number
// of queries of the exact recovery (fixed: the smallest ladder count that
// recovered exactly; active: the queries the run made), or, without an
// exact recovery, the most tried.
type synthRow struct {
	Problem       string
	DIn, R        int
	Rho           float64
	Students      int
	Strategy      string
	Queries       int
	Exact         bool
	LargestFailed int // fixed: the largest ladder count below Queries that failed
	Rounds        int // active: query rounds after the first
	// WeightErr and OutputErr are identify.WeightError's largest parameter
	// and output errors of the exact recovery (NaN otherwise), Bits the
	// former's −log₂.
	WeightErr, Bits, OutputErr float64
	Seconds                    float64
	Load                       string
}

func (r synthRow) key() string {
	return fmt.Sprintf("%s/%g/%s", r.Problem, r.Rho, r.Strategy)
}

// ladder returns the fixed probe counts tried: 8·2^(k/4), up to maxN.
func ladder(maxN int) []int {
	var out []int
	for k := 0; ; k++ {
		n := int(math.Round(8 * math.Pow(2, float64(k)/4)))
		if n > maxN {
			return out
		}
		if len(out) == 0 || n != out[len(out)-1] {
			out = append(out, n)
		}
	}
}

func runSynth(ctx context.Context, o options) error {
	path := filepath.Join(o.out, "synth.csv")
	rows, err := readSynth(path)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, r := range rows {
		done[r.key()] = true
	}
	for _, name := range o.problems {
		p, err := synth.FamilyProblem(name, synth.FamilyOptions{})
		if err != nil {
			return err
		}
		for _, strategy := range []string{"fixed", "active"} {
			row := synthRow{Problem: p.Name, DIn: p.DIn, R: p.R, Rho: o.rho, Students: p.Students, Strategy: strategy}
			if done[row.key()] {
				fmt.Printf("%s %s: already in %s\n", p.Name, strategy, path)
				continue
			}
			row.Load = loadAvg()
			t0 := time.Now()
			if err := measureSynth(ctx, p, &row, o); err != nil {
				return err
			}
			row.Seconds = time.Since(t0).Seconds()
			if err := appendSynth(path, row); err != nil {
				return err
			}
			rows = append(rows, row)
			fmt.Printf("%s %s: %d queries, exact %v (%.1f s, load %s)\n", p.Name, strategy, row.Queries, row.Exact, row.Seconds, row.Load)
		}
	}
	if err := writeSynthSummary(filepath.Join(o.out, "synth.md"), rows); err != nil {
		return err
	}
	return drawSynth(filepath.Join(o.out, "synth.png"), rows)
}

// measureSynth runs one strategy on one problem.
func measureSynth(ctx context.Context, p synth.Problem, row *synthRow, o options) error {
	teacher, err := p.Teacher()
	if err != nil {
		return err
	}
	_, test, err := p.Inputs()
	if err != nil {
		return err
	}
	cand, err := identify.IsotropicGaussian(p.DIn, 1)
	if err != nil {
		return err
	}
	cfg := identify.Config{Activation: p.Activation, BaseWidth: p.R, Rho: o.rho,
		Students: p.Students, Gamma: p.Gamma, Beta: p.Beta, Seed: p.Seed}
	row.WeightErr, row.Bits, row.OutputErr = math.NaN(), math.NaN(), math.NaN()
	exact := func(res *identify.Result) (bool, error) {
		if res == nil || res.Network == nil {
			return false, nil
		}
		rep, err := identify.Compare(teacher, res.Network, test)
		if err != nil {
			return false, err
		}
		if !rep.Exact(successTol) {
			return false, nil
		}
		wr, err := identify.WeightError(teacher, res.Network, test)
		if err != nil {
			return false, err
		}
		row.WeightErr, row.Bits, row.OutputErr = wr.MaxAbs, wr.Bits, wr.MaxOutputError
		return true, nil
	}
	if row.Strategy == "fixed" {
		for _, n := range ladder(o.maxN) {
			res, err := identify.RunProbes(ctx, teacher, cand, n, cfg)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ok, cerr := exact(res)
			if cerr != nil {
				return cerr
			}
			_ = err // a failed recovery (no neurons, too few students) is a failure at this n
			row.Queries = n
			if ok {
				row.Exact = true
				return nil
			}
			row.LargestFailed = n
		}
		return nil
	}
	res, err := identify.RunActive(ctx, teacher, identify.Active{Candidates: cand}, cfg)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if res == nil {
		return err
	}
	row.Queries, row.Rounds = res.Queries, len(res.Rounds)-1
	row.Exact, err = exact(res)
	return err
}

func appendSynth(path string, r synthRow) error {
	return csvlog.Append(path, synthHeader, []string{r.Problem, strconv.Itoa(r.DIn), strconv.Itoa(r.R), strconv.FormatFloat(r.Rho, 'g', -1, 64),
		strconv.Itoa(r.Students), r.Strategy, strconv.Itoa(r.Queries), strconv.FormatBool(r.Exact),
		strconv.Itoa(r.LargestFailed), strconv.Itoa(r.Rounds), strconv.FormatFloat(r.WeightErr, 'g', 4, 64),
		strconv.FormatFloat(r.Bits, 'f', 1, 64), strconv.FormatFloat(r.OutputErr, 'g', 4, 64),
		strconv.FormatFloat(r.Seconds, 'f', 1, 64), r.Load})
}

func readSynth(path string) ([]synthRow, error) {
	recs, err := csvlog.Read(path, synthHeader)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []synthRow
	for _, rec := range recs {
		r := synthRow{Problem: rec[0], Strategy: rec[5], Load: rec[14]}
		r.DIn, _ = strconv.Atoi(rec[1])
		r.R, _ = strconv.Atoi(rec[2])
		r.Rho, _ = strconv.ParseFloat(rec[3], 64)
		r.Students, _ = strconv.Atoi(rec[4])
		r.Queries, _ = strconv.Atoi(rec[6])
		r.Exact = rec[7] == "true"
		r.LargestFailed, _ = strconv.Atoi(rec[8])
		r.Rounds, _ = strconv.Atoi(rec[9])
		r.WeightErr, _ = strconv.ParseFloat(rec[10], 64)
		r.Bits, _ = strconv.ParseFloat(rec[11], 64)
		r.OutputErr, _ = strconv.ParseFloat(rec[12], 64)
		r.Seconds, _ = strconv.ParseFloat(rec[13], 64)
		out = append(out, r)
	}
	return out, nil
}

func bitsCell(r *synthRow) string {
	if math.IsNaN(r.Bits) || !r.Exact {
		return "–"
	}
	return fmt.Sprintf("2^-%.1f", r.Bits)
}

// pair is one problem's fixed and active rows.
type pair struct {
	fixed, active *synthRow
}

func pairs(rows []synthRow) ([]string, map[string]*pair) {
	byKey := map[string]*pair{}
	var keys []string
	for i := range rows {
		r := &rows[i]
		k := fmt.Sprintf("%s ρ=%g", r.Problem, r.Rho)
		if byKey[k] == nil {
			byKey[k] = &pair{}
			keys = append(keys, k)
		}
		if r.Strategy == "fixed" {
			byKey[k].fixed = r
		} else {
			byKey[k].active = r
		}
	}
	sort.Strings(keys)
	return keys, byKey
}

func writeSynthSummary(path string, rows []synthRow) error {
	keys, byKey := pairs(rows)
	var b strings.Builder
	b.WriteString("# Queries for exact recovery: fixed Gaussian probes against active (query by committee)\n\n")
	b.WriteString("Exact: every width right and every neuron within cosine distance 1e-6 (as examples/paper). ")
	b.WriteString("Fixed: the smallest n of the ladder 8·2^(k/4) that recovered exactly (the next smaller one failed). ")
	b.WriteString("Active: identify.RunActive with its defaults (4(d+1) initial queries, d+1 per round, 50(d+1) candidates per round), the same students.\n\n")
	b.WriteString("Max weight error: identify.WeightError on the exact recovery, the largest absolute error of any parameter after matching up to symmetry, as 2^-k.\n\n")
	b.WriteString("| problem | student parameters | fixed: queries (largest failed) | active: queries (rounds) | active / fixed | max weight error fixed / active |\n|---|---|---|---|---|---|\n")
	var ratios []float64
	both, fixedOK, activeOK, quarter := 0, 0, 0, 0
	for _, k := range keys {
		p := byKey[k]
		if p.fixed == nil || p.active == nil {
			continue
		}
		width := int(math.Ceil(p.fixed.Rho * float64(p.fixed.R)))
		params := width*(p.fixed.DIn+1) + width + 1
		fs := fmt.Sprintf("%d (%d)", p.fixed.Queries, p.fixed.LargestFailed)
		if !p.fixed.Exact {
			fs = fmt.Sprintf("not exact up to %d", p.fixed.Queries)
		} else {
			fixedOK++
		}
		as := fmt.Sprintf("%d (%d)", p.active.Queries, p.active.Rounds)
		if !p.active.Exact {
			as = fmt.Sprintf("not exact after %d", p.active.Queries)
		} else {
			activeOK++
		}
		ratio := "–"
		if p.fixed.Exact && p.active.Exact {
			q := float64(p.active.Queries) / float64(p.fixed.Queries)
			ratios = append(ratios, q)
			ratio = fmt.Sprintf("%.2f", q)
			both++
			if q <= 0.25 {
				quarter++
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s / %s |\n", k, params, fs, as, ratio, bitsCell(p.fixed), bitsCell(p.active))
	}
	fmt.Fprintf(&b, "\nExact: fixed %d, active %d of %d (problem, ρ). ", fixedOK, activeOK, len(keys))
	if len(ratios) > 0 {
		slices.Sort(ratios)
		fmt.Fprintf(&b, "Where both were exact (%d), active/fixed query ratio: median %.2f, range %.2f–%.2f; ≤ 1/4 on %d.\n",
			both, ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1], quarter)
	}
	for _, strategy := range []string{"fixed", "active"} {
		var q []float64
		for _, r := range rows {
			if r.Strategy == strategy && r.Exact {
				width := int(math.Ceil(r.Rho * float64(r.R)))
				q = append(q, float64(r.Queries)/float64(width*(r.DIn+1)+width+1))
			}
		}
		if len(q) > 0 {
			slices.Sort(q)
			fmt.Fprintf(&b, "Queries per student parameter, %s: median %.2f, range %.2f–%.2f.\n", strategy, q[len(q)/2], q[0], q[len(q)-1])
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// drawSynth plots the queries each strategy needed for exact recovery
// against the number of student parameters (log–log), with the lines
// queries = parameters and queries = parameters/4: both strategies sit on
// the first, the goal (active ≤ fixed/4) would need the second.
func drawSynth(path string, rows []synthRow) error {
	p := plot.New()
	p.Title.Text = "Queries for exact recovery, synthetic teachers"
	p.X.Label.Text = "student parameters (ρ·r·(d_in+2) + 1)"
	p.Y.Label.Text = "queries"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: 0}, plot.LogTicks{Prec: 0}
	pts := map[string]plotter.XYs{}
	lo, hi := math.Inf(1), 0.0
	for _, r := range rows {
		if !r.Exact {
			continue
		}
		width := int(math.Ceil(r.Rho * float64(r.R)))
		params := float64(width*(r.DIn+1) + width + 1)
		off := 0.97 // side by side, so that the two strategies do not hide each other
		if r.Strategy == "active" {
			off = 1.03
		}
		pts[r.Strategy] = append(pts[r.Strategy], plotter.XY{X: params * off, Y: float64(r.Queries)})
		lo, hi = math.Min(lo, math.Min(params, float64(r.Queries))), math.Max(hi, math.Max(params, float64(r.Queries)))
	}
	if hi == 0 {
		return nil
	}
	lo, hi = lo/1.5, hi*1.5
	for i, f := range []float64{1, 0.25} {
		l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo * f}, {X: hi, Y: hi * f}})
		if err != nil {
			return err
		}
		l.Color = color.Gray{Y: 120}
		if i == 1 {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Legend.Add("queries = parameters / 4", l)
		} else {
			p.Legend.Add("queries = parameters", l)
		}
		p.Add(l)
	}
	style := map[string]struct {
		shape draw.GlyphDrawer
		col   color.Color
		name  string
	}{
		"fixed":  {draw.CircleGlyph{}, color.RGBA{R: 200, A: 255}, "fixed isotropic Gaussian probes"},
		"active": {draw.TriangleGlyph{}, color.RGBA{B: 200, A: 255}, "active (query by committee)"},
	}
	for _, k := range []string{"fixed", "active"} {
		if len(pts[k]) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts[k])
		if err != nil {
			return err
		}
		sc.GlyphStyle.Shape, sc.GlyphStyle.Color, sc.GlyphStyle.Radius = style[k].shape, style[k].col, vg.Points(3.5)
		p.Add(sc)
		p.Legend.Add(style[k].name, sc)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo*0.25, hi
	p.Legend.Top, p.Legend.Left = false, false // bottom right, clear of the points
	return p.Save(6*vg.Inch, 5*vg.Inch, path)
}

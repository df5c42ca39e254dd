package plots

import (
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/cluster"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatMapSettings configures NewDistanceHeatMap and
// NewCondensedHeatMap. The zero value (or nil) means the defaults.
type HeatMapSettings struct {
	Page
	// Metric is the distance between points (NewDistanceHeatMap only).
	// Default cluster.Euclidean.
	Metric cluster.Metric
	// MaxCells is the largest number of rows (and columns) drawn. With
	// more points, evenly spaced points of the order are drawn (every
	// n/MaxCells-th). Zero means 1000.
	MaxCells int
	// Clusters, if given, outlines the kept clusters on the diagonal
	// (clusters of a cut of the tree whose leaf order is used are
	// contiguous in that order).
	Clusters []cluster.ClusterReport
	// LogScale colours log10 of the distances; zero distances get the
	// colour of a tenth of the smallest positive one.
	LogScale bool
	// ColorMap maps distances to colours. Its range is set from the data.
	// Default moreland.ExtendedBlackBody (dark = near, bright = far).
	ColorMap palette.ColorMap
}

// NewDistanceHeatMap draws the matrix of pairwise distances between the
// rows of points, in order (a permutation of the rows, such as LeafOrder
// of their tree; nil means the row order). Point order[0] is the top row
// and the left column. Large inputs are subsampled to at most MaxCells
// points, so the cost is O(MaxCells²·d) whatever the number of points.
func NewDistanceHeatMap(points *mat.Dense, order []int, s *HeatMapSettings) (*Figure, error) {
	if points == nil {
		return nil, fmt.Errorf("plots: NewDistanceHeatMap: nil points")
	}
	set := heatDefaults(s)
	n, d := points.Dims()
	order, err := checkOrder(order, n)
	if err != nil {
		return nil, err
	}
	pick := subsample(n, set.MaxCells)
	sub := mat.NewDense(len(pick), d, nil)
	for i, p := range pick {
		sub.SetRow(i, points.RawRowView(order[p]))
	}
	dist, err := cluster.Distances(sub, set.Metric, nil)
	if err != nil {
		return nil, fmt.Errorf("plots: NewDistanceHeatMap: %w", err)
	}
	title := fmt.Sprintf("Pairwise %v distances, %d points in leaf order", set.Metric, n)
	return heatFigure(dist, n, order, set, title)
}

// NewCondensedHeatMap draws the condensed distance matrix d (see
// cluster.Condensed) in order, as NewDistanceHeatMap does.
func NewCondensedHeatMap(d cluster.Condensed, order []int, s *HeatMapSettings) (*Figure, error) {
	n := d.N
	if n < 1 || len(d.Data) != n*(n-1)/2 {
		return nil, fmt.Errorf("plots: NewCondensedHeatMap: condensed matrix of %d points has %d entries, want %d", n, len(d.Data), n*(n-1)/2)
	}
	set := heatDefaults(s)
	order, err := checkOrder(order, n)
	if err != nil {
		return nil, err
	}
	pick := subsample(n, set.MaxCells)
	m := len(pick)
	sub := cluster.NewCondensed(m)
	for i := range m {
		for j := i + 1; j < m; j++ {
			sub.Data[cluster.CondensedIndex(m, i, j)] = d.At(order[pick[i]], order[pick[j]])
		}
	}
	title := fmt.Sprintf("Pairwise distances, %d points in leaf order", n)
	return heatFigure(sub, n, order, set, title)
}

func heatDefaults(s *HeatMapSettings) HeatMapSettings {
	var set HeatMapSettings
	if s != nil {
		set = *s
	}
	if set.MaxCells <= 0 {
		set.MaxCells = 1000
	}
	return set
}

// checkOrder returns order, or the identity for nil, after checking that it
// is a permutation of n points.
func checkOrder(order []int, n int) ([]int, error) {
	if order == nil {
		order = make([]int, n)
		for i := range order {
			order[i] = i
		}
		return order, nil
	}
	if len(order) != n {
		return nil, fmt.Errorf("plots: order has %d entries for %d points", len(order), n)
	}
	seen := make([]bool, n)
	for _, o := range order {
		if o < 0 || o >= n || seen[o] {
			return nil, fmt.Errorf("plots: order is not a permutation of the %d points (entry %d)", n, o)
		}
		seen[o] = true
	}
	return order, nil
}

// subsample returns min(n, m) evenly spaced positions in 0..n−1.
func subsample(n, m int) []int {
	if n <= m {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		return p
	}
	p := make([]int, m)
	for i := range p {
		p[i] = int((float64(i) + 0.5) * float64(n) / float64(m))
	}
	return p
}

// grid is a square distance matrix as a plotter.GridXYZ, with row 0 at
// the top: grid row r is matrix row m−1−r.
type grid struct {
	m        int
	z        []float64 // m×m, row-major, matrix order
	min, max float64
}

func (g *grid) Dims() (c, r int)        { return g.m, g.m }
func (g *grid) Z(c, r int) float64      { return g.z[(g.m-1-r)*g.m+c] }
func (g *grid) X(c int) float64         { return float64(c) }
func (g *grid) Y(r int) float64         { return float64(g.m - 1 - r) }
func (g *grid) Min() float64            { return g.min }
func (g *grid) Max() float64            { return g.max }
func (g *grid) set(i, j int, v float64) { g.z[i*g.m+j] = v; g.z[j*g.m+i] = v }

func heatFigure(dist cluster.Condensed, n int, order []int, set HeatMapSettings, title string) (*Figure, error) {
	m := dist.N
	g := &grid{m: m, z: make([]float64, m*m)}
	floor := 0.0
	if set.LogScale {
		floor = math.Inf(1)
		for _, v := range dist.Data {
			if v > 0 && v < floor {
				floor = v
			}
		}
		if math.IsInf(floor, 1) {
			floor = 1
		}
		floor /= 10
	}
	val := func(v float64) float64 {
		if set.LogScale {
			return math.Log10(max(v, floor))
		}
		return v
	}
	g.min, g.max = math.Inf(1), math.Inf(-1)
	for i := range m {
		g.set(i, i, val(0))
		for j := i + 1; j < m; j++ {
			g.set(i, j, val(dist.Data[cluster.CondensedIndex(m, i, j)]))
		}
	}
	for _, v := range g.z {
		if !math.IsNaN(v) {
			g.min, g.max = min(g.min, v), max(g.max, v)
		}
	}
	if !(g.min < g.max) {
		g.max = g.min + 1
	}
	cm := set.ColorMap
	if cm == nil {
		cm = moreland.ExtendedBlackBody()
	}
	cm.SetMax(g.max)
	cm.SetMin(g.min)

	if m < n {
		title += fmt.Sprintf(" (every %.3g-th of them shown)", float64(n)/float64(m))
	}
	pg := set.Page.resolve(7*vg.Inch, 6*vg.Inch, title)
	p := newPlot(pg.Title)
	hm := plotter.NewHeatMap(g, cm.Palette(256))
	hm.Rasterized = true
	p.Add(hm)
	p.X.Label.Text = "leaf-order position"
	p.Y.Label.Text = "leaf-order position"
	// Ticks in leaf-order positions of the full set of points; the y axis
	// runs downwards.
	scale := float64(n) / float64(m)
	ticks := func(flip bool) plot.Ticker {
		return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
			ts := plot.DefaultTicks{}.Ticks(0, float64(n-1))
			out := ts[:0]
			for _, t := range ts {
				v := t.Value/scale - 0.5 + 0.5/scale
				if flip {
					v = float64(m-1) - v
				}
				if v < lo || v > hi {
					continue
				}
				t.Value = v
				out = append(out, t)
			}
			return out
		})
	}
	p.X.Tick.Marker = ticks(false)
	p.Y.Tick.Marker = ticks(true)

	if set.Clusters != nil {
		pos := make([]int, n) // position of each point in order
		for i, o := range order {
			pos[o] = i
		}
		boxes := &clusterBoxes{m: m}
		for _, r := range set.Clusters {
			if !r.Kept() || len(r.Members) < 2 {
				continue
			}
			lo, hi := n, -1
			for _, mb := range r.Members {
				if mb < 0 || mb >= n {
					return nil, fmt.Errorf("plots: cluster %d has member %d, outside the %d points", r.Label, mb, n)
				}
				lo, hi = min(lo, pos[mb]), max(hi, pos[mb])
			}
			// Positions to cell edges.
			boxes.lo = append(boxes.lo, float64(lo)/scale-0.5)
			boxes.hi = append(boxes.hi, float64(hi+1)/scale-0.5)
		}
		p.Add(boxes)
		if len(boxes.lo) > 0 {
			p.Legend.Add("kept clusters", lineThumb(boxes.style()))
			p.Legend.Top = false
		}
	}

	cb := plot.New()
	cb.HideX()
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	cb.Y.Label.Text = "distance"
	if set.LogScale {
		cb.Y.Label.Text = "log10 distance"
	}
	f := newFigure(p, pg)
	f.side, f.sideWidth = cb, vg.Inch
	return f, nil
}

// clusterBoxes outlines squares on the diagonal, in cell coordinates (row
// 0 at the top).
type clusterBoxes struct {
	m      int
	lo, hi []float64
}

func (b *clusterBoxes) style() draw.LineStyle {
	return draw.LineStyle{Color: colorThreshold, Width: vg.Points(1)}
}

func (b *clusterBoxes) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	top := float64(b.m) - 1
	for i := range b.lo {
		x0, x1 := trX(b.lo[i]), trX(b.hi[i])
		y0, y1 := trY(top-b.lo[i]), trY(top-b.hi[i])
		c.StrokeLines(b.style(), []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
	}
}

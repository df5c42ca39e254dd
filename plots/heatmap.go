package plots

import (
	"fmt"
	"image"
	"image/color"
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

// raster draws a square matrix cell by cell, row 0 at the top: matrix
// row i is at y = m−1−i, column j at x = j. Unlike plotter.HeatMap's raster
// mode it builds the image at the output's resolution with
// nearest-neighbour sampling, so cells stay sharp instead of being blurred
// by the image scaling; vector outputs get an image of at least 800 pixels
// a side.
type raster struct {
	m        int
	z        []float64 // m×m, row-major
	min, max float64
	pal      []color.Color
}

func (r *raster) set(i, j int, v float64) { r.z[i*r.m+j] = v; r.z[j*r.m+i] = v }

// DataRange implements plot.DataRanger.
func (r *raster) DataRange() (xmin, xmax, ymin, ymax float64) {
	e := float64(r.m) - 0.5
	return -0.5, e, -0.5, e
}

// Plot implements plot.Plotter.
func (r *raster) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	e := float64(r.m) - 0.5
	rect := vg.Rectangle{Min: vg.Point{X: trX(-0.5), Y: trY(-0.5)}, Max: vg.Point{X: trX(e), Y: trY(e)}}
	size := rect.Size()
	var pw, ph int
	if d, ok := c.Canvas.(interface{ DPI() float64 }); ok {
		pw = max(1, int(math.Round(size.X.Dots(d.DPI()))))
		ph = max(1, int(math.Round(size.Y.Dots(d.DPI()))))
	} else {
		k := max(1, (800+r.m-1)/r.m)
		pw, ph = k*r.m, k*r.m
	}
	// Palette index of every cell.
	ps := float64(len(r.pal)-1) / (r.max - r.min)
	rgba := make([]color.RGBA, len(r.pal)+1)
	for i, col := range r.pal {
		rgba[i] = color.RGBAModel.Convert(col).(color.RGBA)
	}
	rgba[len(r.pal)] = color.RGBA{0x80, 0x80, 0x80, 0xff} // NaN
	img := image.NewRGBA(image.Rect(0, 0, pw, ph))
	cols := make([]int, pw)
	for px := range cols {
		cols[px] = min(px*r.m/pw, r.m-1)
	}
	for py := range ph {
		i := min(py*r.m/ph, r.m-1)
		row := r.z[i*r.m : (i+1)*r.m]
		pix := img.Pix[py*img.Stride:]
		for px, j := range cols {
			v := row[j]
			k := len(r.pal)
			if !math.IsNaN(v) {
				k = min(max(int((v-r.min)*ps+0.5), 0), len(r.pal)-1)
			}
			col := rgba[k]
			pix[4*px], pix[4*px+1], pix[4*px+2], pix[4*px+3] = col.R, col.G, col.B, col.A
		}
	}
	c.DrawImage(rect, img)
}

func heatFigure(dist cluster.Condensed, n int, order []int, set HeatMapSettings, title string) (*Figure, error) {
	m := dist.N
	g := &raster{m: m, z: make([]float64, m*m)}
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
		title += fmt.Sprintf(" (1 in %.3g shown)", float64(n)/float64(m))
	}
	pg := set.Page.resolve(7*vg.Inch, 6*vg.Inch, title)
	p := newPlot(pg.Title)
	g.pal = cm.Palette(256).Colors()
	p.Add(g)
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
	return draw.LineStyle{Color: color.RGBA{0x00, 0xe5, 0xff, 0xff}, Width: vg.Points(1.5)}
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

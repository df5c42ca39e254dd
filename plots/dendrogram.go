package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/paramrecovery/expandcluster/cluster"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LeafOrder returns the points of t in the left-to-right order of its
// dendrogram, as scipy.cluster.hierarchy.leaves_list: a depth-first walk
// from the root that visits each merge's A before its B. It is iterative,
// so it handles trees of any depth.
func LeafOrder(t *cluster.Tree) []int {
	l := newLayout(t, 0)
	out := make([]int, len(l.leaves))
	copy(out, l.leaves)
	return out
}

// layout places the visible part of a tree: with truncation to the last p
// merges, the visible leaves are the p clusters that exist before those
// merges (as scipy's truncate_mode="lastp").
type layout struct {
	n      int
	merges []cluster.Merge
	// first is the id of the first visible merge: merges with index k ≥
	// first−n are drawn, and clusters with smaller ids are visible leaves.
	first int
	// leaves are the visible leaves (cluster ids) in order.
	leaves []int
	// x is the horizontal position of each visible node, by id; lo and hi
	// the positions of its leftmost and rightmost visible leaves.
	x      []float64
	lo, hi []int32
}

func newLayout(t *cluster.Tree, p int) *layout {
	n := t.Len()
	merges := t.Merges()
	if p <= 0 || p > n {
		p = n
	}
	first := n + (n - p) // ids below first are visible leaves
	l := &layout{n: n, merges: merges, first: first}
	l.x = make([]float64, 2*n-1)
	l.lo = make([]int32, 2*n-1)
	l.hi = make([]int32, 2*n-1)
	l.leaves = make([]int, 0, p)
	stack := make([]int, 0, 64)
	stack = append(stack, 2*n-2)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id < first {
			pos := len(l.leaves)
			l.leaves = append(l.leaves, id)
			l.x[id] = float64(pos)
			l.lo[id], l.hi[id] = int32(pos), int32(pos)
			continue
		}
		m := merges[id-n]
		stack = append(stack, m.B, m.A) // A is visited first
	}
	// Children have smaller ids than their parents, so one forward pass
	// places every visible merge.
	for k := first - n; k < n-1; k++ {
		m := merges[k]
		id := n + k
		l.x[id] = (l.x[m.A] + l.x[m.B]) / 2
		l.lo[id] = min(l.lo[m.A], l.lo[m.B])
		l.hi[id] = max(l.hi[m.A], l.hi[m.B])
	}
	return l
}

// height returns the drawn height of a visible node: its merge height, or
// zero for a visible leaf.
func (l *layout) height(id int) float64 {
	if id < l.first {
		return 0
	}
	return l.merges[id-l.n].Height
}

// size returns the number of points under id.
func (l *layout) size(id int) int {
	if id < l.n {
		return 1
	}
	return l.merges[id-l.n].Size
}

// DendrogramSettings configures NewDendrogram. The zero value (or nil)
// means the defaults.
type DendrogramSettings struct {
	Page
	// LastP, if positive, truncates the tree to its last LastP−1 merges:
	// only the LastP clusters that exist before them are drawn as leaves,
	// labelled with their sizes (scipy's truncate_mode="lastp"). Zero
	// draws the whole tree; subtrees narrower than half a point on the
	// page are then drawn as a single vertical line, so large trees stay
	// cheap to draw.
	LastP int
	// Clusters, if given, colours the tree by these flat clusters (for
	// example identify's LayerReport.Flat): links inside a kept cluster
	// in a colour of its own, links inside a removed cluster in grey.
	// Without Clusters the flat clusters of the cut at the cut height are
	// coloured, each in a colour of its own. Links joining different
	// clusters are black.
	Clusters []cluster.ClusterReport
	// MaxLeafLabels is the largest number of visible leaves that get a
	// label (the point index, the cluster size "(k)" of a truncated leaf,
	// or LeafLabels). Zero means 60; negative means never.
	MaxLeafLabels int
	// LeafLabels optionally names the points (len = number of points).
	LeafLabels []string
	// LogScale draws heights on a log scale; zero heights are drawn at a
	// tenth of the smallest positive height.
	LogScale bool
	// LineWidth of the links. Zero means 1 point (0.5 for more than 2 000
	// visible leaves).
	LineWidth vg.Length
}

// NewDendrogram draws the dendrogram of t with a dashed horizontal line at
// the cut height cut (no line if cut is NaN). Links are coloured by flat
// cluster (see DendrogramSettings.Clusters). The x axis is the leaf order
// of LeafOrder.
func NewDendrogram(t *cluster.Tree, cut float64, s *DendrogramSettings) (*Figure, error) {
	if t == nil {
		return nil, fmt.Errorf("plots: NewDendrogram: nil tree")
	}
	var set DendrogramSettings
	if s != nil {
		set = *s
	}
	n := t.Len()
	if set.LastP < 0 {
		return nil, fmt.Errorf("plots: NewDendrogram: negative LastP %d", set.LastP)
	}
	if set.LeafLabels != nil && len(set.LeafLabels) != n {
		return nil, fmt.Errorf("plots: NewDendrogram: %d leaf labels for %d points", len(set.LeafLabels), n)
	}
	if math.IsInf(cut, 0) {
		return nil, fmt.Errorf("plots: NewDendrogram: infinite cut height")
	}
	if set.MaxLeafLabels == 0 {
		set.MaxLeafLabels = 60
	}
	lay := newLayout(t, set.LastP)
	class, kept, err := nodeClasses(t, lay.merges, cut, set.Clusters)
	if err != nil {
		return nil, err
	}
	nv := len(lay.leaves)
	if set.LineWidth <= 0 {
		set.LineWidth = vg.Points(1)
		if nv > 2000 {
			set.LineWidth = vg.Points(0.5)
		}
	}
	title := fmt.Sprintf("Average-linkage dendrogram, %d points", n)
	if nv < n {
		title += fmt.Sprintf(" (last %d clusters)", nv)
	}
	pg := set.Page.resolve(8*vg.Inch, 5*vg.Inch, title)

	p := newPlot(pg.Title)
	p.Y.Label.Text = "height (linkage distance)"
	if nv < n {
		p.X.Label.Text = fmt.Sprintf("clusters in leaf order (%d leaves for %d points; (k): a cluster of k points)", nv, n)
	} else {
		p.X.Label.Text = fmt.Sprintf("points in leaf order (n = %d)", n)
	}

	d := &dendroPlotter{lay: lay, class: class, palette: clusterPalette(t, lay, class, kept), width: set.LineWidth}
	if set.LogScale {
		d.floor = logFloor(lay)
		p.Y.Tick.Marker = logTicks{}
	}
	p.Add(d)
	p.X.Min, p.X.Max = -0.5, float64(nv)-0.5
	// Headroom above the root for the legend.
	_, _, ymin, ymax := d.DataRange()
	if !math.IsNaN(cut) {
		ymax = max(ymax, d.y(cut))
	}
	p.Y.Max = ymax + 0.15*(ymax-ymin)

	// Leaf labels.
	if nv <= set.MaxLeafLabels {
		ticks := make([]plot.Tick, nv)
		for i, id := range lay.leaves {
			var lab string
			switch {
			case id >= n:
				lab = "(" + strconv.Itoa(lay.size(id)) + ")"
			case set.LeafLabels != nil:
				lab = set.LeafLabels[id]
			default:
				lab = strconv.Itoa(id)
			}
			ticks[i] = plot.Tick{Value: float64(i), Label: lab}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		if nv > 20 {
			p.X.Tick.Label.Rotation = math.Pi / 2
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YCenter
		}
	} else {
		p.X.Tick.Marker = plot.ConstantTicks(nil)
	}

	// Legend.
	if set.Clusters != nil {
		nk := 0
		for _, r := range set.Clusters {
			if r.Kept() {
				nk++
			}
		}
		p.Legend.Add(fmt.Sprintf("kept clusters (%d)", nk), lineThumb{Color: clusterColors[0], Width: vg.Points(2)})
		p.Legend.Add(fmt.Sprintf("removed clusters (%d)", len(set.Clusters)-nk), lineThumb{Color: colorRemoved, Width: vg.Points(2)})
	}
	if !math.IsNaN(cut) {
		p.Add(hline{Y: d.y(cut), Style: thresholdStyle()})
		p.Legend.Add(fmt.Sprintf("cut at %.4g", cut), lineThumb(thresholdStyle()))
	}
	return newFigure(p, pg), nil
}

// logFloor returns the height at which zero heights are drawn on a log
// scale: a tenth of the smallest positive height.
func logFloor(l *layout) float64 {
	m := math.Inf(1)
	for _, mg := range l.merges {
		if mg.Height > 0 && mg.Height < m {
			m = mg.Height
		}
	}
	if math.IsInf(m, 1) {
		return 1e-16
	}
	return m / 10
}

// Node classes: a point's class is its flat cluster; a merge's class is
// its children's class when they agree, else mixed.
const mixed = -1

// nodeClasses returns the class of every node (points and merges) and, per
// class, whether it is a kept cluster. Without reports the classes are the
// flat clusters of the cut at cut, all kept; singletons never matter
// (they have no links).
func nodeClasses(t *cluster.Tree, merges []cluster.Merge, cut float64, reports []cluster.ClusterReport) ([]int32, []bool, error) {
	n := t.Len()
	class := make([]int32, 2*n-1)
	var kept []bool
	switch {
	case reports != nil:
		for i := range n {
			class[i] = mixed
		}
		kept = make([]bool, len(reports))
		for c, r := range reports {
			kept[c] = r.Kept()
			for _, m := range r.Members {
				if m < 0 || m >= n {
					return nil, nil, fmt.Errorf("plots: cluster %d has member %d, outside the tree's %d points", r.Label, m, n)
				}
				if class[m] != mixed {
					return nil, nil, fmt.Errorf("plots: point %d is in two clusters", m)
				}
				class[m] = int32(c)
			}
		}
	case !math.IsNaN(cut):
		labels := t.CutHeight(cut)
		nl := 0
		for i, l := range labels {
			class[i] = int32(l)
			nl = max(nl, l+1)
		}
		kept = make([]bool, nl)
		for i := range kept {
			kept[i] = true
		}
	default:
		for i := range n {
			class[i] = mixed
		}
	}
	for k, m := range merges {
		c := class[m.A]
		if class[m.B] != c {
			c = mixed
		}
		class[n+k] = c
	}
	return class, kept, nil
}

// clusterPalette assigns the colour cycle to the kept classes in the order
// they appear from left to right, so neighbouring clusters differ.
func clusterPalette(t *cluster.Tree, lay *layout, class []int32, kept []bool) []int {
	pal := make([]int, len(kept))
	for i := range pal {
		pal[i] = -2
	}
	order := lay.leaves
	if len(order) < t.Len() {
		order = LeafOrder(t)
	}
	next := 0
	for _, id := range order {
		c := class[id]
		if c == mixed || pal[c] != -2 {
			continue
		}
		if kept[c] {
			pal[c] = next % len(clusterColors)
			next++
		} else {
			pal[c] = -1
		}
	}
	return pal
}

// dendroPlotter draws the links of a dendrogram, one path per colour.
type dendroPlotter struct {
	lay   *layout
	class []int32
	// palette[c] is the colour index of class c: −1 for a removed
	// cluster, else an index into clusterColors.
	palette []int
	width   vg.Length
	floor   float64 // > 0: log scale, heights clamped to floor
}

// y returns the plotted value of height h: h, or log10 of h on a log scale.
func (d *dendroPlotter) y(h float64) float64 {
	if d.floor > 0 {
		return math.Log10(max(h, d.floor))
	}
	return h
}

// DataRange implements plot.DataRanger.
func (d *dendroPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	l := d.lay
	xmin, xmax = -0.5, float64(len(l.leaves))-0.5
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for k := l.first - l.n; k < l.n-1; k++ {
		h := d.y(l.merges[k].Height)
		ymin, ymax = min(ymin, h), max(ymax, h)
	}
	ymin = min(ymin, d.y(0))
	if ymin == ymax {
		ymax = ymin + 1
	}
	return xmin, xmax, ymin, ymax
}

// colorOf returns the colour index of a node's links: 0 above the cut,
// 1 removed, 2+ the kept clusters' cycle.
func (d *dendroPlotter) colorOf(id int) int {
	c := d.class[id]
	switch {
	case c == mixed:
		return 0
	case d.palette[c] >= 0:
		return 2 + d.palette[c]
	default:
		return 1
	}
}

// Plot implements plot.Plotter. It walks the visible tree from the root;
// a subtree whose leaves span less than half a point is drawn as one
// vertical line from its height down to the bottom.
func (d *dendroPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	l := d.lay
	// One path per colour, stroked every chunk links: the rasteriser's
	// cost grows faster than linearly with the size of a path (a single
	// path of 40 000 long overlapping links takes a minute; chunks of 256
	// take 0.2 s).
	const chunk = 256
	paths := make([]vg.Path, 2+len(clusterColors))
	counts := make([]int, len(paths))
	flush := func(i int) {
		if len(paths[i]) == 0 {
			return
		}
		var col color.Color
		switch i {
		case 0:
			col = colorAbove
		case 1:
			col = colorRemoved
		default:
			col = clusterColors[i-2]
		}
		c.SetLineStyle(draw.LineStyle{Color: col, Width: d.width})
		c.Stroke(paths[i])
		paths[i] = paths[i][:0]
		counts[i] = 0
	}
	path := func(i int) *vg.Path {
		if counts[i] == chunk {
			flush(i)
		}
		counts[i]++
		return &paths[i]
	}
	bottom := trY(d.y(0))
	// Width of one leaf slot on the page.
	slot := trX(1) - trX(0)
	const minSpan = vg.Length(0.5)
	stack := []int{2*l.n - 2}
	if l.first > 2*l.n-2 {
		return // a single visible leaf
	}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		m := l.merges[id-l.n]
		pa := path(d.colorOf(id))
		x := trX(l.x[id])
		yh := trY(d.y(m.Height))
		if vg.Length(l.hi[id]-l.lo[id])*slot < minSpan {
			pa.Move(vg.Point{X: x, Y: yh})
			pa.Line(vg.Point{X: x, Y: bottom})
			continue
		}
		xa, xb := trX(l.x[m.A]), trX(l.x[m.B])
		ya, yb := trY(d.y(l.height(m.A))), trY(d.y(l.height(m.B)))
		pa.Move(vg.Point{X: xa, Y: ya})
		pa.Line(vg.Point{X: xa, Y: yh})
		pa.Line(vg.Point{X: xb, Y: yh})
		pa.Line(vg.Point{X: xb, Y: yb})
		if m.A >= l.first {
			stack = append(stack, m.A)
		}
		if m.B >= l.first {
			stack = append(stack, m.B)
		}
	}
	for i := range paths {
		flush(i)
	}
}

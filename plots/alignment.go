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

// AlignmentSettings configures NewAlignment. The zero value (or nil) means
// the defaults.
type AlignmentSettings struct {
	Page
	// All draws every flat cluster; by default only the clusters that
	// passed the size filter (BigEnough) are drawn.
	All bool
	// Linear draws the medians on a linear scale; the default is a log
	// scale, on which zero medians are drawn at a tenth of the smallest
	// positive value (or of the threshold).
	Linear bool
	// MaxLabels is the largest number of bars labelled with their cluster
	// label and size. Zero means 40; negative means never.
	MaxLabels int
}

// NewAlignment draws one bar per flat cluster: the median pairwise cosine
// distance of its members, with the alignment threshold 1 − cos β as a
// dashed line. Kept clusters are green, clusters removed as unaligned red
// and (with All) clusters removed as too small grey. A median of +Inf (a
// zero vector among the members) is drawn at 2, the largest cosine
// distance.
func NewAlignment(reports []cluster.ClusterReport, beta float64, s *AlignmentSettings) (*Figure, error) {
	if !(beta > 0) || math.IsInf(beta, 0) {
		return nil, fmt.Errorf("plots: NewAlignment: β = %v must be positive and finite", beta)
	}
	var set AlignmentSettings
	if s != nil {
		set = *s
	}
	if set.MaxLabels == 0 {
		set.MaxLabels = 40
	}
	thr := 1 - math.Cos(beta)
	b := &bars{}
	nk, nu, ns := 0, 0, 0
	for _, r := range reports {
		if !r.BigEnough && !set.All {
			continue
		}
		v := r.MedianCosine
		if math.IsInf(v, 1) || v > 2 {
			v = 2
		}
		if math.IsNaN(v) {
			return nil, fmt.Errorf("plots: NewAlignment: cluster %d has a NaN median cosine distance", r.Label)
		}
		var col color.Color
		switch {
		case r.Kept():
			col = colorKept
			nk++
		case r.BigEnough:
			col = colorBad
			nu++
		default:
			col = colorRemoved
			ns++
		}
		b.v = append(b.v, v)
		b.col = append(b.col, col)
		b.lab = append(b.lab, strconv.Itoa(r.Label)+" ("+strconv.Itoa(len(r.Members))+")")
	}
	title := fmt.Sprintf("Cluster alignment: %d kept, %d unaligned", nk, nu)
	if set.All {
		title += fmt.Sprintf(", %d too small", ns)
	}
	pg := set.Page.resolve(8*vg.Inch, 5*vg.Inch, title)
	p := newPlot(pg.Title)
	p.Y.Label.Text = "median pairwise cosine distance"
	p.X.Label.Text = "flat cluster (size)"
	if !set.Linear {
		m := thr
		for _, v := range b.v {
			if v > 0 {
				m = min(m, v)
			}
		}
		b.floor = m / 10
		p.Y.Tick.Marker = logTicks{}
	}
	p.Add(b)
	// Room above the highest bar and the threshold for the legend.
	_, _, _, top := b.DataRange()
	top = max(top, b.y(thr))
	if set.Linear {
		p.Y.Max = top * 1.3
	} else {
		p.Y.Max = top + 0.9
	}
	p.X.Min, p.X.Max = -0.5, max(float64(len(b.v))-0.5, 0.5)
	ticks := []plot.Tick{}
	if len(b.v) <= set.MaxLabels {
		for i, l := range b.lab {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: l})
		}
		if len(b.v) > 12 {
			p.X.Tick.Label.Rotation = math.Pi / 2
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YCenter
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(hline{Y: b.y(thr), Style: thresholdStyle()})
	p.Legend.Add(fmt.Sprintf("1 − cos β = %.3g (β = %.3g°)", thr, beta*180/math.Pi), lineThumb(thresholdStyle()))
	p.Legend.Add("kept", boxThumb{colorKept})
	p.Legend.Add("unaligned", boxThumb{colorBad})
	if ns > 0 {
		p.Legend.Add("too small", boxThumb{colorRemoved})
	}
	return newFigure(p, pg), nil
}

// bars draws vertical bars from the bottom of the axis (zero, or floor on a
// log scale) to v[i], centred on x = i.
type bars struct {
	v     []float64
	col   []color.Color
	lab   []string
	floor float64
}

// y returns the plotted value of v: v, or log10 of v on a log scale.
func (b *bars) y(v float64) float64 {
	if b.floor > 0 {
		return math.Log10(max(v, b.floor))
	}
	return v
}

func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = b.y(0), b.y(0)
	for _, v := range b.v {
		ymax = max(ymax, b.y(v))
	}
	return -0.5, float64(len(b.v)) - 0.5, ymin, ymax
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	y0 := trY(b.y(0))
	half := 0.4
	for i, v := range b.v {
		x0, x1 := trX(float64(i)-half), trX(float64(i)+half)
		y1 := trY(b.y(v))
		pts := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(b.col[i], c.ClipPolygonXY(pts))
	}
}

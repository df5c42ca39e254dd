package plots

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HistogramSettings configures NewCosineHistogram. The zero value (or nil)
// means the defaults.
type HistogramSettings struct {
	Page
	// Threshold is the cosine distance below which a neuron counts as
	// recovered. Zero means 1e-6, the criterion of this project's figures.
	Threshold float64
	// Floor is the smallest cosine distance drawn; smaller ones (including
	// exact zeros) are counted in the lowest bin. Zero means 1e-16.
	Floor float64
	// BinsPerDecade is the number of bins per factor of ten. Zero means 2.
	BinsPerDecade int
}

// NewCosineHistogram draws the histogram of log10 of cosine distances, one
// per teacher neuron (such as identify's NeuronMatch.CosineDistance), with
// the success threshold as a dashed line: bars below it are green, above it
// red.
func NewCosineHistogram(dists []float64, s *HistogramSettings) (*Figure, error) {
	var set HistogramSettings
	if s != nil {
		set = *s
	}
	if set.Threshold == 0 {
		set.Threshold = 1e-6
	}
	if set.Floor == 0 {
		set.Floor = 1e-16
	}
	if set.BinsPerDecade <= 0 {
		set.BinsPerDecade = 2
	}
	if !(set.Threshold > 0) || !(set.Floor > 0) || set.Floor >= 1 || math.IsInf(set.Threshold, 0) {
		return nil, fmt.Errorf("plots: NewCosineHistogram: threshold %v and floor %v must be positive, floor below 1", set.Threshold, set.Floor)
	}
	if len(dists) == 0 {
		return nil, fmt.Errorf("plots: NewCosineHistogram: no distances")
	}
	w := 1 / float64(set.BinsPerDecade)
	lo := math.Floor(math.Log10(set.Floor)*float64(set.BinsPerDecade)) * w
	hi := 0.5 // log10 2 ≈ 0.3 is the largest cosine distance
	for _, d := range dists {
		if math.IsNaN(d) || d < 0 {
			return nil, fmt.Errorf("plots: NewCosineHistogram: cosine distance %v; want non-negative numbers", d)
		}
		if !math.IsInf(d, 1) {
			hi = max(hi, math.Log10(d))
		}
	}
	nb := int(math.Ceil((hi - lo) / w))
	good := &plotter.Histogram{Width: w, FillColor: colorKept}
	bad := &plotter.Histogram{Width: w, FillColor: colorBad}
	for _, h := range []*plotter.Histogram{good, bad} {
		h.LineStyle = draw.LineStyle{Color: colorAbove, Width: vg.Points(0.5)}
		h.Bins = make([]plotter.HistogramBin, nb)
		for i := range h.Bins {
			h.Bins[i] = plotter.HistogramBin{Min: lo + float64(i)*w, Max: lo + float64(i+1)*w}
		}
	}
	below := 0
	for _, d := range dists {
		x := math.Log10(max(d, set.Floor))
		// Bins are closed on the right, so the threshold 10^k falls in the
		// bin that ends at k.
		i := min(max(int(math.Ceil((x-lo)/w))-1, 0), nb-1)
		if math.IsInf(d, 1) {
			i = nb - 1
		}
		if d <= set.Threshold {
			good.Bins[i].Weight++
			below++
		} else {
			bad.Bins[i].Weight++
		}
	}
	title := fmt.Sprintf("Teacher vs recovered: %d of %d neurons within cosine distance %.3g", below, len(dists), set.Threshold)
	pg := set.Page.resolve(8*vg.Inch, 4.5*vg.Inch, title)
	p := newPlot(pg.Title)
	p.X.Label.Text = "log10 cosine distance (teacher vs recovered neuron)"
	p.Y.Label.Text = "neurons"
	p.Add(plotter.NewGrid())
	p.Add(good, bad)
	thr := math.Log10(set.Threshold)
	p.Add(vline{X: thr, Style: thresholdStyle()})
	p.Legend.Add(fmt.Sprintf("threshold %.3g", set.Threshold), lineThumb(thresholdStyle()))
	p.Legend.Add("recovered", boxThumb{colorKept})
	p.Legend.Add("not recovered", boxThumb{colorBad})
	p.Legend.Left = true
	p.Y.Tick.Marker = integerTicks{}
	top := 0.0
	for i := range good.Bins {
		top = max(top, good.Bins[i].Weight, bad.Bins[i].Weight)
	}
	p.Y.Max = math.Ceil(top * 1.25) // room for the legend
	return newFigure(p, pg), nil
}

// integerTicks are the default ticks without fractional values.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi-lo <= 10 {
		var ts []plot.Tick
		for v := math.Ceil(lo); v <= hi; v++ {
			ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
		}
		return ts
	}
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	out := ts[:0]
	for _, t := range ts {
		if t.Value == math.Trunc(t.Value) {
			if t.Label != "" {
				t.Label = strconv.Itoa(int(t.Value))
			}
			out = append(out, t)
		}
	}
	return out
}

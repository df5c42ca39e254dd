package plots

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/paramrecovery/expandcluster/identify"
)

// RenderResult writes the pictures of an Expand-and-Cluster run into the
// directory dir (created if missing), once per format (PNG if none is
// given). For each clustered hidden layer l:
//
//   - layer<l>-dendrogram: the average-linkage tree, coloured by the
//     filters' verdicts, with the cut height (NewDendrogram, whole tree);
//   - layer<l>-distances: the distance matrix of the clustered vectors in
//     leaf order, kept clusters outlined (NewDistanceHeatMap);
//   - layer<l>-alignment: the median cosine distance of every cluster
//     that passed the size filter, with 1 − cos β (NewAlignment);
//
// and, when cmp is not nil, cosine-histogram: the teacher-vs-recovered
// cosine distances of every hidden layer's neurons (NewCosineHistogram).
// Layers without a tree (a run stopped early) are skipped. It returns the
// paths written, in order.
func RenderResult(dir string, res *identify.Result, cmp *identify.Report, formats ...Format) ([]string, error) {
	if res == nil {
		return nil, fmt.Errorf("plots: RenderResult: nil result")
	}
	if len(formats) == 0 {
		formats = []Format{PNG}
	}
	for _, f := range formats {
		if !f.valid() {
			return nil, fmt.Errorf("plots: RenderResult: unknown format %v", f)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	save := func(fig *Figure, name string) error {
		for _, f := range formats {
			path := filepath.Join(dir, name+f.Ext())
			if err := fig.SaveAs(path, f); err != nil {
				return fmt.Errorf("plots: RenderResult: %w", err)
			}
			written = append(written, path)
		}
		return nil
	}
	for _, l := range res.Layers {
		if l.Tree == nil {
			continue
		}
		prefix := fmt.Sprintf("layer%d-", l.Layer)
		ds := &DendrogramSettings{Clusters: l.Flat}
		ds.Title = fmt.Sprintf("Layer %d: %d vectors, cut at %.3g: %d clusters, %d kept (%d too small, %d unaligned)",
			l.Layer, l.Vectors, l.CutHeight, l.Clusters, l.Kept, l.RemovedSmall, l.RemovedUnaligned)
		fig, err := NewDendrogram(l.Tree, l.CutHeight, ds)
		if err != nil {
			return written, fmt.Errorf("plots: RenderResult: layer %d: %w", l.Layer, err)
		}
		if err := save(fig, prefix+"dendrogram"); err != nil {
			return written, err
		}
		if l.Points != nil {
			if r, _ := l.Points.Dims(); r == l.Tree.Len() {
				hs := &HeatMapSettings{Metric: res.Config.Metric, Clusters: l.Flat}
				hs.Title = fmt.Sprintf("Layer %d: pairwise %v distances in leaf order, kept clusters outlined", l.Layer, res.Config.Metric)
				fig, err := NewDistanceHeatMap(l.Points, LeafOrder(l.Tree), hs)
				if err != nil {
					return written, fmt.Errorf("plots: RenderResult: layer %d: %w", l.Layer, err)
				}
				if err := save(fig, prefix+"distances"); err != nil {
					return written, err
				}
			}
		}
		if len(l.Flat) > 0 && res.Config.Beta > 0 {
			as := &AlignmentSettings{}
			as.Title = fmt.Sprintf("Layer %d: alignment of the %d clusters of size ≥ %d", l.Layer, l.Clusters-l.RemovedSmall, l.MinSize)
			fig, err := NewAlignment(l.Flat, res.Config.Beta, as)
			if err != nil {
				return written, fmt.Errorf("plots: RenderResult: layer %d: %w", l.Layer, err)
			}
			if err := save(fig, prefix+"alignment"); err != nil {
				return written, err
			}
		}
	}
	if cmp != nil {
		var dists []float64
		unmatched := 0
		for _, l := range cmp.Layers {
			for _, m := range l.Matches {
				dists = append(dists, m.CosineDistance)
				if m.Recovered < 0 {
					unmatched++
				}
			}
		}
		if len(dists) > 0 {
			hs := &HistogramSettings{}
			fig, err := NewCosineHistogram(dists, hs)
			if err != nil {
				return written, fmt.Errorf("plots: RenderResult: %w", err)
			}
			if unmatched > 0 {
				fig.Plot.Title.Text += fmt.Sprintf(" (%d without a partner)", unmatched)
			}
			if err := save(fig, "cosine-histogram"); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

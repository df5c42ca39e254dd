// Package plots draws pictures of an Expand-and-Cluster run, as PNG or SVG.
//
// It is kept apart from the numerical packages (cluster, identify, …),
// which do not import it; it depends on gonum.org/v1/plot.
//
// Four pictures are available, each built by a function that takes plain
// inputs and returns a *Figure:
//
//   - NewDendrogram: the dendrogram of a linkage tree (cluster.Tree), links
//     coloured by flat cluster (kept clusters in colour, removed clusters
//     grey, links above the cut black) and the cut height as a dashed
//     line. Large trees are cheap to draw: subtrees narrower than half a
//     point are drawn as one line, leaf labels are dropped above a
//     threshold, and the tree can be truncated to its last p clusters as
//     scipy's truncate_mode="lastp" does. The leaf order is LeafOrder's,
//     computed without recursion.
//   - NewDistanceHeatMap and NewCondensedHeatMap: the pairwise distance
//     matrix with points in leaf order, so that tight clusters show as
//     dark squares on the diagonal, with a colour bar; kept clusters can be
//     outlined. More than MaxCells (1000) points are subsampled evenly.
//   - NewAlignment: one bar per flat cluster, its median pairwise cosine
//     distance, against the alignment threshold 1 − cos β (log scale).
//   - NewCosineHistogram: the histogram of log10 teacher-vs-recovered
//     cosine distances, with the success threshold (1e-6) marked.
//
// A Figure renders to any io.Writer with Render (format PNG or SVG) or to a
// file with Save (format from the .png or .svg extension). Its Plot field
// is the underlying *plot.Plot, open to further changes before rendering.
//
// RenderResult draws all the pictures of an identify.Result (and, given an
// identify.Report from identify.Compare, the cosine histogram) into a
// directory in one call:
//
//	files, err := plots.RenderResult("pictures", res, &report, plots.PNG, plots.SVG)
//
// Settings are plain structs whose zero value (or nil) means the defaults;
// each embeds a Page with the size, PNG resolution and title.
package plots

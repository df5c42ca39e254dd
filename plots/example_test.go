package plots_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/plots"
	"gonum.org/v1/gonum/mat"
)

// Cluster 30 points from three tight groups and draw the dendrogram with
// its max-clusters cut, the ordered distance matrix and the alignment of
// the clusters.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(30, 4, nil)
	for i := range 30 {
		for j := range 4 {
			x.Set(i, j, float64((i%3)*(j+1))+1e-3*rng.NormFloat64())
		}
	}
	tree, err := cluster.Linkage(x, cluster.Average, cluster.Euclidean)
	if err != nil {
		fmt.Println(err)
		return
	}
	cut, err := tree.MaxClustersCut(8)
	if err != nil {
		fmt.Println(err)
		return
	}
	reports, err := cluster.Filter(x, cut.Labels, &cluster.FilterSettings{MinSize: 8})
	if err != nil {
		fmt.Println(err)
		return
	}

	dir, err := os.MkdirTemp("", "plots-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	dendro, err := plots.NewDendrogram(tree, cut.Height, &plots.DendrogramSettings{Clusters: reports})
	if err != nil {
		fmt.Println(err)
		return
	}
	heat, err := plots.NewDistanceHeatMap(x, plots.LeafOrder(tree), &plots.HeatMapSettings{Clusters: reports})
	if err != nil {
		fmt.Println(err)
		return
	}
	align, err := plots.NewAlignment(reports, cluster.DefaultBeta, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for name, fig := range map[string]*plots.Figure{"dendrogram.svg": dendro, "distances.png": heat, "alignment.png": align} {
		if err := fig.Save(filepath.Join(dir, name)); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(cut.Count, "clusters; pictures written")
	// Output:
	// 3 clusters; pictures written
}

// RenderResult draws every picture of a run. Here the result is built by
// hand from one clustered layer; normally it comes from identify.Run.
func ExampleRenderResult() {
	rng := rand.New(rand.NewPCG(3, 4))
	x := mat.NewDense(20, 3, nil)
	for i := range 20 {
		for j := range 3 {
			x.Set(i, j, float64((i%2)*2-1)*float64(j+1)+1e-4*rng.NormFloat64())
		}
	}
	tree, _ := cluster.Linkage(x, cluster.Average, cluster.Euclidean)
	cut, _ := tree.MaxClustersCut(8)
	flat, _ := cluster.Filter(x, cut.Labels, &cluster.FilterSettings{MinSize: 8})

	res := &identify.Result{Layers: []identify.LayerReport{{
		Layer: 1, Vectors: 20, MinSize: 8, CutHeight: cut.Height, Clusters: cut.Count, Kept: 2,
		Points: x, Tree: tree, Labels: cut.Labels, Flat: flat,
	}}}
	res.Config.Beta = cluster.DefaultBeta
	cmp := &identify.Report{Layers: []identify.LayerComparison{{
		TeacherWidth: 2, RecoveredWidth: 2,
		Matches: []identify.NeuronMatch{{Teacher: 0, Recovered: 1, CosineDistance: 2e-13}, {Teacher: 1, Recovered: 0, CosineDistance: 5e-12}},
	}}}

	dir, err := os.MkdirTemp("", "plots-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	files, err := plots.RenderResult(dir, res, cmp, plots.PNG, plots.SVG)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// layer1-dendrogram.png
	// layer1-dendrogram.svg
	// layer1-distances.png
	// layer1-distances.svg
	// layer1-alignment.png
	// layer1-alignment.svg
	// cosine-histogram.png
	// cosine-histogram.svg
}

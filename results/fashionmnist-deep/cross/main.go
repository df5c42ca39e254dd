// Command cross prints, for each neuron of one hidden layer of network A
// (saved by stitch -save), the uncentred cosine distance of its
// pre-activations to the nearest neuron's of the same layer in network B,
// in the teacher and among A's other neurons — on the Fashion-MNIST test
// images, or with -spread S on 30 000 Gaussian span queries S times wider
// than the images (the distribution stitch -spread S fine-tunes on). It
// shows which of A's neurons another network, fitted from other students,
// agrees on, and whether those are the teacher's. Run it from the
// repository root:
//
//	go run ./results/fashionmnist-deep/cross -layer 3 -spread 4 A.json B.json
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func main() {
	layer := flag.Int("layer", 3, "hidden layer (1-based)")
	spread := flag.Float64("spread", 0, "Gaussian span queries this many times wider than the images (0: the test images)")
	flag.Parse()
	if flag.NArg() != 2 || *layer < 1 || *layer > 3 || *spread < 0 {
		check(fmt.Errorf("usage: cross [-layer 1|2|3] [-spread S ≥ 0] A.json B.json"))
	}
	t, x, err := span.TeacherAndTest()
	check(err)
	if *spread > 0 {
		x, err = queries(t, *spread)
		check(err)
	}
	a, err := mlp.LoadFile(flag.Arg(0))
	check(err)
	b, err := mlp.LoadFile(flag.Arg(1))
	check(err)
	l := *layer - 1
	pt, pa, pb := unitPreacts(t, x, l), unitPreacts(a, x, l), unitPreacts(b, x, l)
	type row struct {
		j, tj, aj  int
		db, dt, da float64
	}
	var rows []row
	for j, v := range pa {
		_, db := nearest(v, pb, -1)
		tj, dt := nearest(v, pt, -1)
		aj, da := nearest(v, pa, j)
		rows = append(rows, row{j, tj, aj, db, dt, da})
	}
	sort.Slice(rows, func(i, k int) bool { return rows[i].db < rows[k].db })
	fmt.Printf("layer %d of %s against %s (spread %g; 0: test images)\n", *layer, flag.Arg(0), flag.Arg(1), *spread)
	fmt.Println("A neuron, distance to B, to the teacher (nearest teacher neuron), to A's others (nearest)")
	for _, r := range rows {
		fmt.Printf("%3d  %.2e  %.2e (%2d)  %.2e (%2d)\n", r.j, r.db, r.dt, r.tj, r.da, r.aj)
	}
}

// queries returns 30 000 Gaussian queries over the span of the teacher's
// first-layer weights, spread times wider than the first 30 000 training
// images, in pixel space: what stitch -spread fine-tunes on.
func queries(t *mlp.Network, spread float64) (*mat.Dense, error) {
	trainSet, _, err := synth.FashionMNIST("")
	if err != nil {
		return nil, err
	}
	synth.ScalePixels(trainSet.X)
	sub, _, z, err := span.ImageSpan(context.Background(), t, trainSet.X, 30000)
	if err != nil {
		return nil, err
	}
	if z, err = span.Gaussian(z, spread, 1, 30000); err != nil {
		return nil, err
	}
	return sub.Expand(z)
}

// unitPreacts returns the pre-activations of hidden layer l of n on x, one
// unit-norm slice per neuron.
func unitPreacts(n *mlp.Network, x *mat.Dense, l int) [][]float64 {
	var p mat.Dense
	check(n.PreActivations(nil, &p, x, l))
	_, c := p.Dims()
	cols := make([][]float64, c)
	for j := range cols {
		cols[j] = mat.Col(nil, j, &p)
		floats.Scale(1/floats.Norm(cols[j], 2), cols[j])
	}
	return cols
}

// nearest returns the index of the column of set nearest to v in cosine
// distance, skipping index skip, and that distance.
func nearest(v []float64, set [][]float64, skip int) (int, float64) {
	best, bj := math.Inf(1), -1
	for j, w := range set {
		if j == skip {
			continue
		}
		if d := 1 - floats.Dot(v, w); d < best {
			best, bj = d, j
		}
	}
	return bj, best
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

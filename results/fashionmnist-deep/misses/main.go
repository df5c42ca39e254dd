// Command misses prints, for the teacher neurons of hidden layers 2 and 3
// that some network saved by stitch -save holds farther than 1e-4 (data-space
// cosine distance, identify.CompareIn, on the Fashion-MNIST test images), the
// mean and spread of the teacher neuron's pre-activation on those images,
// the norm of its outgoing weights and its distance in each network (1: no
// partner). A neuron whose pre-activation stays far from the activation's
// bend acts nearly affinely on the images and shows itself little. It also
// prints how much of the teacher's output variance on the images is lost
// when the neuron is held at its mean (its outgoing weights folded into the
// next layer's biases), and that share's rank among the layer's neurons
// (1: the least): a neuron the outputs barely depend on is one a fit can
// miss at little cost. Last, the two neurons of the layer below with the
// largest shares of its incoming weights (|w_j| / ‖w‖): a neuron whose
// main inputs are themselves missed cannot come back exactly. Run it
// from the repository root:
//
//	go run ./results/fashionmnist-deep/misses NET.json...
package main

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func main() {
	if len(os.Args) < 2 {
		check(fmt.Errorf("usage: misses NET.json..."))
	}
	t, testX, err := span.TeacherAndTest()
	check(err)
	var reports []identify.Report
	for _, f := range os.Args[1:] {
		n, err := mlp.LoadFile(f)
		check(err)
		r, err := identify.CompareIn(identify.DataSpace, t, n, testX)
		check(err)
		reports = append(reports, r)
	}
	for l := 1; l <= 2; l++ {
		var p mat.Dense
		check(t.PreActivations(nil, &p, testX, l))
		var h mat.Dense
		check(t.Hidden(nil, &h, testX, l))
		y, err := t.Predict(testX)
		check(err)
		lost := make([]float64, t.Layer(l).Out)
		for j := range lost {
			lost[j] = ablation(t, testX, &h, y, l, j)
		}
		fmt.Printf("teacher layer %d: neuron, pre-activation mean and sd, |outgoing|, output variance lost held at its mean (rank), distance in each network, two main inputs (share)\n", l+1)
		for j := 0; j < t.Layer(l).Out; j++ {
			d := distances(reports, l, j)
			if slices.Max(d) <= 1e-4 {
				continue
			}
			mean, sd := stat.MeanStdDev(mat.Col(nil, j, &p), nil)
			in := t.Layer(l).W.RawRowView(j)
			a, b := mainInputs(in)
			norm := floats.Norm(in, 2)
			fmt.Printf("  %2d  %6.3f %5.3f  %5.3f  %.2g (%d)  %.2g  %d (%.2f), %d (%.2f)\n", j, mean, sd, mat.Norm(t.Layer(l+1).W.ColView(j), 2), lost[j], rank(lost, j), d,
				a, math.Abs(in[a])/norm, b, math.Abs(in[b])/norm)
		}
	}
}

// ablation returns the share of t's output variance on x (outputs y)
// lost when neuron j of hidden layer l (0-based; activations h on x) is
// held at its mean activation on x.
func ablation(t *mlp.Network, x, h, y *mat.Dense, l, j int) float64 {
	mean := stat.Mean(mat.Col(nil, j, h), nil)
	held := t.Clone()
	next := held.Layer(l + 1)
	for k := 0; k < next.Out; k++ {
		next.B[k] += next.W.At(k, j) * mean
		next.W.Set(k, j, 0)
	}
	yh, err := held.Predict(x)
	check(err)
	var diff mat.Dense
	diff.Sub(yh, y)
	r, c := y.Dims()
	frob := mat.Norm(&diff, 2) // the Frobenius norm
	return frob * frob / float64(r*c) / synth.OutputVariance(y)
}

// mainInputs returns the indices of the two largest |w_j|.
func mainInputs(w []float64) (first, second int) {
	idx := make([]int, len(w))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(math.Abs(w[b]), math.Abs(w[a])) })
	return idx[0], idx[1]
}

// rank returns the 1-based rank of v[j] in v, smallest first.
func rank(v []float64, j int) int {
	n := 1
	for _, u := range v {
		if u < v[j] {
			n++
		}
	}
	return n
}

// distances returns teacher neuron j of hidden layer l's (0-based) cosine
// distance to its partner in each report.
func distances(reports []identify.Report, l, j int) []float64 {
	var d []float64
	for _, r := range reports {
		for _, m := range r.Layers[l].Matches {
			if m.Teacher == j {
				d = append(d, m.CosineDistance)
			}
		}
	}
	return d
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

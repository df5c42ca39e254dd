package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// bendRadius is half the width of g's bend: a pre-activation in
// (−bendRadius, bendRadius) is where g is visibly nonlinear. Outside it g
// is nearly 0 or nearly affine, so a neuron that the queries keep outside
// shows the layer above little more than a linear function, and its
// direction is pinned down only weakly.
const bendRadius = 1.0

// bendOptions says which neurons get bend queries and how many.
type bendOptions struct {
	layers []int   // hidden layers (1-based) whose neurons are considered
	below  float64 // neurons the queries put in the bend less often than this
	each   int     // queries per such neuron
	pool   int     // at most this many candidate queries are drawn
	seed   uint64
}

// bendQueries returns queries that put rarely bent neurons of net in their
// bend: for each neuron of opts.layers that z puts in the bend for a
// fraction under opts.below of its rows, up to opts.each queries drawn
// from the same distribution as z (draw(n, seed) returns n of them) that
// put it there — the query distribution conditioned on the neuron being
// bent, found by drawing candidates in batches until every such neuron
// has its queries or opts.pool candidates have been drawn. Moving queries
// along a neuron's gradient instead takes them far outside the query
// distribution, where the network has never been fitted. The neurons are
// net's, an estimate of the teacher's: the queries show the teacher's
// partner neurons bent too if the estimate is close. It returns the
// queries and, per layer considered, the neurons that got them and how
// many each got.
func bendQueries(net *mlp.Network, z *mat.Dense, draw func(n int, seed uint64) (*mat.Dense, error), opts bendOptions) (*mat.Dense, [][]int, [][]int, error) {
	_, dim := z.Dims()
	var targeted, got [][]int
	for _, layer := range opts.layers {
		ns := rarelyBent(bendFractions(net, z, layer-1), opts.below)
		targeted = append(targeted, ns)
		got = append(got, make([]int, len(ns)))
	}
	var out []float64
	const batch = 100000
	for drawn, b := 0, uint64(0); drawn < opts.pool && !allReached(got, opts.each); drawn, b = drawn+batch, b+1 {
		cand, err := draw(batch, opts.seed+b)
		if err != nil {
			return nil, nil, nil, err
		}
		taken := make([]bool, batch)
		for i, layer := range opts.layers {
			p := preact(net, cand, layer-1)
			for k, j := range targeted[i] {
				for r := 0; r < batch && got[i][k] < opts.each; r++ {
					if !taken[r] && math.Abs(p.At(r, j)) < bendRadius {
						taken[r] = true
						got[i][k]++
						out = append(out, cand.RawRowView(r)...)
					}
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, targeted, got, nil
	}
	return mat.NewDense(len(out)/dim, dim, out), targeted, got, nil
}

func allReached(got [][]int, each int) bool {
	for _, g := range got {
		for _, n := range g {
			if n < each {
				return false
			}
		}
	}
	return true
}

// bendFractions returns, for each neuron of hidden layer l of net, the
// fraction of the rows of z that put its pre-activation in the bend.
func bendFractions(net *mlp.Network, z *mat.Dense, l int) []float64 {
	p := preact(net, z, l)
	rows, cols := p.Dims()
	frac := make([]float64, cols)
	for i := 0; i < rows; i++ {
		for j, v := range p.RawRowView(i) {
			if math.Abs(v) < bendRadius {
				frac[j]++
			}
		}
	}
	for j := range frac {
		frac[j] /= float64(rows)
	}
	return frac
}

// describeBend prints what bendQueries did.
func describeBend(opts bendOptions, targeted, got [][]int) {
	for i, l := range opts.layers {
		fmt.Printf("bend queries: layer %d neurons in the bend for under %.3g of the queries: %v; queries found for each: %v\n", l, opts.below, targeted[i], got[i])
	}
}

// addBendQueries appends bend queries for net's rarely bent neurons (see
// bendQueries) to the span queries z and the teacher's outputs on them to
// y, and prints how often the teacher's own neurons of those layers are in
// the bend before and after.
func addBendQueries(net, t *mlp.Network, sub *identify.Subspace, z, y *mat.Dense, draw func(int, uint64) (*mat.Dense, error), opts bendOptions) (*mat.Dense, *mat.Dense) {
	zb, targeted, got, err := bendQueries(net, z, draw, opts)
	check(err)
	describeBend(opts, targeted, got)
	if zb == nil {
		return z, y
	}
	xb, err := sub.Expand(zb)
	check(err)
	yb, err := synth.Label(t, xb)
	check(err)
	var zz, yy mat.Dense
	zz.Stack(z, zb)
	yy.Stack(y, yb)
	x, err := sub.Expand(&zz)
	check(err)
	for _, layer := range opts.layers {
		before, err := sub.Expand(z)
		check(err)
		fmt.Printf("bend queries: teacher layer %d neurons in the bend for under %.3g: before %v, after %v\n", layer,
			opts.below, rarelyBent(bendFractions(t, before, layer-1), opts.below), rarelyBent(bendFractions(t, x, layer-1), opts.below))
	}
	return &zz, &yy
}

// rarelyBent returns the neurons whose fraction in the bend is under below.
func rarelyBent(frac []float64, below float64) []int {
	var ns []int
	for j, f := range frac {
		if f < below {
			ns = append(ns, j)
		}
	}
	return ns
}

// unbend moves into g's bend the neurons of the given hidden layers
// (1-based) that the
// queries z keep on its nearly affine side (pre-activation above
// bendRadius on all but a fraction below of them): each one's bias is
// lowered by the c that puts the bend's upper edge at the quantile q of its
// pre-activations, q the median fraction of the queries its layer's other
// neurons are in the bend for (so a fraction q of the queries reach the
// bend or go past it), and the layer above's biases take
// W[:, j]·c: on the queries that stay on the affine side (g(s − c) ≈
// g(s) − c for g, whose slope there is 1) the network's function is nearly
// unchanged, and where the neuron now bends it changes. Such a neuron can stand in for a
// teacher neuron whose bend lies inside the queries only as a linear map,
// leaving the bend to others; shifted, the fine-tune sees where its bend
// belongs. It returns the neurons moved, per hidden layer (1-based key).
func unbend(net *mlp.Network, z *mat.Dense, below float64, layers []int) map[int][]int {
	moved := map[int][]int{}
	for _, layer := range layers {
		l := layer - 1
		p := preact(net, z, l)
		frac := bendFractions(net, z, l)
		var bent []float64
		for _, f := range frac {
			if f >= below {
				bent = append(bent, f)
			}
		}
		if len(bent) == 0 {
			continue
		}
		target := median(bent)
		rows, _ := p.Dims()
		for j, f := range frac {
			if f >= below || !mostlyAbove(p, j, below) {
				continue
			}
			col := mat.Col(nil, j, p)
			sort.Float64s(col)
			// After the shift a fraction target of the pre-activations lies
			// below bendRadius: the target quantile moves to bendRadius.
			c := col[int(target*float64(rows))] - bendRadius
			if c <= 0 {
				continue
			}
			net.Layer(l).B[j] -= c
			up := net.Layer(l + 1)
			for o := 0; o < up.Out; o++ {
				up.B[o] += up.W.At(o, j) * c
			}
			moved[l+1] = append(moved[l+1], j)
		}
	}
	return moved
}

// mostlyAbove reports whether column j of p lies above bendRadius for all
// but a fraction below of its rows.
func mostlyAbove(p *mat.Dense, j int, below float64) bool {
	rows, _ := p.Dims()
	n := 0
	for i := 0; i < rows; i++ {
		if p.At(i, j) <= bendRadius {
			n++
		}
	}
	return float64(n) < below*float64(rows)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

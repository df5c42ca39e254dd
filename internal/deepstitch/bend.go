package deepstitch

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
	return bendFractionsOf(preact(net, z, l))
}

// bendFractionsOf returns, for each column of the pre-activations p, the
// fraction of its rows in the bend.
func bendFractionsOf(p *mat.Dense) []float64 {
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
	before, err := sub.Expand(z)
	check(err)
	for _, layer := range opts.layers {
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
// (1-based) that the queries z keep on one side of it for all but a
// fraction below of them, and returns the neurons moved, per hidden layer
// (1-based key). Each moves so that its bend's near edge sits at the
// quantile q of its pre-activations, q the median fraction of the queries
// its layer's other neurons are in the bend for: a fraction q of the
// queries then reach the bend or go past it. The layer above makes up for
// the move where the neuron stays on its side:
//
//   - on the affine side (pre-activations over bendRadius; g's slope there
//     is 1, g(s − c) ≈ g(s) − c) the bias drops by c and the layer above's
//     biases take W[:, j]·c;
//   - in the exponential tail (under −bendRadius; g(s + c) ≈ e^c·g(s)) the
//     bias rises by c and the neuron's outgoing weights are scaled by the
//     least-squares factor from g(s + c) back to g(s) on the queries that
//     stay deep in the tail (under −3·bendRadius after the move, where g's
//     softplus term e^s alone remains).
//
// On one side a neuron's bias is not pinned down: it trades against the
// layer above's biases, or against its own outgoing weights. A neuron of
// the teacher whose bend lies inside the queries can then be stood in for
// by a shifted copy that never bends, the bend left to others; moved, the
// fine-tune sees where its bend belongs.
func unbend(net *mlp.Network, z *mat.Dense, below float64, layers []int) map[int][]int {
	moved := map[int][]int{}
	for _, layer := range layers {
		l := layer - 1
		p := preact(net, z, l)
		frac := bendFractionsOf(p)
		var bent []float64
		for _, f := range frac {
			if f >= below {
				bent = append(bent, f)
			}
		}
		if len(bent) == 0 {
			continue
		}
		q := median(bent)
		for j, f := range frac {
			if f >= below {
				continue
			}
			col := mat.Col(nil, j, p)
			if shiftOffAffine(net, l, j, col, q, below) || shiftOutOfTail(net, l, j, col, q, below) {
				moved[l+1] = append(moved[l+1], j)
			}
		}
	}
	return moved
}

// shiftOffAffine moves neuron j of hidden layer l down into the bend if
// its pre-activations s lie over bendRadius for all but a fraction below
// (see unbend) and reports whether it did.
func shiftOffAffine(net *mlp.Network, l, j int, s []float64, q, below float64) bool {
	if !mostly(s, below, func(v float64) bool { return v > bendRadius }) {
		return false
	}
	c := quantile(s, q) - bendRadius
	if c <= 0 {
		return false
	}
	net.Layer(l).B[j] -= c
	up := net.Layer(l + 1)
	for o := 0; o < up.Out; o++ {
		up.B[o] += up.W.At(o, j) * c
	}
	return true
}

// shiftOutOfTail moves neuron j of hidden layer l up into the bend if its
// pre-activations s lie under −bendRadius for all but a fraction below
// (see unbend) and reports whether it did.
func shiftOutOfTail(net *mlp.Network, l, j int, s []float64, q, below float64) bool {
	if !mostly(s, below, func(v float64) bool { return v < -bendRadius }) {
		return false
	}
	c := -bendRadius - quantile(s, 1-q)
	if c <= 0 {
		return false
	}
	act := net.Layer(l).Act
	var num, den float64
	for _, v := range s {
		if v+c < -3*bendRadius { // deep enough that g is nearly e^s alone
			gs, gc := act.Eval(v), act.Eval(v+c)
			num += gs * gc
			den += gc * gc
		}
	}
	if den == 0 {
		return false
	}
	net.Layer(l).B[j] += c
	up := net.Layer(l + 1)
	for o := 0; o < up.Out; o++ {
		up.W.Set(o, j, up.W.At(o, j)*num/den)
	}
	return true
}

// moveOneSided runs unbend on net and prints what moved and the loss on
// (z, y) before and after.
func moveOneSided(net *mlp.Network, z, y *mat.Dense, below float64, layers []int) {
	before, err := net.Loss(nil, z, y)
	check(err)
	moved := unbend(net, z, below, layers)
	after, err := net.Loss(nil, z, y)
	check(err)
	fmt.Printf("unbend: moved %v (layer: neurons); loss %.4g → %.4g\n", moved, before, after)
}

// mostly reports whether side holds for all but a fraction below of s.
func mostly(s []float64, below float64, side func(float64) bool) bool {
	n := 0
	for _, v := range s {
		if !side(v) {
			n++
		}
	}
	return float64(n) < below*float64(len(s))
}

func median(v []float64) float64 { return quantile(v, 0.5) }

// quantile returns the element of v at rank ⌊q·len(v)⌋ in increasing order.
func quantile(v []float64, q float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[int(q*float64(len(s)))]
}

package deepstitch

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// shortlist is how many neurons per layer, ranked by the least-squares
// residual their removal leaves in the layer above, get the full loss
// evaluation at each pruning step: the ranking is cheap (one inverse per
// layer), the evaluation is a refit and a forward pass.
const shortlist = 4

// prune removes hidden neurons of net one at a time — at each step the one
// whose removal, with the incoming weights of the layer above refitted by
// least squares (to that layer's pre-activations before the removal, the
// readout to y), raises the loss on (x, y) least — while the loss stays
// within opts.factor times its value before pruning and no single step
// multiplies it by more than opts.step (0: no such limit). Neurons an
// overparameterised network does not need (duplicates, neurons the layer
// above can do without) go first; the widths where the loss turns up are the
// widths the data ask for. It returns the pruned network.
//
// The step limit looks for the knee of a layer's loss curve: while a layer
// sheds neurons it does not need, each removal costs a little; the first
// removal of a neuron the data need costs an order of magnitude more. That
// holds for a layer the fit has settled (layer 2 of the deep Fashion-MNIST
// networks: × 5.6–8.8 in one removal, × 2.9 at most before); a layer whose
// surplus neurons make up for a near miss below has no knee, and the limit
// never stops it.
//
// With opts.merge the candidates at each step also include merging each of the
// closest pairs of neurons of a layer (by the uncentred cosine of their
// pre-activations on x) into one: its incoming vector their average
// weighted by the norms of their outgoing weights, the layer above refitted
// as for a removal. A teacher neuron an overparameterised network has split
// between two near copies comes back whole that way, where removing one
// copy keeps the other's error.
//
// Only the hidden layers in opts.only (1-based) lose neurons; an empty
// opts.only means every hidden layer. Pruning one layer at a time keeps a
// layer whose extra neurons are cheap to drop from spending the whole loss
// budget before the other's turn.
func prune(net *mlp.Network, x, y *mat.Dense, opts pruneOptions) *mlp.Network {
	loss0, err := net.Loss(nil, x, y)
	check(err)
	limit := opts.factor * loss0
	last := loss0
	fmt.Printf("prune: widths %v, loss %.4g, limit %.4g\n", hiddenWidths(net), loss0, limit)
	for {
		ins := incomings(net)
		hs := activations(net, x, ins)
		var best *mlp.Network
		bestLoss, bestLayer := math.Inf(1), -1
		for l := 0; l+1 < len(ins); l++ {
			if k, _ := ins[l].Dims(); k == 1 || (len(opts.only) > 0 && !slices.Contains(opts.only, l+1)) {
				continue
			}
			var kept []bool
			if opts.keep != nil {
				kept = opts.keep(l, affine(hs[l], ins[l]))
			}
			for _, cand := range candidates(ins, hs, y, l, opts.merge, net.Layer(l).Act, kept) {
				n := netFrom(cand, net.Layer(0).Act)
				loss, err := n.Loss(nil, x, y)
				check(err)
				if loss < bestLoss {
					best, bestLoss, bestLayer = n, loss, l
				}
			}
		}
		if opts.retrain > 0 && best != nil {
			bestLoss = retrain(best, x, y, opts.retrain, opts.threads)
		}
		if best == nil {
			fmt.Printf("prune: stop at widths %v (no neuron left that may be removed)\n", hiddenWidths(net))
			if opts.step > 0 && opts.factor >= noLimit {
				// The knee rule alone never fired: the network has no knee
				// to read a width from, and what is left is not an answer.
				check(fmt.Errorf("prune: no knee: every removal down to widths %v raised the loss by less than × %g (the network may not be fitted closely enough to show one)", hiddenWidths(net), opts.step))
			}
			return net
		}
		if bestLoss > limit || (opts.step > 0 && bestLoss > opts.step*last) {
			fmt.Printf("prune: stop at widths %v (next removal, in layer %d, would give loss %.4g = %.3g × the start, %.3g × the last)\n",
				hiddenWidths(net), bestLayer+1, bestLoss, bestLoss/loss0, bestLoss/last)
			return net
		}
		net, last = best, bestLoss
		fmt.Printf("prune: layer %d → widths %v, loss %.4g (%.3g × the start)\n", bestLayer+1, hiddenWidths(net), bestLoss, bestLoss/loss0)
		if opts.onStep != nil {
			opts.onStep(net)
		}
	}
}

// noLimit is the loss factor from which on only the step rule stops a
// pruning (the stitch tool's -prune 1e9).
const noLimit = 1e9

// pruneOptions are prune's stopping rule and candidates.
type pruneOptions struct {
	factor float64 // largest loss, as a multiple of the loss before pruning
	step   float64 // largest rise of one removal, as a factor (0: none)
	merge  bool    // also try merging close pairs of neurons
	only   []int   // hidden layers (1-based) that may lose neurons (empty: all)
	// retrain is how many Gauss–Newton steps the network gets after each
	// removal before its loss is judged (0: none). A neuron the others can
	// stand in for costs little once they have moved to do so; a neuron
	// the data need keeps costing, so the knee sharpens.
	retrain int
	// onStep, if not nil, is called with the network after each removal.
	onStep func(*mlp.Network)
	// keep, if not nil, returns which neurons of hidden layer l (0-based)
	// may not be removed or merged, given the layer's pre-activations on x.
	keep func(l int, pre *mat.Dense) []bool
	// threads is the retraining's GaussNewton.Threads.
	threads int
}

// retrain trains net in place for n Gauss–Newton steps (float32 curvature,
// as the fine-tune) on (x, y) and returns its loss.
func retrain(net *mlp.Network, x, y *mat.Dense, n, threads int) float64 {
	cfg := train.Config{Phases: []train.Phase{{Name: "retrain", Optimizer: FineTuner(threads), Stop: train.StopRules{MaxIter: n}}}}
	r, err := train.Train(context.Background(), net, x, y, cfg)
	check(err)
	return r.Loss
}

// candidates returns the shortlisted removals from hidden layer l (and, with
// merge, merges of its closest pairs), each as the network's incoming
// vectors with the layer above refitted: to its pre-activations before the
// change, or to y if it is the readout. hs are the activations of x and
// of every hidden layer. Neurons marked in kept (nil: none) are left alone.
func candidates(ins, hs []*mat.Dense, y *mat.Dense, l int, merge bool, act mlp.Activation, kept []bool) [][]*mat.Dense {
	targets := y
	if l+2 < len(ins) {
		targets = affine(hs[l+1], ins[l+1])
	}
	var cands [][]*mat.Dense
	order := slices.DeleteFunc(removalOrder(hs[l+1], targets), func(j int) bool { return kept != nil && kept[j] })
	for _, j := range order[:min(shortlist, len(order))] {
		cands = append(cands, without(ins, l, j, hs[l+1], targets))
	}
	if merge {
		for _, p := range nearestPairs(affine(hs[l], ins[l]), shortlist) {
			if kept != nil && (kept[p[0]] || kept[p[1]]) {
				continue
			}
			cands = append(cands, merged(ins, l, p, hs[l], targets, act))
		}
	}
	return cands
}

// removalOrder ranks the columns of h by the rise in the residual sum of
// squares of the least-squares fit of targets on [h, 1] when the column is
// left out: β_jt² / (G⁻¹)_jj summed over the targets t, with G the Gram
// matrix of [h, 1] (a tiny ridge keeps duplicate columns solvable).
func removalOrder(h, targets *mat.Dense) []int {
	a := withOnes(h)
	_, k := h.Dims()
	var g mat.SymDense
	g.SymOuterK(1, a.T())
	ridge := 0.0
	for i := 0; i <= k; i++ {
		ridge = max(ridge, g.At(i, i))
	}
	for i := 0; i <= k; i++ {
		g.SetSym(i, i, g.At(i, i)+1e-10*ridge)
	}
	var ginv mat.Dense
	if err := ginv.Inverse(&g); err != nil {
		if _, ok := err.(mat.Condition); !ok { // ill-conditioned is fine for a ranking
			check(err)
		}
	}
	var c, beta mat.Dense
	c.Mul(a.T(), targets)
	beta.Mul(&ginv, &c)
	rise := make([]float64, k)
	order := make([]int, k)
	for j := range rise {
		order[j] = j
		for _, b := range beta.RawRowView(j) {
			rise[j] += b * b / ginv.At(j, j)
		}
	}
	sort.Slice(order, func(a, b int) bool { return rise[order[a]] < rise[order[b]] })
	return order
}

// nearestPairs returns the k pairs of columns of p with the smallest
// uncentred cosine distance.
func nearestPairs(p *mat.Dense, k int) [][2]int {
	_, c := p.Dims()
	norms := colNorms(p)
	var g mat.Dense
	g.Mul(p.T(), p)
	type pair struct {
		i, j int
		d    float64
	}
	var ps []pair
	for i := 0; i < c; i++ {
		for j := i + 1; j < c; j++ {
			ps = append(ps, pair{i, j, 1 - g.At(i, j)/(norms[i]*norms[j])})
		}
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].d < ps[b].d })
	out := make([][2]int, 0, k)
	for _, p := range ps[:min(k, len(ps))] {
		out = append(out, [2]int{p.i, p.j})
	}
	return out
}

// merged returns copies of the incoming vectors ins with neurons p[0] and
// p[1] of hidden layer l merged into one (their incoming vectors averaged,
// weighted by the norms of their outgoing weights) and layer l+1's incoming
// vectors refitted to targets on the new activations of layer l (hPrev: the
// activations of the layer below it).
func merged(ins []*mat.Dense, l int, p [2]int, hPrev, targets *mat.Dense, act mlp.Activation) []*mat.Dense {
	out := make([]*mat.Dense, len(ins))
	copy(out, ins)
	wi := mat.Norm(ins[l+1].ColView(p[0]), 2)
	wj := mat.Norm(ins[l+1].ColView(p[1]), 2)
	layer := mat.DenseCopyOf(ins[l])
	row := layer.RawRowView(p[0])
	for k, v := range ins[l].RawRowView(p[1]) {
		row[k] = (wi*row[k] + wj*v) / (wi + wj)
	}
	out[l] = dropRow(layer, p[1])
	out[l+1] = fitIncoming(forward(hPrev, out[l], act), targets)
	return out
}

// without returns copies of the incoming vectors ins with neuron j of hidden
// layer l removed and layer l+1's refitted to targets on the remaining
// activations of layer l (h, its activations before the removal).
func without(ins []*mat.Dense, l, j int, h, targets *mat.Dense) []*mat.Dense {
	out := make([]*mat.Dense, len(ins))
	copy(out, ins)
	out[l] = dropRow(ins[l], j)
	out[l+1] = fitIncoming(dropCol(h, j), targets)
	return out
}

func dropRow(m *mat.Dense, j int) *mat.Dense {
	r, c := m.Dims()
	out := mat.NewDense(r-1, c, nil)
	for i, k := 0, 0; i < r; i++ {
		if i != j {
			out.SetRow(k, m.RawRowView(i))
			k++
		}
	}
	return out
}

func dropCol(m *mat.Dense, j int) *mat.Dense {
	r, c := m.Dims()
	out := mat.NewDense(r, c-1, nil)
	for i := 0; i < r; i++ {
		row := m.RawRowView(i)
		dst := out.RawRowView(i)
		copy(dst[:j], row[:j])
		copy(dst[j:], row[j+1:])
	}
	return out
}

// withOnes returns [h, 1].
func withOnes(h *mat.Dense) *mat.Dense {
	r, c := h.Dims()
	a := mat.NewDense(r, c+1, nil)
	a.Slice(0, r, 0, c).(*mat.Dense).Copy(h)
	for i := 0; i < r; i++ {
		a.Set(i, c, 1)
	}
	return a
}

// affine returns h·Wᵀ + b for incoming vectors in = [W | b].
func affine(h, in *mat.Dense) *mat.Dense {
	r, _ := h.Dims()
	k, _ := in.Dims()
	out := mat.NewDense(r, k, nil)
	out.Mul(withOnes(h), in.T())
	return out
}

// incomings returns every layer's incoming vectors [W | b], one row per
// neuron.
func incomings(net *mlp.Network) []*mat.Dense {
	ins := make([]*mat.Dense, net.NumLayers())
	for l := range ins {
		L := net.Layer(l)
		in := mat.NewDense(L.Out, L.In+1, nil)
		for j := 0; j < L.Out; j++ {
			copy(in.RawRowView(j), L.W.RawRowView(j))
			in.Set(j, L.In, L.B[j])
		}
		ins[l] = in
	}
	return ins
}

// activations returns x and the activations of every hidden layer on it.
func activations(net *mlp.Network, x *mat.Dense, ins []*mat.Dense) []*mat.Dense {
	hs := []*mat.Dense{x}
	for l := 0; l+1 < len(ins); l++ {
		hs = append(hs, forward(hs[l], ins[l], net.Layer(l).Act))
	}
	return hs
}

// netFrom returns the network whose layers have the incoming vectors ins,
// act on the hidden layers and a linear readout.
func netFrom(ins []*mat.Dense, act mlp.Activation) *mlp.Network {
	_, in := ins[0].Dims()
	sizes := []int{in - 1}
	for _, m := range ins {
		r, _ := m.Dims()
		sizes = append(sizes, r)
	}
	net, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: act})
	check(err)
	for l, m := range ins {
		setLayer(net.Layer(l), m)
	}
	return net
}

func hiddenWidths(net *mlp.Network) []int {
	s := net.Sizes()
	return s[1 : len(s)-1]
}

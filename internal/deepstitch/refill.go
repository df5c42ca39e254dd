package deepstitch

import (
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// RefillOptions are Refill's settings.
type RefillOptions struct {
	// Layer is the hidden layer (1-based) refilled.
	Layer int
	// KeepTau is the largest uncentred cosine distance (pre-activations on
	// the queries) at which a reference holds one of the layer's neurons.
	KeepTau float64
	// MaxAdd bounds the neurons added back (0: as many as were taken out).
	MaxAdd int
	// MinGain, when positive, stops the additions before one that divides
	// the loss by less than this: the knee of the forward selection. (Seed
	// 1's 4-prune network: the four additions that take layer 2 back to 30
	// divide the loss by 2.1 … 6.2, every one after them by 1.02 … 1.17.)
	MinGain float64
}

// Refill rebuilds hidden layer o.Layer of net (on d's span coordinates)
// from what independent fits agree on. The layer's neurons that one of
// refs (span students, on the same coordinates) holds within o.KeepTau
// stay; the others are taken out, and neurons are added back one at a time
// by forward selection — at each step the candidate whose addition, with
// the layer above refitted by least squares to its pre-activations in net
// (the readout to the outputs), gives the lowest loss on d's queries — from
// a pool of the neurons taken out and every neuron of refs' same layer,
// each fitted by least squares to the layer below in net. It prints the
// loss after each addition and returns the network after each (the first
// with no neuron added; the last the one o.MinGain stopped at).
//
// Why: a network fitted far below its students' precision can miss a
// teacher neuron that no fit of its lineage found, and make up for it with
// several surplus neurons that together carry what it would; pruning then
// stops with the surplus in place, since removing any one of them costs
// more than a few steps win back. A student may hold a rough copy of the
// missed neuron; it only shows its worth once the surplus is gone, which
// is what taking out every unheld neuron first does.
func Refill(d *Data, net *mlp.Network, refs []*mlp.Network, o RefillOptions) (steps []*mlp.Network, err error) {
	defer recoverStop(&err)
	return refill(net, d.Z, d.Y, refs, o), nil
}

// refill is Refill on the queries z with the outputs y.
func refill(net *mlp.Network, z, y *mat.Dense, refs []*mlp.Network, o RefillOptions) (steps []*mlp.Network) {
	l := o.Layer - 1
	if l < 0 || l+1 >= net.NumLayers() || !(o.KeepTau > 0) || o.MaxAdd < 0 || o.MinGain < 0 || len(refs) == 0 {
		check(fmt.Errorf("refill: layer %d must be hidden (1…%d), keep tau %g positive, max add %d and min gain %g not negative, references given (%d)", o.Layer, net.NumLayers()-1, o.KeepTau, o.MaxAdd, o.MinGain, len(refs)))
	}
	ins := incomings(net)
	hs := activations(net, z, ins)
	kept := heldElsewhere(refs, z, o.KeepTau)(l, affine(hs[l], ins[l]))
	var held, out []int
	for j, k := range kept {
		if k {
			held = append(held, j)
		} else {
			out = append(out, j)
		}
	}
	pool := []*mat.Dense{}
	for _, j := range out {
		pool = append(pool, rowsOf(ins[l], []int{j}))
	}
	for _, r := range refs {
		p := preact(r, z, l)
		_, c := p.Dims()
		for j := 0; j < c; j++ {
			pool = append(pool, fitIncoming(hs[l], mat.NewDense(len(mat.Col(nil, j, p)), 1, mat.Col(nil, j, p))))
		}
	}
	targets := y
	if l+2 < len(ins) {
		targets = affine(hs[l+1], ins[l+1])
	}
	act := net.Layer(l).Act
	chosen := rowsOf(ins[l], held)
	build := func(layer *mat.Dense, h *mat.Dense) *mlp.Network {
		cand := make([]*mat.Dense, len(ins))
		copy(cand, ins)
		cand[l] = layer
		cand[l+1] = fitIncoming(h, targets)
		return netFrom(cand, net.Layer(0).Act)
	}
	// sse is the sum of squared errors on the outputs with layer l's
	// activations h and the layer above refitted: the ranking of the
	// candidates, without building each one's network.
	sse := func(h *mat.Dense) float64 {
		w := fitIncoming(h, targets)
		for k := l + 1; k < len(ins); k++ {
			if k+1 < len(ins) {
				h = forward(h, w, act)
				w = ins[k+1]
				continue
			}
			pred := affine(h, w)
			var s float64
			for i, v := range pred.RawMatrix().Data {
				e := v - y.RawMatrix().Data[i]
				s += e * e
			}
			return s
		}
		panic("unreachable")
	}
	evaluate := func(layer *mat.Dense) (*mlp.Network, float64) {
		n := build(layer, forward(hs[l], layer, act))
		loss, err := n.Loss(nil, z, y)
		check(err)
		return n, loss
	}
	maxAdd := o.MaxAdd
	if maxAdd == 0 {
		maxAdd = len(out)
	}
	n, loss := evaluate(chosen)
	loss0, _ := net.Loss(nil, z, y)
	fmt.Printf("refill: layer %d: %d neurons held by a reference kept, %d taken out (loss %.4g → %.4g); pool of %d\n", o.Layer, len(held), len(out), loss0, loss, len(pool))
	steps = append(steps, n)
	for a := 0; a < maxAdd && len(pool) > 0; a++ {
		hChosen := forward(hs[l], chosen, act)
		best, bestSSE := -1, math.Inf(1)
		for i, c := range pool {
			if e := sse(joinCols(hChosen, forward(hs[l], c, act))); e < bestSSE {
				best, bestSSE = i, e
			}
		}
		bestNet, bestLoss := evaluate(stackRows(chosen, pool[best]))
		if o.MinGain > 0 && bestLoss*o.MinGain > loss {
			fmt.Printf("refill: stop at width %d (the next addition would divide the loss by %.3g only)\n", len(held)+a, loss/bestLoss)
			break
		}
		origin := "a reference's"
		if best < len(out) {
			origin = fmt.Sprintf("taken-out neuron %d", out[best])
		}
		fmt.Printf("refill: + candidate %d (%s) → width %d, loss %.4g (× %.3g)\n", best, origin, len(held)+a+1, bestLoss, bestLoss/loss)
		chosen, loss = stackRows(chosen, pool[best]), bestLoss
		steps = append(steps, bestNet)
		pool = append(pool[:best], pool[best+1:]...)
		if best < len(out) {
			out = append(out[:best], out[best+1:]...)
		}
	}
	return steps
}

// rowsOf returns the rows idx of m.
func rowsOf(m *mat.Dense, idx []int) *mat.Dense {
	_, c := m.Dims()
	out := mat.NewDense(len(idx), c, nil)
	for i, j := range idx {
		out.SetRow(i, m.RawRowView(j))
	}
	return out
}

// stackRows returns a above b.
func stackRows(a, b *mat.Dense) *mat.Dense {
	ra, c := a.Dims()
	rb, _ := b.Dims()
	out := mat.NewDense(ra+rb, c, nil)
	out.Slice(0, ra, 0, c).(*mat.Dense).Copy(a)
	out.Slice(ra, ra+rb, 0, c).(*mat.Dense).Copy(b)
	return out
}

// joinCols returns [a, b].
func joinCols(a, b *mat.Dense) *mat.Dense {
	r, ca := a.Dims()
	_, cb := b.Dims()
	out := mat.NewDense(r, ca+cb, nil)
	out.Slice(0, r, 0, ca).(*mat.Dense).Copy(a)
	out.Slice(0, r, ca, ca+cb).(*mat.Dense).Copy(b)
	return out
}

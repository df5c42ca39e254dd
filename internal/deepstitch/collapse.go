package deepstitch

import (
	"fmt"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// collapse prunes the neurons of hidden layer l (0-based) of net that keep
// does not protect, apart from the rest of the network: those neurons make
// a one-hidden-layer network of their own — from the activations of layer
// l−1 to their contribution to layer l+1's pre-activations — which prune
// takes to the knee of its loss curve (opts.step; opts.retrain Gauss–Newton
// steps after each removal, on that small network only), and what is left
// goes back in their place. It returns the new network.
//
// Why apart: in a network fitted to 1e-8 of the output variance the
// surplus neurons of a layer together stand in for a teacher neuron the fit
// never found, and removing any one of them costs the whole network more
// than a few steps can win back — the knee then stops with the surplus in
// place (seed 1: layer 2 at 35, the teacher's 30). On their own, the
// unprotected neurons' small network retrains in a fraction of the time,
// so each removal gets steps enough for the others to re-form what it
// carried, and only what their contribution needs survives.
func collapse(net *mlp.Network, x, y *mat.Dense, l int, keep func(int, *mat.Dense) []bool, opts pruneOptions) *mlp.Network {
	ins := incomings(net)
	hs := activations(net, x, ins)
	kept := keep(l, affine(hs[l], ins[l]))
	var free, held []int
	for j, k := range kept {
		if k {
			held = append(held, j)
		} else {
			free = append(free, j)
		}
	}
	fmt.Printf("collapse: layer %d: %d neurons held elsewhere, %d on their own\n", l+1, len(held), len(free))
	if len(free) < 2 {
		return net
	}
	sub := netFrom([]*mat.Dense{rowsOf(ins[l], free), outgoing(ins[l+1], free)}, net.Layer(l).Act)
	target, err := sub.Predict(hs[l])
	check(err)
	putBack := func(sub *mlp.Network) *mlp.Network {
		small := incomings(sub)
		out := make([]*mat.Dense, len(ins))
		copy(out, ins)
		out[l] = stackRows(rowsOf(ins[l], held), small[0])
		out[l+1] = joinOutgoing(ins[l+1], held, small[1])
		return netFrom(out, net.Layer(0).Act)
	}
	opts.only, opts.keep, opts.factor = nil, nil, noLimit
	if onStep := opts.onStep; onStep != nil {
		opts.onStep = func(sub *mlp.Network) { onStep(putBack(sub)) }
	}
	opts.judge = func(sub *mlp.Network) float64 {
		loss, err := putBack(sub).Loss(nil, x, y)
		check(err)
		return loss
	}
	return putBack(prune(sub, hs[l], target, opts))
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

// outgoing returns the incoming vectors of the layer above restricted to
// the neurons idx of the layer below, with a zero bias: the layer above's
// share of those neurons.
func outgoing(above *mat.Dense, idx []int) *mat.Dense {
	r, _ := above.Dims()
	out := mat.NewDense(r, len(idx)+1, nil)
	for i := 0; i < r; i++ {
		for k, j := range idx {
			out.Set(i, k, above.At(i, j))
		}
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

// joinOutgoing returns the layer above's incoming vectors for the neurons
// held (columns of above) followed by the small network's (sub's columns
// but its last), the bias above's plus sub's.
func joinOutgoing(above *mat.Dense, held []int, sub *mat.Dense) *mat.Dense {
	r, c := above.Dims()
	_, k := sub.Dims()
	out := mat.NewDense(r, len(held)+k, nil)
	for i := 0; i < r; i++ {
		for n, j := range held {
			out.Set(i, n, above.At(i, j))
		}
		for n := 0; n < k-1; n++ {
			out.Set(i, len(held)+n, sub.At(i, n))
		}
		out.Set(i, len(held)+k-1, above.At(i, c-1)+sub.At(i, k-1))
	}
	return out
}

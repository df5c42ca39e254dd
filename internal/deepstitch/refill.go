package deepstitch

import (
	"fmt"
	"math"
	"strings"
	"sync"

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
	// Threads is how many goroutines score the candidates (0: one); the
	// result does not depend on it.
	Threads int
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
	var pool []candidate
	for _, j := range out {
		pool = append(pool, candidate{row: rowsOf(ins[l], []int{j}), name: fmt.Sprintf("taken-out neuron %d", j)})
	}
	for i, r := range refs {
		p := preact(r, z, l)
		_, c := p.Dims()
		for j := 0; j < c; j++ {
			col := mat.NewDense(p.RawMatrix().Rows, 1, mat.Col(nil, j, p))
			pool = append(pool, candidate{row: fitIncoming(hs[l], col), name: fmt.Sprintf("reference %d's neuron %d", i, j)})
		}
	}
	act := net.Layer(l).Act
	for i := range pool {
		pool[i].h = forward(hs[l], pool[i].row, act)
	}
	targets := y
	if l+2 < len(ins) {
		targets = affine(hs[l+1], ins[l+1])
	}
	heldRows := rowsOf(ins[l], held)
	var added []candidate
	chosen := func() *mat.Dense {
		m := heldRows
		for _, c := range added {
			m = stackRows(m, c.row)
		}
		return m
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
		cand := make([]*mat.Dense, len(ins))
		copy(cand, ins)
		cand[l] = layer
		cand[l+1] = fitIncoming(forward(hs[l], layer, act), targets)
		n := netFrom(cand, net.Layer(0).Act)
		loss, err := n.Loss(nil, z, y)
		check(err)
		return n, loss
	}
	maxAdd := o.MaxAdd
	if maxAdd == 0 {
		maxAdd = len(out)
	}
	n, loss := evaluate(heldRows)
	loss0, _ := net.Loss(nil, z, y)
	fmt.Printf("refill: layer %d: %d neurons held by a reference kept, %d taken out (loss %.4g → %.4g); pool of %d\n", o.Layer, len(held), len(out), loss0, loss, len(pool))
	steps = append(steps, n)
	for len(added) < maxAdd && len(pool) > 0 {
		best, _ := bestAddition(forward(hs[l], chosen(), act), pool, o.Threads, sse)
		added = append(added, pool[best])
		pool = append(pool[:best], pool[best+1:]...)
		for k := 0; k < 2*len(added) && exchange(hs[l], act, heldRows, added, &pool, o.Threads, sse); k++ {
		}
		n, next := evaluate(chosen())
		if o.MinGain > 0 && next*o.MinGain > loss {
			fmt.Printf("refill: stop at width %d (the next addition would divide the loss by %.3g only)\n", len(held)+len(added)-1, loss/next)
			break
		}
		var names []string
		for _, c := range added {
			names = append(names, c.name)
		}
		fmt.Printf("refill: width %d, loss %.4g (× %.3g); added: %s\n", len(held)+len(added), next, next/loss, strings.Join(names, ", "))
		loss = next
		steps = append(steps, n)
	}
	return steps
}

// candidate is a neuron refill may add: its incoming vector on the layer
// below, its activations on the queries (computed once: every addition and
// exchange scores the whole pool) and where it came from.
type candidate struct {
	row, h *mat.Dense
	name   string
}

// bestAddition returns the index of the candidate of pool whose
// activations, joined to h, give the lowest sse (the first of equals), and
// that sse. The
// scores are computed by threads goroutines, each over its own share of
// the pool; the choice does not depend on their number.
func bestAddition(h *mat.Dense, pool []candidate, threads int, sse func(*mat.Dense) float64) (int, float64) {
	scores := make([]float64, len(pool))
	var wg sync.WaitGroup
	var once sync.Once
	var stopped any // a helper's stop (check) in a goroutine, passed on below
	for t := range max(threads, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					once.Do(func() { stopped = r })
				}
			}()
			for i := t; i < len(pool); i += max(threads, 1) {
				scores[i] = sse(joinCols(h, pool[i].h))
			}
		}()
	}
	wg.Wait()
	if stopped != nil {
		panic(stopped)
	}
	best, bestScore := -1, math.Inf(1)
	for i, e := range scores {
		if e < bestScore {
			best, bestScore = i, e
		}
	}
	return best, bestScore
}

// exchange makes the one swap of an added neuron for a pool candidate
// that lowers the score (sse of the activations) most, the neuron put
// back in the pool, and reports whether it made one. Forward selection
// alone keeps what it added first: a student's rough copy of a neuron,
// chosen while nothing better was in, stays when the network's own exact
// copy comes up later and then gains little.
func exchange(below *mat.Dense, act mlp.Activation, kept *mat.Dense, added []candidate, pool *[]candidate, threads int, sse func(*mat.Dense) float64) bool {
	rows := func(skip int) *mat.Dense {
		m := kept
		for i, c := range added {
			if i != skip {
				m = stackRows(m, c.row)
			}
		}
		return m
	}
	now := sse(forward(below, rows(-1), act))
	bestI, bestJ, bestScore := -1, -1, now*(1-1e-9)
	for i := range added {
		h := forward(below, rows(i), act)
		if j, e := bestAddition(h, *pool, threads, sse); e < bestScore {
			bestI, bestJ, bestScore = i, j, e
		}
	}
	if bestI < 0 {
		return false
	}
	fmt.Printf("refill: exchange %s for %s (sum of squares × %.3g)\n", added[bestI].name, (*pool)[bestJ].name, bestScore/now)
	added[bestI], (*pool)[bestJ] = (*pool)[bestJ], added[bestI]
	return true
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
	var out mat.Dense
	out.Stack(a, b)
	return &out
}

// joinCols returns [a, b].
func joinCols(a, b *mat.Dense) *mat.Dense {
	var out mat.Dense
	out.Augment(a, b)
	return &out
}

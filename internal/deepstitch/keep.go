package deepstitch

import (
	"fmt"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// heldElsewhere returns a prune keep rule: a neuron of hidden layer l is
// kept when one of the reference networks refs holds a neuron whose
// pre-activations on x are within uncentred cosine distance tau of its
// own. It is Expand-and-Cluster's criterion turned on pruning: networks
// fitted from different students agree, to the precision of their fit,
// on the teacher's neurons, while the surplus neurons each network uses to
// make up for its near misses differ from network to network. Sign flips
// are not undone (g has no symmetry).
func heldElsewhere(refs []*mlp.Network, x *mat.Dense, tau float64) func(l int, pre *mat.Dense) []bool {
	refCols := make([][][]float64, refs[0].NumLayers()-1)
	for l := range refCols {
		for _, r := range refs {
			refCols[l] = append(refCols[l], unitColumns(preact(r, x, l))...)
		}
	}
	return func(l int, pre *mat.Dense) []bool {
		cols := unitColumns(pre)
		kept := make([]bool, len(cols))
		for j, c := range cols {
			for _, rc := range refCols[l] {
				if 1-floats.Dot(c, rc) <= tau {
					kept[j] = true
					break
				}
			}
		}
		return kept
	}
}

// unitColumns returns m's columns scaled to unit norm.
func unitColumns(m *mat.Dense) [][]float64 { return unitVectors(columnsOf(m)) }

// describeKept prints how many neurons of each hidden layer of net the
// keep rule protects.
func describeKept(net *mlp.Network, x *mat.Dense, keep func(int, *mat.Dense) []bool) {
	for l := 0; l+1 < net.NumLayers(); l++ {
		n := 0
		for _, k := range keep(l, preact(net, x, l)) {
			if k {
				n++
			}
		}
		fmt.Printf("keep: layer %d: %d of %d neurons held by a -keep network\n", l+1, n, net.Layer(l).Out)
	}
}

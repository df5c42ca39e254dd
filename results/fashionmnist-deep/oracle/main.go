// Command oracle is a diagnostic, not a recovery: it writes a copy of a
// network saved by stitch -save in which the partner (identify.CompareIn,
// data space, Fashion-MNIST test images) of one teacher neuron of hidden
// layer 2 gets the teacher's incoming weights and bias exactly, its inputs
// mapped through the first layer's matches. Fine-tuned and pruned by stitch
// -base, it shows what the rest of the network does once that neuron is
// right — whether a near miss below holds the layer above wide. Run it from
// the repository root:
//
//	go run ./results/fashionmnist-deep/oracle -neuron 17 IN.json OUT.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
)

func main() {
	neuron := flag.Int("neuron", 17, "teacher neuron of hidden layer 2 to copy")
	flag.Parse()
	if flag.NArg() != 2 {
		check(fmt.Errorf("usage: oracle [-neuron J] IN.json OUT.json"))
	}
	if _, err := os.Stat(flag.Arg(1)); err == nil {
		check(fmt.Errorf("oracle: %s exists: not overwriting it", flag.Arg(1)))
	}
	t, testX, err := span.TeacherAndTest()
	check(err)
	n, err := mlp.LoadFile(flag.Arg(0))
	check(err)
	cmp, err := identify.CompareIn(identify.DataSpace, t, n, testX)
	check(err)
	if *neuron < 0 || *neuron >= t.Layer(1).Out {
		check(fmt.Errorf("oracle: -neuron %d not in 0…%d", *neuron, t.Layer(1).Out-1))
	}
	m := cmp.Layers[1].Matches[*neuron]
	if m.Recovered < 0 {
		check(fmt.Errorf("oracle: teacher neuron %d has no partner", *neuron))
	}
	tl, nl := t.Layer(1), n.Layer(1)
	for c := 0; c < nl.In; c++ {
		nl.W.Set(m.Recovered, c, 0)
	}
	// g has no symmetry, so the first layer's matches are a permutation:
	// the teacher's weight on its layer-1 neuron i goes to i's partner.
	for _, l1 := range cmp.Layers[0].Matches {
		if l1.Recovered < 0 {
			check(fmt.Errorf("oracle: teacher layer-1 neuron %d has no partner", l1.Teacher))
		}
		nl.W.Set(m.Recovered, l1.Recovered, tl.W.At(*neuron, l1.Teacher))
	}
	nl.B[m.Recovered] = tl.B[*neuron]
	fmt.Printf("teacher layer-2 neuron %d (partner %d at %.2g) copied\n", *neuron, m.Recovered, m.CosineDistance)
	check(n.SaveFile(flag.Arg(1)))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

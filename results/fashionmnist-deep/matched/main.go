// Command matched prints, for each network given (a stage file of
// examples/fashionmnistdeep or a stitch -save, on the 784 pixels) and each
// hidden layer, how many of the teacher's neurons are within data-space
// cosine distance 1e-2 (1e-3) on the Fashion-MNIST test images, counted two
// ways: on the sum-optimal assignment (identify's Within) and as the most
// that distinct partners can hold (MatchedWithin). The first undercounts a
// layer where a missed teacher neuron takes another's exact partner. Run
// it from the repository root:
//
//	go run ./results/fashionmnist-deep/matched NET.json...
package main

import (
	"fmt"
	"os"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
)

func main() {
	if len(os.Args) < 2 {
		check(fmt.Errorf("usage: matched NET.json..."))
	}
	t, testX, err := span.TeacherAndTest()
	check(err)
	fmt.Println("network: per layer, within 1e-2 by Within / by MatchedWithin (the same within 1e-3)")
	for _, f := range os.Args[1:] {
		n, err := mlp.LoadFile(f)
		check(err)
		r, err := identify.CompareIn(identify.DataSpace, t, n, testX)
		check(err)
		fmt.Printf("%s:", f)
		for _, l := range r.Layers {
			fmt.Printf("  %d/%d (%d/%d)", l.Within(1e-2), l.MatchedWithin(1e-2), l.Within(1e-3), l.MatchedWithin(1e-3))
		}
		fmt.Println()
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

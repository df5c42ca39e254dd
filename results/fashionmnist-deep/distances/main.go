// Command distances prints, for networks saved by stitch -save, the twelve
// largest data-space cosine distances between a teacher neuron and the
// neuron identify.CompareIn pairs it with, per hidden layer, on the
// Fashion-MNIST test images: how far the neurons a count "within 1e-2"
// leaves out actually are. Run it from the repository root:
//
//	go run ./results/fashionmnist-deep/distances NET.json...
package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
)

func main() {
	t, testX, err := span.TeacherAndTest()
	check(err)
	for _, f := range os.Args[1:] {
		n, err := mlp.LoadFile(f)
		check(err)
		cmp, err := identify.CompareIn(identify.DataSpace, t, n, testX)
		check(err)
		fmt.Println(f)
		for i, l := range cmp.Layers[:3] {
			var d []float64
			for _, m := range l.Matches {
				d = append(d, m.CosineDistance)
			}
			sort.Float64s(d)
			fmt.Printf("  layer %d:", i+1)
			for _, v := range d[max(0, len(d)-12):] {
				fmt.Printf(" %.2g", v)
			}
			fmt.Println()
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

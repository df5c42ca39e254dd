// Command refill rebuilds one hidden layer of a stage network from what
// the span students agree on (deepstitch.Refill): the layer's neurons no
// student holds within -keep-tau are taken out and neurons are added back
// one at a time by forward selection from those taken out and every
// student neuron of the layer, the layer above refitted by least squares.
// It prints the loss after each addition and, with -out, writes the
// network after each (lifted to the pixels) as OUT/refill-W1xW2xW3.json.
// Run it from the repository root:
//
//	go run ./results/fashionmnist-deep/refill -base NET.json -layer 2 -out DIR STUDENT.json...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/paramrecovery/expandcluster/internal/deepstitch"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
)

func main() {
	base := flag.String("base", "", "the stage network (as a stage or stitch -save writes it)")
	layer := flag.Int("layer", 2, "hidden layer (1-based) to refill")
	keepTau := flag.Float64("keep-tau", 1e-3, "largest uncentred cosine distance (pre-activations on the queries) at which a student holds a neuron")
	maxAdd := flag.Int("max-add", 0, "neurons added back at most (0: as many as were taken out)")
	minGain := flag.Float64("min-gain", 0, "stop before an addition that divides the loss by less than this (0: add up to -max-add)")
	out := flag.String("out", "", "write the network after each addition to this directory (refused if a file is there)")
	flag.Parse()
	if *base == "" || flag.NArg() == 0 {
		check(fmt.Errorf("usage: refill -base NET.json [-layer L] [-out DIR] STUDENT.json..."))
	}
	d, err := deepstitch.Setup(context.Background(), span.TeacherPath, 4, 30000)
	check(err)
	net, err := deepstitch.Base(d, *base)
	check(err)
	var refs []*mlp.Network
	for _, f := range flag.Args() {
		n, err := mlp.LoadFile(f)
		check(err)
		refs = append(refs, n)
	}
	steps, err := deepstitch.Refill(d, net, refs, deepstitch.RefillOptions{Layer: *layer, KeepTau: *keepTau, MaxAdd: *maxAdd, MinGain: *minGain, Threads: 2})
	check(err)
	for _, n := range steps {
		lifted, err := d.Sub.Lift(n)
		check(err)
		c, err := deepstitch.Compare(d, lifted)
		check(err)
		var ws []string
		for i, w := range c.Widths {
			ws = append(ws, fmt.Sprintf("%d (%d/%d)", w, c.Within2[i], c.Within3[i]))
		}
		fmt.Printf("widths (within 1e-2/1e-3) %s, test rel RMSE %.4g, labels %.2f%%\n", strings.Join(ws, " × "), c.RelRMSE, 100*c.Agreement)
		if *out != "" {
			s := lifted.Sizes()
			path := filepath.Join(*out, fmt.Sprintf("refill-%dx%dx%d.json", s[1], s[2], s[3]))
			if _, err := os.Stat(path); err == nil {
				check(fmt.Errorf("%s exists: not overwriting it", path))
			}
			check(os.MkdirAll(*out, 0o755))
			check(lifted.SaveFile(path))
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

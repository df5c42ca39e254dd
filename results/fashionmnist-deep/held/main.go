// Command held prints, for each neuron of one hidden layer of a stage
// network (a stitch -save or examples/fashionmnistdeep file), how close the
// nearest neuron of the same layer is in the teacher and in each reference
// (span students' checkpoints or other stage networks): the uncentred
// cosine distance of their pre-activations on the Gaussian span queries
// (× 4 spread). It asks whether agreement with independently fitted
// networks tells the teacher's neurons from the surplus without the
// teacher. Run it from the repository root:
//
//	go run ./results/fashionmnist-deep/held -layer 2 NET.json REF...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/paramrecovery/expandcluster/internal/deepstitch"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func main() {
	layer := flag.Int("layer", 2, "hidden layer (1-based)")
	images := flag.Bool("images", false, "compare on the 10 000 test images instead (the first network, the teacher and references given on the pixels only)")
	flag.Parse()
	if flag.NArg() < 2 {
		check(fmt.Errorf("usage: held -layer L NET.json REF..."))
	}
	d, err := deepstitch.Setup(context.Background(), span.TeacherPath, 4, 30000)
	check(err)
	l := *layer - 1
	on, tOn := d.Z, d.X // the queries, on the span coordinates and on the pixels
	load := func(f string) *mlp.Network { return load(d, f) }
	if *images {
		on, tOn = d.Test, d.Test
		load = func(f string) *mlp.Network {
			n, err := mlp.LoadFile(f)
			check(err)
			return n
		}
	}
	net := load(flag.Arg(0))
	own := units(preact(net, on, l))
	teacher := units(preact(d.Teacher, tOn, l))
	var refs [][][]float64
	for _, f := range flag.Args()[1:] {
		refs = append(refs, units(preact(load(f), on, l)))
	}
	type row struct {
		j    int
		t    float64
		refs []float64
	}
	var rows []row
	for j, c := range own {
		r := row{j: j, t: nearest(c, teacher)}
		for _, ref := range refs {
			r.refs = append(r.refs, nearest(c, ref))
		}
		rows = append(rows, r)
	}
	for j, c := range teacher {
		if dist := nearest(c, own); dist > 1e-6 {
			fmt.Printf("teacher neuron %d of layer %d: nearest neuron of %s at %.1e\n", j, *layer, flag.Arg(0), dist)
		}
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].t < rows[b].t })
	fmt.Printf("layer %d of %s: neuron, distance to the teacher's nearest, to each reference's nearest\n", *layer, flag.Arg(0))
	for _, r := range rows {
		var s []string
		for _, v := range r.refs {
			s = append(s, fmt.Sprintf("%.1e", v))
		}
		fmt.Printf("  %3d  %.1e | %s\n", r.j, r.t, strings.Join(s, " "))
	}
}

// load reads a reference: a span student (on the span coordinates, as
// TrainStudents saves them) or a stage network (on the pixels).
func load(d *deepstitch.Data, f string) *mlp.Network {
	n, err := mlp.LoadFile(f)
	check(err)
	if n.InputDim() == d.Z.RawMatrix().Cols {
		return n
	}
	n, err = deepstitch.Base(d, f)
	check(err)
	return n
}

func preact(n *mlp.Network, x *mat.Dense, l int) *mat.Dense {
	var p mat.Dense
	check(n.PreActivations(nil, &p, x, l))
	return &p
}

// units returns m's columns scaled to unit norm.
func units(m *mat.Dense) [][]float64 {
	_, c := m.Dims()
	out := make([][]float64, c)
	for j := range out {
		v := mat.Col(nil, j, m)
		floats.Scale(1/floats.Norm(v, 2), v)
		out[j] = v
	}
	return out
}

// nearest returns the smallest uncentred cosine distance from c to vs.
func nearest(c []float64, vs [][]float64) float64 {
	best := 2.0
	for _, v := range vs {
		best = min(best, 1-floats.Dot(c, v))
	}
	return best
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

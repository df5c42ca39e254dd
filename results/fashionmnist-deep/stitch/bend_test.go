package main

import (
	"math"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// TestBendQueries builds a 2 → 3 → 2 → 1 network on standard normal
// queries in which first-layer neuron 1 (bias 3) and second-layer neuron 0
// (bias −1.84) are rarely in the bend, and checks that bend queries go to
// exactly those two, that each gets the queries asked for, and that every
// query puts one of them in the bend.
func TestBendQueries(t *testing.T) {
	net, err := mlp.New(mlp.Spec{Sizes: []int{2, 3, 2, 1}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	setLayer(net.Layer(0), mat.NewDense(3, 3, []float64{1, 0, 0, 0.5, 0.5, 3, 0, 1, 0}))
	setLayer(net.Layer(1), mat.NewDense(2, 4, []float64{0.3, 0.3, 0.3, -1.84, 1, -1, 0, 0}))
	setLayer(net.Layer(2), mat.NewDense(1, 3, []float64{1, 1, 0}))
	draw := func(n int, seed uint64) (*mat.Dense, error) {
		rng := synth.NewRand(seed)
		z := mat.NewDense(n, 2, nil)
		for i := range z.RawMatrix().Data {
			z.RawMatrix().Data[i] = rng.NormFloat64()
		}
		return z, nil
	}
	z, _ := draw(20000, 1)
	opts := bendOptions{layers: []int{1, 2}, below: 0.05, each: 300, pool: 1000000, seed: 7}
	zb, targeted, got, err := bendQueries(net, z, draw, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1}, {0}}
	for i := range want {
		if len(targeted[i]) != 1 || targeted[i][0] != want[i][0] || got[i][0] != opts.each {
			t.Fatalf("layer %d: targeted %v with %v queries, want %v with %d", i+1, targeted[i], got[i], want[i], opts.each)
		}
	}
	if r, _ := zb.Dims(); r != 2*opts.each {
		t.Fatalf("%d bend queries, want %d", r, 2*opts.each)
	}
	bent := make([]int, len(want))
	p := []*mat.Dense{preact(net, zb, 0), preact(net, zb, 1)}
	for r := 0; r < 2*opts.each; r++ {
		any := false
		for i, w := range want {
			if math.Abs(p[i].At(r, w[0])) < bendRadius {
				bent[i]++
				any = true
			}
		}
		if !any {
			t.Fatalf("query %d bends neither rarely bent neuron", r)
		}
	}
	for i, n := range bent {
		if n < opts.each {
			t.Errorf("layer %d: %d queries bend neuron %d, want at least %d", i+1, n, want[i][0], opts.each)
		}
	}
}

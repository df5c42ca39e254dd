package deepstitch

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

// TestUnbend takes oneSidedNet with second-layer neuron 1 always on g's
// affine side (bias 25), and
// checks that unbend moves that neuron and no other, that it then reaches
// the bend for the median fraction of the queries its layer's other
// neurons are in the bend for, and
// that the outputs do not change on the queries that leave it well on the
// affine side (pre-activation over 5): the layer above absorbs the shift.
func TestUnbend(t *testing.T) {
	_, net, z := oneSidedNet(t, 25)
	before, err := net.Predict(z)
	if err != nil {
		t.Fatal(err)
	}
	moved := unbend(net, z, 0.01, []int{1, 2})
	if len(moved) != 1 || len(moved[2]) != 1 || moved[2][0] != 1 {
		t.Fatalf("moved %v, want layer 2 neuron 1 only", moved)
	}
	frac := bendFractions(net, z, 1)
	p := preact(net, z, 1)
	reached := 0
	for i := 0; i < 20000; i++ {
		if p.At(i, 1) < bendRadius {
			reached++
		}
	}
	if others, got := median([]float64{frac[0], frac[2]}), float64(reached)/20000; math.Abs(got-others) > 0.01 {
		t.Errorf("moved neuron at or past the bend for %.3f of the queries, want %.3f", got, others)
	}
	after, err := net.Predict(z)
	if err != nil {
		t.Fatal(err)
	}
	affine := 0
	for i := 0; i < 20000; i++ {
		if p.At(i, 1) <= 5 {
			continue
		}
		affine++
		if d := math.Abs(after.At(i, 0) - before.At(i, 0)); d > 0.01 {
			t.Fatalf("query %d (pre-activation %.2f after the shift): output moved by %.3g", i, p.At(i, 1), d)
		}
	}
	if affine < 1000 {
		t.Errorf("only %d queries leave the moved neuron over 5: the test checks too little", affine)
	}
}

// TestUnbendTail takes oneSidedNet with second-layer neuron 1 kept in g's
// exponential tail (weights 3, bias −28): unbend raises it into the bend
// for the median fraction, and its contribution to the output, the
// rescaled outgoing weight times g, is unchanged within 5 % on the queries
// that leave it deep in the tail (pre-activation under −3).
func TestUnbendTail(t *testing.T) {
	g, net, z := oneSidedNet(t, -28)
	before := preact(net, z, 1)
	wBefore := net.Layer(2).W.At(0, 1)
	moved := unbend(net, z, 0.01, []int{2})
	if len(moved) != 1 || len(moved[2]) != 1 || moved[2][0] != 1 {
		t.Fatalf("moved %v, want layer 2 neuron 1 only", moved)
	}
	after := preact(net, z, 1)
	frac := bendFractions(net, z, 1)
	reached := 0
	deep := 0
	for i := 0; i < 20000; i++ {
		s := after.At(i, 1)
		if s > -bendRadius {
			reached++
		}
		if s >= -3 {
			continue
		}
		deep++
		was, now := wBefore*g.Eval(before.At(i, 1)), net.Layer(2).W.At(0, 1)*g.Eval(s)
		if math.Abs(now-was) > 0.05*math.Abs(was) {
			t.Fatalf("query %d (pre-activation %.2f after the move): contribution %.4g, was %.4g", i, s, now, was)
		}
	}
	if others, got := median([]float64{frac[0], frac[2]}), float64(reached)/20000; math.Abs(got-others) > 0.01 {
		t.Errorf("moved neuron at or past the bend for %.3f of the queries, want %.3f", got, others)
	}
	if deep < 1000 {
		t.Errorf("only %d queries leave the moved neuron under −3: the test checks too little", deep)
	}
}

// oneSidedNet returns g and a 2 → 3 → 3 → 1 g network whose second-layer
// neuron 1 has weights 3, 3, 3 and the given bias (far from 0: the neuron
// stays on one side of the bend), with 20 000 standard normal queries.
func oneSidedNet(t *testing.T, bias float64) (mlp.Activation, *mlp.Network, *mat.Dense) {
	t.Helper()
	g, err := mlp.Lookup("g")
	if err != nil {
		t.Fatal(err)
	}
	net, err := mlp.New(mlp.Spec{Sizes: []int{2, 3, 3, 1}, Hidden: g})
	if err != nil {
		t.Fatal(err)
	}
	setLayer(net.Layer(0), mat.NewDense(3, 3, []float64{1, 0, 0, 0, 1, 0, 0.7, 0.7, 0}))
	setLayer(net.Layer(1), mat.NewDense(3, 4, []float64{1, -1, 0, -1.5, 3, 3, 3, bias, 0, 1, -1, -1}))
	setLayer(net.Layer(2), mat.NewDense(1, 4, []float64{1, 0.5, -1, 0}))
	z := mat.NewDense(20000, 2, nil)
	rng := synth.NewRand(1)
	for i := range z.RawMatrix().Data {
		z.RawMatrix().Data[i] = rng.NormFloat64()
	}
	return g, net, z
}

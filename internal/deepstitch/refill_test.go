package deepstitch

import (
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// TestRefillFindsTheMissingNeuron takes a noisy 3 → 4 → 5 → 2 tanh
// teacher, replaces neuron 2 of its second hidden layer by three random
// neurons (the readout refitted) and refills that layer with the teacher
// as the only reference: the four neurons the teacher holds stay, the
// three random ones go, the missing neuron comes back from the
// reference's layer first, and the gain rule stops there — at the
// teacher's width, every neuron the teacher's, the loss at the noise's.
func TestRefillFindsTheMissingNeuron(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	teacherIns, x, y := noisyTeacher(t, rng, 3, 4, 5, 2)
	teacher := netFrom(teacherIns, mlp.Tanh)
	layer := dropRow(teacherIns[1], 2)
	for k := 0; k < 3; k++ {
		random := mat.NewDense(1, 5, nil)
		for i := 0; i < 5; i++ {
			random.Set(0, i, rng.NormFloat64())
		}
		layer = stackRows(layer, random)
	}
	ins := []*mat.Dense{teacherIns[0], layer, nil}
	ins[2] = fitIncoming(forward(forward(x, ins[0], mlp.Tanh), layer, mlp.Tanh), y)
	net := netFrom(ins, mlp.Tanh)
	steps, err := Refill(&Data{Z: x, Y: y}, net, []*mlp.Network{teacher}, RefillOptions{Layer: 2, KeepTau: 1e-9, MinGain: 3})
	if err != nil {
		t.Fatal(err)
	}
	got := steps[len(steps)-1]
	if w := hiddenWidths(got); len(steps) != 2 || w[1] != 5 {
		t.Fatalf("refilled after %d additions to widths %v, want one addition, to [4 5]", len(steps)-1, w)
	}
	want := unitColumns(preact(teacher, x, 1))
	for j, c := range unitColumns(preact(got, x, 1)) {
		best := 2.0
		for _, v := range want {
			best = min(best, 1-floats.Dot(c, v))
		}
		if best > 1e-9 {
			t.Errorf("refilled neuron %d is %.2g from every teacher neuron", j, best)
		}
	}
	loss, _ := got.Loss(nil, x, y)
	noise, _ := teacher.Loss(nil, x, y)
	if loss > 1.01*noise {
		t.Errorf("refilled loss %.3g, the teacher's own %.3g", loss, noise)
	}
	if _, err := Refill(&Data{Z: x, Y: y}, net, nil, RefillOptions{Layer: 2, KeepTau: 1e-9}); err == nil {
		t.Error("no references: no error")
	}
	if _, err := Refill(&Data{Z: x, Y: y}, net, []*mlp.Network{teacher}, RefillOptions{Layer: 3, KeepTau: 1e-9}); err == nil {
		t.Error("layer 3 of a two-hidden-layer network: no error")
	}
}

// TestExchangeSwapsARoughCopy gives exchange a network missing neuron 2 of
// the teacher's second layer with a rough copy of it added (its incoming
// vector moved by noise of 0.3) and the exact neuron in the pool: it
// swaps them, then finds nothing more to swap.
func TestExchangeSwapsARoughCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	ins, x, y := noisyTeacher(t, rng, 3, 4, 5, 2)
	below := forward(x, ins[0], mlp.Tanh)
	exact := rowsOf(ins[1], []int{2})
	rough := mat.DenseCopyOf(exact)
	for i := range rough.RawRowView(0) {
		rough.Set(0, i, rough.At(0, i)+0.3*rng.NormFloat64())
	}
	sse := func(h *mat.Dense) float64 {
		var s float64
		pred := affine(h, fitIncoming(h, y))
		for i, v := range pred.RawMatrix().Data {
			e := v - y.RawMatrix().Data[i]
			s += e * e
		}
		return s
	}
	added := []candidate{{row: rough, h: forward(below, rough, mlp.Tanh), name: "rough"}}
	pool := []candidate{{row: exact, h: forward(below, exact, mlp.Tanh), name: "exact"}}
	if !exchange(below, mlp.Tanh, dropRow(ins[1], 2), added, &pool, 2, sse) || added[0].name != "exact" || pool[0].name != "rough" {
		t.Fatalf("after the exchange added %s, pool %s: want the exact neuron added", added[0].name, pool[0].name)
	}
	if exchange(below, mlp.Tanh, dropRow(ins[1], 2), added, &pool, 2, sse) {
		t.Error("a second exchange: the rough copy swapped back")
	}
}

// TestRefillSettingsChecked checks that Validate refuses a refill without
// references or with a gain that stops nothing, and a gain without a
// refill, and accepts a refill with both.
func TestRefillSettingsChecked(t *testing.T) {
	base := Defaults()
	base.Base = "net.json"
	for name, c := range map[string]struct {
		refill int
		gain   float64
		keep   []string
		ok     bool
	}{
		"refill":         {2, 1.5, []string{"s.json"}, true},
		"no references":  {2, 1.5, nil, false},
		"gain 1":         {2, 1, []string{"s.json"}, false},
		"gain alone":     {0, 1.5, nil, false},
		"layer 4":        {4, 1.5, []string{"s.json"}, false},
		"negative layer": {-1, 1.5, []string{"s.json"}, false},
	} {
		o := base
		o.Refill, o.RefillGain, o.Keep = c.refill, c.gain, c.keep
		if err := o.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate gives %v", name, err)
		}
	}
}

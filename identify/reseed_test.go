package identify

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// TestReseedNeuron: one neuron of the layer gets new incoming weights and
// bias, its outgoing weights shrink by reseedOutScale, nothing else moves.
func TestReseedNeuron(t *testing.T) {
	net, err := mlp.New(mlp.Spec{Sizes: []int{3, 4, 5, 2}, Hidden: mlp.ReLU})
	if err != nil {
		t.Fatal(err)
	}
	net.InitGlorotGain(rand.New(rand.NewPCG(1, 1)), 1)
	before := net.Clone()
	reseedNeuron(net, 1, rand.New(rand.NewPCG(2, 2)))
	L, B := net.Layer(1), before.Layer(1)
	var moved []int
	for j := 0; j < L.Out; j++ {
		if !slices.Equal(L.W.RawRowView(j), B.W.RawRowView(j)) || L.B[j] != B.B[j] {
			moved = append(moved, j)
		}
	}
	if len(moved) != 1 {
		t.Fatalf("neurons %v of layer 1 changed, want exactly one", moved)
	}
	j := moved[0]
	up, upB := net.Layer(2), before.Layer(2)
	for o := 0; o < up.Out; o++ {
		for n := 0; n < up.In; n++ {
			want := upB.W.At(o, n)
			if n == j {
				want *= reseedOutScale
			}
			if got := up.W.At(o, n); got != want {
				t.Errorf("outgoing weight (%d, %d) = %g, want %g", o, n, got, want)
			}
		}
	}
	if !mat.Equal(net.Layer(0).W, before.Layer(0).W) || !slices.Equal(net.Layer(0).B, before.Layer(0).B) {
		t.Errorf("layer 0 changed")
	}
	if !slices.Equal(up.B, upB.B) {
		t.Errorf("the next layer's biases changed")
	}
}

// TestReseedAboveLeavesOthers: re-seeding touches only runs whose fresh
// layers take the smoothed polish, and there only students at the floor
// that have not converged.
func TestReseedAboveLeavesOthers(t *testing.T) {
	x := gaussian(rand.New(rand.NewPCG(3, 3)), 50, 2)
	y := mat.NewDense(50, 1, nil)
	net, err := mlp.New(mlp.Spec{Sizes: []int{2, 3, 3, 3, 1}, Hidden: mlp.ReLU})
	if err != nil {
		t.Fatal(err)
	}
	students := []student{{index: 0, net: net, loss: convergedLoss / 2}, {index: 1, net: net.Clone(), loss: 1e-3}}
	for _, tc := range []struct {
		act    mlp.Activation
		layers int
	}{{mlp.ReLU, 3}, {mlp.ReLU, 2}, {mlp.Tanh, 3}} {
		cfg, err := Config{Activation: tc.act, HiddenLayers: tc.layers, Widths: []int{3, 3, 3}[:tc.layers], Workers: 1}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		out, err := reseedAbove(context.Background(), x, y, students, 0, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range students {
			if out[i].net != students[i].net || out[i].loss != students[i].loss {
				t.Errorf("%s, %d hidden layers: student %d (loss %g) replaced", tc.act.Name(), tc.layers, i, students[i].loss)
			}
		}
	}
}

// TestEitherStopAsksInOrder: the second stop is asked only in rounds the
// first lets through, so agreementStop's verdict never stands for a round
// that the stops on students at the floor ended.
func TestEitherStopAsksInOrder(t *testing.T) {
	var asked []int
	a := func(round int, _ []train.StudentResult) bool { return round == 1 }
	b := func(round int, _ []train.StudentResult) bool { asked = append(asked, round); return round == 2 }
	stop := eitherStop(a, b)
	var stopped []bool
	for r := 0; r < 4; r++ {
		stopped = append(stopped, stop(r, nil))
	}
	if !slices.Equal(stopped, []bool{false, true, true, false}) {
		t.Errorf("stopped %v, want [false true true false]", stopped)
	}
	if !slices.Equal(asked, []int{0, 2, 3}) {
		t.Errorf("second stop asked in rounds %v, want [0 2 3]", asked)
	}
	if eitherStop(nil, b)(2, nil) != true {
		t.Errorf("eitherStop(nil, b) does not ask b")
	}
}

// TestReseedAboveKeepsLowerCopies: a student at the floor but not
// converged gets re-seeded copies, and the lowest replaces it; the
// outcome is the same for one worker and two.
func TestReseedAboveKeepsLowerCopies(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	teacher, err := mlp.New(mlp.Spec{Sizes: []int{3, 4, 3, 2, 1}, Hidden: mlp.ReLU})
	if err != nil {
		t.Fatal(err)
	}
	teacher.InitGlorotGain(rng, 1)
	x := gaussian(rng, 300, 3)
	y := new(mat.Dense)
	if err := teacher.Forward(nil, y, x); err != nil {
		t.Fatal(err)
	}
	near := teacher.Clone()
	row := near.Layer(1).W.RawRowView(0)
	for i := range row {
		row[i] *= 1 + 1e-4*rng.NormFloat64()
	}
	loss, err := near.Loss(nil, x, y)
	if err != nil {
		t.Fatal(err)
	}
	if !(loss > convergedLoss && loss <= smoothRestartLoss) {
		t.Fatalf("perturbed student at %.3g, not between convergence and the floor", loss)
	}
	var losses []float64
	for _, workers := range []int{1, 2} {
		cfg, err := Config{Activation: mlp.ReLU, HiddenLayers: 3, Widths: []int{4, 3, 2}, Workers: workers}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		out, err := reseedAbove(context.Background(), x, y, []student{{index: 0, net: near.Clone(), loss: loss}}, 0, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !(out[0].loss < loss/10) {
			t.Errorf("%d workers: re-seeded student at %.3g, not below the %.3g it started at by 10×", workers, out[0].loss, loss)
		}
		losses = append(losses, out[0].loss)
	}
	if losses[0] != losses[1] {
		t.Errorf("one worker %.17g, two workers %.17g", losses[0], losses[1])
	}
}

package mlp

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestAffineNeurons: a ReLU neuron pushed past every input by its bias is
// found (with the layer above computed from the layers below), a network
// without biases is handled, and smooth activations give nil.
func TestAffineNeurons(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(400, 3, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.NormFloat64()
	}
	net, err := New(Spec{Sizes: []int{3, 4, 3, 1}, Hidden: ReLU})
	if err != nil {
		t.Fatal(err)
	}
	net.InitGlorot(rng)
	net.Layer(0).B[1] = -100 // dead on every input
	net.Layer(1).B[2] = 100  // active on every input
	got, err := AffineNeurons(net, x, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]bool{{0, 1}: true, {1, 2}: true}
	for _, a := range got {
		if !want[[2]int{a.Layer, a.Neuron}] || a.Minority != 0 {
			t.Errorf("unexpected affine neuron %+v", a)
		}
		delete(want, [2]int{a.Layer, a.Neuron})
	}
	if len(want) > 0 {
		t.Errorf("missed %v in %+v", want, got)
	}
	noBias, err := New(Spec{Sizes: []int{3, 4, 1}, Hidden: ReLU, NoBias: true})
	if err != nil {
		t.Fatal(err)
	}
	noBias.InitGlorot(rng)
	if got, err := AffineNeurons(noBias, x, 0.01); err != nil || len(got) != 0 {
		t.Errorf("network without biases: %+v, %v; want none (every neuron splits centred inputs)", got, err)
	}
	smooth, _ := New(Spec{Sizes: []int{3, 4, 1}, Hidden: Tanh})
	if got, err := AffineNeurons(smooth, x, 0.01); got != nil || err != nil {
		t.Errorf("tanh: %+v, %v; want nil", got, err)
	}
}

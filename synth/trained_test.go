package synth

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// blobs returns n points around k well-separated centres in d dimensions.
func blobs(n, d, k int, seed uint64) *Labelled {
	rng := NewRand(seed)
	centres, _ := Gaussian{D: d, Std: 3}.Sample(rng, k)
	x := mat.NewDense(n, d, nil)
	labels := make([]int, n)
	for i := range n {
		c := rng.IntN(k)
		labels[i] = c
		for j := range d {
			x.Set(i, j, centres.At(c, j)+0.5*rng.NormFloat64())
		}
	}
	return &Labelled{X: x, Labels: labels}
}

func TestTrainClassifier(t *testing.T) {
	set := blobs(600, 4, 3, 1)
	spec := mlp.Spec{Sizes: []int{4, 8, 3}, Hidden: mlp.Tanh}
	var epochs []int
	cfg := TrainConfig{Epochs: 30, BatchSize: 32, LR: 1e-2, Seed: 5, OnEpoch: func(e int, _ float64) error { epochs = append(epochs, e); return nil }}
	net, rep, err := TrainClassifier(context.Background(), set, spec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Epochs != 30 || len(rep.EpochLoss) != 30 || len(epochs) != 30 {
		t.Errorf("report %d epochs, %d losses, %d callbacks", rep.Epochs, len(rep.EpochLoss), len(epochs))
	}
	if rep.EpochLoss[29] > rep.EpochLoss[0]/3 {
		t.Errorf("loss did not fall: %v → %v", rep.EpochLoss[0], rep.EpochLoss[29])
	}
	acc, err := Accuracy(net, set.X, set.Labels)
	if err != nil || acc < 0.95 {
		t.Errorf("accuracy %v (%v)", acc, err)
	}
	// Bit-identical with the same seed, different with another.
	net2, rep2, _ := TrainClassifier(context.Background(), set, spec, cfg)
	if !bitsEqual(net.Params(), net2.Params()) || rep.Loss != rep2.Loss {
		t.Error("same seed, different trained teacher")
	}
	cfg.Seed = 6
	net3, _, _ := TrainClassifier(context.Background(), set, spec, cfg)
	if bitsEqual(net.Params(), net3.Params()) {
		t.Error("different seeds, same trained teacher")
	}
	// The trained network serves as a teacher.
	d, err := MakeDataset(net, Rows{X: set.X}, NewRand(1), 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r, c := d.Y.Dims(); r != 100 || c != 3 {
		t.Errorf("teacher outputs %d×%d", r, c)
	}
}

func TestTrainTeacherRegression(t *testing.T) {
	teacher, _ := NewTeacher(TeacherConfig{Sizes: []int{2, 3, 1}}, 1)
	d, _ := MakeDataset(teacher, Gaussian{D: 2}, NewRand(2), 500, 0)
	_, rep, err := TrainTeacher(context.Background(), d.X, d.Y, mlp.Spec{Sizes: []int{2, 12, 1}, Hidden: mlp.G}, TrainConfig{Epochs: 40, LR: 1e-2, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Loss > 0.05*rep.EpochLoss[0] {
		t.Errorf("loss %v after 40 epochs, first epoch %v", rep.Loss, rep.EpochLoss[0])
	}
}

func TestTrainTeacherStops(t *testing.T) {
	set := blobs(100, 2, 2, 3)
	spec := mlp.Spec{Sizes: []int{2, 4, 2}, Hidden: mlp.Tanh}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	net, rep, err := TrainClassifier(ctx, set, spec, TrainConfig{})
	if !errors.Is(err, context.Canceled) || net == nil || rep.Epochs != 0 {
		t.Errorf("cancelled: net %v, %d epochs, err %v", net != nil, rep.Epochs, err)
	}
	stop := errors.New("enough")
	net, rep, err = TrainClassifier(context.Background(), set, spec, TrainConfig{OnEpoch: func(e int, _ float64) error {
		if e == 2 {
			return stop
		}
		return nil
	}})
	if !errors.Is(err, stop) || net == nil || rep.Epochs != 2 {
		t.Errorf("OnEpoch stop: %d epochs, err %v", rep.Epochs, err)
	}
	for name, cfg := range map[string]TrainConfig{
		"epochs": {Epochs: -1}, "lr": {LR: -1}, "beta": {Beta1: 1.5}, "batch": {BatchSize: -2},
	} {
		if _, _, err := TrainClassifier(context.Background(), set, spec, cfg); err == nil {
			t.Errorf("%s: bad config accepted", name)
		}
	}
	if _, _, err := TrainClassifier(context.Background(), set, mlp.Spec{Sizes: []int{3, 4, 2}, Hidden: mlp.Tanh}, TrainConfig{}); err == nil {
		t.Error("wrong input width accepted")
	}
	if _, _, err := TrainClassifier(context.Background(), set, mlp.Spec{Sizes: []int{2, 4, 1}, Hidden: mlp.Tanh}, TrainConfig{}); err == nil {
		t.Error("label 1 with one output accepted")
	}
	small, _ := mlp.New(spec)
	if _, err := Accuracy(small, set.X, set.Labels[:3]); err == nil {
		t.Error("Accuracy with too few labels accepted")
	}
}

// TestTrainFashionMNISTTeacher trains a 784→16→10 teacher on part of
// Fashion-MNIST when Debian's dataset-fashion-mnist is installed.
func TestTrainFashionMNISTTeacher(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real data; skipped with -short")
	}
	train, test, err := FashionMNIST("")
	if errors.Is(err, ErrDataMissing) {
		t.Skip("Fashion-MNIST not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	ScalePixels(train.X)
	ScalePixels(test.X)
	sub := &Labelled{X: train.X.Slice(0, 20000, 0, 784).(*mat.Dense), Labels: train.Labels[:20000]}
	start := time.Now()
	net, rep, err := TrainClassifier(context.Background(), sub, mlp.Spec{Sizes: []int{784, 16, 10}, Hidden: mlp.G}, TrainConfig{Epochs: 5, LR: 5e-3, BatchSize: 64, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := Accuracy(net, test.X, test.Labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("784→16→10 on 20 000 images, 5 epochs in %v: loss %.4f, test accuracy %.3f", time.Since(start), rep.Loss, acc)
	if acc < 0.78 {
		t.Errorf("test accuracy %.3f, want ≥ 0.78", acc)
	}
}

// TestPredictions: the predicted label is the largest output's index, the
// first one on ties, and a network agrees with itself everywhere.
func TestPredictions(t *testing.T) {
	// One hidden ReLU neuron passing x₀ through; outputs (−h, h, h): for
	// x₀ > 0 outputs 1 and 2 tie (label 1), for x₀ ≤ 0 all are 0 (label 0).
	net, err := mlp.New(mlp.Spec{Sizes: []int{2, 1, 3}, Hidden: mlp.ReLU})
	if err != nil {
		t.Fatal(err)
	}
	net.Layer(0).W.Set(0, 0, 1)
	for o, v := range []float64{-1, 1, 1} {
		net.Layer(1).W.Set(o, 0, v)
	}
	x := mat.NewDense(3, 2, []float64{2, 5, -1, 0, 0.5, -3})
	got, err := Predictions(net, x)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("Predictions = %v, want %v", got, want)
	}
	if agree, err := Accuracy(net, x, got); err != nil || agree != 1 {
		t.Errorf("agreement with itself %v (%v), want 1", agree, err)
	}
}

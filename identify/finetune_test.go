package identify

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// TestFineTuneLargeNetworkReachesFloor: a recovered network above
// train.LMMaxParams (here a 50→60→2 tanh network, 3 182 parameters) whose
// widths are right but whose weights are off by 1e-3 is fine-tuned by
// the default route, matrix-free Gauss–Newton, to the loss floor.
func TestFineTuneLargeNetworkReachesFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of Gauss–Newton")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	teacher, err := mlp.New(mlp.Spec{Sizes: []int{50, 60, 2}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	teacher.InitGlorotGain(rng, 2)
	if teacher.NumParams() <= train.LMMaxParams {
		t.Fatalf("%d parameters: not above LMMaxParams", teacher.NumParams())
	}
	x := mat.NewDense(3000, 50, nil)
	for i, raw := 0, x.RawMatrix().Data; i < len(raw); i++ {
		raw[i] = rng.NormFloat64()
	}
	y, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	net := teacher.Clone()
	for i, p := range net.Params() {
		net.Params()[i] = p * (1 + 1e-3*rng.NormFloat64())
	}
	before, _ := net.Loss(nil, x, y)
	var phases []string
	rec := train.RecorderFunc(func(e train.Event) error {
		if e.Done {
			phases = append(phases, e.Phase)
		}
		return nil
	})
	if err := fineTune(context.Background(), net, x, y, &Config{Recorder: rec}); err != nil {
		t.Fatal(err)
	}
	after, _ := net.Loss(nil, x, y)
	if after > 1e-24 {
		t.Errorf("fine-tuned loss %g (from %g), want ≤ 1e-24", after, before)
	}
	if len(phases) != 1 || phases[0] != "fine-tune" {
		t.Errorf("phases %v", phases)
	}
	if _, ok := defaultFineTune(net.NumParams(), 1)[0].Optimizer.(*train.GaussNewton); !ok {
		t.Errorf("default fine-tuning of %d parameters is not Gauss–Newton", net.NumParams())
	}
}

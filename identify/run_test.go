package identify

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

func TestRunRecoversSmallTeacher(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 20 students")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	teacher := randomNet(t, []int{4, 4, 1}, mlp.G, 5)
	x := gaussian(rng, 2000, 4)
	res, err := Run(context.Background(), teacher, x, Config{Activation: mlp.G, BaseWidth: 4, Rho: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Compare(teacher, res.Network, gaussian(rng, 1000, 4))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("widths %v, losses %v, final %.3g, timings %+v\n%v", res.Widths, res.StudentLosses, res.FinalLoss, res.Timings, rep)
	for _, l := range res.Layers {
		t.Logf("%+v", l)
	}
	if !rep.Exact(1e-6) {
		t.Error("not exact")
	}
}

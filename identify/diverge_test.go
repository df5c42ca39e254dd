package identify

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
)

// sabotage is an optimiser that blows up the students whose first
// parameter is negative (about half of them, fixed by the seed) and leaves
// the others alone.
type sabotage struct{}

func (sabotage) Name() string { return "sabotage" }

func (sabotage) Run(ctx context.Context, p *train.Problem, m *train.Monitor) error {
	v := make([]float64, p.Dim())
	p.Gather(v)
	if v[0] < 0 {
		for i := range v {
			v[i] = math.Inf(1)
		}
		p.Scatter(v)
		m.Iterate(math.NaN(), math.NaN())
	}
	return nil
}

func TestDivergedStudentsAreDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("trains students")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	teacher := randomNet(t, []int{4, 2, 1}, mlp.G, 4)
	x := gaussian(rng, 500, 4)
	phases := append([]train.Phase{{Optimizer: sabotage{}, Stop: train.StopRules{MaxIter: 1}}}, train.DefaultPhases()...)
	res, err := Run(context.Background(), teacher, x, Config{Activation: mlp.G, BaseWidth: 2, Rho: 4, Students: 12, Gamma: 0.4, Seed: 2, Restarts: -1,
		Train: train.Config{Phases: phases}})
	t.Logf("failed %v, losses %v, err %v", res.Failed, res.StudentLosses, err)
	if len(res.Failed) == 0 || len(res.Failed) == 12 {
		t.Fatalf("%d students failed; the sabotage should hit some but not all", len(res.Failed))
	}
	for _, f := range res.Failed {
		if !math.IsNaN(res.StudentLosses[f.Student]) || f.Err == nil {
			t.Errorf("failed student %d reported with loss %v, error %v", f.Student, res.StudentLosses[f.Student], f.Err)
		}
	}
	if err != nil || res.Network == nil {
		t.Fatalf("the run did not go on without the failed students: %v", err)
	}
}

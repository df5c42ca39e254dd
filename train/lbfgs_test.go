package train

import (
	"context"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// TestLBFGSReachesLossFloor checks that L-BFGS is stopped by the phase's
// rules and not by gonum's own gradient test: gonum's L-BFGS stops when the
// gradient ∞-norm falls below 1e-12 unless told otherwise, which on a
// 3→2→1 student of a 3→2→1 teacher happens at a loss near 1e-25, far above
// the floor of 1e-28 that the default recipes ask for.
func TestLBFGSReachesLossFloor(t *testing.T) {
	x, y, teacher := teacherData(t, 3, []int{3, 2, 1}, mlp.G, 300)
	s := smallNet(t, []int{3, 2, 1}, 7)
	// Start near the teacher so the test is about the last digits only.
	for i, v := range teacher.Params() {
		s.Params()[i] = v * (1 + 1e-3*float64(i%3-1))
	}
	res, err := Train(context.Background(), s, x, y, Config{Phases: []Phase{{Optimizer: &LBFGS{},
		Stop: StopRules{Loss: DefaultStopLoss, MaxIter: 5000}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loss %.3g after %d iterations (%v), gradient %.3g", res.Loss, res.Iter(), res.Reason, res.Phases[0].GradNorm)
	if res.Reason != LossReached {
		t.Errorf("L-BFGS stopped with %q at loss %.3g, want the loss floor %g", res.Reason, res.Loss, DefaultStopLoss)
	}
}

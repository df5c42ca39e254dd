package train

import "testing"

func TestStopReasonConverged(t *testing.T) {
	for r := NotStopped; r <= Failed; r++ {
		want := r == LossReached || r == GradReached
		if r.Converged() != want {
			t.Errorf("%v.Converged() = %v", r, r.Converged())
		}
	}
}

package train

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// A phase with Activation trains the student through that activation:
// a ReLU student holding the weights of a smoothed-ReLU teacher is at
// zero loss in such a phase and far from it with its own activation,
// which the run's final loss reports.
func TestPhaseActivation(t *testing.T) {
	soft, _ := mlp.Smoothed(mlp.ReLU, 2)
	x, y, teacher := teacherData(t, 5, []int{4, 3, 1}, soft, 300)
	student, err := mlp.New(mlp.Spec{Sizes: []int{4, 3, 1}, Hidden: mlp.ReLU})
	if err != nil {
		t.Fatal(err)
	}
	student.SetParams(teacher.Params())
	res, err := Train(context.Background(), student, x, y, Config{Phases: []Phase{
		{Optimizer: &LM{}, Activation: soft, Stop: StopRules{MaxIter: 5}}}})
	if err != nil {
		t.Fatal(err)
	}
	if start := res.Phases[0].StartLoss; start > 1e-28 {
		t.Errorf("phase start loss %g through the teacher's activation, want 0", start)
	}
	if !(res.Loss > 1e-4) {
		t.Errorf("final loss %g with the student's ReLU, want the ReLU network's (well above 0)", res.Loss)
	}
	if student.Layer(0).Act != mlp.ReLU {
		t.Errorf("the student's activation became %s", student.Layer(0).Act.Name())
	}

	// From a perturbed start the phase fits the smoothed teacher.
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range student.Params() {
		student.Params()[i] = teacher.Params()[i] + 0.05*rng.NormFloat64()
	}
	res, err = Train(context.Background(), student, x, y, Config{Phases: []Phase{
		{Optimizer: &LM{}, Activation: soft, Stop: StopRules{Loss: 1e-24, MaxIter: 200}}}})
	if err != nil || !(res.Phases[0].Loss <= 1e-24) {
		t.Errorf("through the smoothed activation: phase loss %g (%v), error %v; want ≤ 1e-24", res.Phases[0].Loss, res.Phases[0].Reason, err)
	}

	type wrapped struct{ *mlp.Network }
	if _, err := Train(context.Background(), wrapped{student}, x, y, Config{Phases: []Phase{
		{Optimizer: &LM{}, Activation: soft}}}); err == nil {
		t.Errorf("a phase Activation with a student that is not an *mlp.Network trained without error")
	}
}

package identify

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
)

// failStudents is a Recorder that fails every student's training.
type failStudents struct{}

func (failStudents) Record(e train.Event) error {
	if e.Student >= 0 {
		return errors.New("recorder refuses")
	}
	return nil
}

func TestRunTooFewStudentsIsErrTooFewStudents(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	teacher := randomNet(t, []int{3, 2, 1}, mlp.Tanh, 1)
	x := gaussian(rng, 200, 3)
	_, err := Run(context.Background(), teacher, x, Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2,
		Students: 4, Gamma: 0.5, Seed: 1, Recorder: failStudents{}})
	if !errors.Is(err, ErrTooFewStudents) {
		t.Fatalf("Run with every student failing: %v, want an error wrapping ErrTooFewStudents", err)
	}
	if errors.Is(err, ErrNoNeurons) {
		t.Errorf("%v also matches ErrNoNeurons", err)
	}
}

package identify

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

func TestOracleCountsAndRefuses(t *testing.T) {
	teacher := randomNet(t, []int{3, 2, 1}, mlp.Tanh, 1)
	o, err := NewOracle(teacher, 100)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	if _, err := o.Predict(gaussian(rng, 60, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Predict(gaussian(rng, 40, 3)); err != nil {
		t.Fatal(err)
	}
	if o.Queries() != 100 || o.Calls() != 2 || o.Remaining() != 0 {
		t.Fatalf("queries %d, calls %d, remaining %d; want 100, 2, 0", o.Queries(), o.Calls(), o.Remaining())
	}
	_, err = o.Predict(gaussian(rng, 1, 3))
	var be *QueryBudgetError
	if !errors.Is(err, ErrQueryBudget) || !errors.As(err, &be) {
		t.Fatalf("error %v, want a QueryBudgetError", err)
	}
	if be.Used != 100 || be.Asked != 1 || be.Budget != 100 {
		t.Errorf("budget error %+v", *be)
	}
	if !strings.Contains(err.Error(), "100 of 100 queries used, 1 more") {
		t.Errorf("message %q does not give the counts", err)
	}
	if o.Queries() != 100 || o.Calls() != 2 {
		t.Error("a refused request was counted")
	}
	unlimited, _ := NewOracle(teacher, 0)
	if unlimited.Remaining() != -1 {
		t.Error("unlimited budget has a remaining count")
	}
	if _, err := NewOracle(teacher, -1); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative budget: %v", err)
	}
	if _, err := NewOracle(nil, 0); err == nil {
		t.Error("nil teacher accepted")
	}
	if _, err := o.Predict(nil); err == nil {
		t.Error("nil input accepted")
	}
}

func TestRunBudgetTooSmallForProbes(t *testing.T) {
	teacher := randomNet(t, []int{3, 2, 1}, mlp.Tanh, 1)
	x := gaussian(rand.New(rand.NewPCG(1, 3)), 50, 3)
	calls := 0
	counted := TeacherFunc(func(x2 *mat.Dense) (*mat.Dense, error) { calls++; return teacher.Predict(x2) })
	cfg := Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 4, Gamma: 0.5, QueryBudget: 49}
	res, err := Run(context.Background(), counted, x, cfg)
	if !errors.Is(err, ErrQueryBudget) || !strings.Contains(err.Error(), "0 of 49 queries used, 50 more") {
		t.Fatalf("error %v, want the budget error with its counts", err)
	}
	if res == nil || res.Queries != 0 || calls != 0 {
		t.Errorf("result %v, teacher calls %d: nothing should have been queried", res, calls)
	}
	g, _ := IsotropicGaussian(3, 1)
	if _, err := RunProbes(context.Background(), counted, g, 50, cfg); !errors.Is(err, ErrQueryBudget) || calls != 0 {
		t.Errorf("RunProbes over budget: %v, %d calls", err, calls)
	}
	cfg.QueryBudget = -5
	if _, err := Run(context.Background(), teacher, x, cfg); err == nil || !strings.Contains(err.Error(), "QueryBudget = -5 is negative") {
		t.Errorf("negative budget: %v", err)
	}
	if _, err := RunProbes(context.Background(), teacher, nil, 10, Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2}); err == nil {
		t.Error("nil probes accepted")
	}
}

func TestRunProbesRecoversThroughTheOracle(t *testing.T) {
	teacher := randomNet(t, []int{3, 2, 1}, mlp.Tanh, 5)
	g, err := IsotropicGaussian(3, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 6, Gamma: 0.5, Seed: 3, QueryBudget: 300}
	res, err := RunProbes(context.Background(), teacher, g, 300, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Queries != 300 || res.QueryInputs.RawMatrix().Rows != 300 {
		t.Errorf("%d queries recorded, want 300", res.Queries)
	}
	fresh, _ := g.Sample(rand.New(rand.NewPCG(77, 77)), 2000)
	wr, err := WeightError(teacher, res.Network, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if wr.Bits < 30 || wr.OutputBits < 30 {
		t.Errorf("recovered to 2^-%.1f (outputs 2^-%.1f), want better than 2^-30:\n%v", wr.Bits, wr.OutputBits, wr)
	}
}

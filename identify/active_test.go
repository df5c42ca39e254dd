package identify

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

func TestActiveBudgetTooSmallKeepsStudents(t *testing.T) {
	teacher := randomNet(t, []int{2, 2, 1}, mlp.G, 3)
	cand, _ := IsotropicGaussian(2, 1)
	cfg := Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, Students: 6, Gamma: 0.5, Seed: 4, QueryBudget: 12}
	res, err := RunActive(context.Background(), teacher, Active{Candidates: cand, Initial: 10, PerRound: 5}, cfg)
	var be *QueryBudgetError
	if !errors.As(err, &be) || !errors.Is(err, ErrQueryBudget) {
		t.Fatalf("error %v, want the query budget error", err)
	}
	if be.Used != 12 || be.Budget != 12 || be.Asked != 5 || !strings.Contains(err.Error(), "12 of 12 queries used, 5 more needed") {
		t.Errorf("budget error %q (%+v)", err, *be)
	}
	if res == nil {
		t.Fatal("no result with the budget error")
	}
	if res.Queries != 12 || res.QueryInputs.RawMatrix().Rows != 12 || res.QueryOutputs.RawMatrix().Rows != 12 {
		t.Errorf("result keeps %d queries", res.Queries)
	}
	if len(res.Students) != 6 {
		t.Errorf("%d students kept, want 6", len(res.Students))
	}
	if len(res.Rounds) != 2 || res.Rounds[1].Added != 2 || res.Network != nil {
		t.Errorf("rounds %+v, network %v", res.Rounds, res.Network)
	}
	// The students kept are trained on all 12 queries: their loss on them
	// is the one recorded.
	for _, s := range res.Students {
		loss, err := s.Net.Loss(nil, res.QueryInputs, res.QueryOutputs)
		if err != nil || math.Abs(loss-s.Loss) > 1e-12*math.Max(1, s.Loss) {
			t.Errorf("student %d: loss %g on the queries, recorded %g", s.Index, loss, s.Loss)
		}
	}
	// An initial round above the budget is refused before any query.
	res, err = RunActive(context.Background(), teacher, Active{Candidates: cand, Initial: 13, PerRound: 5}, cfg)
	if !errors.Is(err, ErrQueryBudget) || res.Queries != 0 {
		t.Errorf("initial round over budget: %v", err)
	}
}

func TestActiveBadSettings(t *testing.T) {
	teacher := randomNet(t, []int{2, 2, 1}, mlp.G, 3)
	cand, _ := IsotropicGaussian(2, 1)
	cfg := Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, Students: 6, Gamma: 0.5}
	cases := []struct {
		a    Active
		cfg  Config
		want string
	}{
		{Active{}, cfg, "Candidates is required"},
		{Active{Candidates: cand, Initial: 1}, cfg, "at least 2 initial"},
		{Active{Candidates: cand, PerRound: -1}, cfg, "PerRound"},
		{Active{Candidates: cand, PerRound: 5, Pool: 3}, cfg, "Pool = 3"},
		{Active{Candidates: cand, Agreement: math.NaN()}, cfg, "Agreement"},
		{Active{Candidates: cand, MaxRounds: -2}, cfg, "MaxRounds"},
		{Active{Candidates: cand}, Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, QueryBudget: -1}, "QueryBudget = -1"},
		{Active{Candidates: GaussianProbes{}}, cfg, "dimension 0"},
		{Active{Candidates: cand}, Config{Activation: mlp.G, BaseWidth: 2}, "needs Config.Rho or Config.Widths"},
	}
	for _, c := range cases {
		_, err := RunActive(context.Background(), teacher, c.a, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to mention %q", c.a, err, c.want)
		}
	}
}

func TestActiveDeterministicForAnyWorkers(t *testing.T) {
	teacher := randomNet(t, []int{2, 2, 1}, mlp.G, 3)
	cand, _ := IsotropicGaussian(2, 1)
	run := func(workers int) *Result {
		cfg := Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, Students: 6, Gamma: 0.5, Seed: 9, Workers: workers}
		res, err := RunActive(context.Background(), teacher, Active{Candidates: cand, Initial: 8, PerRound: 4, MaxRounds: 3}, cfg)
		if err != nil && !errors.Is(err, ErrNoNeurons) {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(1), run(2)
	if a.Queries != b.Queries || len(a.Rounds) != len(b.Rounds) {
		t.Fatalf("queries %d vs %d, rounds %d vs %d", a.Queries, b.Queries, len(a.Rounds), len(b.Rounds))
	}
	if !slices.Equal(a.QueryInputs.RawMatrix().Data, b.QueryInputs.RawMatrix().Data) {
		t.Error("different queries with 1 and 2 workers")
	}
	if !slices.Equal(a.StudentLosses, b.StudentLosses) {
		t.Errorf("student losses %v vs %v", a.StudentLosses, b.StudentLosses)
	}
	for i := range a.Rounds {
		ra, rb := a.Rounds[i], b.Rounds[i]
		ra.Elapsed, rb.Elapsed = 0, 0
		if !(ra == rb || (ra.Round == 0 && rb.Round == 0 && ra.BestLoss == rb.BestLoss)) {
			t.Errorf("round %d: %+v vs %+v", i, ra, rb)
		}
	}
	if (a.Network == nil) != (b.Network == nil) || (a.Network != nil && !slices.Equal(a.Network.Params(), b.Network.Params())) {
		t.Error("different recovered networks with 1 and 2 workers")
	}
}

// TestActiveWarnsWhenCommitteeDisagrees: a committee that gets one round
// of one query beyond its three initial ones cannot agree, and the result
// says so instead of looking finished.
func TestActiveWarnsWhenCommitteeDisagrees(t *testing.T) {
	teacher := randomNet(t, []int{2, 2, 1}, mlp.G, 3)
	cand, _ := IsotropicGaussian(2, 1)
	cfg := Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, Students: 4, Gamma: 0.5, Seed: 9, Workers: 1}
	res, err := RunActive(context.Background(), teacher, Active{Candidates: cand, Initial: 3, PerRound: 1, MaxRounds: 1}, cfg)
	if res == nil {
		t.Fatalf("no result (error %v)", err)
	}
	if !res.Has(CommitteeDisagrees) {
		t.Errorf("4 queries for 9-parameter students: warnings %v, want CommitteeDisagrees", res.Warnings)
	}
}

// TestRetrainBelowKeepsTrappedStudents: with Active.RetrainBelow the
// later rounds train only the students at most that loss; the others keep
// their weights and report their loss on the grown data.
func TestRetrainBelowKeepsTrappedStudents(t *testing.T) {
	teacher, x, y, c := warmRetrainCase(t)
	lm := train.Config{Phases: []train.Phase{{Name: "lm", Optimizer: &train.LM{}, Stop: train.StopRules{Loss: 1e-28, MaxIter: 20}}}}
	run := func(below float64) (trappedBefore, trappedAfter []float64, res *Result, kept []student) {
		trapped := randomNet(t, []int{2, 2, 1}, mlp.G, 8)
		loss, err := trapped.Loss(nil, x, y)
		if err != nil {
			t.Fatal(err)
		}
		students := []student{{index: 0, net: teacher.Clone(), loss: 0}, {index: 1, net: trapped, loss: loss}}
		res = &Result{StudentWidths: []int{2}}
		kept, err = warmRetrain(context.Background(), x, y, students, 1, Active{Retrain: lm, RetrainBelow: below}, &c, res)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(trapped.Params()), slices.Clone(kept[1].net.Params()), res, kept
	}
	before, after, res, kept := run(1e-10)
	if !slices.Equal(before, after) {
		t.Error("the trapped student was retrained although its loss is above RetrainBelow")
	}
	if got, _ := kept[1].net.Loss(nil, x, y); got != kept[1].loss || res.StudentLosses[1] != got || res.Students[1].Loss != got {
		t.Errorf("trapped student's loss %g, recorded %g / %g / %g", got, kept[1].loss, res.StudentLosses[1], res.Students[1].Loss)
	}
	if kept[0].loss > 1e-20 || len(res.Students) != 2 || res.Students[0].Phases == nil {
		t.Errorf("the student at the floor: loss %g, checkpoints %d", kept[0].loss, len(res.Students))
	}
	untrained := res.StudentLosses[1]
	before, after, _, kept = run(0)
	if slices.Equal(before, after) || kept[1].loss >= untrained {
		t.Errorf("with RetrainBelow = 0 the trapped student was not retrained (loss %g)", kept[1].loss)
	}
}

// TestRetrainBelowNoneQualifies: when every student is above
// RetrainBelow the round trains nobody and keeps them all (it used to ask
// train.Many for zero students and fail).
func TestRetrainBelowNoneQualifies(t *testing.T) {
	_, x, y, c := warmRetrainCase(t)
	a, b := randomNet(t, []int{2, 2, 1}, mlp.G, 8), randomNet(t, []int{2, 2, 1}, mlp.G, 9)
	before := [][]float64{slices.Clone(a.Params()), slices.Clone(b.Params())}
	students := []student{{index: 0, net: a, loss: 1}, {index: 1, net: b, loss: 1}}
	res := &Result{StudentWidths: []int{2}}
	kept, err := warmRetrain(context.Background(), x, y, students, 1, Active{RetrainBelow: 1e-6}, &c, res)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || len(res.Students) != 2 || len(res.Failed) != 0 {
		t.Fatalf("kept %d students (%d checkpoints, %d failed), want both", len(kept), len(res.Students), len(res.Failed))
	}
	for i, s := range kept {
		if !slices.Equal(s.net.Params(), before[i]) {
			t.Errorf("student %d changed although above RetrainBelow", s.index)
		}
	}
}

// TestWarmRetrainCancelledKeepsStudents: a cancelled round returns the
// students as they were, not fewer.
func TestWarmRetrainCancelledKeepsStudents(t *testing.T) {
	_, x, y, c := warmRetrainCase(t)
	a, b := randomNet(t, []int{2, 2, 1}, mlp.G, 8), randomNet(t, []int{2, 2, 1}, mlp.G, 9)
	before := [][]float64{slices.Clone(a.Params()), slices.Clone(b.Params())}
	students := []student{{index: 0, net: a, loss: 1}, {index: 4, net: b, loss: 1}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := &Result{StudentWidths: []int{2}}
	kept, err := warmRetrain(ctx, x, y, students, 1, Active{}, &c, res)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if len(kept) != 2 || len(res.Students) != 2 || kept[1].index != 4 {
		t.Fatalf("kept %d students (%d checkpoints), want both", len(kept), len(res.Students))
	}
	for i, s := range kept {
		if !slices.Equal(s.net.Params(), before[i]) {
			t.Errorf("student %d changed by a cancelled round", s.index)
		}
		if want, _ := s.net.Loss(nil, x, y); s.loss != want {
			t.Errorf("student %d: loss %g, want %g on the grown data", s.index, s.loss, want)
		}
	}
}

// warmRetrainCase is a 2→2→1 g teacher, its answers on 40 Gaussian
// queries and the settings of two students of its width.
func warmRetrainCase(t *testing.T) (teacher *mlp.Network, x, y *mat.Dense, c Config) {
	t.Helper()
	teacher = randomNet(t, []int{2, 2, 1}, mlp.G, 3)
	cand, _ := IsotropicGaussian(2, 1)
	x, err := cand.Sample(probeRNG(1, 0), 40)
	if err != nil {
		t.Fatal(err)
	}
	if y, err = teacher.Predict(x); err != nil {
		t.Fatal(err)
	}
	if c, err = (Config{Activation: mlp.G, Widths: []int{2}, Students: 2, Seed: 1, Workers: 1, Restarts: -1}).withDefaults(); err != nil {
		t.Fatal(err)
	}
	return teacher, x, y, c
}

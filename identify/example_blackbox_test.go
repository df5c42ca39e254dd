package identify_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
)

func ExampleOracle() {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{4, 3, 1}, Hidden: mlp.Tanh}, 7)
	if err != nil {
		log.Fatal(err)
	}
	oracle, err := identify.NewOracle(teacher, 100) // at most 100 queries
	if err != nil {
		log.Fatal(err)
	}
	rng := synth.NewRand(1)
	x, _ := synth.Gaussian{D: 4}.Sample(rng, 60)
	if _, err := oracle.Predict(x); err != nil {
		log.Fatal(err)
	}
	_, err = oracle.Predict(x) // 60 more: refused before the teacher sees them
	fmt.Println(errors.Is(err, identify.ErrQueryBudget))
	fmt.Println(err)
	fmt.Println("queries:", oracle.Queries())
	// Output:
	// true
	// identify: query budget exhausted: 60 of 100 queries used, 60 more needed (raise Config.QueryBudget, or query less per round)
	// queries: 60
}

func ExampleWeightError() {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{4, 3, 1}, Hidden: mlp.Tanh}, 7)
	if err != nil {
		log.Fatal(err)
	}
	// A "recovered" network: the teacher's neurons in another order, the
	// third one sign-flipped (tanh is odd, so the function is the same),
	// and one input weight off by 2^-30.
	rec := teacher.Clone()
	L, O := rec.Layer(0), rec.Layer(1)
	for j, src := range []int{1, 2, 0} {
		s := 1.0
		if j == 2 {
			s = -1
		}
		for i := 0; i < 4; i++ {
			L.W.Set(j, i, s*teacher.Layer(0).W.At(src, i))
		}
		L.B[j] = s * teacher.Layer(0).B[src]
		O.W.Set(0, j, s*teacher.Layer(1).W.At(0, src))
	}
	L.W.Set(1, 3, L.W.At(1, 3)+math.Ldexp(1, -30))

	fresh, _ := synth.Gaussian{D: 4}.Sample(synth.NewRand(2), 1000)
	rep, err := identify.WeightError(teacher, rec, fresh)
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range rep.Layers {
		fmt.Printf("%s: max error %.3g\n", l.Name, l.MaxAbs)
	}
	fmt.Printf("all parameters: 2^-%.1f\n", rep.Bits)
	fmt.Println("output error below 2^-28:", rep.MaxOutputError < math.Ldexp(1, -28))
	// Output:
	// layer 1: max error 9.31e-10
	// layer 2: max error 0
	// all parameters: 2^-30.0
	// output error below 2^-28: true
}

// ExampleRunActive_grow grows the query set once: the students search on
// a few queries, where each step is cheap, stop early, and finish on
// fresh queries added in one round of random growth (a pool as large as
// the round, so nothing is chosen), from where they are.
func ExampleRunActive_grow() {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{4, 3, 1}, Hidden: mlp.Tanh}, 7)
	if err != nil {
		log.Fatal(err)
	}
	cand, err := identify.IsotropicGaussian(4, 1)
	if err != nil {
		log.Fatal(err)
	}
	first := train.DefaultPhases()
	for i := range first {
		first[i].Stop.Loss = 1e-8 // an interpolant of the first queries is enough
	}
	a := identify.Active{Candidates: cand, Initial: 40, PerRound: 160, Pool: 160, MaxRounds: 1,
		Retrain: train.Config{Phases: train.DefaultPhases()}, RetrainBelow: 1e-6}
	cfg := identify.Config{Activation: mlp.Tanh, Widths: []int{6}, Students: 6, Seed: 3, Train: train.Config{Phases: first}}
	res, err := identify.RunActive(context.Background(), teacher, a, cfg)
	if err != nil {
		log.Fatal(err)
	}
	fresh, _ := synth.Gaussian{D: 4}.Sample(synth.NewRand(5), 1000)
	rep, err := identify.Compare(teacher, res.Network, fresh)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res.Rounds {
		fmt.Printf("round %d: %d queries added, %d in all\n", r.Round, r.Added, r.Queries)
	}
	fmt.Println("width:", res.Widths[0], "exact:", rep.Exact(1e-6))
	// Output:
	// round 0: 40 queries added, 40 in all
	// round 1: 160 queries added, 200 in all
	// round 2: 0 queries added, 200 in all
	// width: 3 exact: true
}

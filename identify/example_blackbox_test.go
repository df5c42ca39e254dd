package identify_test

import (
	"errors"
	"fmt"
	"log"
	"math"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
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

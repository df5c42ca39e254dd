package identify

import (
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// BenchmarkOracleOverhead measures what the query counter adds to a
// teacher call: the same 4→4→1 teacher on 250 inputs, directly and
// through an Oracle with a budget.
func BenchmarkOracleOverhead(b *testing.B) {
	teacher := randomNet(b, []int{4, 4, 1}, mlp.G, 1)
	x := gaussian(rand.New(rand.NewPCG(1, 1)), 250, 4)
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := teacher.Predict(x); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("oracle", func(b *testing.B) {
		o, _ := NewOracle(teacher, 1<<62)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := o.Predict(x); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkActiveQueryStep measures the query loop of RunActive without
// the students' training: draw a pool of 250 candidates, score them by
// the disagreement of a committee of 20 students 4→16→1, pick the 5
// most disputed, query the teacher through the Oracle and append them to
// a training set of 100 queries.
func BenchmarkActiveQueryStep(b *testing.B) {
	teacher := randomNet(b, []int{4, 4, 1}, mlp.G, 1)
	committee := make([]*mlp.Network, 20)
	for i := range committee {
		committee[i] = randomNet(b, []int{4, 16, 1}, mlp.G, uint64(10+i))
	}
	cand, _ := IsotropicGaussian(4, 1)
	x := gaussian(rand.New(rand.NewPCG(2, 2)), 100, 4)
	y, _ := teacher.Predict(x)
	o, _ := NewOracle(teacher, 0)
	b.ReportAllocs()
	round := 1
	for b.Loop() {
		pool, err := cand.Sample(probeRNG(1, round), 250)
		if err != nil {
			b.Fatal(err)
		}
		scores, err := disagreement(committee, pool)
		if err != nil {
			b.Fatal(err)
		}
		pick := topK(scores, 5)
		sel := mat.NewDense(5, 4, nil)
		for i, p := range pick {
			copy(sel.RawRowView(i), pool.RawRowView(p))
		}
		yn, err := o.Predict(sel)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = stack(x, sel), stack(y, yn)
		round++
	}
}

package identify

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// TestFirstLayerAgrees builds students that hold a tanh teacher's three
// first-layer neurons (perfectStudents) and checks the verdict of
// firstLayerAgrees, which ends a deep run's first round on agreement.
func TestFirstLayerAgrees(t *testing.T) {
	teacher := randomNet(t, []int{4, 3, 2}, mlp.Tanh, 21)
	cfg, err := Config{Activation: mlp.Tanh, HiddenLayers: 2, Widths: []int{10, 4}, Students: 10, Gamma: 0.8}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	x := gaussian(rand.New(rand.NewPCG(3, 3)), 200, 4)
	// build makes ten students whose first layer holds the teacher's
	// three neurons, each weight off by a relative noise (students above
	// the floor), and three random neurons of their own; every neuron
	// carries output weight.
	build := func(noise float64) []student {
		rng := rand.New(rand.NewPCG(2, 2))
		T := teacher.Layer(0)
		var students []student
		for k := 0; k < 10; k++ {
			net, err := mlp.New(mlp.Spec{Sizes: []int{4, 6, 2}, Hidden: mlp.Tanh})
			if err != nil {
				t.Fatal(err)
			}
			L, O := net.Layer(0), net.Layer(1)
			for j := 0; j < L.Out; j++ {
				for i := 0; i < L.In; i++ {
					w := rng.NormFloat64()
					if j < T.Out {
						w = T.W.At(j, i) * (1 + noise*rng.NormFloat64())
					}
					L.W.Set(j, i, w)
				}
				L.B[j] = rng.NormFloat64()
				if j < T.Out {
					L.B[j] = T.B[j]
				}
				for o := 0; o < O.Out; o++ {
					O.W.Set(o, j, 1+rng.Float64())
				}
			}
			students = append(students, student{index: k, net: net, loss: 1e-6})
		}
		return students
	}
	// lose silences every copy of teacher neuron tn in student s (its
	// outgoing weights zero), which takes it out of the clustering.
	lose := func(s student, tn int) {
		L, O, T := s.net.Layer(0), s.net.Layer(1), teacher.Layer(0)
		for j := 0; j < L.Out; j++ {
			if math.Abs(cosine(append(mat.Row(nil, j, L.W), L.B[j]), append(mat.Row(nil, tn, T.W), T.B[tn]))) > 0.99 {
				for o := 0; o < O.Out; o++ {
					O.W.Set(o, j, 0)
				}
			}
		}
	}
	students := build(1e-5)
	if !firstLayerAgrees(x, students, &cfg) {
		t.Errorf("ten students holding every neuron within 1e-5: no agreement")
	}
	// agreementStop hears only students below agreementLoss.
	for _, loss := range []float64{1e-6, 10 * agreementLoss} {
		best := make([]train.StudentResult, len(students))
		for i, s := range students {
			best[i] = train.StudentResult{Index: s.index, Net: s.net, Result: train.Result{Loss: loss}}
		}
		var agreed bool
		if stop := agreementStop(x, &cfg, &agreed)(deepAgreementRound, best); stop != (loss < agreementLoss) || agreed != stop {
			t.Errorf("students at loss %g: stop %v, agreed %v", loss, stop, agreed)
		}
	}
	// Neuron 0 missing from students 0 and 1, neuron 1 from 8 and 9:
	// each cluster spans 8 of 10 students, but only 6 hold both.
	lose(students[0], 0)
	lose(students[1], 0)
	lose(students[8], 1)
	lose(students[9], 1)
	if col, err := clusterLayer(students, 0, &cfg, nil); err != nil || col.report.Kept != 3 {
		t.Fatalf("students missing a neuron each: %v, want 3 kept clusters (err %v)", col.report, err)
	}
	if firstLayerAgrees(x, students, &cfg) {
		t.Errorf("six of ten students holding every kept neuron (need 8): agreement")
	}
	// Neuron 0 held by students 0 and 1 alone, both at the floor: the
	// other eight agree on neurons 1 and 2, the two at the floor show
	// that the agreement misses one.
	students = build(1e-5)
	for _, s := range students[2:] {
		lose(s, 0)
	}
	if !firstLayerAgrees(x, students, &cfg) {
		t.Errorf("ten students holding neurons 1 and 2, none at the floor: no agreement")
	}
	students[0].loss, students[1].loss = 1e-12, 1e-13
	if firstLayerAgrees(x, students, &cfg) {
		t.Errorf("two students at the floor holding a neuron the agreement lacks: agreement")
	}
	if firstLayerAgrees(x, build(0.3), &cfg) {
		t.Errorf("students whose neurons differ by 30%%: agreement")
	}
	if firstLayerAgrees(x, build(1e-5)[:7], &cfg) {
		t.Errorf("7 students of a run of 10 (need 8): agreement")
	}
}

// TestAgreementStops: a deep run's default first round may end on
// agreement; AgreementRound < 0, FloorStudents and a one-hidden-layer run
// turn it off.
func TestAgreementStops(t *testing.T) {
	base := Config{Activation: mlp.Tanh, HiddenLayers: 2, Widths: []int{6, 3}, Students: 10, Gamma: 0.8}
	cases := []struct {
		name string
		edit func(*Config)
		want bool
	}{
		{"default", func(*Config) {}, true},
		{"AgreementRound -1", func(c *Config) { c.AgreementRound = -1 }, false},
		{"AgreementRound 4", func(c *Config) { c.AgreementRound = 4 }, true},
		{"FloorStudents 8", func(c *Config) { c.FloorStudents = 8 }, false},
		{"one hidden layer", func(c *Config) { c.HiddenLayers, c.Widths = 1, []int{6} }, false},
	}
	for _, tc := range cases {
		cfg := base
		tc.edit(&cfg)
		c, err := cfg.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		mc := manyConfig(&c, studentParams(4, c.Widths, 1))
		if got := c.agreementStops(mc); got != tc.want {
			t.Errorf("%s: agreementStops %v, want %v", tc.name, got, tc.want)
		}
	}
	// The stop asks from AgreementRound on, not before.
	c, err := Config{Activation: mlp.Tanh, HiddenLayers: 2, Widths: []int{6, 3}, Students: 10, Gamma: 0.8, AgreementRound: 4}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	agreed := true
	stop := agreementStop(mat.NewDense(1, 4, nil), &c, &agreed)
	if stop(3, nil) || !agreed {
		t.Errorf("round 3 of AgreementRound 4: stopped or judged")
	}
	if stop(4, nil) || agreed {
		t.Errorf("round 4 without students: stopped %v, agreed %v", stop(4, nil), agreed)
	}
}

// TestAgreeing checks that the students a layer recovered on agreement is
// clustered over are those the agreement was judged on: loss ≤ 1e-4.
func TestAgreeing(t *testing.T) {
	students := []student{{index: 0, loss: 1e-12}, {index: 1, loss: 2.1e-4}, {index: 2, loss: agreementLoss}, {index: 3, loss: math.NaN()}, {index: 4, loss: 3e-5}}
	var got []int
	for _, s := range agreeing(students) {
		got = append(got, s.index)
	}
	if !slices.Equal(got, []int{0, 2, 4}) {
		t.Errorf("agreeing kept students %v, want [0 2 4]", got)
	}
}

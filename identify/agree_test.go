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
	build := func(noise float64) []student { return studentsHolding(t, teacher, 10, noise) }
	lose := func(s student, tn int) { loseNeuron(teacher, s, tn) }
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
// clustered over are those the agreement was judged on: loss ≤ 1e-4, or
// ≤ 3e-3 (from round 0) for ReLU students with three hidden layers.
func TestAgreeing(t *testing.T) {
	students := []student{{index: 0, loss: 1e-12}, {index: 1, loss: 2.1e-4}, {index: 2, loss: agreementLoss}, {index: 3, loss: math.NaN()},
		{index: 4, loss: 3e-5}, {index: 5, loss: looseAgreementLoss}, {index: 6, loss: 4e-3}}
	for _, tc := range []struct {
		act    mlp.Activation
		layers int
		want   []int
		round  int
	}{
		{mlp.Tanh, 3, []int{0, 2, 4}, deepAgreementRound},
		{mlp.ReLU, 2, []int{0, 2, 4}, deepAgreementRound},
		{mlp.ReLU, 3, []int{0, 1, 2, 4, 5}, 0},
	} {
		cfg, err := Config{Activation: tc.act, HiddenLayers: tc.layers, Widths: []int{3, 3, 3}[:tc.layers]}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, s := range agreeing(students, &cfg) {
			got = append(got, s.index)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s, %d hidden layers: agreeing kept students %v, want %v", tc.act.Name(), tc.layers, got, tc.want)
		}
		if r := cfg.agreementRound(); r != tc.round {
			t.Errorf("%s, %d hidden layers: agreement from round %d, want %d", tc.act.Name(), tc.layers, r, tc.round)
		}
	}
}

// studentsHolding makes n tanh students shaped as teacher but for three
// more neurons in its last hidden layer l: the layers below l are the
// teacher's, layer l holds the teacher's neurons, each weight off by a
// relative noise (students above the floor), and three random neurons of
// their own; every neuron of layer l carries output weight.
func studentsHolding(t *testing.T, teacher *mlp.Network, n int, noise float64) []student {
	t.Helper()
	rng := rand.New(rand.NewPCG(2, 2))
	sizes := teacher.Sizes()
	l := len(sizes) - 3
	sizes[l+1] += 3
	T := teacher.Layer(l)
	var students []student
	for k := 0; k < n; k++ {
		net, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: mlp.Tanh})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < l; i++ {
			net.Layer(i).W.Copy(teacher.Layer(i).W)
			copy(net.Layer(i).B, teacher.Layer(i).B)
		}
		L, O := net.Layer(l), net.Layer(l+1)
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

// loseNeuron silences every copy of neuron tn of teacher's last hidden
// layer in student s (its outgoing weights zero), which takes it out of
// the clustering.
func loseNeuron(teacher *mlp.Network, s student, tn int) {
	l := teacher.NumLayers() - 2
	L, O, T := s.net.Layer(l), s.net.Layer(l+1), teacher.Layer(l)
	for j := 0; j < L.Out; j++ {
		if math.Abs(cosine(append(mat.Row(nil, j, L.W), L.B[j]), append(mat.Row(nil, tn, T.W), T.B[tn]))) > 0.99 {
			for o := 0; o < O.Out; o++ {
				O.W.Set(o, j, 0)
			}
		}
	}
}

// roundOf is a restart round's best attempts as a StopAfter sees them:
// the first atFloor students at floorLoss, the others trapped at 1e-3.
func roundOf(students []student, atFloor int, floorLoss float64) []train.StudentResult {
	best := make([]train.StudentResult, len(students))
	for i, s := range students {
		loss := 1e-3
		if i < atFloor {
			loss = floorLoss
		}
		best[i] = train.StudentResult{Index: s.index, Net: s.net, Result: train.Result{Loss: loss}}
	}
	return best
}

// TestUnanimousStop: a first round ends before its late round on four
// students at the floor that hold the same first-layer neurons, not when
// one of them lacks a neuron the others hold, not on three, and not from
// the late round on (the late stop's).
func TestUnanimousStop(t *testing.T) {
	teacher := randomNet(t, []int{4, 3, 2}, mlp.Tanh, 21)
	cfg, err := Config{Activation: mlp.Tanh, HiddenLayers: 2, Widths: []int{10, 4}, Students: 10, Gamma: 0.8}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	x := gaussian(rand.New(rand.NewPCG(3, 3)), 200, 4)
	students := studentsHolding(t, teacher, 10, 1e-9)
	round := func(atFloor int) []train.StudentResult {
		return roundOf(students, atFloor, cfg.firstRoundRestartLoss()/10)
	}
	stop := unanimousStop(x, &cfg, 1)
	if !stop(0, round(deepLateEnough+1)) {
		t.Errorf("%d students at the floor holding every neuron: not stopped", deepLateEnough+1)
	}
	if stop(0, round(deepLateEnough)) {
		t.Errorf("%d students at the floor: stopped", deepLateEnough)
	}
	if stop(1, round(deepLateEnough+1)) {
		t.Errorf("late round: stopped by the early rule")
	}
	loseNeuron(teacher, students[0], 2)
	if stop(0, round(deepLateEnough+1)) {
		t.Errorf("one of %d students at the floor lacking a neuron the others hold: stopped", deepLateEnough+1)
	}
	if !stop(0, round(deepLateEnough + 2)[1:]) {
		t.Errorf("%d others at the floor, holding every neuron: not stopped", deepLateEnough+1)
	}
}

// TestFreshAgreementStop: fresh layers above recovered layer 0 end their
// restarts before the late round once the students at the floor, those
// already there and the fresh ones, number deepLateEnough and hold the
// same layer-1 neurons; not with fewer, not when one or two of them lack
// a neuron the others hold, and not from the late round on.
func TestFreshAgreementStop(t *testing.T) {
	teacher := randomNet(t, []int{4, 3, 3, 2}, mlp.Tanh, 22)
	cfg, err := Config{Activation: mlp.Tanh, HiddenLayers: 2, Widths: []int{3, 6}, Students: 10, Gamma: 0.8}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	x := gaussian(rand.New(rand.NewPCG(3, 3)), 200, 4)
	const floor = 1e-7
	students := studentsHolding(t, teacher, 7, 1e-9)
	atFloor, fresh := students[:2], students[2:]
	round := func(freshAtFloor int) []train.StudentResult { return roundOf(fresh, freshAtFloor, floor/10) }
	stop := freshAgreementStop(x, atFloor, 0, floor, &cfg)
	if !stop(0, round(deepLateEnough-len(atFloor))) {
		t.Errorf("%d students at the floor holding every neuron: not stopped", deepLateEnough)
	}
	if stop(0, round(0)) {
		t.Errorf("%d students at the floor: stopped", len(atFloor))
	}
	if stop(deepLateRound, round(deepLateEnough)) {
		t.Errorf("late round: stopped by the early rule")
	}
	loseNeuron(teacher, atFloor[1], 1)
	if stop(1, round(deepLateEnough)) {
		t.Errorf("one of %d students at the floor lacking a neuron the others hold: stopped", deepLateEnough+len(atFloor))
	}
	// All but one of them is not the test: two of six lack it.
	loseNeuron(teacher, fresh[0], 1)
	if stop(1, round(4)) {
		t.Errorf("two of %d students at the floor lacking a neuron the others hold: stopped", 4+len(atFloor))
	}
}

// TestUnanimousStops: the unanimity stops apply where fresh layers above
// layer l take the smoothed polish, two piecewise-linear hidden layers or
// more above it, and the first round's only with three hidden layers.
func TestUnanimousStops(t *testing.T) {
	for _, tc := range []struct {
		act          mlp.Activation
		layers       int
		first, fresh bool // unanimousStops, polishedAbove(0)
	}{
		{mlp.ReLU, 3, true, true},
		{mlp.LeakyReLU(0.01), 3, true, true},
		{mlp.ReLU, 2, false, false},
		{mlp.Tanh, 3, false, false},
	} {
		cfg, err := Config{Activation: tc.act, HiddenLayers: tc.layers, BaseWidth: 4}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		mc := manyConfig(&cfg, 100)
		if got := cfg.unanimousStops(mc); got != tc.first {
			t.Errorf("%s, %d hidden layers: unanimousStops = %v, want %v", tc.act.Name(), tc.layers, got, tc.first)
		}
		if got := cfg.polishedAbove(0); got != tc.fresh {
			t.Errorf("%s, %d hidden layers: polishedAbove(0) = %v, want %v", tc.act.Name(), tc.layers, got, tc.fresh)
		}
	}
}

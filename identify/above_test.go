package identify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Students whose layers above a correctly recovered first layer are
// random (as trapped ones are wrong) get fresh upper layers that reach the
// floor; students already at the floor are left alone.
func TestTopUpFreshUpperLayers(t *testing.T) {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 3, 2, 1}, Hidden: mlp.Tanh}, 5)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := synth.Gaussian{D: 3}.Sample(synth.NewRand(6), 400)
	y, err := synth.Label(teacher, x)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Config{Activation: mlp.Tanh, HiddenLayers: 2, Widths: []int{9, 6}, Students: 4, Gamma: 0.5, Seed: 3, Workers: 2}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	T := teacher.Layer(0)
	in := mat.NewDense(T.Out, T.In+1, nil)
	for j := 0; j < T.Out; j++ {
		copy(in.RawRowView(j), T.W.RawRowView(j))
		in.Set(j, T.In, T.B[j])
	}
	students := make([]student, 4)
	for i := range students {
		net, err := mlp.New(mlp.Spec{Sizes: []int{3, 3, 6, 1}, Hidden: mlp.Tanh})
		if err != nil {
			t.Fatal(err)
		}
		net.InitGlorotGain(train.StudentRNG(9, i), 3)
		setIncoming(net.Layer(0), in)
		loss, err := net.Loss(nil, x, y)
		if err != nil {
			t.Fatal(err)
		}
		students[i] = student{index: i, net: net, loss: loss}
	}
	atFloor := teacher.Clone()
	students[3] = student{index: 3, net: atFloor, loss: 0}

	out, err := topUp(context.Background(), x, y, students, 0, []*mat.Dense{in}, &c)
	if err != nil {
		t.Fatal(err)
	}
	reached := 0
	for i, s := range out {
		if s.index != i {
			t.Errorf("student %d came back with index %d", i, s.index)
		}
		if s.loss > students[i].loss {
			t.Errorf("student %d: loss %.3g, worse than its %.3g", i, s.loss, students[i].loss)
		}
		if s.loss <= deepRestartLoss {
			reached++
		}
		got := s.net.Layer(0)
		for j := 0; j < T.Out; j++ {
			for k := 0; k < T.In; k++ {
				if d := got.W.At(j, k) - T.W.At(j, k); d > 1e-3 || d < -1e-3 {
					t.Fatalf("student %d: first layer moved by %.3g: the recovered layer was not kept", i, d)
				}
			}
		}
	}
	if out[3].net != atFloor {
		t.Error("the student at the floor was replaced")
	}
	if reached < 3 {
		t.Errorf("%d of 4 students at the floor after fresh upper layers, want ≥ 3 (losses before: %.3g %.3g %.3g)",
			reached, students[0].loss, students[1].loss, students[2].loss)
	}
}

// clusterPool narrows a deep run's clustering to the students at the floor
// only when there are at least two of them and fewer than ⌈γN⌉.
func TestClusterPool(t *testing.T) {
	deep := &Config{HiddenLayers: 2, Gamma: 0.8, Students: 6}
	mk := func(losses ...float64) []student {
		s := make([]student, len(losses))
		for i, l := range losses {
			s[i] = student{index: i, loss: l}
		}
		return s
	}
	cases := []struct {
		name   string
		c      *Config
		losses []float64
		want   []int
	}{
		{"two at the floor", deep, []float64{1e-20, 1e-3, 1e-12, 1e-4, 1e-5, 1e-6}, []int{0, 2}},
		{"one at the floor", deep, []float64{1e-20, 1e-3, 1e-2, 1e-4, 1e-5, 1e-6}, []int{0, 1, 2, 3, 4, 5}},
		{"enough at the floor", deep, []float64{1e-20, 1e-20, 1e-20, 1e-20, 1e-20, 1e-6}, []int{0, 1, 2, 3, 4, 5}},
		{"shallow run", &Config{HiddenLayers: 1, Gamma: 0.8, Students: 6}, []float64{1e-20, 1e-3, 1e-12, 1e-4, 1e-5, 1e-6}, []int{0, 2}},
	}
	for _, tc := range cases {
		got := clusterPool(mk(tc.losses...), 1e-10, tc.c)
		var idx []int
		for _, s := range got {
			idx = append(idx, s.index)
		}
		if fmt.Sprint(idx) != fmt.Sprint(tc.want) {
			t.Errorf("%s: pool %v, want %v", tc.name, idx, tc.want)
		}
	}
}

// TestPreferConverged: ten zero-loss-looking tanh students of a 4→4→2
// teacher, of which seven hold its neuron 0 a different way each (an
// approximate zero-loss point, as trapped deep students do) and sit at
// 1e-12, and three are exact at 1e-17. Over all ten, neuron 0's cluster
// holds three students and is dropped; over the three converged ones
// every neuron is kept, so a deep run clusters those. When every student
// is exact, or in a one-hidden-layer run, nothing changes.
func TestPreferConverged(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	teacher := randomNet(t, []int{4, 4, 2}, mlp.Tanh, 21)
	exact := perfectStudents(t, teacher, 10, 14, rng)
	trapped := perfectStudents(t, teacher, 10, 14, rng)
	for k := range trapped {
		trapped[k].loss = 1e-12
		if k < 3 {
			trapped[k] = exact[k]
			trapped[k].loss = 1e-17
			continue
		}
		// Turn every copy of teacher neuron 0 by its own random step.
		W := trapped[k].net.Layer(0).W
		for j := 0; j < W.RawMatrix().Rows; j++ {
			if parallel(W.RawRowView(j), teacher.Layer(0).W.RawRowView(0)) {
				for i := range W.RawRowView(j) {
					W.Set(j, i, W.At(j, i)+0.6*rng.NormFloat64())
				}
			}
		}
	}
	for _, tc := range []struct {
		name      string
		students  []student
		layers    int
		wantKept  int
		wantCount int
	}{
		{"trapped students, deep run", trapped, 2, 4, 3},
		{"trapped students, one hidden layer", trapped, 1, 3, 10},
		{"exact students, deep run", exact, 2, 4, 10},
	} {
		cfg, err := Config{Activation: mlp.Tanh, HiddenLayers: tc.layers, Widths: []int{14, 4}[:tc.layers], Students: 10, Gamma: 0.8}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		col, err := clusterLayer(tc.students, 0, &cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, alt, err := preferConverged(tc.students, col, 0, &cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if alt.report.Kept != tc.wantKept || len(got) != tc.wantCount || alt.report.Converged != (len(got) < len(tc.students)) {
			t.Errorf("%s: kept %d neurons over %d students, want %d over %d", tc.name, alt.report.Kept, len(got), tc.wantKept, tc.wantCount)
		}
	}
}

// parallel reports whether a and b are parallel or antiparallel.
func parallel(a, b []float64) bool {
	return math.Abs(floats.Dot(a, b)) >= (1-1e-12)*floats.Norm(a, 2)*floats.Norm(b, 2)
}

// TestFreshAboveRecipe checks which recipe fresh upper layers take: the
// first round's smoothed polish, and its floor, where two
// piecewise-linear hidden layers or more are left above the recovered
// one; the plain recipe where one is, for smooth activations, and when
// the caller chose plain training of piecewise-linear students.
func TestFreshAboveRecipe(t *testing.T) {
	for _, tc := range []struct {
		act    mlp.Activation
		layers int
		l      int
		plain  bool
		polish bool
	}{
		{mlp.ReLU, 3, 0, false, true},
		{mlp.LeakyReLU(0.01), 3, 0, false, true},
		{mlp.ReLU, 4, 1, false, true},
		{mlp.ReLU, 3, 1, false, false},
		{mlp.ReLU, 2, 0, false, false},
		{mlp.ReLU, 3, 0, true, false},
		{mlp.Tanh, 3, 0, false, false},
	} {
		c := Config{Activation: tc.act, HiddenLayers: tc.layers, PlainPiecewise: tc.plain}
		phases, floor := c.freshAboveRecipe(tc.l)
		// The polished recipe ends with the retraining, every layer free.
		polished := slices.ContainsFunc(phases, func(p train.Phase) bool { return p.Name == "lm-polished" })
		freeEnd := phases[len(phases)-1].FreeAll && phases[len(phases)-1].Name == "retrain"
		if polished != tc.polish || freeEnd != tc.polish {
			t.Errorf("%s, %d hidden layers, above layer %d, PlainPiecewise %v: polished recipe %v, ending free %v, want %v",
				tc.act.Name(), tc.layers, tc.l+1, tc.plain, polished, freeEnd, tc.polish)
		}
		want := deepRestartLoss
		if tc.polish {
			want = smoothRestartLoss
		}
		if floor != want {
			t.Errorf("%s, %d hidden layers, above layer %d: floor %g, want %g", tc.act.Name(), tc.layers, tc.l+1, floor, want)
		}
	}
}

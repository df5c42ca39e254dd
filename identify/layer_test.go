package identify

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// perfectStudents builds n zero-loss students of width w for a one-hidden-
// layer teacher, by hand: every teacher neuron appears 2–3 times (flipped
// or rescaled as its activation allows, outgoing weights split so that
// they add up), and the remaining neurons are silent, with random
// incoming and zero outgoing weights. This checks the clustering and
// collapse without depending on training. (The method needs most of a
// student's neurons to be duplicates: when random silent neurons are the
// majority they form big clusters of their own before the teacher's
// clusters are complete, and the max-clusters cut lands among them.)
func perfectStudents(t *testing.T, teacher *mlp.Network, n, w int, rng *rand.Rand) []student {
	t.Helper()
	act := teacher.Layer(0).Act
	sym := act.Symmetry()
	c := 2 * act.Eval(0)
	T, O := teacher.Layer(0), teacher.Layer(1)
	var out []student
	for k := 0; k < n; k++ {
		s, err := mlp.New(mlp.Spec{Sizes: []int{T.In, w, O.Out}, Hidden: act})
		if err != nil {
			t.Fatal(err)
		}
		S, SO := s.Layer(0), s.Layer(1)
		copy(SO.B, O.B)
		j := 0
		for tn := 0; tn < T.Out; tn++ {
			copies := 2 + rng.IntN(2)
			for m := 0; m < copies; m++ {
				share := 1 / float64(copies)
				scale, flip := 1.0, false
				switch sym {
				case mlp.Odd, mlp.OddConstant:
					flip = rng.IntN(2) == 0
				case mlp.EvenLinearPosScale:
					scale = 0.5 + 2*rng.Float64()
				}
				sign := 1.0
				if flip {
					sign = -1
				}
				for i := 0; i < T.In; i++ {
					S.W.Set(j, i, sign*scale*T.W.At(tn, i))
				}
				S.B[j] = sign * scale * T.B[tn]
				for o := 0; o < O.Out; o++ {
					a := share * O.W.At(o, tn) / scale
					SO.W.Set(o, j, sign*a)
					if flip && sym == mlp.OddConstant {
						SO.B[o] += c * a
					}
				}
				j++
			}
		}
		for ; j < w; j++ { // silent neurons
			for i := 0; i < T.In; i++ {
				S.W.Set(j, i, rng.NormFloat64())
			}
			S.B[j] = rng.NormFloat64()
		}
		out = append(out, student{index: k, net: s, loss: float64(k)})
	}
	return out
}

func TestRecoverFromPerfectStudents(t *testing.T) {
	for _, tc := range []struct {
		act    mlp.Activation
		metric cluster.Metric
	}{
		{mlp.G, cluster.Euclidean}, {mlp.Tanh, cluster.Euclidean}, {mlp.Sigmoid, cluster.Euclidean},
		{mlp.Softplus, cluster.Euclidean}, {mlp.GELU, cluster.Euclidean}, {mlp.ReLU, cluster.Euclidean},
		{mlp.Tanh, cluster.SignInvariantEuclidean}, {mlp.Sigmoid, cluster.SignInvariantEuclidean},
		{mlp.ReLU, cluster.SignInvariantEuclidean},
	} {
		act := tc.act
		t.Run(act.Name()+"/"+tc.metric.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2, 2))
			teacher := randomNet(t, []int{4, 4, 2}, act, 21)
			x := gaussian(rng, 500, 4)
			y, _ := teacher.Predict(x)
			students := perfectStudents(t, teacher, 10, 14, rng)
			for i, s := range students {
				if l, _ := s.net.Loss(nil, x, y); l > 1e-25 {
					t.Fatalf("hand-built student %d has loss %v", i, l)
				}
			}
			cfg, err := Config{Activation: act, Widths: []int{14}, Students: 10, SkipFineTune: true, Metric: tc.metric}.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			res := &Result{Config: cfg}
			if err := recoverFrom(context.Background(), x, y, students, &cfg, res); err != nil {
				t.Fatal(err)
			}
			rep, err := Compare(teacher, res.Network, gaussian(rng, 500, 4))
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Exact(1e-12) || rep.RMSE > 1e-10 || rep.Layers[0].MaxOutRelErr > 1e-10 {
				t.Errorf("widths %v, layer report %+v\n%v", res.Widths, res.Layers[0].Neurons, rep)
			}
			// The representative is the best-loss student with a member:
			// here student 0, which has every neuron.
			for _, n := range res.Layers[0].Neurons {
				if n.Representative != 0 || n.Students != 10 {
					t.Errorf("neuron report %+v", n)
				}
			}
		})
	}
}

// A cluster of constant neurons with a few stray non-constant members
// (din4-r8-t08 of the synthetic family) is still a cluster of constant
// neurons; one made mostly of real neurons is not.
func TestConstantNeuronsMajority(t *testing.T) {
	stray := []float64{-0.1059, -0.2805, -0.1587, -0.1459, 0.2892}
	rows := [][]float64{
		{-1e-14, 3e-14, -4e-14, 4e-14, 0.421},
		{-3e-13, -1e-12, 1e-13, -1e-13, 0.344},
		stray, stray,
		{5e-15, 4e-15, -1e-15, 1e-15, 0.2445},
		{4e-14, 8e-14, 1e-13, -2e-14, 0.8004},
		{-3e-12, -1e-13, 4e-14, 3e-12, 0.0873},
		{-2e-13, -5e-13, -8e-13, 1e-13, 0.4246},
	}
	x := mat.NewDense(len(rows), 5, nil)
	members := make([]int, len(rows))
	for i, r := range rows {
		x.SetRow(i, r)
		members[i] = i
	}
	const rms = 1.5
	if !constantNeurons(x, members, 4, rms) {
		t.Errorf("6 constant neurons and 2 stray ones: not judged constant")
	}
	if constantNeurons(x, []int{2, 3, 4}, 4, rms) {
		t.Errorf("2 real neurons and 1 constant one: judged constant")
	}
}

// TestDeepClusterNeedsDistinctStudents: a cluster of ⌈γN⌉ or more
// neurons that come from fewer than ⌈γN⌉ students (here 3 copies in each of
// 2 students of 5, ⌈0.8·5⌉ = 4) is kept in a one-hidden-layer run, as
// before, and removed in a deep run, where the two teacher neurons held
// by every student stay.
func TestDeepClusterNeedsDistinctStudents(t *testing.T) {
	teacherA, teacherB := []float64{1, 0, 0.5}, []float64{0, 1, -0.3}
	carrier := []float64{0.05, 0.04, 3}
	var rows [][]float64
	var owner []int
	for s := 0; s < 5; s++ {
		rows = append(rows, teacherA, teacherB)
		owner = append(owner, s, s)
		if s < 2 {
			rows = append(rows, carrier, carrier, carrier)
			owner = append(owner, s, s, s)
		}
	}
	for _, layers := range []int{1, 2} {
		cfg, err := Config{Activation: mlp.Tanh, HiddenLayers: layers, Widths: []int{4, 4}[:layers], Students: 5, Gamma: 0.8}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		v := &layerVectors{x: mat.NewDense(len(rows), 3, nil), a: mat.NewDense(len(rows), 1, nil), owner: owner, fanIn: 2}
		for i, r := range rows {
			v.x.SetRow(i, r)
			v.a.Set(i, 0, 1)
		}
		v.aOrig = mat.DenseCopyOf(v.a)
		if err := v.canonicalise(mlp.Tanh, nil); err != nil {
			t.Fatal(err)
		}
		rep, _, _, err := clusterVectors(v, 5, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		wantKept, wantFew := 3, 0
		if layers > 1 {
			wantKept, wantFew = 2, 1
		}
		if rep.Kept != wantKept || rep.RemovedFewStudents != wantFew {
			t.Errorf("%d hidden layers: kept %d, removed for too few students %d; want %d and %d (report %+v)",
				layers, rep.Kept, rep.RemovedFewStudents, wantKept, wantFew, rep.Flat)
		}
	}
}

// TestAngleCoreTakesSplitCopies: a teacher neuron held exactly by 7
// students and as near copies (within 1°) by 3 more, in a cluster with as
// many stray vectors, has no mode core of ⌈0.8·10⌉ = 8 members; a deep
// run's judge finds it by angle (all 10 near members, aligned), a
// one-hidden-layer run's does not change.
func TestAngleCoreTakesSplitCopies(t *testing.T) {
	teacher := []float64{0.7252, 0.4959, 0.1656, -0.7783, -0.4969, 1.1941}
	near := [][]float64{
		{0.7283, 0.4980, 0.1663, -0.7816, -0.4989, 1.1946},
		{0.7172, 0.4904, 0.1637, -0.7696, -0.4914, 1.1957},
		{0.7255, 0.4961, 0.1656, -0.7786, -0.4970, 1.1849},
	}
	rng := rand.New(rand.NewPCG(3, 3))
	var rows [][]float64
	for i := 0; i < 7; i++ {
		rows = append(rows, teacher)
	}
	rows = append(rows, near...)
	for i := 0; i < 10; i++ {
		stray := make([]float64, len(teacher))
		for j := range stray {
			stray[j] = teacher[j] + 0.8*rng.NormFloat64()
		}
		rows = append(rows, stray)
	}
	x := mat.NewDense(len(rows), len(teacher), nil)
	members := make([]int, len(rows))
	for i, r := range rows {
		x.SetRow(i, r)
		members[i] = i
	}
	filter := &cluster.FilterSettings{MinSize: 8, Beta: cluster.DefaultBeta}
	if core := modeCore(x, members, 8); core != nil {
		t.Fatalf("mode core %v: the test needs fewer than 8 coinciding members", core)
	}
	for _, deep := range []bool{false, true} {
		cr, core, err := judge(flatCluster{points: x, members: members, filter: filter, angleCore: deep})
		if err != nil {
			t.Fatal(err)
		}
		if deep && (!cr.Aligned || len(core) != 10 || slices.Max(core) != 9) {
			t.Errorf("deep: aligned %v, core %v; want aligned, members 0…9", cr.Aligned, core)
		}
		if !deep && slices.Equal(core, members[:10]) {
			t.Errorf("one hidden layer: core %v found by angle", core)
		}
	}
}

// TestSplitCores: a flat cluster holding the coinciding copies of two
// neurons 8.6° apart (the deep family's GELU 5→2→4→1 top layer, in 10
// students; ⌈0.8·10⌉ = 8) yields the second as a split core beside the
// first; a group of coinciding copies from too few students, or one
// within splitSeparation of the first core, does not.
func TestSplitCores(t *testing.T) {
	first := []float64{0.6795, -1.4315, 0.0708}
	second := []float64{0.5221, -0.9760, -0.1083}
	rng := rand.New(rand.NewPCG(5, 5))
	jitter := func(v []float64, scale float64) []float64 {
		out := slices.Clone(v)
		for i := range out {
			out[i] += scale * rng.NormFloat64()
		}
		return out
	}
	build := func(secondRows func(s int) ([][]float64, []int)) (*mat.Dense, []int, []int) {
		var rows [][]float64
		var owner []int
		for s := 0; s < 10; s++ {
			rows = append(rows, jitter(first, 1e-12))
			owner = append(owner, s)
			r, o := secondRows(s)
			rows = append(rows, r...)
			owner = append(owner, o...)
		}
		for i := 0; i < 3; i++ { // strays
			rows = append(rows, jitter(first, 0.1))
			owner = append(owner, i)
		}
		x := mat.NewDense(len(rows), 3, nil)
		members := make([]int, len(rows))
		for i, r := range rows {
			x.SetRow(i, r)
			members[i] = i
		}
		return x, owner, members
	}
	cases := []struct {
		name   string
		second func(s int) ([][]float64, []int)
		want   int // members of the split core; 0: none
	}{
		{"second neuron in 9 students", func(s int) ([][]float64, []int) {
			if s == 9 { // split into two copies that do not coincide
				return [][]float64{jitter(second, 1e-2), jitter(second, 1e-2)}, []int{s, s}
			}
			return [][]float64{jitter(second, 1e-12)}, []int{s}
		}, 9},
		{"9 copies from 3 students", func(s int) ([][]float64, []int) {
			if s < 3 {
				return [][]float64{jitter(second, 1e-12), jitter(second, 1e-12), jitter(second, 1e-12)}, []int{s, s, s}
			}
			return nil, nil
		}, 0},
		{"a near copy of the first", func(s int) ([][]float64, []int) {
			near := []float64{first[0] * 1.004, first[1] * 0.997, first[2]}
			return [][]float64{jitter(near, 1e-12)}, []int{s}
		}, 0},
	}
	for _, c := range cases {
		x, owner, members := build(c.second)
		core := modeCore(x, members, 8)
		if len(core) != 10 {
			t.Fatalf("%s: core of %d members, want the 10 copies of the first neuron", c.name, len(core))
		}
		got := splitCores(x, owner, members, core, 8)
		switch {
		case c.want == 0 && len(got) != 0:
			t.Errorf("%s: split cores %v, want none", c.name, got)
		case c.want > 0 && (len(got) != 1 || len(got[0]) != c.want):
			t.Errorf("%s: split cores %v, want one of %d members", c.name, got, c.want)
		case c.want > 0:
			if d := floats.Distance(meanRow(x, got[0]), second, 2); d > 1e-9 {
				t.Errorf("%s: split core's mean %v is %.3g from the second neuron", c.name, meanRow(x, got[0]), d)
			}
		}
	}
}

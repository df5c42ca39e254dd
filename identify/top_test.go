package identify

import (
	"context"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

// TestUnflipRemovesLinearTerm: a one-hidden-layer softplus network whose
// neurons 0 and 2 are stored turned (u = −w, with the linear term κ·a·uᵀ
// on the skip path, as a one-hidden-layer fit of the top of a deep teacher
// leaves them) is the same function after unflip, with a skip path of
// zero: the teacher's own orientation.
func TestUnflipRemovesLinearTerm(t *testing.T) {
	for _, act := range []mlp.Activation{mlp.Softplus, mlp.GELU, mlp.ReLU} {
		teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 4, 2}, Hidden: act}, 5)
		if err != nil {
			t.Fatal(err)
		}
		net, err := mlp.New(mlp.Spec{Sizes: []int{3, 4, 2}, Hidden: act, Skip: true})
		if err != nil {
			t.Fatal(err)
		}
		copy(net.Params(), teacher.Params()) // the skip path, last, stays zero
		kappa := act.Eval(1) - act.Eval(-1)
		L, O, S := net.Layer(0), net.Layer(1), net.Skip()
		for _, n := range []int{0, 2} { // turn: a·σ(w·x̃) = a·σ(−w·x̃) + κa·(w·x̃)
			for o := 0; o < O.Out; o++ {
				a := O.W.At(o, n)
				for j := 0; j < L.In; j++ {
					S.Set(o, j, S.At(o, j)+kappa*a*L.W.At(n, j))
				}
				O.B[o] += kappa * a * L.B[n]
			}
			for j := 0; j < L.In; j++ {
				L.W.Set(n, j, -L.W.At(n, j))
			}
			L.B[n] = -L.B[n]
		}
		x, _ := synth.Gaussian{D: 3}.Sample(synth.NewRand(1), 200)
		before, _ := net.Predict(x)
		unflip(net, act)
		after, _ := net.Predict(x)
		for i, v := range after.RawMatrix().Data {
			if d := math.Abs(v - before.RawMatrix().Data[i]); d > 1e-12 {
				t.Fatalf("%s: output %d changed by %g", act.Name(), i, d)
			}
		}
		for i, v := range S.RawMatrix().Data {
			if math.Abs(v) > 1e-12 {
				t.Errorf("%s: skip entry %d is %g after unflip, want 0", act.Name(), i, v)
			}
		}
		for i, v := range teacher.Params() {
			if math.Abs(v-net.Params()[i]) > 1e-12 {
				t.Errorf("%s: parameter %d is %g, the teacher's %g", act.Name(), i, net.Params()[i], v)
				break
			}
		}
	}
}

// TestPruneSilentTopOfDeepNetwork: a two-hidden-layer network with two
// extra top-layer neurons whose outgoing weights are ≈ 0 loses them, and
// keeps the others and every lower layer bit for bit; with no silent
// neuron nothing is pruned.
func TestPruneSilentTopOfDeepNetwork(t *testing.T) {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 4, 3, 1}, Hidden: mlp.Tanh}, 7)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := synth.Gaussian{D: 3}.Sample(synth.NewRand(2), 300)
	y, _ := teacher.Predict(x)
	top := incoming(teacher, 1)
	wider := mat.NewDense(5, 5, nil)
	wider.Slice(0, 1, 0, 5).(*mat.Dense).Copy(top.Slice(0, 1, 0, 5))
	wider.SetRow(1, []float64{0.3, -1, 2, 0.5, 0.1}) // silent
	wider.Slice(2, 4, 0, 5).(*mat.Dense).Copy(top.Slice(1, 3, 0, 5))
	wider.SetRow(4, []float64{1, 1, -1, 0, 0.2}) // silent
	net, err := buildNet([]*mat.Dense{incoming(teacher, 0), wider}, 3, 1, mlp.Tanh, false)
	if err != nil {
		t.Fatal(err)
	}
	out := net.Layer(2)
	tw := teacher.Layer(2).W.RawRowView(0)
	copy(out.W.RawRowView(0), []float64{tw[0], 1e-15, tw[1], tw[2], -2e-15})
	out.B[0] = teacher.Layer(2).B[0]
	c := Config{Activation: mlp.Tanh, ZeroLoss: 1e-14, SilentTol: DefaultSilentTol}
	loss, _ := net.Loss(nil, x, y)
	pruned, after, removed, err := pruneSilentLayer(net, x, y, loss, 1, &c)
	if err != nil || pruned == nil {
		t.Fatalf("nothing pruned (loss %g, err %v)", loss, err)
	}
	if !slices.Equal(removed, []int{1, 4}) || after > c.ZeroLoss {
		t.Errorf("removed %v at loss %g, want [1 4] at ≤ %g", removed, after, c.ZeroLoss)
	}
	// The removed neurons' mean shares (±1e-15 times their activations)
	// move into the output bias.
	if !floats.EqualApprox(pruned.Params(), teacher.Params(), 1e-13) {
		t.Errorf("pruned network is not the teacher:\n%v\n%v", pruned.Params(), teacher.Params())
	}
	if again, _, _, _ := pruneSilentLayer(pruned, x, y, after, 1, &c); again != nil {
		t.Error("pruned a network with no silent neuron")
	}
	res := &Result{Widths: []int{4, 5}, Layers: []LayerReport{{Layer: 1, Kept: 4}, {Layer: 2, Kept: 5, Neurons: make([]NeuronReport, 5)}}}
	dropNeurons(res, len(res.Layers)-1, removed)
	if r := res.Layers[1]; r.Kept != 3 || r.Pruned != 2 || len(r.Neurons) != 3 || res.Widths[1] != 3 {
		t.Errorf("report after pruning: %+v, widths %v; want 3 kept, 2 pruned, width 3", r, res.Widths)
	}
}

// TestPruneSilentFirstLayerOfDeepNetwork: a two-hidden-layer network with
// an extra first-layer neuron whose outgoing weights (into layer 2) are
// ≈ 0 loses it through pruneSilent — the layer above keeps its other
// inputs — and its report and width say so; an extra neuron that is not
// silent is kept.
func TestPruneSilentFirstLayerOfDeepNetwork(t *testing.T) {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 4, 3, 1}, Hidden: mlp.ReLU}, 7)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := synth.Gaussian{D: 3}.Sample(synth.NewRand(2), 300)
	y, _ := teacher.Predict(x)
	build := func(outgoing float64) *mlp.Network {
		first := incoming(teacher, 0)
		wider := mat.NewDense(5, 4, nil)
		wider.Slice(0, 2, 0, 4).(*mat.Dense).Copy(first.Slice(0, 2, 0, 4))
		wider.SetRow(2, []float64{0.3, -1, 2, 0.5}) // the extra neuron
		wider.Slice(3, 5, 0, 4).(*mat.Dense).Copy(first.Slice(2, 4, 0, 4))
		second := incoming(teacher, 1)
		above := mat.NewDense(3, 6, nil)
		for i := 0; i < 3; i++ {
			r := second.RawRowView(i)
			above.SetRow(i, []float64{r[0], r[1], outgoing * float64(i+1), r[2], r[3], r[4]})
		}
		net, err := buildNet([]*mat.Dense{wider, above}, 3, 1, mlp.ReLU, false)
		if err != nil {
			t.Fatal(err)
		}
		net.Layer(2).W.Copy(teacher.Layer(2).W)
		copy(net.Layer(2).B, teacher.Layer(2).B)
		return net
	}
	c := Config{Activation: mlp.ReLU, HiddenLayers: 2, ZeroLoss: 1e-14, SilentTol: DefaultSilentTol}
	newResult := func(net *mlp.Network) *Result {
		loss, _ := net.Loss(nil, x, y)
		return &Result{Network: net, FinalLoss: loss, Widths: []int{5, 3},
			Layers: []LayerReport{{Layer: 1, Kept: 5, Neurons: make([]NeuronReport, 5)}, {Layer: 2, Kept: 3}}}
	}
	res := newResult(build(1e-15))
	pruned, err := pruneSilent(res.Network, x, y, &c, res)
	if err != nil {
		t.Fatal(err)
	}
	// The removed neuron's mean share (1e-15 times its activation) moves
	// into layer 2's biases.
	if !floats.EqualApprox(pruned.Params(), teacher.Params(), 1e-13) {
		t.Errorf("pruned network is not the teacher:\n%v\n%v", pruned.Params(), teacher.Params())
	}
	if r := res.Layers[0]; r.Kept != 4 || r.Pruned != 1 || len(r.Neurons) != 4 || !slices.Equal(res.Widths, []int{4, 3}) || res.Network != pruned {
		t.Errorf("report after pruning: %+v, widths %v; want 4 kept, 1 pruned, widths [4 3]", r, res.Widths)
	}
	// The used neuron changes the function; a loose threshold lets the
	// outgoing-weight test alone decide.
	c.ZeroLoss = math.Inf(1)
	res = newResult(build(0.5))
	if kept, err := pruneSilent(res.Network, x, y, &c, res); err != nil || kept != res.Network || res.Layers[0].Pruned != 0 {
		t.Errorf("pruned a neuron the layer above uses (err %v, report %+v)", err, res.Layers[0])
	}
}

// topFixture is the 3→3→2→1 teacher (seed 11) of the top-layer tests,
// its 500 training inputs and outputs, 1 000 fresh inputs, and the
// prepared configuration of a run with students 6 and 4 wide.
func topFixture(t *testing.T, act mlp.Activation) (teacher *mlp.Network, x, y, fresh *mat.Dense, c Config) {
	t.Helper()
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 3, 2, 1}, Hidden: act}, 11)
	if err != nil {
		t.Fatal(err)
	}
	rng := synth.NewRand(3)
	x, _ = synth.Gaussian{D: 3}.Sample(rng, 500)
	fresh, _ = synth.Gaussian{D: 3}.Sample(rng, 1000)
	y, _ = teacher.Predict(x)
	c, _, _, err = prepare(Config{Activation: act, HiddenLayers: 2, Widths: []int{6, 4}, Students: 6, Seed: 5}, x, y)
	if err != nil {
		t.Fatal(err)
	}
	return teacher, x, y, fresh, c
}

// TestRecoverTopOnExactLowerLayer: given a deep teacher's exact first
// layer, recoverTop recovers its top layer (softplus: a linear-residue
// class, so unflip's turns are exercised) and the assembled network is the
// teacher.
func TestRecoverTopOnExactLowerLayer(t *testing.T) {
	teacher, x, y, fresh, c := topFixture(t, mlp.Softplus)
	shape, err := mlp.New(mlp.Spec{Sizes: []int{3, 3, 6, 1}, Hidden: mlp.Softplus})
	if err != nil {
		t.Fatal(err)
	}
	// The retrained students' loss says nothing about the features, which
	// came exact from the teacher (feature loss 0): the one-hidden-layer
	// run keeps the zero-loss threshold instead of taking 1e-6 for noise.
	net, sub, err := recoverTop(context.Background(), x, y, []*mat.Dense{incoming(teacher, 0)}, []student{{net: shape, loss: 1e-6}}, 0, &c)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Widths[0] != 2 {
		t.Errorf("one-hidden-layer run found width %v, want 2", sub.Widths)
	}
	if sub.ZeroLoss != c.ZeroLoss {
		t.Errorf("one-hidden-layer run's zero-loss threshold %g, want the run's %g", sub.ZeroLoss, c.ZeroLoss)
	}
	if err := fineTune(context.Background(), net, x, y, &c); err != nil {
		t.Fatal(err)
	}
	rep, err := Compare(teacher, net, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Exact(1e-6) {
		t.Errorf("not the teacher:\n%v", rep)
	}
}

// TestRetryTopCompletesTopLayer: a deep network whose top layer has one of
// the teacher's two neurons (its output weights by least squares, so its
// loss stays far above the zero-loss threshold) is replaced by retryTop's
// one-hidden-layer recovery of that layer, which is the teacher; the top
// layer's report and width are the new run's. A retry that is no better
// leaves net and res alone.
func TestRetryTopCompletesTopLayer(t *testing.T) {
	teacher, x, y, fresh, c := topFixture(t, mlp.Tanh)
	ins := []*mat.Dense{incoming(teacher, 0), keepRows(incoming(teacher, 1), []int{0})}
	net, err := buildNet(ins, 3, 1, mlp.Tanh, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := fitOutput(net, x, y); err != nil {
		t.Fatal(err)
	}
	loss, _ := net.Loss(nil, x, y)
	if loss <= c.ZeroLoss {
		t.Fatalf("incomplete network at loss %g, not above the threshold %g", loss, c.ZeroLoss)
	}
	shape, err := mlp.New(mlp.Spec{Sizes: []int{3, 3, 6, 1}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	students := []student{{net: shape, loss: 0}}
	res := &Result{Network: net, FinalLoss: loss, Widths: []int{3, 1}, Layers: []LayerReport{{Layer: 1, Kept: 3}, {Layer: 2, Kept: 1}}}
	got, err := retryTop(context.Background(), x, y, ins, students, 0, net, &c, res)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Compare(teacher, got, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Exact(1e-6) || res.Network != got || !(res.FinalLoss <= c.ZeroLoss) {
		t.Errorf("retried network (loss %g) is not the teacher:\n%v", res.FinalLoss, rep)
	}
	if !slices.Equal(res.Widths, []int{3, 2}) || len(res.Layers) != 2 || res.Layers[1].Layer != 2 || res.Layers[1].Kept != 2 {
		t.Errorf("widths %v, top report %+v; want [3 2] and layer 2's report from the one-hidden-layer run", res.Widths, res.Layers[len(res.Layers)-1])
	}
	// No better: the exact network stays as it is.
	before := *res
	again, err := retryTop(context.Background(), x, y, ins, students, 0, got, &c, res)
	if err != nil || again != got || res.Network != before.Network || res.FinalLoss != before.FinalLoss {
		t.Errorf("a retry of an exact network replaced it (err %v, loss %g → %g)", err, before.FinalLoss, res.FinalLoss)
	}
}

// TestRecoverTopOfFamilyTeacher: on the deep family's softplus 6→4→4→2
// teacher's exact first layer, recoverTop's students (topPhases: geodesic
// acceleration, a longer search) reach the floor and recover the top
// layer; train's default phases left every student at 1e-11…1e-9 and
// found 2 of its 4 neurons (and took five times as long).
func TestRecoverTopOfFamilyTeacher(t *testing.T) {
	if testing.Short() {
		t.Skip("trains ten one-hidden-layer students with restarts")
	}
	p, err := synth.DeepFamilyProblem("deep-softplus-6x4x4x2", synth.DeepFamilyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	teacher, d, err := p.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	c, _, _, err := prepare(Config{Activation: p.Activation, HiddenLayers: 2, Widths: []int{12, 12}, Students: p.Students, Gamma: p.Gamma, Beta: p.Beta, Seed: p.Seed}, d.X, d.Y)
	if err != nil {
		t.Fatal(err)
	}
	shape, err := mlp.New(mlp.Spec{Sizes: []int{6, 4, 12, 2}, Hidden: p.Activation})
	if err != nil {
		t.Fatal(err)
	}
	net, sub, err := recoverTop(context.Background(), d.X, d.Y, []*mat.Dense{incoming(teacher, 0)}, []student{{net: shape}}, 0, &c)
	if err != nil {
		t.Fatal(err)
	}
	if err := fineTune(context.Background(), net, d.X, d.Y, &c); err != nil {
		t.Fatal(err)
	}
	rep, err := Compare(teacher, net, d.TestX)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Exact(1e-6) {
		t.Errorf("top layer not recovered (student losses %.2g):\n%v", sub.StudentLosses, rep)
	}
}

// TestExactFeatures: a student a little off the teacher (every parameter
// moved by about 1e-5, as a student retrained only to the zero-loss
// threshold may be) is trained on to its floor, and its first layer
// replaces the recovered one: within 1e-9 of the teacher's instead of
// 1e-5, at a loss far below the one it started from. The layers passed
// in are left as they were.
func TestExactFeatures(t *testing.T) {
	teacher, x, y, rng := tanhTeacherData(t, []int{3, 4, 3, 1}, 21)
	off := teacher.Clone()
	for i := range off.Params() {
		off.Params()[i] += 1e-5 * rng.NormFloat64()
	}
	loss, err := off.Loss(nil, x, y)
	if err != nil {
		t.Fatal(err)
	}
	ins := []*mat.Dense{incoming(off, 0)}
	before := mat.DenseCopyOf(ins[0])
	cfg, err := Config{Activation: mlp.Tanh, HiddenLayers: 2, Widths: []int{4, 3}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	exact, exactLoss, err := exactFeatures(context.Background(), x, y, ins, []student{{net: off, loss: loss}}, loss, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	dist := func(a *mat.Dense) float64 {
		var d mat.Dense
		d.Sub(a, incoming(teacher, 0))
		return mat.Norm(&d, math.Inf(1))
	}
	if !mat.Equal(ins[0], before) {
		t.Errorf("exactFeatures changed the layers passed in")
	}
	if d := dist(exact[0]); d > 1e-9 || !(exactLoss < 1e-6*loss) {
		t.Errorf("features %.3g from the teacher's (%.3g before), loss %.3g (%.3g before); want within 1e-9, loss below 1e-6 of before", d, dist(ins[0]), exactLoss, loss)
	}
}

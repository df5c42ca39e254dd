package identify

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// completionCase is a 3→4→2 teacher, its incoming vectors [W | b], and
// two "students" of width 6 that each hold the teacher's four neurons
// (one of them hold only three) among random ones.
func completionCase(t *testing.T, act mlp.Activation) (x, y, teacherIn *mat.Dense, students []student) {
	t.Helper()
	teacher := randomNet(t, []int{3, 4, 2}, act, 1)
	x = gaussian(rand.New(rand.NewPCG(2, 2)), 400, 3)
	y, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	T := teacher.Layer(0)
	teacherIn = mat.NewDense(4, 4, nil)
	for j := 0; j < 4; j++ {
		row := teacherIn.RawRowView(j)
		copy(row, T.W.RawRowView(j))
		row[3] = T.B[j]
	}
	for s, hold := range [][]int{{0, 1, 2, 3}, {0, 1, 2}} {
		net := randomNet(t, []int{3, 6, 2}, act, uint64(10+s))
		for pos, j := range hold {
			copy(net.Layer(0).W.RawRowView(pos), T.W.RawRowView(j))
			net.Layer(0).B[pos] = T.B[j]
		}
		students = append(students, student{index: s, net: net})
	}
	return x, y, teacherIn, students
}

func TestCompleteAddsTheMissingNeuron(t *testing.T) {
	for _, act := range []mlp.Activation{mlp.Tanh, mlp.G, mlp.ReLU} {
		x, y, tin, students := completionCase(t, act)
		// A wide β (examples/fashionmnist clusters at 60°) must not make
		// every neuron a duplicate of the recovered ones.
		c, err := Config{Activation: act, BaseWidth: 4, Complete: 0.05, Beta: 1.5}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		// The clustering found neurons 0–2; neuron 3 is in one student only.
		extra, err := complete(x, y, mat.DenseCopyOf(tin.Slice(0, 3, 0, 4)), students, &c, c.ZeroLoss)
		if err != nil {
			t.Fatal(err)
		}
		if extra == nil {
			t.Errorf("%s: nothing added, want the teacher's neuron 3", act.Name())
			continue
		}
		if r, _ := extra.Dims(); r != 1 || !mat.EqualApprox(extra, tin.Slice(3, 4, 0, 4), 1e-12) {
			t.Errorf("%s: added\n%v\nwant the teacher's neuron 3\n%v", act.Name(), mat.Formatted(extra), mat.Formatted(tin.Slice(3, 4, 0, 4)))
		}
		// With every teacher neuron recovered nothing is left to explain.
		if extra, err := complete(x, y, tin, students, &c, c.ZeroLoss); err != nil || extra != nil {
			t.Errorf("%s: complete recovery: added %v, %v; want nothing", act.Name(), extra, err)
		}
	}
}

func TestFitOutputRecoversTheTeacher(t *testing.T) {
	for _, act := range []mlp.Activation{mlp.Tanh, mlp.ReLU} {
		teacher := randomNet(t, []int{3, 4, 2}, act, 3)
		x := gaussian(rand.New(rand.NewPCG(4, 4)), 300, 3)
		y, err := teacher.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		skip := hasLinearResidue(act)
		net, err := mlp.New(mlp.Spec{Sizes: []int{3, 4, 2}, Hidden: act, Skip: skip})
		if err != nil {
			t.Fatal(err)
		}
		L, T := net.Layer(0), teacher.Layer(0)
		L.W.Copy(T.W)
		copy(L.B, T.B)
		if err := fitOutput(net, x, y); err != nil {
			t.Fatal(err)
		}
		loss, err := net.Loss(nil, x, y)
		if err != nil || !(loss < 1e-24) || math.IsNaN(loss) {
			t.Errorf("%s: loss after fitOutput %v, %v; want < 1e-24", act.Name(), loss, err)
		}
	}
}

func TestCompleteRejectsBadSettings(t *testing.T) {
	for _, c := range []Config{
		{Activation: mlp.Tanh, BaseWidth: 2, Complete: -0.1},
		{Activation: mlp.Tanh, BaseWidth: 2, Complete: 1},
		{Activation: mlp.Tanh, BaseWidth: 2, Complete: math.NaN()},
		{Activation: mlp.Tanh, BaseWidth: 2, Complete: 0.05, HiddenLayers: 2},
	} {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("Complete %v with %d hidden layers accepted", c.Complete, c.HiddenLayers)
		}
	}
}

// TestCompleteFromAFloorStudent: with many teacher neurons missing, each
// removes only a small share of the residual at first; a student at the
// loss floor gives them all, however small the share.
func TestCompleteFromAFloorStudent(t *testing.T) {
	teacher := randomNet(t, []int{3, 12, 2}, mlp.Tanh, 5)
	x := gaussian(rand.New(rand.NewPCG(6, 6)), 600, 3)
	y, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	T := teacher.Layer(0)
	tin := mat.NewDense(12, 4, nil)
	for j := 0; j < 12; j++ {
		copy(tin.RawRowView(j), T.W.RawRowView(j))
		tin.Set(j, 3, T.B[j])
	}
	exact := randomNet(t, []int{3, 14, 2}, mlp.Tanh, 8)
	for j := 0; j < 12; j++ {
		copy(exact.Layer(0).W.RawRowView(j), T.W.RawRowView(j))
		exact.Layer(0).B[j] = T.B[j]
	}
	trapped := randomNet(t, []int{3, 14, 2}, mlp.Tanh, 9)
	c, err := Config{Activation: mlp.Tanh, BaseWidth: 12, Complete: 0.2}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	recovered := mat.DenseCopyOf(tin.Slice(0, 2, 0, 4))
	for _, tc := range []struct {
		loss float64
		want int
	}{{0, 10}, {1e-3, -1}} {
		students := []student{{index: 0, net: exact, loss: tc.loss}, {index: 1, net: trapped, loss: 0.1}}
		extra, err := complete(x, y, recovered, students, &c, c.ZeroLoss)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		if extra != nil {
			got, _ = extra.Dims()
		}
		if tc.want >= 0 && got != tc.want {
			t.Errorf("student loss %g: added %d neurons, want %d", tc.loss, got, tc.want)
		}
		if tc.want < 0 && got >= 10 {
			t.Errorf("student loss %g (above the floor, share 0.2): added all %d, want fewer", tc.loss, got)
		}
	}
}

// TestRecoverCompletesFromCheckpoints runs the whole recovery on two
// students with γ = 1: one holds the teacher exactly (its two extra
// neurons silent), the other only three of its four neurons. The
// clustering keeps three; the completion must add the fourth, and the
// recovered network must be the teacher's width with its function.
func TestRecoverCompletesFromCheckpoints(t *testing.T) {
	teacher := randomNet(t, []int{3, 4, 2}, mlp.Tanh, 11)
	x := gaussian(rand.New(rand.NewPCG(12, 12)), 500, 3)
	y, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	T, TO := teacher.Layer(0), teacher.Layer(1)
	exact := randomNet(t, []int{3, 6, 2}, mlp.Tanh, 13)
	trapped := randomNet(t, []int{3, 6, 2}, mlp.Tanh, 14)
	for j := 0; j < 4; j++ {
		copy(exact.Layer(0).W.RawRowView(j), T.W.RawRowView(j))
		exact.Layer(0).B[j] = T.B[j]
		if j < 3 {
			copy(trapped.Layer(0).W.RawRowView(j), T.W.RawRowView(j))
			trapped.Layer(0).B[j] = T.B[j]
		}
	}
	EO := exact.Layer(1)
	EO.W.Zero()
	for o := 0; o < 2; o++ {
		for j := 0; j < 4; j++ {
			EO.W.Set(o, j, TO.W.At(o, j))
		}
		EO.B[o] = TO.B[o]
	}
	cfg := Config{Activation: mlp.Tanh, Widths: []int{6}, Students: 2, Gamma: 1, Seed: 1, Complete: 0.05}
	var cps []*Checkpoint
	for i, net := range []*mlp.Network{exact, trapped} {
		loss, err := net.Loss(nil, x, y)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, &Checkpoint{Index: i, Seed: 1, Widths: []int{6}, Loss: loss, Net: net})
	}
	res, err := Recover(context.Background(), x, y, cps, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Widths[0] != 4 || res.Layers[0].Kept != 3 || res.Layers[0].Completed != 1 || !res.Has(Completed) {
		t.Fatalf("widths %v, kept %d, completed %d, warnings %v; want 3 kept + 1 completed", res.Widths, res.Layers[0].Kept, res.Layers[0].Completed, res.Warnings)
	}
	cmp, err := Compare(teacher, res.Network, x)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Layers[0].MaxCosineDistance > 1e-9 || cmp.RelRMSE > 1e-9 {
		t.Errorf("recovered network: max cosine distance %g, relative RMSE %g; want the teacher", cmp.Layers[0].MaxCosineDistance, cmp.RelRMSE)
	}
}

// TestCompleteSkipsDuplicates: a student at the floor that splits the
// missing teacher neuron into two near-parallel copies (as a ReLU student
// does when both kinks fit every query) gives it once, and its near-copy
// of a recovered neuron is not added beside it.
func TestCompleteSkipsDuplicates(t *testing.T) {
	act := mlp.ReLU
	x, y, tin, _ := completionCase(t, act)
	net := randomNet(t, []int{3, 6, 2}, act, 20)
	L, O := net.Layer(0), net.Layer(1)
	tnet := randomNet(t, []int{3, 4, 2}, act, 1) // completionCase's teacher
	for j := 0; j < 3; j++ {
		copy(L.W.RawRowView(j), tin.RawRowView(j)[:3])
		L.B[j] = tin.At(j, 3)
	}
	tilt := []float64{1e-3, -2e-3, 1.5e-3, 0}
	for pos, sign := range map[int]float64{3: 1, 4: -1} { // neuron 3, split
		for i := 0; i < 3; i++ {
			L.W.Set(pos, i, tin.At(3, i)+sign*tilt[i])
		}
		L.B[pos] = tin.At(3, 3)
		for o := 0; o < 2; o++ {
			O.W.Set(o, pos, tnet.Layer(1).W.At(o, 3)/2)
		}
	}
	for i := 0; i < 3; i++ { // a near-copy of recovered neuron 0
		L.W.Set(5, i, tin.At(0, i)*(1+tilt[i]))
	}
	L.B[5] = tin.At(0, 3)
	for o := 0; o < 2; o++ {
		O.W.Set(o, 5, 0.3)
	}
	students := []student{{index: 0, net: net, loss: 0}}
	c, err := Config{Activation: act, BaseWidth: 4, Complete: 0.05}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	extra, err := complete(x, y, mat.DenseCopyOf(tin.Slice(0, 3, 0, 4)), students, &c, c.ZeroLoss)
	if err != nil {
		t.Fatal(err)
	}
	if extra == nil {
		t.Fatal("nothing added, want one copy of the teacher's neuron 3")
	}
	if r, _ := extra.Dims(); r != 1 {
		t.Fatalf("added %d neurons, want one copy of neuron 3:\n%v", r, mat.Formatted(extra))
	}
	if d := 1 - cosine(extra.RawRowView(0), tin.RawRowView(3)); d > 1e-5 {
		t.Errorf("added neuron at cosine distance %g from the teacher's neuron 3", d)
	}
}

// TestCompleteSkipsMirroredCopy: a recovered ReLU neuron that is slightly
// off (the average of two students' copies) leaves a small residual,
// which a floor student's mirror image of that neuron, relu(−z) =
// relu(z) − z with the linear part in the skip path, explains; adding it
// would make the layer one too wide, so it is not a candidate (the
// fine-tune moves the neuron instead). A neuron truly missing is still
// added.
func TestCompleteSkipsMirroredCopy(t *testing.T) {
	act := mlp.ReLU
	x, y, tin, _ := completionCase(t, act)
	recovered := mat.DenseCopyOf(tin)
	for i := 0; i < 3; i++ {
		recovered.Set(2, i, tin.At(2, i)*(1+1e-4*float64(i+1))) // the averaged neuron, slightly off
	}
	net := randomNet(t, []int{3, 6, 2}, act, 30)
	L := net.Layer(0)
	for j := 0; j < 4; j++ {
		copy(L.W.RawRowView(j), tin.RawRowView(j)[:3])
		L.B[j] = tin.At(j, 3)
	}
	for i := 0; i < 3; i++ { // the mirror image of neuron 2, tilted by about 5e-3
		L.W.Set(4, i, -tin.At(2, i)*(1-5e-3*float64(i)))
	}
	L.B[4] = -tin.At(2, 3)
	for o := 0; o < 2; o++ { // neuron 5 silent, as a floor student's spare ones
		net.Layer(1).W.Set(o, 5, 0)
	}
	students := []student{{index: 0, net: net, loss: 0}}
	c, err := Config{Activation: act, BaseWidth: 4, Complete: 0.05}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	extra, err := complete(x, y, recovered, students, &c, c.ZeroLoss)
	if err != nil {
		t.Fatal(err)
	}
	if extra != nil {
		t.Fatalf("added %v to a layer with every teacher neuron, want nothing", mat.Formatted(extra))
	}
	// Without neuron 3 in the layer its copy is still added.
	extra, err = complete(x, y, mat.DenseCopyOf(recovered.Slice(0, 3, 0, 4)), students, &c, c.ZeroLoss)
	if err != nil {
		t.Fatal(err)
	}
	if extra == nil {
		t.Fatal("nothing added to a layer missing neuron 3")
	}
	if d := 1 - cosine(extra.RawRowView(0), tin.RawRowView(3)); d > 1e-9 {
		t.Errorf("first added neuron at cosine distance %g from the teacher's neuron 3", d)
	}
}

// TestRecoverPolishesBeforeCompleting: two students at the floor hold all
// four teacher neurons, one of them a little off, so their clusters'
// average leaves a small residual that any neuron of theirs explains a
// sliver of (a floor student's neurons need only decrease it). The
// clustered layer is fine-tuned first, reaches the floor, and is not
// completed: width 4, not 5.
func TestRecoverPolishesBeforeCompleting(t *testing.T) {
	act := mlp.ReLU
	teacher := randomNet(t, []int{3, 4, 2}, act, 11)
	x := gaussian(rand.New(rand.NewPCG(12, 12)), 500, 3)
	y, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	T := teacher.Layer(0)
	var cps []*Checkpoint
	for i, off := range []float64{2e-3, 0} {
		net := randomNet(t, []int{3, 6, 2}, act, uint64(20+i))
		L, O := net.Layer(0), net.Layer(1)
		for j := 0; j < 4; j++ {
			copy(L.W.RawRowView(j), T.W.RawRowView(j))
			L.B[j] = T.B[j]
		}
		L.W.Set(2, 0, T.W.At(2, 0)*(1+off))
		for o := 0; o < 2; o++ {
			for j := 0; j < 4; j++ {
				O.W.Set(o, j, teacher.Layer(1).W.At(o, j))
			}
			O.W.Set(o, 4, 1e-3*float64(1-i)) // a spare neuron, all but silent in student 0
			O.W.Set(o, 5, 0)
			O.B[o] = teacher.Layer(1).B[o]
		}
		cps = append(cps, &Checkpoint{Index: i, Seed: 1, Widths: []int{6}, Loss: 0, Net: net})
	}
	cfg := Config{Activation: act, Widths: []int{6}, Students: 2, Gamma: 1, Seed: 1, Complete: 0.05}
	res, err := Recover(context.Background(), x, y, cps, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Widths[0] != 4 || res.Layers[0].Completed != 0 {
		t.Fatalf("widths %v, completed %d, warnings %v; want the 4 clusters alone", res.Widths, res.Layers[0].Completed, res.Warnings)
	}
	cmp, err := Compare(teacher, res.Network, x)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Layers[0].MaxCosineDistance > 1e-9 || cmp.RelRMSE > 1e-7 {
		t.Errorf("recovered network: max cosine distance %g, relative RMSE %g; want the teacher", cmp.Layers[0].MaxCosineDistance, cmp.RelRMSE)
	}
}

// TestPruneSilentOneHiddenLayer: a neuron that the fine-tune silenced is
// removed from a network at the floor, an added one or a cluster's, and
// the report counts it where it was; one whose outgoing weights still
// matter stays.
func TestPruneSilentOneHiddenLayer(t *testing.T) {
	teacher := randomNet(t, []int{3, 4, 2}, mlp.Tanh, 11)
	x := gaussian(rand.New(rand.NewPCG(12, 12)), 500, 3)
	y, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Config{Activation: mlp.Tanh, BaseWidth: 4, Complete: 0.05}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	// withExtra is the teacher with a fifth neuron at position pos whose
	// outgoing weights are out.
	withExtra := func(pos int, out float64) *mlp.Network {
		net := randomNet(t, []int{3, 5, 2}, mlp.Tanh, 30)
		L, O := net.Layer(0), net.Layer(1)
		T, TO := teacher.Layer(0), teacher.Layer(1)
		for j, k := 0, 0; j < 5; j++ {
			for o := 0; o < 2; o++ {
				O.W.Set(o, j, out)
			}
			if j == pos {
				continue
			}
			copy(L.W.RawRowView(j), T.W.RawRowView(k))
			L.B[j] = T.B[k]
			for o := 0; o < 2; o++ {
				O.W.Set(o, j, TO.W.At(o, k))
			}
			k++
		}
		copy(O.B, TO.B)
		return net
	}
	loss := func(net *mlp.Network) float64 {
		l, err := net.Loss(nil, x, y)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	// The network's last neuron is the added one (Completed: 1).
	newResult := func(net *mlp.Network) *Result {
		return &Result{Network: net, FinalLoss: loss(net), Widths: []int{5},
			Layers: []LayerReport{{Layer: 1, Kept: 4, Completed: 1, Neurons: make([]NeuronReport, 4)}}}
	}
	for _, tc := range []struct {
		name            string
		pos             int
		kept, completed int
	}{
		{"an added neuron", 4, 4, 0},
		{"a cluster's neuron", 1, 3, 1},
	} {
		res := newResult(withExtra(tc.pos, 1e-12))
		pruned, err := pruneSilent(res.Network, x, y, &c, res)
		if err != nil {
			t.Fatal(err)
		}
		if pruned.Layer(0).Out != 4 || res.Network != pruned || res.Widths[0] != 4 {
			t.Fatalf("%s: the silenced neuron was not removed (width %d)", tc.name, pruned.Layer(0).Out)
		}
		if r := res.Layers[0]; r.Kept != tc.kept || r.Completed != tc.completed || r.Pruned != 1 || len(r.Neurons) != tc.kept {
			t.Errorf("%s: report %+v, want %d kept, %d completed, 1 pruned", tc.name, r, tc.kept, tc.completed)
		}
		if cmp, err := Compare(teacher, pruned, x); err != nil || cmp.RelRMSE > 1e-10 || res.FinalLoss > c.ZeroLoss {
			t.Fatalf("%s: pruned network: %v, loss %g, err %v", tc.name, cmp, res.FinalLoss, err)
		}
	}
	res := newResult(withExtra(4, 1e-3))
	if kept, err := pruneSilent(res.Network, x, y, &c, res); err != nil || kept != res.Network || res.Layers[0].Pruned != 0 {
		t.Errorf("an added neuron that still counts: pruned (err %v, report %+v), want it kept", err, res.Layers[0])
	}
	// A constant neuron (no incoming weights) with outgoing weights 0.7:
	// its share is the constant 0.7·tanh(0.3), which moves into the output
	// bias.
	constant := withExtra(4, 0.7)
	L, O := constant.Layer(0), constant.Layer(1)
	for i := range L.W.RawRowView(4) {
		L.W.Set(4, i, 0)
	}
	L.B[4] = 0.3
	for o := range O.B {
		O.B[o] -= 0.7 * math.Tanh(0.3)
	}
	res = newResult(constant)
	pruned, err := pruneSilent(res.Network, x, y, &c, res)
	if err != nil || pruned.Layer(0).Out != 4 || res.Layers[0].Pruned != 1 || res.FinalLoss > 1e-28 {
		t.Errorf("a constant neuron: width %d, report %+v, loss %g (err %v); want it removed, the loss kept", pruned.Layer(0).Out, res.Layers[0], res.FinalLoss, err)
	}
}

package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// channelStudent builds a 2→4→1 student (activation g) of the 2→2→1
// teacher below, caught in a channel: neuron 0 copies teacher neuron 0,
// neurons 1 and 2 sit at teacher neuron 1 and at teacher neuron 1 moved by
// gap·u with outgoing weights a₁ + big and −big, and neuron 3 is silent.
func channelStudent(t *testing.T, gap, big float64) (teacher, student *mlp.Network) {
	t.Helper()
	var err error
	teacher, err = mlp.New(mlp.Spec{Sizes: []int{2, 2, 1}, Hidden: mlp.G})
	if err != nil {
		t.Fatal(err)
	}
	copy(teacher.Params(), []float64{
		0.9, -0.4, 0.3, 0.8, // W₁
		0.2, -0.5, // b₁
		1.3, -0.7, // W₂
		0.1, // b₂
	})
	student, err = mlp.New(mlp.Spec{Sizes: []int{2, 4, 1}, Hidden: mlp.G})
	if err != nil {
		t.Fatal(err)
	}
	u := []float64{0.6, -0.8, 0} // a direction, moves the weights only
	s := student.Params()
	copy(s, []float64{
		0.9, -0.4, // neuron 0 = teacher 0
		0.3, 0.8, // neuron 1 = teacher 1
		0.3 + gap*u[0], 0.8 + gap*u[1], // neuron 2 = teacher 1 + gap·u
		1.7, 2.1, // neuron 3: silent
		0.2, -0.5, -0.5 + gap*u[2], 0.4, // b₁
		1.3, -0.7 + big, -big, 0, // W₂
		0.1, // b₂
	})
	return teacher, student
}

func channelData(t *testing.T, teacher *mlp.Network) (x, y *mat.Dense) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	x = mat.NewDense(2000, 2, nil)
	for i := range 2000 {
		x.Set(i, 0, rng.NormFloat64())
		x.Set(i, 1, rng.NormFloat64())
	}
	y, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	return x, y
}

func TestDetectChannelsHandBuilt(t *testing.T) {
	teacher, student := channelStudent(t, 1e-3, 40)
	chans := DetectChannels(student, ChannelConfig{})
	if len(chans) != 1 {
		t.Fatalf("found %d channels %v, want the pair (1, 2)", len(chans), chans)
	}
	c := chans[0]
	if c.Layer != 0 || c.I != 1 || c.J != 2 {
		t.Fatalf("channel %v, want layer 0 neurons 1,2", c)
	}
	if math.Abs(c.Gap-1e-3) > 1e-12 || c.Cancellation > 0.01 || math.Abs(c.OutJ-40) > 1e-12 {
		t.Errorf("channel %v: want gap 1e-3, |a_j| 40, cancellation ≈ 0.7/80.7", c)
	}
	if c.Diverging() {
		t.Errorf("Diverging without a previous snapshot")
	}

	// Further along the channel (half the gap, twice the weights) the pair
	// is diverging relative to the earlier snapshot, not the reverse.
	_, later := channelStudent(t, 5e-4, 80)
	lc := DetectChannels(later, ChannelConfig{Previous: student})
	if len(lc) != 1 || !lc[0].Diverging() {
		t.Errorf("later snapshot: %v, want one diverging channel", lc)
	}
	back := DetectChannels(student, ChannelConfig{Previous: later})
	if len(back) != 1 || back[0].Diverging() {
		t.Errorf("earlier snapshot against the later: %v, want one channel, not diverging", back)
	}

	// Not channels: the teacher itself, and a teacher neuron split into two
	// copies with outgoing weights of the same sign.
	if got := DetectChannels(teacher, ChannelConfig{}); len(got) != 0 {
		t.Errorf("teacher: %v, want none", got)
	}
	_, split := channelStudent(t, 1e-3, -0.3) // weights −1.0 and +0.3: opposite, but cancel only to 0.7/1.3
	if got := DetectChannels(split, ChannelConfig{MaxCancellation: 0.1}); len(got) != 0 {
		t.Errorf("weakly cancelling pair with MaxCancellation 0.1: %v, want none", got)
	}
	_, same := channelStudent(t, 1e-3, 0)
	same.Layer(1).W.Set(0, 1, -0.35)
	same.Layer(1).W.Set(0, 2, -0.35)
	if got := DetectChannels(same, ChannelConfig{}); len(got) != 0 {
		t.Errorf("same-sign copies: %v, want none", got)
	}
	// Too far apart to be merged.
	_, far := channelStudent(t, 0.3, 40)
	if got := DetectChannels(far, ChannelConfig{}); len(got) != 0 {
		t.Errorf("gap 0.3: %v, want none", got)
	}
}

// TestCollapseChannels: collapsing the hand-built channel keeps the pair's
// first-order term in one neuron, so the loss against the teacher falls by
// orders of magnitude (the derivative term the pair computed was the only
// error), and the freed neuron computes nothing.
func TestCollapseChannels(t *testing.T) {
	teacher, student := channelStudent(t, 1e-3, 40)
	x, y := channelData(t, teacher)
	ws := mlp.NewWorkspace()
	before, err := student.Loss(ws, x, y)
	if err != nil {
		t.Fatal(err)
	}
	n := CollapseChannels(student, DetectChannels(student, ChannelConfig{}), 3, rand.New(rand.NewPCG(3, 4)))
	if n != 1 {
		t.Fatalf("collapsed %d pairs, want 1", n)
	}
	after, err := student.Loss(ws, x, y)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loss before %.3g, after %.3g", before, after)
	if before < 1e-6 || after > before*1e-3 {
		t.Errorf("loss %.3g → %.3g, want a drop by 1000× from a visible channel", before, after)
	}
	if a := student.Layer(1).W.At(0, 2); a != 0 {
		t.Errorf("freed neuron has outgoing weight %v", a)
	}
	if a := student.Layer(1).W.At(0, 1); math.Abs(a+0.7) > 1e-12 {
		t.Errorf("merged neuron's outgoing weight %v, want the teacher's −0.7", a)
	}
	if got := DetectChannels(student, ChannelConfig{}); len(got) != 0 {
		t.Errorf("after the collapse: %v, want none", got)
	}
	// The merged neuron is within the pair's reach of the teacher neuron.
	if d := chCosDist(chIncoming(student.Layer(0), 1), chIncoming(teacher.Layer(0), 1)); d > 1e-4 {
		t.Errorf("merged neuron at cosine distance %.3g from the teacher's", d)
	}
}

func TestFitPowerLaw(t *testing.T) {
	var it []int
	var pow, geo []float64
	for k := 1; k <= 200; k++ {
		it = append(it, k)
		pow = append(pow, 3*math.Pow(float64(k), -2.5))
		geo = append(geo, math.Exp(-0.3*float64(k)))
	}
	p := FitPowerLaw(it, pow)
	if math.Abs(p.Exponent-2.5) > 1e-9 || !p.PowerLike() {
		t.Errorf("power law: %+v, want exponent 2.5 and PowerLike", p)
	}
	g := FitPowerLaw(it, geo)
	if g.PowerLike() {
		t.Errorf("geometric decay: %+v, want not PowerLike", g)
	}
	if e := FitPowerLaw([]int{0, 1}, []float64{1, math.NaN()}); e.Points != 0 || e.PowerLike() {
		t.Errorf("no usable points: %+v", e)
	}
}

// TestLossTraceCountsAcrossPhases: the trace numbers iterations across
// phases, so that a fit sees one history.
func TestLossTraceCountsAcrossPhases(t *testing.T) {
	var tr LossTrace
	for ph := range 2 {
		for k := 0; k <= 3; k++ {
			if err := tr.Record(Event{PhaseIndex: ph, Iter: k, Loss: float64(10 - k)}); err != nil {
				t.Fatal(err)
			}
		}
		_ = tr.Record(Event{PhaseIndex: ph, Iter: 3, Done: true})
	}
	want := []int{1, 2, 3, 4, 5, 6}
	if len(tr.Iter) != len(want) {
		t.Fatalf("iterations %v, want %v", tr.Iter, want)
	}
	for k := range want {
		if tr.Iter[k] != want[k] {
			t.Fatalf("iterations %v, want %v", tr.Iter, want)
		}
	}
}

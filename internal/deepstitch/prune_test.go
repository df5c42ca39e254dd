package deepstitch

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// TestPruneRemovesOnlyTheDuplicates builds a 3 → 4 → 3 → 2 teacher, widens
// it to 3 → 6 → 4 → 2 by splitting two first-layer neurons and one
// second-layer neuron into duplicates (outgoing weights shared between the
// copies), and checks that pruning at factor 2, on the teacher's outputs
// with noise of 1e-3 added, gives back the teacher's widths within twice the
// loss the noise leaves, and stops there: every teacher neuron matters far
// more than that.
func TestPruneRemovesOnlyTheDuplicates(t *testing.T) {
	ins, x, y := widenedTeacher(t)
	wide := netFrom(ins, mlp.Tanh)
	if got := hiddenWidths(wide); got[0] != 6 || got[1] != 4 {
		t.Fatalf("widened network has widths %v, want [6 4]", got)
	}
	loss0, err := wide.Loss(nil, x, y)
	if err != nil {
		t.Fatal(err)
	}
	pruned := prune(wide, x, y, pruneOptions{factor: 2})
	got := hiddenWidths(pruned)
	if got[0] != 4 || got[1] != 3 {
		t.Errorf("pruned widths %v, want the teacher's [4 3]", got)
	}
	if loss, _ := pruned.Loss(nil, x, y); loss > 2*loss0 {
		t.Errorf("pruned loss %g, over twice the widened network's %g", loss, loss0)
	}
}

// TestPruneOnlyGivenLayers checks that pruning restricted to layer 2 of the
// widened network of TestPruneRemovesOnlyTheDuplicates removes its duplicate
// and leaves layer 1's two duplicates in place.
func TestPruneOnlyGivenLayers(t *testing.T) {
	ins, x, y := widenedTeacher(t)
	got := hiddenWidths(prune(netFrom(ins, mlp.Tanh), x, y, pruneOptions{factor: 2, only: []int{2}}))
	if got[0] != 6 || got[1] != 3 {
		t.Errorf("pruned widths %v, want [6 3] (layer 1 untouched)", got)
	}
}

// TestPruneStopsAtTheKnee checks that with no overall loss limit the step
// limit alone stops the pruning of that widened network at the teacher's
// widths: the first removal of a teacher neuron is the loss curve's knee,
// with or without a few retraining steps after each removal.
func TestPruneStopsAtTheKnee(t *testing.T) {
	ins, x, y := widenedTeacher(t)
	for _, n := range []int{0, 3} {
		steps := 0
		opts := pruneOptions{factor: 1e9, step: 5, retrain: n, onStep: func(*mlp.Network) { steps++ }}
		got := hiddenWidths(prune(netFrom(ins, mlp.Tanh), x, y, opts))
		if got[0] != 4 || got[1] != 3 || steps != 3 {
			t.Errorf("pruned widths with %d retraining steps %v after %d removals, want the teacher's [4 3] after 3", n, got, steps)
		}
	}
}

// widenedTeacher returns the incoming vectors of a noisy 3 → 4 → 3 → 2 tanh
// teacher (noisyTeacher) widened to 3 → 6 → 4 → 2 by splitting first-layer
// neurons 1 and 3 and second-layer neuron 2 into duplicates, its inputs
// and its noisy outputs.
func widenedTeacher(t *testing.T) (ins []*mat.Dense, x, y *mat.Dense) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	ins, x, y = noisyTeacher(t, rng, 3, 4, 3, 2)
	ins = split(ins, 0, 1)
	ins = split(ins, 0, 3)
	return split(ins, 1, 2), x, y
}

// noisyTeacher returns the incoming vectors of a tanh teacher of the given
// sizes with standard normal parameters, 500 inputs (normal, spread 2) and
// its outputs on them with normal noise of 1e-3 added.
func noisyTeacher(t *testing.T, rng *rand.Rand, sizes ...int) (ins []*mat.Dense, x, y *mat.Dense) {
	t.Helper()
	teacher, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	for i := range teacher.Params() {
		teacher.Params()[i] = rng.NormFloat64()
	}
	x = mat.NewDense(500, sizes[0], nil)
	for i := 0; i < 500; i++ {
		for j := 0; j < sizes[0]; j++ {
			x.Set(i, j, 2*rng.NormFloat64())
		}
	}
	y = new(mat.Dense)
	if err := teacher.Forward(nil, y, x); err != nil {
		t.Fatal(err)
	}
	r, c := y.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			y.Set(i, j, y.At(i, j)+1e-3*rng.NormFloat64())
		}
	}
	return incomings(teacher), x, y
}

// split duplicates neuron j of hidden layer l: the copy gets the same
// incoming vector, and the two share its outgoing weights half and half.
func split(ins []*mat.Dense, l, j int) []*mat.Dense {
	out := make([]*mat.Dense, len(ins))
	copy(out, ins)
	r, c := ins[l].Dims()
	grown := mat.NewDense(r+1, c, nil)
	grown.Slice(0, r, 0, c).(*mat.Dense).Copy(ins[l])
	grown.SetRow(r, ins[l].RawRowView(j))
	out[l] = grown
	r2, c2 := ins[l+1].Dims()
	next := mat.NewDense(r2, c2+1, nil)
	for i := 0; i < r2; i++ {
		row := next.RawRowView(i)
		src := ins[l+1].RawRowView(i)
		copy(row[:c2-1], src[:c2-1]) // weights; the bias moves to the end
		row[j] /= 2
		row[c2-1] = src[j] / 2
		row[c2] = src[c2-1]
	}
	out[l+1] = next
	return out
}

// TestFoldStandardizer checks that a network on standardised inputs and
// the same network with the standardisation folded into its first layer
// agree on the raw inputs.
func TestFoldStandardizer(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	net, err := mlp.New(mlp.Spec{Sizes: []int{3, 5, 2}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	for i := range net.Params() {
		net.Params()[i] = rng.NormFloat64()
	}
	x := mat.NewDense(50, 3, nil)
	for i := 0; i < 50; i++ {
		for j := 0; j < 3; j++ {
			x.Set(i, j, float64(j+1)*(3+rng.NormFloat64()))
		}
	}
	std, err := synth.FitStandardizer(x)
	if err != nil {
		t.Fatal(err)
	}
	xs := mat.DenseCopyOf(x)
	if err := std.Apply(xs); err != nil {
		t.Fatal(err)
	}
	var want, got mat.Dense
	if err := net.Forward(nil, &want, xs); err != nil {
		t.Fatal(err)
	}
	foldStandardizer(net.Layer(0), std)
	if err := net.Forward(nil, &got, x); err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(&got, &want, 1e-12) {
		t.Errorf("folded network differs from the network on standardised inputs")
	}
}

// TestPruneMergesNearCopies splits one first-layer neuron of a teacher into
// two copies whose incoming vectors differ by ±δ: removing either copy
// leaves an error of order δ, merging them gives the teacher back. Pruning
// with merges must reach the teacher's widths; without, it must not.
func TestPruneMergesNearCopies(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ins, x, y := noisyTeacher(t, rng, 3, 4, 2)
	ins = split(ins, 0, 2)
	const delta = 0.05
	for k := range ins[0].RawRowView(2) {
		d := delta * rng.NormFloat64()
		ins[0].Set(2, k, ins[0].At(2, k)+d)
		ins[0].Set(4, k, ins[0].At(4, k)-d)
	}
	for _, merge := range []bool{false, true} {
		pruned := prune(netFrom(ins, mlp.Tanh), x, y, pruneOptions{factor: 2, merge: merge})
		if got := hiddenWidths(pruned)[0]; (got == 4) != merge {
			t.Errorf("merge %v: pruned to width %d; want 4 with merges, 5 without", merge, got)
		}
	}
}

// TestSavePath checks where -save keeps each pruning cycle's network.
func TestSavePath(t *testing.T) {
	for _, c := range []struct {
		c, n int
		want string
	}{{0, 6, "a/net.json"}, {1, 1, "a/net.json"}, {3, 6, "a/net-cycle3.json"}} {
		if got := savePath("a/net.json", c.c, c.n); got != c.want {
			t.Errorf("savePath(a/net.json, %d, %d) = %s, want %s", c.c, c.n, got, c.want)
		}
	}
}

// TestPruneKeepsNeuronsHeldElsewhere perturbs the three copies in the
// widened network of TestPruneRemovesOnlyTheDuplicates (their incoming
// vectors moved by noise of 0.3) and prunes it with no loss limit, keeping
// the neurons the teacher holds within 1e-3 (not 1e-6: each removal refits
// the layer above, which moves its neurons a little): the copies, which no
// other network holds, go, and the pruning stops at the teacher's widths,
// where every neuron left is held.
func TestPruneKeepsNeuronsHeldElsewhere(t *testing.T) {
	ins, x, y := widenedTeacher(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range [][2]int{{0, 4}, {0, 5}, {1, 3}} {
		for i, v := range ins[c[0]].RawRowView(c[1]) {
			ins[c[0]].Set(c[1], i, v+0.3*rng.NormFloat64())
		}
	}
	teacherIns, _, _ := noisyTeacher(t, rand.New(rand.NewPCG(1, 2)), 3, 4, 3, 2)
	keep := heldElsewhere([]*mlp.Network{netFrom(teacherIns, mlp.Tanh)}, x, 1e-3)
	got := hiddenWidths(prune(netFrom(ins, mlp.Tanh), x, y, pruneOptions{factor: 1e9, keep: keep}))
	if got[0] != 4 || got[1] != 3 {
		t.Errorf("pruned widths %v, want the teacher's [4 3]", got)
	}
}

// TestPruneWithoutKneeIsAnError checks that the step rule alone, when no
// removal ever rises by its factor, ends in an error instead of a network
// emptied down to one neuron a layer.
func TestPruneWithoutKneeIsAnError(t *testing.T) {
	ins, x, y := widenedTeacher(t)
	err := func() (err error) {
		defer recoverStop(&err)
		prune(netFrom(ins, mlp.Tanh), x, y, pruneOptions{factor: noLimit, step: 1e12})
		return nil
	}()
	if err == nil || !strings.Contains(err.Error(), "no knee") {
		t.Errorf("pruning with a step rule that never fires: error %v, want no knee", err)
	}
}

package identify

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// Fresh layers above a recovered layer. A first-round deep student that
// missed the floor usually has most of the teacher's first-layer neurons
// but is trapped in the layers above, which were shaped around the
// neurons it lacks; rebuilt on the recovered layer, it stays trapped. On
// the default 4→5→3→1 g teacher, students given the teacher's exact first
// layer and random layers above reached the floor 2 times in 10 with
// every layer free and 7 in 10 with the first layer frozen: with the
// recovered layers fixed, what is left is a problem with one hidden layer
// less, which restarts solve as they solve the shallow one.

// freshAboveSeed separates the random streams of fresh upper layers from
// those of the run's students and of the retraining.
const freshAboveSeed = 0x5bd1e995 << 16

// topUp makes sure that at least ⌈γN⌉ of the students above recovered
// layer l are at the floor, N = Config.Students: students that
// retraining left above the floor, and as many more as the run lacks
// (first-layer clustering may have used only the students at the floor),
// get fresh random layers above l, trained with the recovered layers 0…l
// frozen (restarting trapped attempts) and then with every layer free. A
// fresh student replaces a trapped one if it ends lower. It does nothing
// when enough students are already at the floor, nor for students too
// wide for the deep recipe (Config.deepRecipe): those are not trained to a
// floor, and fresh upper layers would cost a whole student's training.
func topUp(ctx context.Context, x, y *mat.Dense, students []student, l int, ins []*mat.Dense, c *Config) ([]student, error) {
	if !c.deepRecipe(students[0].net.NumParams()) {
		return students, nil
	}
	need, err := cluster.MinClusterSize(c.Gamma, c.Students)
	if err != nil {
		return students, err
	}
	_, floor := c.freshAboveRecipe(l)
	var trapped []int
	// Added students are numbered after every student of the first
	// round, including those clusterPool left out.
	next := c.Students
	for i, s := range students {
		if !(s.loss <= floor) {
			trapped = append(trapped, i)
		}
		next = max(next, s.index+1)
	}
	missing := max(0, c.Students-len(students))
	if len(students)-len(trapped) >= need || len(trapped)+missing == 0 {
		return students, nil
	}
	// The fresh students' restarts end once the students at the floor
	// number ⌈γN⌉ + 1, or, from the late round on, deepLateEnough: the
	// next layer is clustered over those (clusterPool), as the first
	// layer is after the first round's late stop. One more than ⌈γN⌉
	// as in the first round (manyConfig): train.Many cuts a restart
	// round at the attempt that reaches Enough, so exactly ⌈γN⌉ would
	// leave no slack for a student at the floor that lacks a neuron (on
	// the deep family's ReLU 6→4→4→2 teacher, layer 2 clustered to 3
	// neurons of 4).
	atFloor := len(students) - len(trapped)
	enough := min(need+1-atFloor, len(trapped)+missing)
	late := max(1, deepLateEnough-atFloor)
	var stop func(int, []train.StudentResult) bool
	if c.polishedAbove(l) {
		// Polished attempts cost ~5 s of CPU each on the deep family's
		// three-hidden-layer ReLU teachers: end them on agreement too.
		stop = freshAgreementStop(x, studentsBelow(students, floor), l, floor, c)
	}
	fresh, err := freshAbove(ctx, x, y, students[0].net, l, ins, len(trapped)+missing, enough, late, stop, c)
	if ctx.Err() != nil {
		return students, ctx.Err()
	}
	if err != nil {
		return students, err
	}
	out := append([]student(nil), students...)
	for k, r := range fresh {
		ok := r.Err == nil && r.Net != nil
		switch {
		case k < len(trapped):
			if i := trapped[k]; ok && r.Loss < out[i].loss {
				out[i] = student{index: out[i].index, net: r.Net, loss: r.Loss}
			}
		case ok:
			out = append(out, student{index: next, net: r.Net, loss: r.Loss})
			next++
		}
	}
	return out, nil
}

// freshAbove trains n students shaped like like above the recovered layers
// ins (0…l): random layers above, trained with the recovered layers frozen
// (their restarts ending once enough of them, or late of them from round
// deepLateRound on, are at the floor: train.ManyConfig.Enough) and then
// with every layer free.
func freshAbove(ctx context.Context, x, y *mat.Dense, like *mlp.Network, l int, ins []*mat.Dense, n, enough, late int, stop func(int, []train.StudentResult) bool, c *Config) ([]train.StudentResult, error) {
	sizes := like.Sizes()
	for i, in := range ins {
		sizes[i+1] = in.RawMatrix().Rows
	}
	spec := mlp.Spec{Sizes: sizes, Acts: like.Spec().Acts}
	build := func(_ int, rng *rand.Rand) (*mlp.Network, error) {
		net, err := mlp.New(spec)
		if err != nil {
			return nil, err
		}
		net.InitGlorotGain(rng, c.InitGain)
		for i, in := range ins {
			setIncoming(net.Layer(i), in)
		}
		return net, nil
	}
	shape, err := mlp.New(spec)
	if err != nil {
		return nil, err
	}
	_, end := shape.LayerParams(l)
	frozen, err := train.FrozenMask(shape.NumParams(), train.Range{Start: 0, End: end})
	if err != nil {
		return nil, err
	}
	seed := c.Seed + freshAboveSeed + uint64(l)
	phases, floor := c.freshAboveRecipe(l)
	cfg := trainConfig(train.Config{Phases: phases, Trainable: frozen}, c.Recorder)
	upper, _ := train.Many(ctx, x, y, n, build, train.ManyConfig{Config: cfg, Seed: seed, Workers: c.Workers,
		Restarts: c.Restarts, RestartLoss: floor, Enough: enough, LateEnough: late, LateRound: deepLateRound, StopAfter: stop})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	polished, _ := train.Many(ctx, x, y, n, func(k int, _ *rand.Rand) (*mlp.Network, error) {
		if upper[k].Net == nil {
			return nil, fmt.Errorf("no fresh student above layer %d", l+1)
		}
		return upper[k].Net, nil
	}, train.ManyConfig{Config: c.retrainConfig(shape.NumParams()), Seed: seed + 1, Workers: c.Workers, Restarts: -1})
	// A student that failed carries its error in its result; only
	// cancellation ends the run.
	return polished, nil
}

// freshAgreementStop is the train.ManyConfig.StopAfter of fresh layers
// above recovered layer l: before the late round, a round ends the
// restarts once the students at the floor — atFloor, already there, and
// the fresh ones — number deepLateEnough or more and are unanimous on
// layer l+1 (unanimousLayer). Students at the floor after the first fresh
// attempts usually are: on the deep family's ReLU 6→3→5→3→2 teacher two
// retrained and two fresh students were at the floor after round 0, and
// rounds 1–2 (~45 s of CPU) added one more, the layer clustered from all
// five the same five neurons.
func freshAgreementStop(x *mat.Dense, atFloor []student, l int, floor float64, c *Config) func(int, []train.StudentResult) bool {
	return func(round int, best []train.StudentResult) bool {
		if round >= deepLateRound {
			return false
		}
		pool := append(append([]student(nil), atFloor...), studentsBelow(trainedStudents(best), floor)...)
		return len(pool) >= deepLateEnough && unanimousLayer(x, pool, l+1, c)
	}
}

// unanimousLayer reports whether layer l of students (which agree on
// the layers below it) clusters into the same kept neurons, at least one,
// when every kept cluster must hold all of them as when it may hold only
// deepLateEnough of them (or all but one, of fewer students): no neuron is
// held by three of them or more but not by all. Students merely at the
// floor can each miss a neuron; asked together, they show whether one
// does. All but one is not enough: on the deep family's leaky ReLU
// 4→4→3→2→1 teacher seven students at the floor held a layer-2 neuron in
// five, and clusters of two keep spurious neurons (ReLU 6→3→5→3→2: seven
// for five).
func unanimousLayer(x *mat.Dense, students []student, l int, c *Config) bool {
	u, err := geometryFactor(c.Geometry, students[0].net, x, l)
	if err != nil {
		return false
	}
	kept := func(size int) int {
		sc := *c
		sc.filterMinSize = size
		col, err := clusterLayer(students, l, &sc, u)
		if err != nil {
			return -1
		}
		return col.report.Kept
	}
	all := kept(len(students))
	return all > 0 && all == kept(min(len(students)-1, deepLateEnough))
}

// freshAboveRecipe returns the training phases of fresh layers above
// recovered layer l (0-based) and the floor at which topUp counts a
// student above l as there: the plain deep recipe and deepRestartLoss, or,
// for a piecewise-linear run on the smoothed polish (smoothedPolish) with
// two hidden layers or more above l, the first round's recipe
// (polishPhases) followed by the retraining with every layer free
// (freed), and the first round's floor (smoothRestartLoss). Plain
// training solves what is left above a recovered layer when that is one
// hidden layer; two piecewise-linear layers stall it as they stall a
// first-round student: on the deep family's ReLU 6→3→5→3→2 teacher, 448
// fresh attempts above its recovered first layer ended between 2e-6 and
// 0.08 in 250 s of CPU. The free retraining belongs to the attempt, so
// that its restart is judged on the loss it ends at: with the recovered
// layers a little off (a first layer recovered on loose agreement,
// looseAgreementLoss) the frozen stage cannot reach the floor, and the
// free one can. On the leaky ReLU 8→8→4→2→1 teacher with every weight of
// its first layer perturbed by 1 % (cosine distance ~3e-5), one fresh
// attempt in ten reached the teacher (4.8e-18) after the free stage,
// from 2.5e-4 after the frozen one.
func (c *Config) freshAboveRecipe(l int) ([]train.Phase, float64) {
	if c.polishedAbove(l) {
		return append(polishPhases(c.Activation), freed(retrainPhases(c.ZeroLoss))...), smoothRestartLoss
	}
	return plainDeepPhases(), deepRestartLoss
}

// freed returns copies of phases that train every parameter, whatever
// the configuration's Trainable mask (train.Phase.FreeAll).
func freed(phases []train.Phase) []train.Phase {
	out := append([]train.Phase(nil), phases...)
	for i := range out {
		out[i].FreeAll = true
	}
	return out
}

// polishedAbove reports whether fresh layers above recovered layer l take
// the smoothed polish (freshAboveRecipe) and end on agreement too
// (freshAgreementStop): a run on it (smoothedPolish) with two hidden
// layers or more above l.
func (c *Config) polishedAbove(l int) bool {
	return c.smoothedPolish() && c.HiddenLayers-1-l >= 2
}

// clusterPool returns the students whose layer is clustered. When fewer
// than ⌈γN⌉ students reached the floor but at least two did, it is those:
// a trapped student usually lacks one or two of the teacher's neurons, so
// with γ counted over all students those neurons' clusters fall below the
// size threshold. (On a 3→3→2→1 g teacher with 3 of 6 students at the
// floor, one first-layer cluster of three was kept; on the synthetic
// family's d_in = 2 teachers, students caught in flat channels miss
// neurons the same way.) In a deep run topUp restores the number of
// students above the recovered layer. Otherwise it is every student. The
// verdict flags such a run (FewStudentsAtFloor) either way.
func clusterPool(students []student, floor float64, c *Config) []student {
	need, err := cluster.MinClusterSize(c.Gamma, len(students))
	if err != nil {
		return students
	}
	pool := studentsBelow(students, floor)
	if len(pool) < 2 || len(pool) >= need {
		return students
	}
	return pool
}

// convergedLoss is the loss below which a deep run's student counts as
// converged to an exact zero-loss point rather than merely at the floor:
// ten times deepHandoverLoss, where the deep recipe and the retraining
// stop. Students at an exact point get there fast (Levenberg–Marquardt
// converges quadratically), while ones that fit the probes with a
// different, approximate network crawl between 1e-13 and 1e-10: on the
// deep family's softplus 5→2→4→1 teacher, three of ten first-round
// students stopped at 1e-16 with the first layer exact, seven at
// 3e-12…4e-10 held it only 1e-4…1e-1 off and 600 more iterations took
// them no lower than 3e-13, no closer.
const convergedLoss = 10 * deepHandoverLoss

// minConverged is the fewest converged students preferConverged clusters
// over: as many as a deep first round may end with at the floor
// (deepLateEnough), so that a kept cluster still rests on three students.
const minConverged = deepLateEnough

// preferConverged re-clusters layer l over the converged students alone
// (loss ≤ convergedLoss), when at least minConverged of them are among
// more, and keeps that clustering, and those students, if it keeps more
// neurons than col (LayerReport.Converged): students at an approximate
// zero-loss point hold a teacher neuron too far off to join its cluster,
// which then falls below the size threshold counted over them all. With
// converged students every cluster holds all of them, so a clustering
// that keeps more of them is the teacher's, and one that keeps as many
// changes nothing. Deep runs only; topUp restores the number of students
// above the layer.
func preferConverged(students []student, col *collapsed, l int, c *Config, u *mat.Dense) ([]student, *collapsed, error) {
	if !c.deep() {
		return students, col, nil
	}
	conv := studentsBelow(students, convergedLoss)
	if len(conv) < minConverged || len(conv) == len(students) {
		return students, col, nil
	}
	alt, err := clusterLayer(conv, l, c, u)
	if err != nil {
		return nil, nil, err
	}
	if alt.report.Kept <= col.report.Kept {
		return students, col, nil
	}
	alt.report.Converged = true
	return conv, alt, nil
}

// studentsBelow returns the students whose loss is at most loss, in order.
func studentsBelow(students []student, loss float64) []student {
	var out []student
	for _, s := range students {
		if s.loss <= loss {
			out = append(out, s)
		}
	}
	return out
}

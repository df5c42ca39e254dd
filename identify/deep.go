package identify

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
)

// Training of deep students (two or more hidden layers). A deep student
// converges to zero loss far more slowly than a shallow one, but its
// first-layer neurons line up with the teacher's long before: clustering
// needs them within β (7.5°), not within 1e-6. So the first round stops
// and restarts at a looser loss, and the recovered layer is made exact
// afterwards, when each student, rebuilt on it, is retrained with every
// layer free (see retrainAbove, clusterPool and topUp).
const (
	// deepRestartLoss: a deep student above this loss is restarted.
	deepRestartLoss = 1e-10
	// deepSearchIter and deepPolishIter are the iteration budgets of the
	// deep recipe's subset and full-data Levenberg–Marquardt phases.
	deepSearchIter = 400
	deepPolishIter = 60
	// retrainIter is the budget of retraining above a recovered layer.
	retrainIter = 600
	// deepRestarts is the number of restarts of a first-round deep
	// student: train.DefaultRestarts, as for shallow ones. A deep
	// student is trapped more often than a shallow one, and it needs the
	// floor only for the first layer to be clustered over a few students
	// (clusterPool): the layers above are trained afresh for the others
	// (topUp). So the round ends long before the restarts run out when
	// students reach the floor at all: at ⌈γN⌉ + 1 students there, at
	// deepLateEnough from the late round on, or on agreement. Only a
	// teacher whose students reach it in fewer than about three attempts
	// of a hundred gets further than ten attempts each, and there
	// clustering has nothing to go on without them: the deep family's g
	// 4→4→3→2→1 teacher had one student of 100 attempts at the floor
	// with 9 restarts, a first layer of 3 neurons for 4 and no layer
	// above; with 39, three by about the 300th attempt, and it was exact
	// in 135 s of CPU (scratch trace, two workers).
	deepRestarts = train.DefaultRestarts
	// deepLateEnough and deepLateRound end the first round once every
	// student has had deepLateRound+1 attempts and deepLateEnough of
	// them are at the floor, short of the ⌈γN⌉+1 it stops at otherwise
	// (train.ManyConfig.LateEnough): the first layer is then clustered over
	// those (clusterPool), and topUp trains fresh layers above it for the
	// others. Without it a teacher whose students reach the floor one
	// attempt in four or five runs up to all ten rounds, 100 attempts,
	// before its first layer is clustered. examples/deep's g teacher
	// (students at gain 1 before and after) stops with three at the floor
	// and is exact in 17.0 s instead of 42.9 s (results/deep).
	deepLateEnough = 3
	deepLateRound  = 2
	// deepMinImprove is the relative loss decrease the deep recipe's
	// subset phase must make every train.DefaultLMPatience iterations. A
	// deep attempt that gains less is trapped: at 10% per 40 iterations
	// the seven decades from 1e-3 to 1e-10 take some 6 000 iterations,
	// 15 times the budget. Against 1% (the shallow recipe's), it ended
	// the trapped attempts of the 4→5→3→1 g teacher 1.75 times sooner and
	// left the successes of every teacher measured unchanged (6 teachers,
	// 16 attempts each: results/deepattempts).
	deepMinImprove = 0.1
	// deepHandoverLoss ends the deep recipe's subset phase, and then the
	// full-data one: below it the student is past every trap and its
	// first-layer neurons as exact as clustering can use (the retraining
	// above the recovered layer goes on from there). Without it both
	// phases ran their whole budgets, from 1e-17 to 1e-23 on the way: on
	// the deep family's tanh 6→3→5→3→2 teacher every one of ten students
	// stopped at the iteration limits, 13–15 s each. Higher is faster
	// but too loose: below 1e-12 duplicated neurons make the loss fall
	// slowly (a softplus 8→8→4→2→1 student took 157 iterations to 1e-12
	// and 557 to 1e-16), but at 1e-12 the tanh 4→5→3→1 teacher's students
	// shared a spurious first-layer cluster (6 neurons for 5), and at
	// 1e-14 and 1e-15 a teacher neuron's cluster held only 7 or 8 of its
	// 10 students (the size threshold), against 10 at 1e-16.
	deepHandoverLoss = 1e-16
	// retrainMargin: retraining above a recovered layer stops at
	// Config.ZeroLoss times retrainMargin. Retrained students are
	// clustered at the next layer, which needs them at the zero-loss
	// threshold, not at the float64 floor; the final fine-tune makes the
	// assembled network exact. To the floor, the retraining of the same
	// teacher's students ran its whole 600-iteration budget, the last
	// 350 iterations from 1e-16 to 1e-19 (17 s per student). At 1 (the
	// threshold itself) the retraining is faster (softplus 8→8→4→2→1:
	// 5 s instead of 17 s of a 153-s run), but the next layer clusters
	// more loosely: in a deep-family sweep GELU 4→3→5→1's second layer
	// lost a neuron (recovered by the top-layer fallback, 3× the CPU)
	// and ReLU 6→4→4→2's was not recovered.
	retrainMargin = 1e-2
	// smoothIter is the budget of each step of smoothPhases.
	smoothIter = 300
	// smoothRestartLoss replaces deepRestartLoss for students trained
	// through smoothings (smoothPhases, polishPhases). Piecewise-linear
	// students stall between 1e-10 and 1e-6 more often than smooth ones,
	// but their first layer is already in place: on the deep family's ReLU 4→5→3→1 teacher, six
	// of eight students held every teacher neuron of layer 1 within 5°
	// at 1e-6…1e-8, and one in four reached the floor. The teacher was
	// exact with 1e-8 here in 265 s of CPU and with 1e-7 in 209 s.
	smoothRestartLoss = 1e-7
)

// smoothGates end a continuation whose loss is above the gate at the end
// of the step of that β: on that teacher no student above them reached
// smoothRestartLoss, and ending them there saves most of their time.
var smoothGates = map[float64]float64{1: 2e-6, 8: 1e-7}

// firstRoundRestartLoss is the loss above which a first-round student of
// the deep recipe is restarted, and the floor its first layer is
// clustered at: deepRestartLoss, or smoothRestartLoss for students trained
// through smoothings (continuation or the smoothed polish).
func (c *Config) firstRoundRestartLoss() float64 {
	if c.Continuation || c.smoothedPolish() {
		return smoothRestartLoss
	}
	return deepRestartLoss
}

// firstRoundTarget is the loss a first-round student of the deep recipe
// must reach not to be restarted, and that the round's stop counts
// (train.ManyConfig.RestartLoss, Enough): convergedLoss for the plain
// recipe, firstRoundRestartLoss for students trained through smoothings,
// whose piecewise-linear kinks keep them from converging as fast. The
// first layer is still clustered over every student at
// firstRoundRestartLoss. A plain student at an exact zero-loss point
// passes 1e-15 within the recipe's budget, one at an approximate point
// crawls between 1e-13 and 1e-10 and, counted at the floor, could end the
// round short of students that hold every neuron: on the deep family's
// g 4→5→3→1 teacher the round stopped with three students below 1e-10,
// one of them converged, and the first layer lost a neuron (with 1e-15:
// exact, in 0.55× the CPU). Over 53 smooth-activation teachers the
// outcome was otherwise unchanged, at a median 0.97× the CPU
// (results/deepfamily-conv-restart, whose one loss, SiLU 4→5→3→1, relaxTop
// now recovers).
func (c *Config) firstRoundTarget() float64 {
	if r := c.firstRoundRestartLoss(); r != deepRestartLoss {
		return r
	}
	return convergedLoss
}

// polishedLateRound replaces deepLateRound in the first round of students
// on the smoothed polish (smoothedPolish), whose attempts cost 10–18 s of
// CPU on the deep family's three-hidden-layer teachers, a third of them
// reaching the floor: the round ends once every student has had two
// attempts, not three, and three are at the floor. Over the family's 16
// ReLU and leaky ReLU teachers the same 12 were exact, at a median 0.90×
// the CPU (0.72× and 0.78× on leaky ReLU and ReLU 4→4→3→2→1;
// results/deepfamily-v28-late1). From the first attempt on (round 0) it
// lost a first-layer neuron of identify's two-hidden-layer ReLU test
// teacher: three students at the floor held two of its three.
const polishedLateRound = 1

// firstRoundLateRound is the round from which a deep first round ends at
// deepLateEnough students at the floor.
func (c *Config) firstRoundLateRound() int {
	if c.smoothedPolish() {
		return polishedLateRound
	}
	return deepLateRound
}

// polishBetas are the steps of the smoothed polish (smoothedPolish): β of
// mlp.Smoothed, kinks from a thirty-second of a unit pre-activation wide to
// narrower than the data resolve. The first step does the work: on the
// deep family's leaky ReLU 4→5→3→1 teacher, the same eight attempts ended
// at the floor once with β = 128 and 1024 alone, twice with 32 first, and
// once starting at 8 (which left four with every first-layer neuron
// within cosine distance 1e-6, against three).
var polishBetas = []float64{32, 128, 1024}

// smoothedPolish reports whether the deep recipe's students polish through
// smoothings of the activation after plain training: deep runs on the
// default recipe whose activation is piecewise linear with a smoothing
// (mlp.Smoothed), unless Config.Continuation or Config.PlainPiecewise.
func (c *Config) smoothedPolish() bool {
	_, smooth := mlp.Smoothed(c.Activation, 1)
	return smooth && c.deep() && !c.Continuation && !c.PlainPiecewise && c.Train.Phases == nil
}

// deepPhases is the default recipe of deep students: Levenberg–Marquardt
// on a subset, gated at deepRestartLoss, then on all the data; with
// Config.Continuation, continuation through the activation's smoothings
// first (smoothPhases), and all the data throughout.
func (c *Config) deepPhases() []train.Phase {
	if smooth := c.smoothPhases(); smooth != nil {
		return append(smooth, train.Phase{Name: "lm", Optimizer: &train.LM{Geodesic: true},
			Stop: train.StopRules{Loss: deepHandoverLoss, MaxIter: deepSearchIter, Patience: train.DefaultLMPatience, MinRelImprove: deepMinImprove}})
	}
	if c.smoothedPolish() {
		return polishPhases(c.Activation)
	}
	return plainDeepPhases()
}

// polishPhases is the deep recipe of piecewise-linear students: plain
// Levenberg–Marquardt on all the data until it stalls, then through the
// activation's smoothings at polishBetas from where it stalled, then the
// activation itself again. Plain training of deep ReLU and leaky ReLU
// students stalls between 1e-3 and 1e-5 (a step that moves a kink across
// samples breaks the linearisation) with most first-layer neurons within
// a few degrees of the teacher's; smoothed, the same students slide the
// kinks into place. On the deep family's ReLU 4→5→3→1 teacher no attempt
// of ten reached 1e-10 plain, and 5 of 20 did polished, with every
// first-layer neuron within cosine distance 1e-6 in 10 of the 20; on leaky
// ReLU 4→5→3→1, 1 in 50 plain against 4 of 20 polished (scratch runs, at
// most 12 s of CPU per attempt). A student the first phase brings to the
// floor skips the rest (Phase.Finish).
func polishPhases(act mlp.Activation) []train.Phase {
	phases := []train.Phase{{Name: "lm", Optimizer: &train.LM{Geodesic: true}, Finish: deepHandoverLoss,
		Stop: train.StopRules{Loss: deepHandoverLoss, MaxIter: deepSearchIter, Patience: train.DefaultLMPatience, MinRelImprove: deepMinImprove}}}
	phases = append(phases, smoothedPhases(act, "polish", polishBetas)...)
	return append(phases, train.Phase{Name: "lm-polished", Optimizer: &train.LM{Geodesic: true},
		Stop: train.StopRules{Loss: deepHandoverLoss, MaxIter: deepPolishIter, Patience: 20, MinRelImprove: 0.01}})
}

// plainDeepPhases is deepPhases without continuation. Fresh layers above
// a recovered layer (freshAbove) always take it: with the layers below
// frozen they are a problem with one hidden layer less, which plain
// training solves (on the deep family's ReLU 4→5→3→1 teacher, fresh
// upper layers trained by continuation ran 450 attempts in two minutes).
func plainDeepPhases() []train.Phase {
	return []train.Phase{
		{Name: "lm-subset", Optimizer: &train.LM{Geodesic: true}, SubsetPerParam: train.DefaultSubsetPerParam, Gate: deepRestartLoss,
			Stop: train.StopRules{Loss: deepHandoverLoss, MaxIter: deepSearchIter, Patience: train.DefaultLMPatience, MinRelImprove: deepMinImprove}},
		{Name: "lm", Optimizer: &train.LM{Geodesic: true},
			Stop: train.StopRules{Loss: deepHandoverLoss, MaxIter: deepPolishIter, Patience: 20, MinRelImprove: 0.01}},
	}
}

// smoothBetas are the steps of the continuation of a piecewise-linear
// activation: β of mlp.Smoothed, from a smooth start (softplus for ReLU)
// to kinks narrower than the data resolve; doubling while the loss is
// still falling fast, then fourfold (on the ReLU 4→5→3→1 teacher, the ten
// steps 1, 2, …, 1024 took 14% longer, 2 min 31 s against 2 min 12 s,
// for the same result).
var smoothBetas = []float64{1, 2, 4, 8, 32, 128, 1024}

// smoothPhases is the continuation of deep students through the
// smoothings of their piecewise-linear activation at smoothBetas, on all
// the data, or nil without Config.Continuation. Deep ReLU students trained
// with ReLU itself stall far above the floor: Levenberg–Marquardt's
// linearisation breaks wherever a step moves a kink across samples.
// On all the data, not a subset: on the deep family's ReLU 4→5→3→1
// teacher, students at 1e-9 on a subset of five samples per parameter
// were at 1e-6 on the rest.
func (c *Config) smoothPhases() []train.Phase {
	if !c.Continuation {
		return nil
	}
	phases := smoothedPhases(c.Activation, "smooth", smoothBetas)
	if phases == nil {
		return nil // withDefaults refuses Continuation without a smoothing
	}
	for i, beta := range smoothBetas {
		phases[i].Gate = smoothGates[beta]
	}
	return phases
}

// smoothedPhases returns one Levenberg–Marquardt phase on all the data per
// β of betas, each training through mlp.Smoothed(act, β) and named
// prefix-β; nil if act has no smoothing.
func smoothedPhases(act mlp.Activation, prefix string, betas []float64) []train.Phase {
	var phases []train.Phase
	for _, beta := range betas {
		a, ok := mlp.Smoothed(act, beta)
		if !ok {
			return nil
		}
		phases = append(phases, train.Phase{Name: fmt.Sprintf("%s-β%g", prefix, beta), Optimizer: &train.LM{Geodesic: true}, Activation: a,
			Stop: train.StopRules{Loss: deepHandoverLoss, MaxIter: smoothIter, Patience: train.DefaultLMPatience, MinRelImprove: deepMinImprove}})
	}
	return phases
}

// retrainPhases is the default recipe of retraining above a recovered
// layer: the rebuilt student starts close to a zero-loss point, so
// Levenberg–Marquardt on all the data goes straight to zeroLoss times
// retrainMargin.
func retrainPhases(zeroLoss float64) []train.Phase {
	return []train.Phase{{Name: "retrain", Optimizer: &train.LM{Geodesic: true},
		Stop: train.StopRules{Loss: zeroLoss * retrainMargin, MaxIter: retrainIter, Patience: 30, MinRelImprove: 0.01}}}
}

// retrainConfig is the training configuration of every layer of students
// of params parameters above a recovered layer: Config.Retrain, by default
// retrainPhases for students small enough for Levenberg–Marquardt and
// train's size-based default (matrix-free Gauss–Newton) for wider ones.
func (c *Config) retrainConfig(params int) train.Config {
	cfg := c.Retrain
	if cfg.Phases == nil && params <= train.LMMaxParams {
		cfg.Phases = retrainPhases(c.ZeroLoss)
	}
	return trainConfig(cfg, c.Recorder)
}

// deep reports whether the run's students have more than one hidden layer.
func (c *Config) deep() bool { return c.HiddenLayers > 1 }

// deepRecipe reports whether students of params parameters take the deep
// recipe (deepPhases, restarts at deepRestartLoss): a deep run whose
// students are small enough for Levenberg–Marquardt. Wider deep students
// (a 784-input teacher's) take train's size-based default, matrix-free
// Gauss–Newton, as shallow ones do: the deep recipe's dense normal
// equations would need a P×P matrix, and train.LM refuses it.
func (c *Config) deepRecipe(params int) bool {
	return c.deep() && params <= train.LMMaxParams
}

// copyLowerLayers overwrites the recovered incoming vectors ins (layers
// 0…len(ins)−1) with those of net, whose lower layers were retrained from
// them: the layers above were clustered against these values.
func copyLowerLayers(ins []*mat.Dense, net *mlp.Network) {
	for l, in := range ins {
		L := net.Layer(l)
		for j := 0; j < L.Out; j++ {
			row := in.RawRowView(j)
			copy(row[:L.In], L.W.RawRowView(j))
			row[L.In] = L.B[j]
		}
	}
}

// bestStudent returns the student of lowest loss (lowest index on ties).
func bestStudent(students []student) student {
	b := students[0]
	for _, s := range students[1:] {
		if better(s, b) {
			b = s
		}
	}
	return b
}

// orient chooses, for activations with a linear residue (σ(z) − σ(−z) =
// κz: ReLU, softplus, GELU, …), which way each recovered neuron of hidden
// layer l of a deep network points. Clustering stores a neuron as its
// canonical vector u, which may be the teacher's −w; the teacher's
// a·σ(w·x̃) is then a·σ(u·x̃) − κa·(u·x̃), and the linear term has no
// place in the layers above (the one-layer skip path only reaches the
// output). Every student shows the term: the part of its next layer's
// pre-activation that the recovered neurons do not explain, regressed on
// the layer's input [h, 1], is −κ Σ_{flipped n} u_n a_nᵀ. orient fits the
// flip indicators to that regression by least squares, for every student,
// and negates in col.in the neurons a majority of students flip. The
// teacher's orientation is then the recovered one, and the rebuilt students
// (or the assembled network) need no linear term. refineOrientation then
// revisits the vote: below the top layer for the neurons whose vote is
// split, against the students' next layers; on the top layer of a deep
// run for every neuron, against the targets y on the recovered layers
// below (ins).
func orient(x, y *mat.Dense, ins []*mat.Dense, students []student, l int, col *collapsed, c *Config) error {
	if !hasLinearResidue(c.Activation) || !c.deep() || col.in == nil {
		return nil
	}
	kappa := c.Activation.Eval(1) - c.Activation.Eval(-1)
	k, _ := col.in.Dims()
	votes := make([]int, k)
	views := make([]nextView, len(students))
	for i, s := range students {
		v, err := studentNextView(x, s.net, l)
		if err != nil {
			return fmt.Errorf("identify: orienting layer %d: %w", l+1, err)
		}
		views[i] = v
		flips, err := flipFit(v, s.net, l, col.in, col.out[i], col.nextBias[i], kappa)
		if err != nil {
			return fmt.Errorf("identify: orienting layer %d: %w", l+1, err)
		}
		for n, f := range flips {
			if f {
				votes[n]++
			}
		}
	}
	flip := make([]bool, k)
	for n, v := range votes {
		flip[n] = 2*v > len(students)
	}
	open := make([]bool, k)
	if l > 0 && l == c.HiddenLayers-1 {
		// The top layer feeds the output, whose targets y are known:
		// every neuron is open, judged against y on the recovered layers
		// below, the network that will be assembled.
		v, err := outputView(x, y, ins, c.Activation)
		if err != nil {
			return fmt.Errorf("identify: orienting layer %d: %w", l+1, err)
		}
		for n := range open {
			open[n] = true
		}
		views = []nextView{v}
	} else {
		// Only neurons whose vote is split are left to refineOrientation.
		for n, v := range votes {
			open[n] = 10*v > 3*len(students) && 10*v < 7*len(students)
		}
	}
	flip = refineOrientation(views, col.in, c.Activation, flip, open)
	for n, f := range flip {
		if f {
			floats.Scale(-1, col.in.RawRowView(n))
		}
	}
	return nil
}

// nextView is what orienting a student's layer l looks at: the layer's
// inputs with a column of ones, hx = [h, 1], the student's next-layer
// pre-activations zs on them, and the same for the next layer's live
// neurons only (liveNeurons: a silent one has arbitrary incoming weights).
type nextView struct {
	hx, zs, zsLive *mat.Dense
	// extra, if not nil, holds more columns of every design next to the
	// recovered neurons and the constant: the network inputs a skip path
	// carries to the output. refineOrientation projects them out of the
	// features and targets once instead of refitting them in every score
	// (for 784 inputs and 2^15 probes: one thin SVD, 19 s on this
	// project's 2-core machine, where a refit of 785 extra columns per
	// score would cost about as much for each of up to 1024 scores).
	extra *mat.Dense
}

// outputView is the nextView of the top hidden layer of the network that
// will be assembled: its inputs are the outputs of the recovered hidden
// layers ins on x, the pre-activations to explain are the targets y, and
// the skip path of an even+linear network adds x to every design. Without
// x the deep family's ReLU 6→4→4→2 teacher's top layer was oriented wrong
// (a neuron 0.8 off); with it, right.
func outputView(x, y *mat.Dense, ins []*mat.Dense, act mlp.Activation) (nextView, error) {
	h, err := recoveredFeatures(x, ins, act)
	if err != nil {
		return nextView{}, err
	}
	v := nextView{hx: withOnes(h), zs: y, zsLive: y}
	if hasLinearResidue(act) {
		v.extra = x
	}
	return v, nil
}

// recoveredFeatures returns the outputs on x of the last of the recovered
// hidden layers ins (incoming vectors [W | b]): the inputs of the layer
// above them.
func recoveredFeatures(x *mat.Dense, ins []*mat.Dense, act mlp.Activation) (*mat.Dense, error) {
	net, err := buildNet(ins, x.RawMatrix().Cols, 1, act, false)
	if err != nil {
		return nil, err
	}
	var h mat.Dense
	if err := net.Hidden(nil, &h, x, len(ins)-1); err != nil {
		return nil, err
	}
	return &h, nil
}

// studentNextView computes net's nextView of hidden layer l on x.
func studentNextView(x *mat.Dense, net *mlp.Network, l int) (nextView, error) {
	h, err := layerInputs(net, x, l)
	if err != nil {
		return nextView{}, err
	}
	var hl mat.Dense // the student's own layer l
	if err := net.Hidden(nil, &hl, x, l); err != nil {
		return nextView{}, err
	}
	next := net.Layer(l + 1)
	zs := new(mat.Dense)
	zs.Mul(&hl, next.W.T())
	rows, _ := zs.Dims()
	for i := 0; i < rows; i++ {
		floats.Add(zs.RawRowView(i), next.B)
	}
	live := liveNeurons(net, l+1)
	zsLive := mat.NewDense(rows, max(1, len(live)), nil)
	for i, o := range live {
		zsLive.SetCol(i, mat.Col(nil, o, zs))
	}
	return nextView{hx: withOnes(h), zs: zs, zsLive: zsLive}, nil
}

// residualFloor is added to every unexplained fraction before its log:
// below it, about the float64 floor of the least squares, fractions are
// equally zero.
const residualFloor = 1e-13

// refineOrientation improves the voted orientation flip of the recovered
// neurons in (rows of [w, b] on layer l's inputs) by the criterion the
// rebuilt students live by: under the teacher's orientation, the
// recovered neurons' outputs and a constant explain the pre-activations
// of a student's next-layer neurons that are the teacher's, while a
// neuron the wrong way round leaves the linear term κ·a·(u·x̃)
// unexplained. The score is the sum over students and their live
// next-layer neurons (a silent one's pre-activations are arbitrary) of the
// log of the unexplained fraction: a student's extra live neurons, which
// no orientation explains, move it little, while the teacher's neurons go
// from ~1e-15 to ~1e-2 when one recovered neuron is flipped. Of the
// orientations of the open neurons (orient opens those whose vote is
// split, between 30% and 70% of the students, and on the top layer all)
// it takes the best, by trying all of them when there are at most
// exhaustiveOpen, one toggle at a time otherwise, and keeps the votes
// unless that halves the product of the fractions.
//
// The votes alone can tie or err when students carry linear terms of
// their own: on the deep family's softplus 8→6→3→3 teacher a neuron got 5
// votes of 10, stayed the wrong way round, and every rebuilt student
// started its retraining at loss 6.3e-2. Below the top layer a decisive
// vote stands: scored against students' next layers, on the ReLU
// 6→4→4→2 teacher's top layer, the score overturned a neuron with 9 of 10
// votes (its retrained students sit above the floor, where the fractions
// say less than the votes). On the top layer the targets themselves are
// the next layer (outputView), and they overturn unanimous votes that are
// wrong: a top layer wider than its inputs (GELU and SiLU 4→3→5→1, five
// neurons on three inputs) leaves the votes' linear fit underdetermined.
// On the GELU 8→6→3→3 teacher a plain sum of the fractions, dominated by
// the students' extra live neurons at 0.1–0.6, flipped two neurons with 3
// and 2 votes that the teacher does not flip; the sum of logs does not.
func refineOrientation(views []nextView, in *mat.Dense, act mlp.Activation, flip, open []bool) []bool {
	if len(views) == 0 || !slices.Contains(open, true) {
		return flip
	}
	k, _ := in.Dims()
	rows, _ := views[0].hx.Dims()
	// The recovered neurons' outputs either way round, per student (the
	// students' lower layers may differ above layer 1).
	pos := make([]*mat.Dense, len(views))
	neg := make([]*mat.Dense, len(views))
	targets := make([]*mat.Dense, len(views))
	for i, v := range views {
		pos[i], neg[i] = new(mat.Dense), new(mat.Dense)
		pos[i].Mul(v.hx, in.T())
		neg[i].Scale(-1, pos[i])
		pos[i].Apply(func(_, _ int, z float64) float64 { return act.Eval(z) }, pos[i])
		neg[i].Apply(func(_, _ int, z float64) float64 { return act.Eval(z) }, neg[i])
		targets[i] = v.zsLive
		if v.extra != nil {
			// The least-squares residual on [features, 1, extra] is that
			// of the parts of the targets and features off span[extra, 1].
			if off, ok := offSpan(withOnes(v.extra)); ok {
				pos[i], neg[i], targets[i] = off(pos[i]), off(neg[i]), off(v.zsLive)
			}
		}
	}
	design := mat.NewDense(rows, k+1, nil)
	score := func(f []bool) float64 {
		total := 0.0
		for i := range views {
			for r := 0; r < rows; r++ {
				row := design.RawRowView(r)
				for n := 0; n < k; n++ {
					if f[n] {
						row[n] = neg[i].At(r, n)
					} else {
						row[n] = pos[i].At(r, n)
					}
				}
				row[k] = 1
			}
			for _, r := range relativeResiduals(design, targets[i]) {
				total += math.Log(r + residualFloor)
			}
		}
		return total
	}
	var idx []int // the open neurons
	for n, o := range open {
		if o {
			idx = append(idx, n)
		}
	}
	if len(idx) <= exhaustiveOpen {
		return bestAssignment(flip, idx, score)
	}
	return greedyAssignment(flip, idx, score)
}

// exhaustiveOpen is the largest number of open neurons whose 2^n
// orientations refineOrientation scores all; above it, it toggles one at a
// time.
const exhaustiveOpen = 10

// bestAssignment returns the orientation of the neurons idx, of all 2^len(idx),
// whose score is lowest, unless it beats that of flip by less than a factor
// of two in the product of the fractions: then flip. One at a time can
// stall: on a GELU 4→3→5→1 teacher's top layer two wrongly oriented
// neurons whose linear terms partly cancel leave less residual than either
// alone.
func bestAssignment(flip []bool, idx []int, score func([]bool) float64) []bool {
	start := score(flip)
	best, bestScore := slices.Clone(flip), start
	f := slices.Clone(flip)
	for m := 0; m < 1<<len(idx); m++ {
		for b, n := range idx {
			f[n] = m&(1<<b) != 0
		}
		if s := score(f); s < bestScore {
			best, bestScore = slices.Clone(f), s
		}
	}
	if bestScore < start-math.Ln2 {
		return best
	}
	return flip
}

// greedyAssignment toggles one neuron of idx at a time while that halves
// the product of the fractions.
func greedyAssignment(flip []bool, idx []int, score func([]bool) float64) []bool {
	best := score(flip)
	for pass := 0; pass < len(idx); pass++ {
		improved := false
		for _, n := range idx {
			flip[n] = !flip[n]
			if s := score(flip); s < best-math.Ln2 {
				best, improved = s, true
			} else {
				flip[n] = !flip[n]
			}
		}
		if !improved {
			break
		}
	}
	return flip
}

// offSpan returns the map m ↦ m − P·m, P the orthogonal projector onto the
// column span of e (its numerical range: inputs constant on the data, a
// pixel that is always 0, make e rank-deficient), and false if e's SVD
// fails.
func offSpan(e *mat.Dense) (func(*mat.Dense) *mat.Dense, bool) {
	var svd mat.SVD
	if !svd.Factorize(e, mat.SVDThin) {
		return nil, false
	}
	var u mat.Dense
	svd.UTo(&u)
	rows, _ := e.Dims()
	basis := u.Slice(0, rows, 0, svd.Rank(1e-12)) // singular values descend
	return func(m *mat.Dense) *mat.Dense {
		var coef mat.Dense
		coef.Mul(basis.T(), m)
		out := new(mat.Dense)
		out.Mul(basis, &coef)
		out.Sub(m, out)
		return out
	}, true
}

// relativeResiduals returns, for each column of z, the part of its
// variance that least squares on design leaves unexplained (0 for a
// constant column); all 1 if the solve fails.
func relativeResiduals(design, z *mat.Dense) []float64 {
	rows, cols := z.Dims()
	out := make([]float64, cols)
	var beta, fit mat.Dense
	if err := beta.Solve(design, z); err != nil {
		for j := range out {
			out[j] = 1
		}
		return out
	}
	fit.Mul(design, &beta)
	fit.Sub(z, &fit)
	col := make([]float64, rows)
	for j := 0; j < cols; j++ {
		mat.Col(col, j, z)
		mean := floats.Sum(col) / float64(rows)
		resid, spread := 0.0, 0.0
		for i := 0; i < rows; i++ {
			r := fit.At(i, j)
			resid += r * r
			d := col[i] - mean
			spread += d * d
		}
		if spread > 0 {
			out[j] = resid / spread
		}
	}
	return out
}

// flipFit returns which recovered neurons (rows of in, outgoing weights
// out, next-layer bias bias) net represents the other way round: see
// orient.
func flipFit(v nextView, net *mlp.Network, l int, in, out *mat.Dense, bias []float64, kappa float64) ([]bool, error) {
	hx, zs := v.hx, v.zs
	rows, _ := hx.Dims()
	var feats mat.Dense // the recovered neurons' outputs
	feats.Mul(hx, in.T())
	for i := 0; i < rows; i++ {
		fr := feats.RawRowView(i)
		for n := range fr {
			fr[n] = net.Spec().Acts[l].Eval(fr[n])
		}
	}
	k, _ := out.Dims()
	shares, linear, lin := jointShares(&feats, hx, zs, out)
	if shares == nil {
		shares, linear, lin = summedShares(&feats, hx, zs, out, bias)
	}
	if linear == nil {
		return nil, fmt.Errorf("least squares of the student's layer %d pre-activations on its inputs failed", l+2)
	}
	// linear ≈ Σ_n s_n (−κ u_n a_nᵀ): least squares for s over the entries
	// of the next layer's non-silent neurons (a silent one has random
	// incoming weights, which no flip explains), in the first lin rows.
	live := liveNeurons(net, l+1)
	design := mat.NewDense(lin*len(live), k, nil)
	target := mat.NewVecDense(lin*len(live), nil)
	for j := 0; j < lin; j++ {
		for i, o := range live {
			row := j*len(live) + i
			target.SetVec(row, linear.At(j, o))
			for n := 0; n < k; n++ {
				design.Set(row, n, -kappa*in.At(n, j)*shares.At(n, o))
			}
		}
	}
	// Minimum norm: a neuron the student lacks has a zero column and
	// gets s = 0 (no vote).
	flips, ok := fitFlips(design, target)
	if !ok {
		return nil, fmt.Errorf("SVD of the %d×%d flip design failed", lin*len(live), k)
	}
	return flips, nil
}

// jointShares regresses the student's next pre-activations zs on the
// recovered neurons' outputs feats and the layer inputs hx = [h, 1] at
// once, and returns the neurons' shares (k × next width; zero for a neuron
// whose summed outgoing weights out are zero: the student lacks it), the
// linear part (rows of hx's columns) and how many of its rows the flips
// explain: those of h, not the bias row, which also holds the next layer's
// own bias. Summed over a cluster's core members only, the shares leave
// whatever the student's other copies of a neuron carry in the residual,
// where the linear fit takes it for flips: on the deep family's softplus
// 4→5→3→1 teacher the ten students' votes were 0, 4, 1, 4, 3 for the five
// neurons. It returns nils if the regression fails (collinear columns: a
// recovered neuron affine on the data).
func jointShares(feats, hx, zs, out *mat.Dense) (shares, linear *mat.Dense, lin int) {
	rows, k := feats.Dims()
	_, dx := hx.Dims()
	design := mat.NewDense(rows, k+dx, nil)
	design.Slice(0, rows, 0, k).(*mat.Dense).Copy(feats)
	design.Slice(0, rows, k, k+dx).(*mat.Dense).Copy(hx)
	var beta mat.Dense
	if err := beta.Solve(design, zs); err != nil {
		return nil, nil, 0
	}
	_, m := zs.Dims()
	shares = mat.DenseCopyOf(beta.Slice(0, k, 0, m))
	for n := 0; n < k; n++ {
		if floats.Norm(out.RawRowView(n), 2) == 0 {
			for o := 0; o < m; o++ {
				shares.Set(n, o, 0)
			}
		}
	}
	return shares, mat.DenseCopyOf(beta.Slice(k, k+dx, 0, m)), dx - 1
}

// summedShares is jointShares' fallback: the shares are the summed
// outgoing weights out, and the linear part is the least squares of what
// they and the next layer's bias leave of zs on hx, every row of which
// (the bias too) the flips explain. It returns a nil linear part if that
// fails.
func summedShares(feats, hx, zs, out *mat.Dense, bias []float64) (shares, linear *mat.Dense, lin int) {
	var resid mat.Dense
	resid.Mul(feats, out)
	resid.Sub(zs, &resid)
	rows, dx := hx.Dims()
	for i := 0; i < rows; i++ {
		floats.Sub(resid.RawRowView(i), bias)
	}
	var b mat.Dense
	if err := b.Solve(hx, &resid); err != nil {
		return out, nil, 0
	}
	return out, &b, dx
}

// fitFlips solves design·s ≈ target for the flip indicators s by minimum-
// norm least squares (singular values below 1e-10 of the largest dropped)
// and rounds them: neuron n is flipped if s_n > 0.5. A neuron with a zero
// column gets s_n = 0. ok is false if the SVD fails.
func fitFlips(design *mat.Dense, target *mat.VecDense) (flips []bool, ok bool) {
	_, k := design.Dims()
	var svd mat.SVD
	if !svd.Factorize(design, mat.SVDThin) {
		return nil, false
	}
	flips = make([]bool, k)
	rank := svd.Rank(1e-10)
	if rank == 0 {
		return flips, true
	}
	var s mat.VecDense
	svd.SolveVecTo(&s, target, rank)
	for n := range flips {
		flips[n] = s.AtVec(n) > 0.5
	}
	return flips, true
}

// closestFlips returns the flip indicators s ∈ {0,1}^k that minimise
// ‖design·s − target‖, of all 2^k for k ≤ exhaustiveOpen (a neuron whose
// flip changes nothing, a zero column, stays unflipped: the first minimum
// in mask order is kept), and fitFlips' rounding otherwise. Rounding the
// least-squares solution fails when design has fewer rows than columns:
// the minimum-norm solution is then not the binary one. The top layer of
// the deep family's SiLU 5→2→4→1 teacher has four neurons on two
// features, a skip matrix of two entries, and rounding left one neuron
// turned the wrong way (0.27 off after the fine-tune).
func closestFlips(design *mat.Dense, target *mat.VecDense) []bool {
	rows, k := design.Dims()
	if k > exhaustiveOpen {
		flips, _ := fitFlips(design, target)
		return flips
	}
	best, bestMask := math.Inf(1), 0
	r := make([]float64, rows)
	for mask := 0; mask < 1<<k; mask++ {
		for i := range r {
			r[i] = -target.AtVec(i)
			for n := 0; n < k; n++ {
				if mask&(1<<n) != 0 {
					r[i] += design.At(i, n)
				}
			}
		}
		if ss := floats.Dot(r, r); ss < best {
			best, bestMask = ss, mask
		}
	}
	flips := make([]bool, k)
	for n := range flips {
		flips[n] = bestMask&(1<<n) != 0
	}
	return flips
}

// studentFloor is the loss the run's first-round students were trained
// to: the zero-loss threshold, or for deep students on the deep recipe
// deepRestartLoss, which is enough for their first layer to cluster.
func (r *Result) studentFloor() float64 {
	if r.Config.Train.Phases == nil && r.Config.deepRecipe(r.studentParams()) {
		return max(r.zeroLoss(), r.Config.firstRoundRestartLoss())
	}
	return r.zeroLoss()
}

// studentParams is the number of parameters of the run's first-round
// students, 0 if none is known.
func (r *Result) studentParams() int {
	for _, s := range r.Students {
		if s != nil && s.Net != nil {
			return s.Net.NumParams()
		}
	}
	return 0
}

// withOnes returns [h, 1]: h with a column of ones appended.
func withOnes(h *mat.Dense) *mat.Dense {
	rows, d := h.Dims()
	hx := mat.NewDense(rows, d+1, nil)
	hx.Slice(0, rows, 0, d).(*mat.Dense).Copy(h)
	for i := 0; i < rows; i++ {
		hx.Set(i, d, 1)
	}
	return hx
}

// liveNeurons returns the neurons of hidden layer m of net whose outgoing
// weights are not silent (norm above DefaultSilentTol times the largest);
// every unit if m is the output layer.
func liveNeurons(net *mlp.Network, m int) []int {
	if m+1 >= net.NumLayers() {
		all := make([]int, net.Layer(m).Out)
		for i := range all {
			all[i] = i
		}
		return all
	}
	return nonSilent(net.Layer(m+1).W, DefaultSilentTol)
}

// nearAffineTol: a recovered neuron of a deep run (smooth activation with
// a linear residue) whose outputs on its
// layer's inputs an affine function fits to all but this fraction of
// their variance is dropped (see dropNearAffine).
const nearAffineTol = 1e-5

// dropNearAffine removes from col the recovered neurons of hidden layer l
// that are affine on the layer's inputs to within nearAffineTol. In a
// deep student a neuron with small weights against a large bias (where
// GELU or softplus is nearly affine) passes a linear function of its
// inputs on to the next layer, the same in every student that does so;
// enough students make it a cluster, which no teacher neuron is (the
// family's teachers are drawn far from affine on their inputs). On the
// deep family's GELU 8→6→3→3 teacher one such cluster (weights of norm
// 5e-3, bias −2.1: residual 1e-7, the teacher's six neurons 0.14–0.6)
// became a seventh first-layer neuron. Piecewise-linear activations are
// left alone: their affine neurons are kinks that avoid the probes, which
// the verdict reports (AffineOnProbes). It returns the positions of the
// removed neurons.
func dropNearAffine(x *mat.Dense, students []student, l int, col *collapsed, c *Config) ([]int, error) {
	if !c.deep() || col.in == nil || c.Activation.Symmetry() != mlp.EvenLinear {
		return nil, nil
	}
	k, _ := col.in.Dims()
	var removed []int
	inputs := map[int]*mat.Dense{} // [h, 1] per representative student
	for n := 0; n < k; n++ {
		hx, ok := inputs[col.rep[n]]
		if !ok {
			h := x
			if l > 0 {
				var err error
				if h, err = layerInputs(students[col.rep[n]].net, x, l); err != nil {
					return nil, err
				}
			}
			hx = withOnes(h)
			inputs[col.rep[n]] = hx
		}
		var f mat.Dense
		f.Mul(hx, col.in.Slice(n, n+1, 0, hx.RawMatrix().Cols).T())
		f.Apply(func(_, _ int, z float64) float64 { return c.Activation.Eval(z) }, &f)
		if relativeResiduals(hx, &f)[0] < nearAffineTol {
			removed = append(removed, n)
		}
	}
	col.drop(removed)
	return removed, nil
}

// earlyConvergedLoss is the loss at or below which a polished first-round
// student counts as converged for the round's early stop (convergedStop).
// Polished students that reach the floor mostly end far below
// smoothRestartLoss, between 1e-17 and 1e-13 (their last phase stops on
// no improvement, so convergedLoss, 1e-15, would miss most of them: on
// the deep family's leaky ReLU 8→6→3→3 teacher the three best after one
// attempt each were at 2.6e-17, 4.5e-14 and 1.1e-13).
const earlyConvergedLoss = 1e-12

// convergedStops reports whether a deep first round on the smoothed
// polish also ends before its late round on converged students
// (convergedStop).
func (c *Config) convergedStops(mc train.ManyConfig) bool {
	return c.smoothedPolish() && mc.LateEnough > 0
}

// convergedStop is a train.ManyConfig.StopAfter that ends a round before
// lateRound once deepLateEnough students have converged
// (earlyConvergedLoss). The late stop waits for every student's second
// attempt because three students merely at the floor after one attempt
// can share a gap: on identify's two-hidden-layer ReLU test teacher the
// three at the floor after one attempt each (2.1e-8, 8.6e-17, 4.6e-17)
// held two of its three first-layer neurons together. Asking for three
// converged ones keeps that case waiting and, over the deep family's 16
// ReLU and leaky ReLU teachers, lost none (results/deepfamily-v29-early).
func convergedStop(lateRound int) func(int, []train.StudentResult) bool {
	return func(round int, best []train.StudentResult) bool {
		if round >= lateRound {
			return false
		}
		return len(studentsBelow(trainedStudents(best), earlyConvergedLoss)) >= deepLateEnough
	}
}

// eitherStop is a train.ManyConfig.StopAfter that ends a round when a
// does (a may be nil) or, failing that, when b does: b is asked only in
// the rounds a lets through, so its side effects (agreementStop's
// verdict) are those of the rounds it ends. Where the first round's
// agreement starts at round 0 (looseAgreementLoss), the stops on students
// at the floor would otherwise see their round clustered over the
// agreeing students instead: on the deep family's ReLU 6→3→5→3→2 teacher
// the first layer from the students below 3e-3 left one of ten retrained
// students at the floor, not five, and the fresh layers above it took
// 104 s of CPU instead of 54 s (scratch traces, two workers).
func eitherStop(a, b func(int, []train.StudentResult) bool) func(int, []train.StudentResult) bool {
	if a == nil {
		return b
	}
	return func(round int, best []train.StudentResult) bool {
		return a(round, best) || b(round, best)
	}
}

// unanimousStops reports whether a deep first round on the smoothed
// polish also ends before its late round on unanimous students at the
// floor (unanimousStop): where its layers above the first are rebuilt by
// fresh polished layers (polishedAbove, three hidden layers or
// more), which end on their own agreement. With two hidden layers the
// layers above are clustered from the first round's students retrained:
// stopped this way, the deep family's leaky ReLU 5→2→4→1 teacher lost two
// neurons of its second layer (results/deepfamily-v30-unanimous).
func (c *Config) unanimousStops(mc train.ManyConfig) bool {
	return c.convergedStops(mc) && c.polishedAbove(0)
}

// unanimousStop is a train.ManyConfig.StopAfter that ends a polished first
// round before lateRound once more than deepLateEnough students are at
// the floor (firstRoundRestartLoss) and unanimous on the first layer
// (unanimousLayer). The late stop waits for a second attempt because
// students merely at the floor can miss a neuron; this asks the floor
// students themselves whether one does. On the deep family's ReLU
// 6→3→5→3→2 teacher four students were at the floor after one attempt
// each, and the second attempts of the six others added none: the round
// took 122 s of CPU instead of 179 s (a scratch trace, two workers).
func unanimousStop(x *mat.Dense, c *Config, lateRound int) func(int, []train.StudentResult) bool {
	return func(round int, best []train.StudentResult) bool {
		if round >= lateRound {
			return false
		}
		floor := studentsBelow(trainedStudents(best), c.firstRoundRestartLoss())
		return len(floor) > deepLateEnough && unanimousLayer(x, floor, 0, c)
	}
}

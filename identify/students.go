package identify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// NewStudent returns the untrained student with the given hidden widths
// for data of xCols inputs and yCols outputs: Glorot-normal weights times
// gain, drawn from rng. Student i of a run uses
// rng = train.StudentRNG(Config.Seed, i) (continued on restarts).
func NewStudent(act mlp.Activation, xCols int, widths []int, yCols int, gain float64, rng *rand.Rand) (*mlp.Network, error) {
	sizes := append(append([]int{xCols}, widths...), yCols)
	net, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: act})
	if err != nil {
		return nil, err
	}
	net.InitGlorotGain(rng, gain)
	return net, nil
}

// newStudentFunc is the student constructor of a run with hidden widths w.
func newStudentFunc(c *Config, x, y *mat.Dense, widths []int) func(int, *rand.Rand) (*mlp.Network, error) {
	cols, outs := x.RawMatrix().Cols, y.RawMatrix().Cols
	return func(_ int, rng *rand.Rand) (*mlp.Network, error) {
		return NewStudent(c.Activation, cols, widths, outs, c.InitGain, rng)
	}
}

// manyConfig is the train.ManyConfig of a run's students of params
// parameters.
func manyConfig(c *Config, params int) train.ManyConfig {
	mc := train.ManyConfig{Config: trainConfig(c.Train, c.Recorder), Seed: c.Seed, Workers: c.Workers, Restarts: c.Restarts, RestartLoss: c.restartLoss}
	if c.deepRecipe(params) && mc.Phases == nil {
		mc.Phases, mc.RestartLoss = c.deepPhases(), c.firstRoundTarget()
		if mc.Restarts == 0 {
			mc.Restarts = deepRestarts
		}
		// Clustering needs ⌈γN⌉ students at the floor, and the
		// restarts of the trapped others would not change it. One more
		// is kept as slack: a student just past deepRestartLoss may
		// not hold every neuron tightly yet (on identify's sigmoid
		// 3→3→2→1 test teacher, stopping at 5 of 6 left one at 9e-11
		// and a first layer of 2 neurons of 3).
		if c.FloorStudents > 0 {
			mc.Enough = c.FloorStudents
		} else if need, err := cluster.MinClusterSize(c.Gamma, c.Students); err == nil {
			mc.Enough = min(c.Students, need+1)
			mc.LateEnough, mc.LateRound = deepLateEnough, c.firstRoundLateRound()
		}
	}
	return mc
}

// trainStudents trains n students of the given widths and returns those
// that trained; failures go to res.Failed, all losses to res.StudentLosses.
func trainStudents(ctx context.Context, x, y *mat.Dense, c *Config, widths []int, n int, res *Result) ([]student, error) {
	params := studentParams(x.RawMatrix().Cols, widths, y.RawMatrix().Cols)
	mc := manyConfig(c, params)
	if c.convergedStops(mc) {
		mc.StopAfter = convergedStop(mc.LateRound)
	}
	if c.unanimousStops(mc) {
		mc.StopAfter = eitherStop(mc.StopAfter, unanimousStop(x, c, mc.LateRound))
	}
	if c.agreementStops(mc) {
		// Agreement is asked last: a round that students at the floor
		// end clusters the first layer over those (clusterPool), more
		// exact than the students below the agreement loss.
		mc.StopAfter = eitherStop(mc.StopAfter, agreementStop(x, c, &res.agreed))
	}
	results, err := train.Many(ctx, x, y, n, newStudentFunc(c, x, y, widths), mc)
	students := collect(results, res)
	for _, r := range results {
		if r.Err == nil && r.Net != nil && !math.IsNaN(r.Loss) && !math.IsInf(r.Loss, 0) {
			res.Students = append(res.Students, &Checkpoint{Index: r.Index, Seed: c.Seed, Widths: widths,
				Loss: r.Loss, Phases: r.Phases, Net: r.Net, Elapsed: r.Total})
		}
	}
	if err != nil {
		return students, err
	}
	if len(students) < 2 {
		return students, fmt.Errorf("%w: %d of %d: %w", ErrTooFewStudents, len(students), n, firstFailure(res))
	}
	return students, nil
}

func trainConfig(cfg train.Config, rec train.Recorder) train.Config {
	if cfg.Recorder == nil {
		cfg.Recorder = rec
	}
	return cfg
}

// collect keeps the students that trained and records the others.
func collect(results []train.StudentResult, res *Result) []student {
	var out []student
	res.StudentLosses = res.StudentLosses[:0]
	for _, r := range results {
		loss := r.Loss
		if r.Err != nil || r.Net == nil || math.IsNaN(loss) || math.IsInf(loss, 0) {
			err := r.Err
			if err == nil {
				err = fmt.Errorf("student %d diverged (loss %v)", r.Index, loss)
			}
			res.Failed = append(res.Failed, StudentFailure{Student: r.Index, Err: err})
			res.StudentLosses = append(res.StudentLosses, math.NaN())
			continue
		}
		res.StudentLosses = append(res.StudentLosses, loss)
		out = append(out, student{index: r.Index, net: r.Net, loss: loss})
	}
	return out
}

func firstFailure(res *Result) error {
	if len(res.Failed) == 0 {
		return fmt.Errorf("no failures recorded")
	}
	return res.Failed[0].Err
}

// chooseRho runs TrialStudents short trainings at ρ = 1, 2, 4, … ≤ MaxRho
// and returns the smallest ρ at which at least two thirds of them reach
// ZeroLoss, or MaxRho if none does. Trial students use seeds disjoint from
// the run's students.
func chooseRho(ctx context.Context, x, y *mat.Dense, c *Config) (float64, []Trial, error) {
	var trials []Trial
	for rho := 1.0; rho <= c.MaxRho; rho *= 2 {
		tc := *c
		tc.Seed = c.Seed ^ 0x9e3779b97f4a7c15 // a different stream from the real students
		var scratch Result
		_, err := trainStudents(ctx, x, y, &tc, c.studentWidths(rho), c.TrialStudents, &scratch)
		t := Trial{Rho: rho, Losses: scratch.StudentLosses}
		for _, l := range t.Losses {
			if l <= c.ZeroLoss {
				t.Reached++
			}
		}
		trials = append(trials, t)
		if ctx.Err() != nil {
			return rho, trials, ctx.Err()
		}
		_ = err // too few trial students training is itself a failed trial
		if 3*t.Reached >= 2*c.TrialStudents {
			return rho, trials, nil
		}
	}
	return c.MaxRho, trials, nil
}

// retrainAbove rebuilds every student on the recovered layers 0…l (the
// same for all students, in the same neuron order), sets its layer l+1
// incoming weights from its own summed outgoing weights (or by
// refitNextLayer's least squares, where that fits better) and retrains it
// from there, every layer free (docs/method.md §3 step 2.7 keeps layers 0…l
// fixed, which leaves the students above the floor when the recovered
// layers are not yet exact; the reference reset the layers above to random
// values instead). The recovered layers ins become the best retrained
// student's lower layers, and *featureLoss its loss, whenever it is more
// exact than the students they came from (adoptBest).
func retrainAbove(ctx context.Context, x, y *mat.Dense, students []student, l int, ins []*mat.Dense, featureLoss *float64, col *collapsed, c *Config, res *Result) ([]student, error) {
	rebuilt := make([]*mlp.Network, len(students))
	var recovered *mat.Dense // layer l's outputs on x
	for k, s := range students {
		sizes := s.net.Sizes()
		for i, in := range ins {
			sizes[i+1] = in.RawMatrix().Rows
		}
		net, err := mlp.New(mlp.Spec{Sizes: sizes, Acts: s.net.Spec().Acts})
		if err != nil {
			return nil, err
		}
		for i, in := range ins {
			setIncoming(net.Layer(i), in)
		}
		// Layer l+1 reads the recovered neurons through the student's own
		// summed outgoing weights; the layers above are the student's.
		N := net.Layer(l + 1)
		for o := 0; o < N.Out; o++ {
			for n := 0; n < N.In; n++ {
				N.W.Set(o, n, col.out[k].At(n, o))
			}
			N.B[o] = col.nextBias[k][o]
		}
		start, _ := s.net.LayerParams(l + 2)
		nstart, _ := net.LayerParams(l + 2)
		copy(net.Params()[nstart:], s.net.Params()[start:])
		if recovered == nil {
			// The recovered layers are the same in every rebuilt student.
			recovered = new(mat.Dense)
			if err := net.Hidden(nil, recovered, x, l); err != nil {
				return nil, err
			}
		}
		if err := refitNextLayer(x, y, recovered, net, s.net, l); err != nil {
			return nil, err
		}
		rebuilt[k] = net
	}
	// Every layer trains: the recovered layers are only as exact as the
	// first-round students, and they reach the teacher's values here.
	results, err := train.Many(ctx, x, y, len(rebuilt), func(i int, _ *rand.Rand) (*mlp.Network, error) {
		return rebuilt[i], nil
	}, train.ManyConfig{Config: c.retrainConfig(rebuilt[0].NumParams()), Seed: c.Seed + uint64(l+1)<<32, Workers: c.Workers, Restarts: -1})
	var scratch Result
	kept := collect(results, &scratch)
	for i := range kept {
		kept[i].index = students[kept[i].index].index
	}
	for _, f := range scratch.Failed {
		res.Failed = append(res.Failed, StudentFailure{Student: students[f.Student].index, Err: fmt.Errorf("retraining above layer %d: %w", l+1, f.Err)})
	}
	if err != nil {
		return kept, err
	}
	if len(kept) < 2 {
		return kept, fmt.Errorf("identify: only %d students survived retraining above layer %d", len(kept), l+1)
	}
	// Fresh upper layers are trained on the recovered layers frozen, so
	// those must be the most exact there are: a first layer clustered
	// from students above the floor (agreementStop) is off by 1e-4 or
	// so, fresh layers on it stall at that loss, and the retraining has
	// brought it to the teacher's values in its best students.
	adoptBest(ins, kept, featureLoss)
	if kept, err = topUp(ctx, x, y, kept, l, ins, c); err != nil {
		return kept, err
	}
	if kept, err = reseedAbove(ctx, x, y, kept, l, c); err != nil {
		return kept, err
	}
	// The layers above will be clustered from these students, against
	// their retrained lower layers, and a fresh student may be the most
	// exact now.
	adoptBest(ins, kept, featureLoss)
	return kept, nil
}

// adoptBest replaces the recovered layers ins by the lower layers of the
// best of students when its loss is below *featureLoss, the loss of the
// students they came from, and lowers *featureLoss to it. Not otherwise:
// a student above the floor has let them drift.
func adoptBest(ins []*mat.Dense, students []student, featureLoss *float64) {
	if best := bestStudent(students); best.loss < *featureLoss {
		copyLowerLayers(ins, best.net)
		*featureLoss = best.loss
	}
}

// refitNextLayer sets the incoming weights of layer l+1 of net, rebuilt on
// the recovered layers 0…l from student, by least squares: the
// pre-activations of the student's own layer l+1 on x, regressed on the
// recovered layer's outputs h (net's layer l on x) and 1, if that lowers net's loss on (x, y).
// The summed outgoing weights of the clusters' core members (collapse)
// leave out whatever a student computes with its other neurons: copies of
// a teacher neuron outside a cluster's core, or pairs that cancel only
// together. Rebuilt that way, the ten zero-loss students of the deep
// family's tanh 6→3→5→3→2 teacher started their retraining at loss 6;
// the regression keeps every share the recovered neurons can carry.
func refitNextLayer(x, y, h *mat.Dense, net, student *mlp.Network, l int) error {
	var hs mat.Dense
	if err := student.Hidden(nil, &hs, x, l); err != nil {
		return err
	}
	S := student.Layer(l + 1)
	var z mat.Dense // the student's layer l+1 pre-activations
	z.Mul(&hs, S.W.T())
	rows, _ := z.Dims()
	for i := 0; i < rows; i++ {
		floats.Add(z.RawRowView(i), S.B)
	}
	var beta mat.Dense // (width l + 1) × width l+1
	if err := beta.Solve(withOnes(h), &z); err != nil {
		return nil // a singular design (a recovered neuron constant on x): keep the summed weights
	}
	before, err := net.Loss(nil, x, y)
	if err != nil {
		return err
	}
	N := net.Layer(l + 1)
	oldW, oldB := mat.DenseCopyOf(N.W), append([]float64(nil), N.B...)
	k := N.In
	for o := 0; o < N.Out; o++ {
		for n := 0; n < k; n++ {
			N.W.Set(o, n, beta.At(n, o))
		}
		N.B[o] = beta.At(k, o)
	}
	after, err := net.Loss(nil, x, y)
	if err != nil {
		return err
	}
	if !(after < before) {
		N.W.Copy(oldW)
		copy(N.B, oldB)
	}
	return nil
}

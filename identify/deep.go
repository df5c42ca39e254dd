package identify

import (
	"fmt"

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
	// student. A deep student is trapped more often than a shallow one
	// (a g student of the 4→5→3→1 teacher reached 1e-10 in about one
	// attempt of 15 from gain 1, fewer from gain 3), and it needs the floor only for the first layer to
	// be clustered over at least two students (clusterPool): the layers
	// above are trained afresh for the others (topUp), at a fraction of
	// the cost of 49 restarts of every trapped student.
	deepRestarts = 9
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
	// stopped at the iteration limits, 13–15 s each.
	deepHandoverLoss = 1e-16
	// retrainMargin: retraining above a recovered layer stops at
	// Config.ZeroLoss times retrainMargin. Retrained students are
	// clustered at the next layer, which needs them at the zero-loss
	// threshold, not at the float64 floor; the final fine-tune makes the
	// assembled network exact. To the floor, the retraining of the same
	// teacher's students ran its whole 600-iteration budget, the last
	// 350 iterations from 1e-16 to 1e-19 (17 s per student).
	retrainMargin = 1e-2
)

// deepPhases is the default recipe of deep students: Levenberg–Marquardt
// on a subset, gated at deepRestartLoss, then on all the data.
func deepPhases() []train.Phase {
	return []train.Phase{
		{Name: "lm-subset", Optimizer: &train.LM{Geodesic: true}, SubsetPerParam: train.DefaultSubsetPerParam, Gate: deepRestartLoss,
			Stop: train.StopRules{Loss: deepHandoverLoss, MaxIter: deepSearchIter, Patience: train.DefaultLMPatience, MinRelImprove: deepMinImprove}},
		{Name: "lm", Optimizer: &train.LM{Geodesic: true},
			Stop: train.StopRules{Loss: deepHandoverLoss, MaxIter: deepPolishIter, Patience: 20, MinRelImprove: 0.01}},
	}
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
// (or the assembled network) need no linear term.
func orient(x *mat.Dense, students []student, l int, col *collapsed, c *Config) error {
	if !hasLinearResidue(c.Activation) || !c.deep() || col.in == nil {
		return nil
	}
	kappa := c.Activation.Eval(1) - c.Activation.Eval(-1)
	k, _ := col.in.Dims()
	votes := make([]int, k)
	for i, s := range students {
		flips, err := flipFit(x, s.net, l, col.in, col.out[i], col.nextBias[i], kappa)
		if err != nil {
			return fmt.Errorf("identify: orienting layer %d: %w", l+1, err)
		}
		for n, f := range flips {
			if f {
				votes[n]++
			}
		}
	}
	for n, v := range votes {
		if 2*v > len(students) {
			floats.Scale(-1, col.in.RawRowView(n))
		}
	}
	return nil
}

// flipFit returns which recovered neurons (rows of in, outgoing weights
// out, next-layer bias bias) net represents the other way round: see
// orient.
func flipFit(x *mat.Dense, net *mlp.Network, l int, in, out *mat.Dense, bias []float64, kappa float64) ([]bool, error) {
	h := x
	if l > 0 {
		h = new(mat.Dense)
		if err := net.Hidden(nil, h, x, l-1); err != nil {
			return nil, err
		}
	}
	var hl mat.Dense // the student's own layer l
	if err := net.Hidden(nil, &hl, x, l); err != nil {
		return nil, err
	}
	next := net.Layer(l + 1)
	rows, d := h.Dims()
	k, _ := out.Dims()
	hx := withOnes(h)
	// resid = the student's next pre-activation − the recovered neurons' share.
	var resid, z mat.Dense
	resid.Mul(&hl, next.W.T())
	z.Mul(hx, in.T())
	for i := 0; i < rows; i++ {
		r, zr := resid.RawRowView(i), z.RawRowView(i)
		for o := range r {
			r[o] += next.B[o] - bias[o]
		}
		for n := range zr {
			zr[n] = net.Spec().Acts[l].Eval(zr[n])
		}
	}
	var share mat.Dense
	share.Mul(&z, out)
	resid.Sub(&resid, &share)
	var b mat.Dense // (d+1) × nOut
	if err := b.Solve(hx, &resid); err != nil {
		return nil, err
	}
	// b ≈ Σ_n s_n (−κ u_n a_nᵀ): least squares for s over the entries of
	// the next layer's non-silent neurons (a silent one has random
	// incoming weights, which no flip explains).
	live := liveNeurons(net, l+1)
	design := mat.NewDense((d+1)*len(live), k, nil)
	target := mat.NewVecDense((d+1)*len(live), nil)
	for j := 0; j <= d; j++ {
		for i, o := range live {
			row := j*len(live) + i
			target.SetVec(row, b.At(j, o))
			for n := 0; n < k; n++ {
				design.Set(row, n, -kappa*in.At(n, j)*out.At(n, o))
			}
		}
	}
	// Minimum norm: a neuron the student lacks has a zero column and
	// gets s = 0 (no vote).
	flips, ok := fitFlips(design, target)
	if !ok {
		return nil, fmt.Errorf("SVD of the %d×%d flip design failed", (d+1)*len(live), k)
	}
	return flips, nil
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

// studentFloor is the loss the run's first-round students were trained
// to: the zero-loss threshold, or for deep students on the deep recipe
// deepRestartLoss, which is enough for their first layer to cluster.
func (r *Result) studentFloor() float64 {
	if r.Config.Train.Phases == nil && r.Config.deepRecipe(r.studentParams()) {
		return max(r.zeroLoss(), deepRestartLoss)
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

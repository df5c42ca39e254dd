package identify

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
)

// The top hidden layer of a deep run, recovered as a one-hidden-layer
// problem when clustering the retrained students' top layers finds no
// neuron. Once the layers below are recovered and made exact by
// retraining (retrainAbove copies the best retrained student's lower
// layers into the recovered ones), the teacher's outputs are a
// one-hidden-layer network of the top layer's inputs h, which are known.
// Clustering the retrained students' own top layers needs them at a far
// lower loss than the layers below: on the 4→5→3→1 GELU and SiLU family
// teachers those students reached 5e-10 after 24–52 s of retraining and
// their top layers gave no cluster, while the one-hidden-layer recovery on
// h (its own students, restarts and clustering) was exact in under a
// second (bench/deeptop, results/deepattempts). It is a fallback, not the
// rule: run on every deep family teacher (results/deepfamily-v3) it lost
// the 5→2→4→1 erf teacher, whose top layer reads two features only (the
// one-hidden-layer procedure's hard corner), which clustering recovers.

// topPhases is the default training of the top layer's one-hidden-layer
// students on exact features: train's default phases with geodesic
// acceleration and a search four times as long. Features of a few
// bounded neurons make a hard one-hidden-layer problem, whose students
// creep: on the teachers' own first-layer features of the deep family's
// softplus 6→4→4→2 and 4→3→5→1, SiLU 5→2→4→1 and GELU 4→3→5→1 teachers,
// the default students stopped at 1e-9…1e-12 (widths 2, 3, 1 and 7 of 4,
// 5, 4 and 5), with geodesic acceleration most reached 1e-25 and every
// recovery was exact; sigmoid 4→3→5→1 needed the longer search too
// (bench/deeptop with these phases). Not used when the features are
// inexact (noise raises the floor, and applyPrecision gates the phases).
func topPhases() []train.Phase {
	ph := train.DefaultPhases()
	for i := range ph {
		ph[i].Optimizer = &train.LM{Geodesic: true}
	}
	ph[0].Stop.MaxIter *= 4
	ph[0].Stop.Patience *= 4
	return ph
}

// topSeed separates the top layer's students from the run's others.
const topSeed = 0x70b << 40

// recoverTop recovers hidden layer l = Config.HiddenLayers−1 > 0 over the
// recovered layers ins (0…l−1) by a one-hidden-layer run on their
// features, and returns the whole network, its layer report and the
// one-hidden-layer run's result. students are the retrained students
// (their top width is the expansion of the run); featureLoss is the loss
// of the students the recovered layers came from, which says how exact
// the features are.
func recoverTop(ctx context.Context, x, y *mat.Dense, ins []*mat.Dense, students []student, featureLoss float64, c *Config) (*mlp.Network, *Result, error) {
	l := len(ins)
	ins, featureLoss, err := exactFeatures(ctx, x, y, ins, students, featureLoss, c)
	if err != nil {
		return nil, nil, err
	}
	h, err := recoveredFeatures(x, ins, c.Activation)
	if err != nil {
		return nil, nil, err
	}
	sc := *c
	// The run keeps the deep run's settings, InitGain included: 1 by
	// default, not the 3 of a one-hidden-layer run of its own
	// (results/deepfamily-v13 was measured so).
	sc.HiddenLayers, sc.Rho, sc.BaseWidth = 1, 0, 0
	sc.Widths = []int{students[0].net.Layer(l).Out}
	sc.Seed = c.Seed + topSeed
	// The features are as exact as the students the recovered layers came
	// from: their loss acts on the one-hidden-layer problem as output
	// noise would, and sets its zero-loss threshold. (Not the retrained
	// students': on the deep family's GELU 4→3→5→1 teacher the first
	// layer came exact from first-round students at 1e-27, and a
	// threshold raised to the retrained students' loss let this run
	// cluster students that were not at the floor.)
	if featureLoss > c.ZeroLoss {
		sc.OutputNoise = max(sc.OutputNoise, math.Sqrt(featureLoss))
	} else if sc.Train.Phases == nil {
		sc.Train.Phases = topPhases()
	}
	sub, err := RunData(ctx, h, y, sc)
	if err != nil {
		return nil, sub, fmt.Errorf("layer %d (recovered as a one-hidden-layer problem on the recovered layer %d): %w", l+1, l, err)
	}
	top := sub.Network
	if top.Skip() != nil {
		unflip(top, c.Activation)
	}
	in := incoming(top, 0)
	net, err := buildNet(append(ins[:l:l], in), x.RawMatrix().Cols, y.RawMatrix().Cols, c.Activation, false)
	if err != nil {
		return nil, sub, err
	}
	out := net.Layer(l + 1)
	out.W.Copy(top.Layer(1).W)
	copy(out.B, top.Layer(1).B)
	return net, sub, nil
}

// featurePolishIter bounds floorPolish.
const featurePolishIter = 600

// floorPolish is the phase, named name, that trains a network on, every
// layer free, until it stops gaining (1% in train.DefaultLMPatience
// iterations) or featurePolishIter iterations: towards the float64 floor
// (exactFeatures, polishPool).
func floorPolish(name string) train.Phase {
	return train.Phase{Name: name, Optimizer: &train.LM{Geodesic: true},
		Stop: train.StopRules{MaxIter: featurePolishIter, Patience: train.DefaultLMPatience, MinRelImprove: 0.01}}
}

// exactFeatures returns the recovered layers ins (0…l−1) below the top
// one made as exact as float64 allows, and the loss of the network they
// then come from: the best of students (retrained above ins, so that
// their layers below l hold ins or values refined from them) is trained
// on, every layer free, until it stops gaining, and its lower layers
// replace ins when its loss ends below featureLoss. ins itself is left
// as it is. Why: the students were retrained only to the zero-loss
// threshold, and a poorly determined lower layer is inexact there by far
// more than the top layer's one-hidden-layer run can absorb. On the deep
// family's SiLU 5→2→4→1 teacher, layer 1 copied from a retrained student
// sat 3.2e-5 (cosine distance) from the teacher's and the run on its
// features left a top neuron 0.27 off; polished to 2e-21, the features
// gave an exact top layer (with closestFlips). Students too wide for
// Levenberg–Marquardt (train.LMMaxParams) make train.Train fail at once,
// and the features stay as they are.
func exactFeatures(ctx context.Context, x, y *mat.Dense, ins []*mat.Dense, students []student, featureLoss float64, c *Config) ([]*mat.Dense, float64, error) {
	net := bestStudent(students).net.Clone()
	cfg := train.Config{Recorder: c.Recorder, Student: -1, Phases: []train.Phase{floorPolish("polish-features")}}
	r, err := train.Train(ctx, net, x, y, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return ins, featureLoss, nil // the features stay as they are
	}
	if !(r.Loss < featureLoss) {
		return ins, featureLoss, nil
	}
	exact := make([]*mat.Dense, len(ins))
	for i, in := range ins {
		exact[i] = mat.DenseCopyOf(in)
	}
	copyLowerLayers(exact, net)
	return exact, r.Loss, nil
}

// unflip turns the neurons of a one-hidden-layer network with a skip path
// (an activation with a linear residue, σ(z) − σ(−z) = κz) so that the
// skip path is as small as possible, and folds what the turns change into
// the skip path and output bias. A neuron stored as u where the teacher
// has −w contributes a·σ(u·x̃) = a·σ(−u·x̃) + κa(u·x̃); the skip path of
// the one-hidden-layer fit carries −κ Σ a uᵀ over such neurons, which the
// layer above has no way to carry once this network is the top of a deep
// one. The turns are those that bring the skip matrix closest to zero
// (closestFlips).
func unflip(net *mlp.Network, act mlp.Activation) {
	kappa := act.Eval(1) - act.Eval(-1)
	L, O, S := net.Layer(0), net.Layer(1), net.Skip()
	m, d := S.Dims()
	k := L.Out
	design := mat.NewDense(m*d, k, nil)
	target := mat.NewVecDense(m*d, nil)
	for o := 0; o < m; o++ {
		for j := 0; j < d; j++ {
			row := o*d + j
			target.SetVec(row, -S.At(o, j))
			for n := 0; n < k; n++ {
				design.Set(row, n, kappa*O.W.At(o, n)*L.W.At(n, j))
			}
		}
	}
	flips := closestFlips(design, target)
	for n, flip := range flips {
		if !flip {
			continue
		}
		// a·σ(u·x̃) = a·σ(−u·x̃) + κa·(w·x + b)
		for o := 0; o < m; o++ {
			a := O.W.At(o, n)
			for j := 0; j < d; j++ {
				S.Set(o, j, S.At(o, j)+kappa*a*L.W.At(n, j))
			}
			O.B[o] += kappa * a * L.B[n]
		}
		w := L.W.RawRowView(n)
		for j := range w {
			w[j] = -w[j]
		}
		L.B[n] = -L.B[n]
	}
}

// mergeTop adds to res what recoverTop's one-hidden-layer run found for
// hidden layer l (0-based): its layer report and width, and its warnings
// about that layer, renumbered.
func mergeTop(res, sub *Result, l int) {
	if sub == nil {
		return
	}
	if len(sub.Layers) > 0 {
		rep := sub.Layers[0]
		rep.Layer = l + 1
		res.Layers = append(res.Layers, rep)
	}
	if len(sub.Widths) > 0 {
		res.Widths = append(res.Widths, sub.Widths[0])
	}
	for _, w := range sub.Warnings {
		if w.Layer == 1 {
			w.Layer = l + 1
		}
		w.Evidence = fmt.Sprintf("layer %d as a one-hidden-layer problem on the recovered layers: %s", l+1, w.Evidence)
		res.Warnings = append(res.Warnings, w)
	}
}

// dropNeurons records in res that the neurons removed (indices in hidden
// layer l, 0-based, ascending) were pruned after the fine-tune. Clusters
// can hold neurons that every clustered student has but the outputs do
// not need, which the fine-tune silences: in a deep run's top layer
// recovered by recoverTop, when few of its students reach the floor
// (clusterPool; on the 4→3→5→1 tanh family teacher, 7 clusters of 2
// students, 2 of them left with outgoing weights ≈ 3e-13), and in lower
// layers (on examples/deep's ReLU teacher at gain 1, a sixth first-layer
// neuron held by the 3 students at the floor).
func dropNeurons(res *Result, l int, removed []int) {
	rep := &res.Layers[l]
	clusters := rep.Kept
	for i := len(removed) - 1; i >= 0; i-- {
		j := removed[i]
		switch {
		case j < clusters:
			rep.Kept--
			if j < len(rep.Neurons) {
				rep.Neurons = append(rep.Neurons[:j], rep.Neurons[j+1:]...)
			}
		default:
			rep.Completed--
		}
		rep.Pruned++
	}
	res.Widths[l] -= len(removed)
}

package identify

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// Re-seeding a neuron. A student above a recovered layer that reaches
// the floor without converging (convergedLoss) sits at an approximate
// zero-loss point: a neuron of the next layer is off, and more
// Levenberg–Marquardt steps do not move it. Re-drawing one neuron of that
// layer at random and polishing again is a cheap jump out of it: on the
// deep family's leaky ReLU 8→8→4→2→1 teacher a fresh student above the
// exact first layer at 7.8e-10 (its rare layer-2 neuron 8.9e-3 off)
// converged to the teacher (1e-26, every layer-1/2 neuron exact) after 2
// of 12 single-neuron re-seeds, ~2.5 s of CPU each.

// reseedRounds is the most re-seeds a student above a recovered layer
// gets (one per round, each round over every student still eligible).
const reseedRounds = 4

// reseedOutScale scales a re-seeded neuron's outgoing weights: small
// enough that the new neuron starts as a perturbation of the student's
// function, not a new one.
const reseedOutScale = 0.1

// reseedSeed separates the re-seeds' random streams from the others.
const reseedSeed = 0x2c1b3c6d << 16

// reseedAbove re-seeds students above recovered layer l that are at the
// floor but not converged, up to reseedRounds times each, keeping a
// re-seeded copy when its loss is lower, until deepLateEnough students
// have converged. Only runs whose fresh layers take the smoothed polish
// (polishedAbove); the others converge without it.
func reseedAbove(ctx context.Context, x, y *mat.Dense, students []student, l int, c *Config) ([]student, error) {
	if !c.polishedAbove(l) || len(students) == 0 {
		return students, nil
	}
	_, floor := c.freshAboveRecipe(l)
	shape := students[0].net
	_, end := shape.LayerParams(l)
	frozen, err := train.FrozenMask(shape.NumParams(), train.Range{Start: 0, End: end})
	if err != nil {
		return students, err
	}
	phases := append(smoothedPhases(c.Activation, "reseed", polishBetas), freed(retrainPhases(c.ZeroLoss))...)
	cfg := trainConfig(train.Config{Phases: phases, Trainable: frozen}, c.Recorder)
	out := append([]student(nil), students...)
	for round := 0; round < reseedRounds; round++ {
		var idx []int
		for i, s := range out {
			if s.loss <= floor && s.loss > convergedLoss {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 || len(studentsBelow(out, convergedLoss)) >= deepLateEnough {
			break
		}
		// A re-seed that failed carries its error in its result and is
		// not kept; only cancellation ends the run.
		results, _ := train.Many(ctx, x, y, len(idx), func(k int, rng *rand.Rand) (*mlp.Network, error) {
			net := out[idx[k]].net.Clone()
			reseedNeuron(net, l+1, rng)
			return net, nil
		}, train.ManyConfig{Config: cfg, Seed: c.Seed + reseedSeed + uint64(l)<<8 + uint64(round), Workers: c.Workers, Restarts: -1})
		if err := ctx.Err(); err != nil {
			return out, err
		}
		for k, r := range results {
			if i := idx[k]; r.Err == nil && r.Net != nil && r.Loss < out[i].loss {
				out[i] = student{index: out[i].index, net: r.Net, loss: r.Loss}
			}
		}
	}
	return out, nil
}

// reseedNeuron redraws the incoming weights and bias of one random neuron
// of hidden layer l of net (Glorot-scaled normal) and scales its outgoing
// weights by reseedOutScale.
func reseedNeuron(net *mlp.Network, l int, rng *rand.Rand) {
	L := net.Layer(l)
	j := rng.IntN(L.Out)
	scale := 1 / math.Sqrt(float64(L.In))
	row := L.W.RawRowView(j)
	for i := range row {
		row[i] = rng.NormFloat64() * scale
	}
	if L.B != nil {
		L.B[j] = rng.NormFloat64() * scale
	}
	up := net.Layer(l + 1)
	for o := 0; o < up.Out; o++ {
		up.W.Set(o, j, up.W.At(o, j)*reseedOutScale)
	}
}

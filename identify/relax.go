package identify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// Relaxed clustering of a deep run's top layer. A teacher neuron the
// probes pin down only weakly is held exactly by some students and, at
// the same loss, as a different combination of neurons by others: on the
// deep family's sigmoid 4→3→5→1 teacher, ten students polished to
// 1e-19…1e-22 held one top neuron within cosine distance 1e-6 in six of
// them (0.13 and 0.02 off in two), so its cluster's core fell short of
// ⌈γN⌉ = 8 and the network assembled without it stopped at 3e-12. The
// size filter guards against spurious clusters; the loss can referee
// instead, since the top layer is the last one clustered: the layer is
// clustered again at smaller minimum sizes, and a network with more
// neurons is kept only if its fine-tune brings it to the zero-loss
// threshold. Neurons kept that the outputs do not need end silent and
// pruneSilent removes them.

// relaxedMinSize is the smallest minimum cluster size relaxTop tries, as
// a fraction of ⌈γN⌉: a cluster must still rest on half the students the
// size filter asks for (and on at least minConverged).
const relaxedMinSize = 0.5

// relaxTop re-clusters the top hidden layer of a deep run, above the
// recovered layers lower, when the network assembled at ⌈γN⌉ kept neurons
// of it stayed above the zero-loss threshold after the fine-tune (or
// none were kept): the students its clustering used (students) are
// polished (polishPool), and the layer is clustered over them with the
// minimum cluster size of the filters lowered one student at a time, from
// ⌈γN⌉ down to relaxedMinSize of it. The first clustering that keeps more
// neurons than kept (and differs from the one tried before it) and whose
// assembled network the fine-tune brings to the threshold is returned,
// tuned, with the minimum size it took and its loss; nil if none does. A
// layer the loss does not confirm stays as it was.
func relaxTop(ctx context.Context, x, y *mat.Dense, lower []*mat.Dense, students []student, kept int, c *Config, res *Result) (*mlp.Network, *collapsed, int, float64, error) {
	top := len(lower)
	minSize, err := cluster.MinClusterSize(c.Gamma, len(students))
	if err != nil || top < 1 || !c.deepRecipe(students[0].net.NumParams()) {
		return nil, nil, 0, 0, nil
	}
	u, err := geometryFactor(c.Geometry, students[0].net, x, top)
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("identify: %w", err)
	}
	t0 := time.Now()
	students, err = polishPool(ctx, x, y, students, c)
	res.Timings.Retrain += time.Since(t0)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	floor := max(minConverged, int(math.Ceil(relaxedMinSize*float64(minSize))))
	var tried *mat.Dense // the recovered layer last fine-tuned
	for size := minSize; size >= floor; size-- {
		t0 := time.Now()
		net, col, err := relaxedTop(x, y, lower, students, size, u, c)
		res.Timings.Cluster += time.Since(t0)
		if err != nil {
			return nil, nil, 0, 0, err
		}
		if net == nil || col.report.Kept <= kept || (tried != nil && mat.Equal(tried, col.in)) {
			continue
		}
		tried = col.in
		t0 = time.Now()
		err = fineTune(ctx, net, x, y, c)
		res.Timings.FineTune += time.Since(t0)
		if ctx.Err() != nil {
			return nil, nil, 0, 0, ctx.Err()
		}
		if loss, lerr := net.Loss(nil, x, y); err == nil && lerr == nil && loss <= c.ZeroLoss {
			col.report.Relaxed = true
			return net, col, size, loss, nil
		}
	}
	return nil, nil, 0, 0, nil
}

// noteRelaxed adds to res the warning that top layer l (0-based), whose
// report res.Layers[l] now is, was clustered at minimum size size instead
// of ⌈γN⌉ = minSize and that its tuned network went from loss without
// (NaN: no cluster was kept at minSize) to loss, and records the event.
func noteRelaxed(c *Config, res *Result, l, size, minSize int, without, loss float64, start time.Time) error {
	kept := res.Layers[l].Kept
	before := fmt.Sprintf("at ⌈γN⌉ = %d the tuned network stayed at loss %.3g", minSize, without)
	if math.IsNaN(without) {
		before = fmt.Sprintf("at ⌈γN⌉ = %d no cluster was kept", minSize)
	}
	res.Warnings = append(res.Warnings, Warning{Kind: MarginalCluster, Layer: l + 1,
		Evidence: fmt.Sprintf("%s; clustered again over the polished students with clusters of %d students or more: %d neurons, tuned to loss %.3g", before, size, kept, loss),
		Remedy:   "train more students (Config.Students): some students hold a neuron of this layer as a different combination of neurons at the same loss"})
	return record(c, fmt.Sprintf("layer %d: %d neurons (clusters of %d students or more)", l+1, kept, size), loss, start)
}

// relaxedTop clusters the top layer of the students with minimum cluster
// size size and assembles the network on it and the layers below; nil if
// no cluster is kept.
func relaxedTop(x, y *mat.Dense, lower []*mat.Dense, students []student, size int, u *mat.Dense, c *Config) (*mlp.Network, *collapsed, error) {
	top := len(lower)
	rc := *c
	rc.filterMinSize = size
	col, err := clusterLayer(students, top, &rc, u)
	if err != nil || col.report.Kept == 0 {
		return nil, col, err
	}
	if _, err := dropNearAffine(x, students, top, col, &rc); err != nil || col.report.Kept == 0 {
		return nil, col, err
	}
	if err := dropAffineOnProbes(x, lower, col, c); err != nil || col.report.Kept == 0 {
		return nil, col, err
	}
	if err := orient(x, y, lower, students, top, col, &rc); err != nil {
		return nil, nil, err
	}
	net, err := assemble(x, y, append(lower[:top:top], col.in), col, c)
	return net, col, err
}

// polishPool trains every student on, every layer free, until it stops
// gaining (as exactFeatures trains the best one), and returns them with
// each one replaced by its polished self where that ended lower. The
// retraining stops at the zero-loss threshold, where a weakly determined
// neuron is still loose: on the sigmoid 4→3→5→1 teacher its cluster's
// median cosine distance was 8e-4 there and 1e-7 after the polish.
func polishPool(ctx context.Context, x, y *mat.Dense, students []student, c *Config) ([]student, error) {
	cfg := train.Config{Recorder: c.Recorder, Phases: []train.Phase{floorPolish("polish-pool")}}
	rs, err := train.Many(ctx, x, y, len(students), func(k int, _ *rand.Rand) (*mlp.Network, error) {
		return students[k].net.Clone(), nil
	}, train.ManyConfig{Config: cfg, Seed: c.Seed + polishPoolSeed, Workers: c.Workers, Restarts: -1})
	if ctx.Err() != nil {
		return students, ctx.Err()
	}
	out := append([]student(nil), students...)
	if err != nil {
		return out, nil // the students stay as they are
	}
	for k, r := range rs {
		if r.Err == nil && r.Net != nil && r.Loss < out[k].loss {
			out[k] = student{index: out[k].index, net: r.Net, loss: r.Loss}
		}
	}
	return out, nil
}

// polishPoolSeed separates polishPool's (unused) random streams from the
// run's others.
const polishPoolSeed = 0x27d4eb2f << 16

// dropAffineOnProbes removes from the relaxed clustering col of the layer
// above the recovered layers lower the neurons that are affine on the
// probes: of a piecewise-linear activation (mlp.AffineNeurons), with fewer
// than affineFraction of the probes on one side of their kink. On the
// probes such a neuron is a linear pass-through, which students build
// from a neuron of their own as readily as they hold a teacher's, so its
// cluster can take the place of a teacher neuron held by fewer students:
// on the deep family's ReLU 6→4→4→2 teacher the top layer kept four
// neurons, one of them past its kink on 1 probe of 3 000, and the network
// stayed at 8e-4. relaxTop counts the neurons to beat without them
// (affineOnProbes), and the loss still referees what is kept.
func dropAffineOnProbes(x *mat.Dense, lower []*mat.Dense, col *collapsed, c *Config) error {
	if c.Activation.Symmetry() != mlp.EvenLinearPosScale {
		return nil
	}
	net, err := buildNet(append(lower[:len(lower):len(lower)], col.in), x.RawMatrix().Cols, 1, c.Activation, false)
	if err != nil {
		return err
	}
	col.drop(affineOnProbes(net, x, len(lower)))
	return nil
}

// affineOnProbes returns the neurons of hidden layer l of net that are
// affine on the probes x (mlp.AffineNeurons at affineFraction).
func affineOnProbes(net *mlp.Network, x *mat.Dense, l int) []int {
	affine, err := mlp.AffineNeurons(net, x, affineFraction)
	if err != nil {
		return nil // nothing is dropped: the loss still referees
	}
	var out []int
	for _, a := range affine {
		if a.Layer == l {
			out = append(out, a.Neuron)
		}
	}
	return out
}

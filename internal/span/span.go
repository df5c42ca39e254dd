// Package span holds the set-up the deep Fashion-MNIST experiment tools
// (results/fashionmnist-deep: spread, stitch, distances, misses, oracle,
// cross) and examples/fashionmnistdeep share: the teacher and the
// test images, the span of the teacher's first-layer weights and Gaussian
// queries over it.
package span

import (
	"context"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// TeacherPath is the deep teacher's file, from the repository root.
const TeacherPath = "results/fashionmnist-deep/g-r30x3/teacher-g-e10-s1.json"

// TeacherAndTest loads the deep teacher and the Fashion-MNIST test images,
// scaled as the teacher was trained on them: what the tools compare
// networks on.
func TeacherAndTest() (*mlp.Network, *mat.Dense, error) {
	t, err := mlp.LoadFile(TeacherPath)
	if err != nil {
		return nil, nil, err
	}
	_, test, err := synth.FashionMNIST("")
	if err != nil {
		return nil, nil, err
	}
	synth.ScalePixels(test.X)
	return t, test.X, nil
}

// Reduce estimates the span of t's first-layer weights from gradients at
// the images imgs (identify.EstimateSubspace, seed 1) and returns it with
// the images' coordinates in it.
func Reduce(ctx context.Context, t *mlp.Network, imgs *mat.Dense) (*identify.Subspace, *mat.Dense, error) {
	probes, err := identify.NewDataset(imgs)
	if err != nil {
		return nil, nil, err
	}
	sub, err := identify.EstimateSubspace(ctx, t, probes, identify.SubspaceOptions{Seed: 1})
	if err != nil {
		return nil, nil, err
	}
	z, err := sub.Reduce(imgs)
	return sub, z, err
}

// ImageSpan copies the first n rows (all, if fewer) of the training images
// train, scaled as the teacher was trained on them, and returns the span of
// t's first-layer weights estimated from them (Reduce), the copied images
// and their coordinates in the span: the probes every tool starts from.
func ImageSpan(ctx context.Context, t *mlp.Network, train *mat.Dense, n int) (*identify.Subspace, *mat.Dense, *mat.Dense, error) {
	rows, cols := train.Dims()
	imgs := mat.DenseCopyOf(train.Slice(0, min(n, rows), 0, cols))
	sub, z, err := Reduce(ctx, t, imgs)
	return sub, imgs, z, err
}

// Gaussian returns n span coordinates drawn from the Gaussian with the
// mean and covariance of z, widened to spread times its spread, from the
// stream of seed.
func Gaussian(z *mat.Dense, spread float64, seed uint64, n int) (*mat.Dense, error) {
	g, err := identify.MatchGaussian(z, true)
	if err != nil {
		return nil, err
	}
	if g, err = g.Widened(spread); err != nil {
		return nil, err
	}
	return g.Sample(synth.NewRand(seed), n)
}

package main

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// trainAndRecover is identify.RunData with students that start from
// Glorot-normal weights times gain: identify.Run always starts them at
// train.DefaultInitGain (3), which suits 4→16→1 students but gives a
// 784→128→10 student an initial loss ~15× larger than gain 1 does. The
// students are trained by train.Many with cfg.Train and handed to
// identify.Recover, the clustering stage of the public staged API.
func trainAndRecover(ctx context.Context, x, y *mat.Dense, cfg identify.Config, gain float64) (*identify.Result, error) {
	_, din := x.Dims()
	_, dout := y.Dims()
	width := int(math.Ceil(cfg.Rho*float64(cfg.BaseWidth) - 1e-9))
	newStudent := func(i int, rng *rand.Rand) (*mlp.Network, error) {
		net, err := mlp.New(mlp.Spec{Sizes: []int{din, width, dout}, Hidden: cfg.Activation})
		if err != nil {
			return nil, err
		}
		net.InitGlorotGain(rng, gain)
		return net, nil
	}
	tc := cfg.Train
	tc.Recorder = cfg.Recorder
	results, err := train.Many(ctx, x, y, cfg.Students, newStudent,
		train.ManyConfig{Config: tc, Seed: cfg.Seed, Workers: cfg.Workers, Restarts: -1})
	if err != nil {
		return nil, err
	}
	var cps []*identify.Checkpoint
	for _, r := range results {
		if r.Err != nil || r.Net == nil {
			continue
		}
		cps = append(cps, &identify.Checkpoint{Index: r.Index, Seed: cfg.Seed, Widths: []int{width},
			Loss: r.Loss, Phases: r.Phases, Net: r.Net, Elapsed: r.Elapsed})
	}
	return identify.Recover(ctx, x, y, cps, cfg)
}

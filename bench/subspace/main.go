// Command subspace estimates the span of each given teacher's first-layer
// weight vectors through queries (identify.EstimateSubspace with its
// default options, isotropic standard-normal gradient points) and prints
// its dimension, the gradient points and queries it took, and the
// singular values around the drop.
//
//	go run ./bench/subspace results/fashionmnist/deep/g-r30x3/teacher-g-e10-s1.json
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: subspace TEACHER.json...")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		if err := estimate(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func estimate(path string) error {
	net, err := mlp.LoadFile(path)
	if err != nil {
		return err
	}
	p, err := identify.IsotropicGaussian(net.InputDim(), 1)
	if err != nil {
		return err
	}
	t0 := time.Now()
	s, err := identify.EstimateSubspace(context.Background(), net, p, identify.SubspaceOptions{Seed: 1})
	if err != nil {
		return err
	}
	k := s.Dim()
	fmt.Printf("%s: %d of %d directions (first layer %d wide), %d points, %d queries, gap %.3g, %v; singular values %d–%d: %.3g\n",
		path, k, net.InputDim(), net.Layer(0).Out, s.Points, s.Queries, s.Gap, time.Since(t0).Round(time.Millisecond),
		max(1, k-2), min(len(s.Singular), k+2), s.Singular[max(0, k-3):min(len(s.Singular), k+2)])
	return nil
}

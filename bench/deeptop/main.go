// Command deeptop asks whether the top hidden layer of a deep family
// teacher can be recovered at all once everything below it is known
// exactly: it computes the teacher's own features h of the layer below on
// the problem's inputs and runs the one-hidden-layer Expand-and-Cluster
// (identify.RunData, 10 students ρ = 3) on (h, y), then compares the
// result with the teacher's top (identify.Compare on the test inputs).
// A second argument "std" standardises the features first (the teacher's
// top absorbs the affine change, so the same network is sought).
//
//	go run ./bench/deeptop deep-sigmoid-4x3x5x1
//	go run ./bench/deeptop deep-sigmoid-4x3x5x1 std
package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: deeptop PROBLEM [std]")
		os.Exit(2)
	}
	p, err := synth.DeepFamilyProblem(os.Args[1], synth.DeepFamilyOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	t, d, err := p.Dataset()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	L := t.NumLayers()
	var h, ht mat.Dense
	t.Hidden(nil, &h, d.X, L-3)
	t.Hidden(nil, &ht, d.TestX, L-3)
	// the top of the teacher: a one-hidden-layer network on h
	r := t.Layer(L - 2).Out
	top, _ := mlp.New(mlp.Spec{Sizes: []int{t.Layer(L - 2).In, r, t.OutputDim()}, Hidden: p.Activation})
	top.Layer(0).W.Copy(t.Layer(L - 2).W)
	copy(top.Layer(0).B, t.Layer(L-2).B)
	top.Layer(1).W.Copy(t.Layer(L - 1).W)
	copy(top.Layer(1).B, t.Layer(L-1).B)
	if len(os.Args) > 2 {
		// standardise the features; the top's first layer absorbs the change
		_, c := h.Dims()
		W0, B0 := top.Layer(0).W, top.Layer(0).B
		for j := 0; j < c; j++ {
			col := mat.Col(nil, j, &h)
			var m, v float64
			for _, x := range col {
				m += x
			}
			m /= float64(len(col))
			for _, x := range col {
				v += (x - m) * (x - m)
			}
			sd := math.Sqrt(v / float64(len(col)))
			for _, hh := range []*mat.Dense{&h, &ht} {
				rr, _ := hh.Dims()
				for i := 0; i < rr; i++ {
					hh.Set(i, j, (hh.At(i, j)-m)/sd)
				}
			}
			for o := 0; o < W0.RawMatrix().Rows; o++ {
				B0[o] += W0.At(o, j) * m
				W0.Set(o, j, W0.At(o, j)*sd)
			}
		}
		fmt.Println("standardised")
	}
	t0 := time.Now()
	res, err := identify.RunData(context.Background(), &h, d.Y, identify.Config{Activation: p.Activation, HiddenLayers: 1,
		Widths: []int{3 * r}, Students: 10, Gamma: p.Gamma, Beta: p.Beta, Seed: 1, Workers: 2})
	fmt.Println("time", time.Since(t0), "err", err)
	if res != nil {
		fmt.Println("widths", res.Widths, "student losses", res.StudentLosses)
		if res.Network != nil {
			rep, err := identify.Compare(top, res.Network, &ht)
			fmt.Println(rep, err, "exact", err == nil && rep.Exact(1e-6))
		}
	}
}

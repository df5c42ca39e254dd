package main

import (
	"context"
	"math"

	"github.com/paramrecovery/expandcluster/train"
)

// lbfgs is full-batch L-BFGS (two-loop recursion, Armijo backtracking) as
// a train.Optimizer, for the second phase of student training that
// DESIGN.md §5 prescribes for MNIST-size students ("minibatch Adam …, then
// full-batch L-BFGS"). The train package has no L-BFGS yet, so this
// example carries a small one; one iteration is one accepted step.
type lbfgs struct {
	Memory int // number of correction pairs; 0 means 10
}

var _ train.Optimizer = (*lbfgs)(nil)

func (o *lbfgs) Name() string { return "L-BFGS" }

func (o *lbfgs) Run(ctx context.Context, p *train.Problem, m *train.Monitor) error {
	mem := o.Memory
	if mem <= 0 {
		mem = 10
	}
	k := p.Dim()
	x := make([]float64, k)
	g := make([]float64, k)
	xn := make([]float64, k)
	gn := make([]float64, k)
	d := make([]float64, k)
	p.Gather(x)
	f, err := p.LossGrad(g, nil, nil)
	if err != nil {
		return err
	}
	var S, Y [][]float64
	var rho []float64
	alpha := make([]float64, mem)
	for {
		// d = −H·g by the two-loop recursion.
		copy(d, g)
		for i := len(S) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot(S[i], d)
			axpy(-alpha[i], Y[i], d)
		}
		scale := 1.0
		if n := len(S); n > 0 {
			scale = dot(S[n-1], Y[n-1]) / dot(Y[n-1], Y[n-1])
		} else if gn := math.Sqrt(dot(g, g)); gn > 0 {
			scale = 1e-2 / gn // a cautious first step
		}
		for i := range d {
			d[i] *= scale
		}
		for i := range S {
			b := rho[i] * dot(Y[i], d)
			axpy(alpha[i]-b, S[i], d)
		}
		for i := range d {
			d[i] = -d[i]
		}
		slope := dot(g, d)
		if !(slope < 0) { // not a descent direction: restart from the gradient
			S, Y, rho = S[:0], Y[:0], rho[:0]
			for i := range d {
				d[i] = -g[i] * 1e-2 / math.Max(1e-300, math.Sqrt(dot(g, g)))
			}
			slope = dot(g, d)
			if !(slope < 0) {
				return train.ErrNoProgress
			}
		}
		// Backtracking line search (Armijo, c = 1e-4).
		t := 1.0
		var fn float64
		ok := false
		for ls := 0; ls < 30; ls++ {
			for i := range xn {
				xn[i] = x[i] + t*d[i]
			}
			p.Scatter(xn)
			fn, err = p.LossGrad(gn, nil, nil)
			if err != nil {
				return err
			}
			if fn <= f+1e-4*t*slope {
				ok = true
				break
			}
			t /= 2
			if m.Stopped() {
				p.Scatter(x)
				return nil
			}
		}
		if !ok {
			p.Scatter(x)
			return train.ErrNoProgress
		}
		s := make([]float64, k)
		y := make([]float64, k)
		for i := range s {
			s[i] = xn[i] - x[i]
			y[i] = gn[i] - g[i]
		}
		if sy := dot(s, y); sy > 1e-12*math.Sqrt(dot(s, s)*dot(y, y)) {
			if len(S) == mem {
				S, Y, rho = S[1:], Y[1:], rho[1:]
			}
			S, Y, rho = append(S, s), append(Y, y), append(rho, 1/sy)
		}
		copy(x, xn)
		copy(g, gn)
		f = fn
		gmax := 0.0
		for _, v := range g {
			gmax = math.Max(gmax, math.Abs(v))
		}
		if m.Iterate(f, gmax) {
			return nil
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

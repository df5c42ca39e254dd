package train

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// NewtonTR is a Newton trust-region method with the exact Hessian of the
// loss, for students whose residual does not vanish at the optimum (for
// example students of the teacher's own size), where Gauss–Newton loses
// its fast convergence. Each accepted step costs one Hessian (NumParams
// Hessian-vector products for an *mlp.Network) and an eigendecomposition of
// the free block; the trust-region subproblem min gᵀp + ½pᵀHp, ‖p‖ ≤ Δ, is
// solved exactly in the eigenbasis (Moré–Sorensen, including the hard
// case). The radius grows ×2 after a very successful step at the boundary
// and shrinks ×¼ after a poor one.
//
// The student must be a HessianStudent. The zero value is ready to use.
type NewtonTR struct {
	// Radius is the initial trust radius; zero means 1.
	Radius float64
	// MaxRadius caps the radius; zero means 1e3.
	MaxRadius float64
	// Eta is the gain ratio above which a step is accepted; zero means
	// 1e-4.
	Eta float64
}

// Name returns "NewtonTR".
func (o *NewtonTR) Name() string { return "NewtonTR" }

func (o *NewtonTR) validate() error {
	for _, v := range []float64{o.Radius, o.MaxRadius, o.Eta} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("NewtonTR settings (%v, %v, %v) must be finite and ≥ 0", o.Radius, o.MaxRadius, o.Eta)
		}
	}
	if o.Eta >= 0.25 {
		return fmt.Errorf("NewtonTR.Eta %v must be < 0.25", o.Eta)
	}
	return nil
}

// Run minimises the loss of p by Newton trust region.
func (o *NewtonTR) Run(ctx context.Context, p *Problem, m *Monitor) error {
	hs, ok := p.Student.(HessianStudent)
	if !ok {
		return fmt.Errorf("NewtonTR: student %T has no Hessian method", p.Student)
	}
	radius, maxRadius, eta := o.Radius, o.MaxRadius, o.Eta
	if radius == 0 {
		radius = 1
	}
	if maxRadius == 0 {
		maxRadius = 1e3
	}
	if eta == 0 {
		eta = 1e-4
	}
	k := p.Dim()
	qm := newNewtonModel(p, hs)
	step := make([]float64, k)
	coef := make([]float64, k) // the step in the eigenbasis
	x, x0 := make([]float64, k), make([]float64, k)
	loss, err := qm.update()
	if err != nil {
		return err
	}
	p.Gather(x)
	for {
		if m.Stopped() {
			return nil
		}
		pred, pn := trustRegionStep(coef, qm.vals, qm.gq, radius)
		// step = Q·coef
		mat.NewVecDense(k, step).MulVec(&qm.q, mat.NewVecDense(k, coef))
		copy(x0, x)
		for i, s := range step {
			x[i] += s
		}
		p.Scatter(x)
		trial, err := p.Loss()
		if err != nil {
			return err
		}
		rho := (loss - trial) / pred
		if pred <= 0 || math.IsNaN(trial) {
			rho = -1
		}
		switch {
		case rho < 0.25:
			radius = 0.25 * pn
		case rho > 0.75 && pn >= 0.99*radius:
			radius = min(2*radius, maxRadius)
		}
		if rho > eta {
			if loss, err = qm.update(); err != nil {
				return err
			}
		} else {
			copy(x, x0)
			p.Scatter(x)
			if radius < 1e-15*(1+floatsNorm(x)) {
				return ErrNoProgress
			}
		}
		if m.Iterate(loss, infNorm(qm.g)) {
			return nil
		}
	}
}

// newtonModel is NewtonTR's quadratic model of the loss at the current
// point: the gradient g over the free parameters and the
// eigendecomposition Q·diag(vals)·Qᵀ of the free block of the Hessian.
type newtonModel struct {
	p     *Problem
	hs    HessianStudent
	hfull mat.SymDense  // Hessian over all parameters
	h     *mat.SymDense // its free block
	eig   mat.EigenSym
	q     mat.Dense
	vals  []float64
	g     []float64
	gq    []float64 // Qᵀg
}

func newNewtonModel(p *Problem, hs HessianStudent) *newtonModel {
	k := p.Dim()
	nm := &newtonModel{p: p, hs: hs, h: mat.NewSymDense(k, nil),
		vals: make([]float64, k), g: make([]float64, k), gq: make([]float64, k)}
	nm.hfull.ReuseAsSym(len(p.Student.Params()))
	return nm
}

// update rebuilds the model at the student's current parameters and
// returns the loss there.
func (nm *newtonModel) update() (float64, error) {
	p, k, free := nm.p, len(nm.g), nm.p.Free()
	loss, err := p.LossGrad(nm.g, nil, nil)
	if err != nil {
		return 0, err
	}
	if err := nm.hs.Hessian(p.WS, &nm.hfull, p.X, p.Y); err != nil {
		return 0, err
	}
	for a := 0; a < k; a++ {
		ia := a
		if free != nil {
			ia = free[a]
		}
		for b := a; b < k; b++ {
			ib := b
			if free != nil {
				ib = free[b]
			}
			nm.h.SetSym(a, b, nm.hfull.At(ia, ib))
		}
	}
	if !nm.eig.Factorize(nm.h, true) {
		return 0, fmt.Errorf("NewtonTR: eigendecomposition of the Hessian failed")
	}
	nm.eig.Values(nm.vals)
	nm.eig.VectorsTo(&nm.q)
	mat.NewVecDense(k, nm.gq).MulVec(nm.q.T(), mat.NewVecDense(k, nm.g))
	return loss, nil
}

// trustRegionStep solves the trust-region subproblem
//
//	min gᵀp + ½pᵀHp  subject to  ‖p‖ ≤ radius
//
// exactly, in the eigenbasis of H = Q·diag(vals)·Qᵀ: vals are H's
// eigenvalues in increasing order and gq = Qᵀg. It writes the solution's
// coordinates in that basis, Qᵀp, into coef and returns the predicted
// decrease −(gᵀp + ½pᵀHp) and ‖p‖. The solution is p(λ) = −(H + λI)⁻¹g
// with the smallest λ ≥ max(0, −vals[0]) for which ‖p(λ)‖ ≤ radius, found
// by bisection (Moré–Sorensen). In the hard case, where even λ = −vals[0]
// leaves p inside the region (g has no component along the eigenvectors
// of the smallest eigenvalue), the step is completed to the boundary along
// the first eigenvector. It reads only its arguments.
func trustRegionStep(coef, vals, gq []float64, radius float64) (pred, norm float64) {
	lmin := vals[0]
	pnorm := func(lam float64) float64 {
		var s float64
		for i, gi := range gq {
			d := vals[i] + lam
			s += gi * gi / (d * d)
		}
		return math.Sqrt(s)
	}
	lam := 0.0
	hard := false
	if !(lmin > 0 && pnorm(0) <= radius) {
		lo := max(0, -lmin) * (1 + 1e-12)
		if lo == 0 {
			lo = 1e-300
		}
		if pnorm(lo) <= radius {
			lam, hard = lo, true
		} else {
			hi := lo + 1
			for pnorm(hi) > radius {
				hi *= 2
			}
			for it := 0; it < 200 && hi-lo > 1e-14*hi; it++ {
				mid := 0.5 * (lo + hi)
				if pnorm(mid) > radius {
					lo = mid
				} else {
					hi = mid
				}
			}
			lam = hi
		}
	}
	for i, gi := range gq {
		coef[i] = 0
		if d := vals[i] + lam; d != 0 {
			coef[i] = -gi / d
		}
	}
	if hard {
		var s float64
		for _, c := range coef {
			s += c * c
		}
		if t := radius*radius - s; t > 0 {
			coef[0] += math.Sqrt(t)
		}
	}
	for i, c := range coef {
		pred -= gq[i]*c + 0.5*vals[i]*c*c
		norm += c * c
	}
	return pred, math.Sqrt(norm)
}

func floatsNorm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

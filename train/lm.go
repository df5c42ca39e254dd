package train

import (
	"context"
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/internal/chol"
	"github.com/paramrecovery/expandcluster/internal/gram"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// LM is the Levenberg–Marquardt method, a damped Gauss–Newton trust region
// on the residuals r of the student: it minimises ½‖r‖² over the free
// parameters by solving (JᵀJ + μD)δ = −Jᵀr with a Cholesky factorisation
// (JᵀJ by the symmetric product of internal/gemm straight from J, AVX2 or
// AVX-512 where available; the blocked factorisation and the solves of
// internal/chol), accepting the step when the gain ratio ρ of
// actual to predicted decrease is positive, and updating μ as Nielsen
// (1999): μ ← μ·max(1/3, 1−(2ρ−1)³) on success, μ ← μ·ν, ν ← 2ν on failure.
// A Cholesky failure counts as a failed step. With D = I the step is the
// implicit (backward Euler) step of the Gauss–Newton gradient flow with
// time step 1/μ.
//
// One iteration is one trial step; a rejected step costs a factorisation
// and a forward pass, an accepted one also a new Jacobian and JᵀJ. Memory
// is one Jacobian, samples × free parameters. Run does not allocate after
// its setup.
//
// The zero value is ready to use.
type LM struct {
	// Tau sets the initial damping μ₀ = Tau·max diag(JᵀJ); zero means 1e-3.
	Tau float64
	// Scaled uses D = diag(JᵀJ) (Marquardt's scaling, floored at 1e-12·max
	// diag) instead of D = I.
	Scaled bool
	// MaxMu ends the run with ErrNoProgress when μ exceeds
	// MaxMu·max diag(JᵀJ); zero means 1e16.
	MaxMu float64
	// MinMu, if positive, keeps μ ≥ MinMu·max diag(JᵀJ): a cap on the step
	// length that makes the iterates follow the gradient flow more closely
	// (a slow, cautious start).
	MinMu float64
	// Geodesic adds geodesic acceleration (Transtrum and Sethna, 2012):
	// the step is v + a/2, where v is the Levenberg–Marquardt step and a
	// the correction for the curvature of the residuals along v,
	// (JᵀJ + μD)a = −Jᵀr_vv with r_vv, the second directional derivative
	// of the residuals, from one extra evaluation of the residuals at
	// x + hv (h = 0.1); a step with 2‖a‖ > GeodesicRatio·‖v‖ is rejected.
	// It costs a forward pass and a triangular solve per iteration, against
	// the Gram matrix's samples × parameters² operations, and lets the
	// iterates follow a narrow curved valley in long steps where plain LM
	// creeps. It needs a Residualer student; without one it is ignored.
	Geodesic bool
	// GeodesicRatio bounds 2‖a‖/‖v‖; zero means 0.75.
	GeodesicRatio float64
	// MaxMemory bounds the bytes of the Jacobian and the two k×k normal
	// matrices that Run allocates; zero means 8 GiB. A
	// student that needs more is refused with an error naming the size
	// (GaussNewton needs no P×P matrix).
	MaxMemory int64
}

// Name returns "LM".
func (o *LM) Name() string { return "LM" }

func (o *LM) validate() error {
	if math.IsNaN(o.Tau) || o.Tau < 0 || math.IsInf(o.Tau, 0) {
		return fmt.Errorf("LM.Tau %v must be finite and ≥ 0", o.Tau)
	}
	if math.IsNaN(o.MaxMu) || o.MaxMu < 0 {
		return fmt.Errorf("LM.MaxMu %v must be ≥ 0", o.MaxMu)
	}
	if math.IsNaN(o.GeodesicRatio) || o.GeodesicRatio < 0 {
		return fmt.Errorf("LM.GeodesicRatio %v must be ≥ 0", o.GeodesicRatio)
	}
	if o.MaxMemory < 0 {
		return fmt.Errorf("LM.MaxMemory %d must be ≥ 0", o.MaxMemory)
	}
	return nil
}

// lmState holds the buffers of one LM run.
type lmState struct {
	k, m   int
	jac    mat.Dense
	work   []float64 // scratch of chol.Factor
	r      []float64
	a      blas64.Symmetric // JᵀJ, upper triangle
	c      blas64.Symmetric // JᵀJ + μD, factorised in place
	g      []float64        // Jᵀr
	d      []float64        // damping diagonal
	step   []float64        // right-hand side / solution
	x, x0  []float64
	halfSS float64 // ½‖r‖²
	// Geodesic acceleration (nil without it): residuals at x + hv, then
	// r_vv; J times a vector; the acceleration.
	rh, jv []float64
	acc    []float64
}

// geodesicStep is the finite-difference step h of geodesic acceleration.
const geodesicStep = 0.1

func newLMState(k, m int) *lmState {
	s := &lmState{k: k, m: m}
	s.jac.ReuseAs(m, k)
	s.work = make([]float64, chol.WorkLen(k))
	s.r = make([]float64, m)
	s.a = blas64.Symmetric{Uplo: blas.Upper, N: k, Stride: k, Data: make([]float64, k*k)}
	s.c = blas64.Symmetric{Uplo: blas.Upper, N: k, Stride: k, Data: make([]float64, k*k)}
	s.g = make([]float64, k)
	s.d = make([]float64, k)
	s.step = make([]float64, k)
	s.x = make([]float64, k)
	s.x0 = make([]float64, k)
	return s
}

// linearise computes J, r, JᵀJ and Jᵀr at the student's current point.
func (s *lmState) linearise(p *Problem) error {
	if err := p.Jacobian(&s.jac, s.r); err != nil {
		return err
	}
	j := s.jac.RawMatrix()
	gram.UpperT(s.a.Data, s.k, j.Data, s.k, s.m, j.Stride)
	blas64.Gemv(blas.Trans, 1, j, blas64.Vector{N: s.m, Inc: 1, Data: s.r}, 0, blas64.Vector{N: s.k, Inc: 1, Data: s.g})
	var ss float64
	for _, v := range s.r {
		ss += v * v
	}
	s.halfSS = ss / 2
	return nil
}

// Run minimises the loss of p by Levenberg–Marquardt.
func (o *LM) Run(ctx context.Context, p *Problem, m *Monitor) error {
	tau, maxMu := o.Tau, o.MaxMu
	if tau == 0 {
		tau = 1e-3
	}
	if maxMu == 0 {
		maxMu = 1e16
	}
	limit := o.MaxMemory
	if limit == 0 {
		limit = 8 << 30
	}
	nk, nm := int64(p.Dim()), int64(p.Samples())
	if need := 8 * (nk*nm + 2*nk*nk + int64(chol.WorkLen(int(nk)))); need > limit {
		return fmt.Errorf("LM: %d free parameters on %d residuals need %.1f GiB for the Jacobian and normal equations, above MaxMemory %.1f GiB (train.GaussNewton needs no P×P matrix)",
			nk, nm, float64(need)/(1<<30), float64(limit)/(1<<30))
	}
	s := newLMState(p.Dim(), p.Samples())
	ratio := 0.0
	if _, ok := p.Student.(Residualer); ok && o.Geodesic {
		ratio = o.GeodesicRatio
		if ratio == 0 {
			ratio = 0.75
		}
		s.rh, s.jv = make([]float64, s.m), make([]float64, s.m)
		s.acc = make([]float64, s.k)
	}
	return s.run(p, m, tau, maxMu, o.MinMu, o.Scaled, ratio)
}

func (s *lmState) run(p *Problem, m *Monitor, tau, maxMu, minMu float64, scaled bool, geoRatio float64) error {
	k := s.k
	scale := 2 / float64(s.m) // loss = ‖r‖²/m, gradient = (2/m)·Jᵀr
	if err := s.linearise(p); err != nil {
		return err
	}
	p.Gather(s.x)
	maxDiag := func() float64 {
		var md float64
		for i := 0; i < k; i++ {
			md = max(md, s.a.Data[i*k+i])
		}
		if md == 0 {
			md = 1
		}
		return md
	}
	md := maxDiag()
	mu, nu := tau*md, 2.0
	gnorm := scale * infNorm(s.g)
	for {
		// D: identity or the floored diagonal of JᵀJ.
		for i := 0; i < k; i++ {
			s.d[i] = 1
			if scaled {
				s.d[i] = max(s.a.Data[i*k+i], 1e-12*md)
			}
		}
		// C = A + μD (upper triangle).
		for i := 0; i < k; i++ {
			copy(s.c.Data[i*k+i:i*k+k], s.a.Data[i*k+i:i*k+k])
			s.c.Data[i*k+i] += mu * s.d[i]
		}
		ok := chol.Factor(s.c.Data, k, k, s.work)
		accepted := false
		var pred float64
		if ok {
			for i, gi := range s.g {
				s.step[i] = -gi
			}
			chol.Solve(s.c.Data, k, k, s.step)
			delta := s.step
			// Predicted decrease of ½‖r‖²: ½δᵀ(μDδ − g).
			var dn, xn float64
			for i, di := range delta {
				pred += di * (mu*s.d[i]*di - s.g[i])
				dn += di * di
				xn += s.x[i] * s.x[i]
			}
			pred /= 2
			if math.Sqrt(dn) <= 1e-15*(math.Sqrt(xn)+1e-15) {
				return ErrNoProgress
			}
			if geoRatio > 0 {
				var err error
				if ok, err = s.accelerate(p, geoRatio); err != nil {
					return err
				}
			}
		}
		if ok {
			delta := s.step
			copy(s.x0, s.x)
			for i, di := range delta {
				s.x[i] += di
			}
			p.Scatter(s.x)
			loss, err := p.Loss()
			if err != nil {
				return err
			}
			newHalf := loss * float64(s.m) / 2
			rho := (s.halfSS - newHalf) / pred
			if pred > 0 && rho > 0 && !math.IsNaN(newHalf) {
				accepted = true
				t := 2*rho - 1
				mu *= max(1.0/3, 1-t*t*t)
				mu = max(mu, minMu*md)
				nu = 2
				if err := s.linearise(p); err != nil {
					return err
				}
				md = maxDiag()
				gnorm = scale * infNorm(s.g)
			} else {
				copy(s.x, s.x0)
				p.Scatter(s.x)
			}
		}
		if !accepted {
			mu *= nu
			nu *= 2
			if mu > maxMu*md || math.IsInf(nu, 1) {
				return ErrNoProgress
			}
		}
		if m.Iterate(s.halfSS*scale, gnorm) {
			return nil
		}
	}
}

// accelerate turns the Levenberg–Marquardt step v in s.step into the
// geodesically accelerated step v + a/2 (the gain ratio stays measured
// against v's predicted decrease, as in Transtrum and Sethna); ok is
// false, and the step to be rejected, when 2‖a‖ > ratio·‖v‖ (the valley
// bends too sharply for the correction to be trusted). s.c holds the
// Cholesky factor of JᵀJ + μD. On success the student is left at x + hv.
func (s *lmState) accelerate(p *Problem, ratio float64) (ok bool, err error) {
	v := s.step
	for i, vi := range v {
		s.x0[i] = s.x[i] + geodesicStep*vi
	}
	p.Scatter(s.x0)
	if _, err := p.Residuals(s.rh); err != nil {
		return false, err
	}
	j := s.jac.RawMatrix()
	blas64.Gemv(blas.NoTrans, 1, j, blas64.Vector{N: s.k, Inc: 1, Data: v}, 0, blas64.Vector{N: s.m, Inc: 1, Data: s.jv})
	// r_vv ≈ (2/h)·((r(x + hv) − r(x))/h − Jv).
	h := geodesicStep
	for i := range s.rh {
		s.rh[i] = 2 / h * ((s.rh[i]-s.r[i])/h - s.jv[i])
	}
	a := s.acc
	blas64.Gemv(blas.Trans, -1, j, blas64.Vector{N: s.m, Inc: 1, Data: s.rh}, 0, blas64.Vector{N: s.k, Inc: 1, Data: a})
	chol.Solve(s.c.Data, s.k, s.k, a)
	var an, vn float64
	for i := range a {
		an += a[i] * a[i]
		vn += v[i] * v[i]
	}
	if !(2*math.Sqrt(an) <= ratio*math.Sqrt(vn)) {
		p.Scatter(s.x)
		return false, nil
	}
	for i := range v {
		v[i] += a[i] / 2
	}
	return true, nil
}

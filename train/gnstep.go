package train

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// cgProgress is ε of Martens' CG stopping test: stop when the quadratic
// model improved by less than k·ε (relative) over the last k iterations,
// k = max(10, i/10).
const cgProgress = 5e-4

// cgWarm scales the previous step into the starting point of CG.
const cgWarm = 0.95

// linearise computes the residuals, ½‖r‖², the gradient Jᵀr and the
// preconditioner factors at the student's current point.
func (s *gnState) linearise() error {
	if err := s.lin.Reset(s.net, s.ws, s.x); err != nil {
		return err
	}
	last := len(s.layers) - 1
	if last > 0 {
		in, stride := s.lin.LayerInput(last)
		if err := s.layers[last].factorA(in, stride, s.lin.Rows()); err != nil {
			return err
		}
	}
	if s.solveOut {
		s.solveOutput()
		if err := s.lin.Reset(s.net, s.ws, s.x); err != nil {
			return err
		}
	}
	out := s.lin.Outputs()
	yr := s.y.RawMatrix()
	od := s.net.OutputDim()
	var ss float64
	for i := 0; i < yr.Rows; i++ {
		for j, yv := range yr.Data[i*yr.Stride : i*yr.Stride+od] {
			d := out[i*od+j] - yv
			s.r[i*od+j] = d
			ss += d * d
		}
	}
	s.half = ss / 2
	s.lin.JacTVec(s.g, s.r)
	s.mask(s.g)
	for l := range s.layers {
		if l > 0 && l < last {
			in, stride := s.lin.LayerInput(l)
			if err := s.layers[l].factorA(in, stride, s.lin.Rows()); err != nil {
				return err
			}
		}
	}
	if s.xc == s.x {
		s.linC = s.lin
	} else if err := s.linC.Reset(s.net, s.wsC, s.xc); err != nil {
		return err
	}
	for l := range s.layers {
		if err := s.layers[l].factorG(&s.linC, l, s.cfg.FactorRows); err != nil {
			return err
		}
	}
	return nil
}

// scale is the largest eigenvalue of the preconditioner without damping,
// the size of JᵀJ that λ is measured against.
func (s *gnState) scale() float64 {
	n := float64(s.x.RawMatrix().Rows)
	var m float64
	for _, k := range s.layers {
		m = max(m, n*floats.Max(k.gamma)*floats.Max(k.alpha))
	}
	if m == 0 {
		return 1
	}
	return m
}

// step takes one trust-region step and returns the loss and gradient
// ∞-norm (of the loss) at the new current point.
func (s *gnState) step(stopped func() bool) (loss, gnorm float64, err error) {
	qA := s.cg(stopped)
	if stopped() {
		return s.half * s.lossSc, s.lossSc * infNorm(s.g), nil
	}
	pred := -qA + 0.5*s.lambda*floats.Dot(s.delta, s.delta)
	params := s.net.Params()
	copy(s.x0, params)
	accepted := false
	for _, t := range [...]float64{1, 0.5, 0.25, 0.125} {
		copy(params, s.x0)
		floats.AddScaled(params, t, s.delta)
		l, err := s.net.Loss(s.wsTrial, s.x, s.y)
		if err != nil {
			return 0, 0, err
		}
		half := l / s.lossSc
		if t == 1 {
			if rho := (s.half - half) / pred; pred > 0 && rho > 0 && !math.IsNaN(half) {
				u := 2*rho - 1
				s.lambda *= max(1.0/3, 1-u*u*u)
				if rho > 0.75 {
					// The model is trustworthy: widen the region faster
					// than Nielsen's rule (whose largest step is 1/3).
					s.lambda *= 0.3
				}
				s.nu = 2
				accepted = true
				break
			}
			s.lambda *= s.nu
			s.nu *= 2
		} else if half < s.half {
			accepted = true
			break
		}
	}
	if accepted {
		if err := s.linearise(); err != nil {
			return 0, 0, err
		}
	} else {
		copy(params, s.x0)
		if s.lambda > 1e16*s.scale() || math.IsInf(s.nu, 1) {
			return 0, 0, ErrNoProgress
		}
	}
	return s.half * s.lossSc, s.lossSc * infNorm(s.g), nil
}

// cg solves (JᵀJ + λI)·delta = −g approximately by preconditioned
// conjugate gradients and returns the value of the damped
// quadratic model at the solution, q(delta) = gᵀdelta + ½ deltaᵀ(JᵀJ+λI)delta.
func (s *gnState) cg(stopped func() bool) float64 {
	// Start from the previous step shrunk a little (Martens): successive
	// steps point in similar directions. Fall back to zero if that start
	// is worse than zero for the model.
	floats.Scale(cgWarm, s.delta)
	s.curvature(s.bd, s.delta)
	for i, v := range s.g {
		s.res[i] = -v - s.bd[i]
	}
	q := 0.5*floats.Dot(s.g, s.delta) - 0.5*floats.Dot(s.delta, s.res)
	if !(q < 0) {
		clear(s.delta)
		for i, v := range s.g {
			s.res[i] = -v
		}
		q = 0
	}
	s.precondition(s.z, s.res)
	copy(s.d, s.z)
	rz := floats.Dot(s.res, s.z)
	s.q[0] = q
	for i := 1; i <= s.cfg.MaxCG && !stopped(); i++ {
		s.curvature(s.bd, s.d)
		dbd := floats.Dot(s.d, s.bd)
		if !(dbd > 0) || !(rz > 0) {
			break
		}
		alpha := rz / dbd
		floats.AddScaled(s.delta, alpha, s.d)
		floats.AddScaled(s.res, -alpha, s.bd)
		// With A·delta = −g − res: q = ½gᵀdelta − ½deltaᵀres.
		q = 0.5*floats.Dot(s.g, s.delta) - 0.5*floats.Dot(s.delta, s.res)
		s.q[i] = q
		if k := max(10, i/10); i > k && q < 0 && (q-s.q[i-k])/q < float64(k)*cgProgress {
			break
		}
		s.precondition(s.z, s.res)
		rzNew := floats.Dot(s.res, s.z)
		beta := rzNew / rz
		rz = rzNew
		for j, zj := range s.z {
			s.d[j] = zj + beta*s.d[j]
		}
	}
	return q
}

// curvature sets dst = (JᵀJ + λI)·v with JᵀJ estimated on the curvature
// samples and scaled to all samples.
func (s *gnState) curvature(dst, v []float64) {
	s.linC.JacVec(s.jv, v)
	s.linC.JacTVec(dst, s.jv)
	for i, vi := range v {
		dst[i] = s.frac*dst[i] + s.lambda*vi
	}
	s.mask(dst)
}

// precondition sets dst = (N·G⊗A + λI)⁻¹·src layer by layer.
func (s *gnState) precondition(dst, src []float64) {
	n := float64(s.x.RawMatrix().Rows)
	for l := range s.layers {
		s.layers[l].solve(dst, src, n, s.lambda)
	}
	if s.skipEnd > s.skipOff {
		c := 1 / (n*s.skipA + s.lambda)
		for i := s.skipOff; i < s.skipEnd; i++ {
			dst[i] = c * src[i]
		}
	}
	s.mask(dst)
}

// mask zeroes the frozen entries of v.
func (s *gnState) mask(v []float64) {
	if s.free == nil {
		return
	}
	for i, f := range s.free {
		if !f {
			v[i] = 0
		}
	}
}

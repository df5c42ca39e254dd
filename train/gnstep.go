package train

import (
	"math"

	"github.com/paramrecovery/expandcluster/mlp"

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
	half, err := s.forwardSolve(&s.lin, s.ws, &s.layers[len(s.layers)-1], s.r)
	if err != nil {
		return err
	}
	s.half = half
	return s.finishLinearise()
}

// forwardSolve runs the forward pass into lin (on ws), factorises the last
// hidden layer's second moment into k, solves the output layer exactly if
// it is solvable, and writes the residuals to r. It returns ½‖r‖².
func (s *gnState) forwardSolve(lin *mlp.Linearization, ws *mlp.Workspace, k *kfacLayer, r []float64) (float64, error) {
	if err := lin.Reset(s.net, ws, s.x); err != nil {
		return 0, err
	}
	last := len(s.layers) - 1
	if last > 0 {
		in, stride := lin.LayerInput(last)
		if err := k.factorA(in, stride, lin.Rows()); err != nil {
			return 0, err
		}
	}
	out := lin.Outputs()
	if s.solveOut {
		s.solveOutput(lin, k)
		// The forward pass's outputs predate the solve: recompute them
		// from the last hidden layer (cheap) rather than rerunning it.
		out = r
		s.outputFromHidden(out, lin, k)
	}
	yr := s.y.RawMatrix()
	od := s.net.OutputDim()
	var ss float64
	for i := 0; i < yr.Rows; i++ {
		for j, yv := range yr.Data[i*yr.Stride : i*yr.Stride+od] {
			d := out[i*od+j] - yv
			r[i*od+j] = d
			ss += d * d
		}
	}
	return ss / 2, nil
}

// finishLinearise computes the gradient and the preconditioner factors
// once s.lin, s.r and the last layer's A factor are current.
func (s *gnState) finishLinearise() error {
	last := len(s.layers) - 1
	s.lin.JacTVec(s.g, s.r)
	s.mask(s.g)
	s.maskOutput(s.g)
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
	if s.xc32 != nil {
		if err := s.linC.SetInputs32(s.xc32); err != nil {
			return err
		}
	}
	if err := s.resetBlocks(); err != nil {
		return err
	}
	for l := range s.layers {
		if err := s.layers[l].factorG(&s.linC, l, s.cfg.FactorRows); err != nil {
			return err
		}
		if s.cfg.EigenCorrection {
			s.layers[l].correct(&s.linC, l, s.cfg.FactorRows, l == 0)
		}
	}
	return nil
}

// trialHalf returns ½‖r‖² at the student's current (trial) parameters.
// With the projection it is the variable-projection objective, the loss
// once the output layer is re-solved, which is what the projected model
// predicts; the trial's linearisation is kept in linT so that an accepted
// step needs no second forward pass.
func (s *gnState) trialHalf() (float64, error) {
	if !s.project {
		l, err := s.net.Loss(s.wsTrial, s.x, s.y)
		return l / s.lossSc, err
	}
	return s.forwardSolve(&s.linT, s.wsTrial, &s.trialOut, s.rT)
}

// acceptTrial makes the trial point evaluated by trialHalf current.
func (s *gnState) acceptTrial(half float64) error {
	if !s.project {
		return s.linearise()
	}
	last := len(s.layers) - 1
	s.lin, s.linT = s.linT, s.lin
	s.ws, s.wsTrial = s.wsTrial, s.ws
	s.layers[last], s.trialOut = s.trialOut, s.layers[last]
	s.r, s.rT = s.rT, s.r
	s.half = half
	return s.finishLinearise()
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
	lambda0, half0 := s.lambda, s.half
	qA, iters := s.cg(stopped)
	if stopped() {
		return s.half * s.lossSc, s.lossSc * infNorm(s.g), nil
	}
	knownHalf := math.NaN() // ½‖r‖² at the full step, if already known
	if s.snaps != nil {
		if qA, knownHalf, err = s.backtrack(qA, iters); err != nil {
			return 0, 0, err
		}
	}
	pred := -qA + 0.5*s.lambda*floats.Dot(s.delta, s.delta)
	accel := math.NaN()
	if s.cfg.Geodesic && s.xc == s.x {
		if accel, err = s.accelerate(stopped); err != nil {
			return 0, 0, err
		}
	}
	params := s.net.Params()
	copy(s.x0, params)
	accepted := false
	rho, taken, newHalf := math.NaN(), 0.0, 0.0
	for _, t := range [...]float64{1, 0.5, 0.25, 0.125} {
		copy(params, s.x0)
		floats.AddScaled(params, t, s.delta)
		half := knownHalf
		if t != 1 || math.IsNaN(half) || math.IsInf(half, 1) {
			if half, err = s.trialHalf(); err != nil {
				return 0, 0, err
			}
		}
		if t == 1 {
			rho = (s.half - half) / pred
			if pred > 0 && rho > 0 && !math.IsNaN(half) {
				u := 2*rho - 1
				s.lambda *= max(1.0/3, 1-u*u*u)
				if rho > 0.75 {
					// The model is trustworthy: widen the region faster
					// than Nielsen's rule (whose largest step is 1/3).
					s.lambda *= 0.3
				}
				if rho > 0.98 {
					// The model is exact to 2 %: typical of a warm start
					// (a fine-tune), where λ₀ is orders of magnitude too
					// large; each such step cost a full CG solve.
					s.lambda *= 0.1
				}
				s.nu = 2
				accepted, taken, newHalf = true, t, half
				break
			}
			s.lambda *= s.nu
			s.nu *= 2
		} else if half < s.half {
			accepted, taken, newHalf = true, t, half
			break
		}
	}
	if accepted {
		if err := s.acceptTrial(newHalf); err != nil {
			return 0, 0, err
		}
	} else {
		copy(params, s.x0)
		if s.lambda > 1e16*s.scale() || math.IsInf(s.nu, 1) {
			return 0, 0, ErrNoProgress
		}
	}
	if s.cfg.Trace != nil {
		s.trace = GNStep{Loss: s.half * s.lossSc, Lambda: lambda0 / s.scale(), CG: iters, Rho: rho,
			Predicted: pred / half0, Accepted: accepted, StepLength: taken, StepNorm: floats.Norm(s.delta, 2), Acceleration: accel}
		s.cfg.Trace(&s.trace)
	}
	return s.half * s.lossSc, s.lossSc * infNorm(s.g), nil
}

// geodesicH is the finite-difference step of the second directional
// derivative in accelerate, and geodesicMax the largest ratio
// 2‖a‖/‖v‖ at which the correction is used (Transtrum and Sethna's
// values).
const (
	geodesicH   = 0.1
	geodesicMax = 0.75
)

// accelerate adds to the Gauss–Newton step v = s.delta the geodesic
// acceleration ½a, a = −(JᵀJ+λI)⁻¹·Jᵀ·r_vv, r_vv the second derivative of
// the residuals along v by finite differences: the step then follows the
// curved valley of the loss instead of its tangent. It returns 2‖a‖/‖v‖;
// above geodesicMax the correction is not used.
func (s *gnState) accelerate(stopped func() bool) (float64, error) {
	v := s.delta
	s.lin.JacVec(s.jv, v)
	params := s.net.Params()
	copy(s.x0, params)
	floats.AddScaled(params, geodesicH, v)
	err := s.linT.Reset(s.net, s.wsTrial, s.x)
	copy(params, s.x0)
	if err != nil {
		return 0, err
	}
	out := s.linT.Outputs()
	yr := s.y.RawMatrix()
	od := s.net.OutputDim()
	const c = 2 / geodesicH
	for i := 0; i < yr.Rows; i++ {
		for j, yv := range yr.Data[i*yr.Stride : i*yr.Stride+od] {
			k := i*od + j
			s.rvv[k] = c * ((out[k]-yv-s.r[k])/geodesicH - s.jv[k])
		}
	}
	if s.project {
		s.projectOut(s.rvv)
	}
	s.lin.JacTVec(s.gvv, s.rvv)
	s.mask(s.gvv)
	s.maskOutput(s.gvv)
	s.solve(s.acc, s.gvv, 0, max(1, s.cfg.MaxCG/2), false, stopped)
	ratio := 2 * floats.Norm(s.acc, 2) / floats.Norm(v, 2)
	if ratio <= geodesicMax {
		floats.AddScaled(v, 0.5, s.acc)
	}
	return ratio, nil
}

// cg solves (JᵀJ + λI)·delta = −g approximately by preconditioned
// conjugate gradients and returns the value of the damped
// quadratic model at the solution, q(delta) = gᵀdelta + ½ deltaᵀ(JᵀJ+λI)delta.
func (s *gnState) cg(stopped func() bool) (q float64, iters int) {
	s.nSnaps = 0
	return s.solve(s.delta, s.g, cgWarm, s.cfg.MaxCG, s.snaps != nil, stopped)
}

// snapGrowth spaces the CG iterates kept for backtracking: iterations 1,
// 2, 3, 4, 6, 8, 11, 15, … (after Martens 2010).
const snapGrowth = 1.3

// snapshot keeps CG iterate i (delta) for backtracking if i is one of the
// kept iterations.
func (s *gnState) snapshot(delta []float64, i int) {
	if s.snaps == nil || s.nSnaps == len(s.snaps) {
		return
	}
	next := 1
	if s.nSnaps > 0 {
		last := s.snapAt[s.nSnaps-1]
		next = max(last+1, int(math.Ceil(float64(last)*snapGrowth)))
	}
	if i != next {
		return
	}
	copy(s.snaps[s.nSnaps], delta)
	s.snapAt[s.nSnaps] = i
	s.nSnaps++
}

// backtrack replaces the CG step s.delta (model value q after iters
// iterations) by the kept iterate with the lowest loss, walking back from
// the last one while the loss falls. Far from the floor the Gauss–Newton
// model is poor, and CG's later iterates can chase directions the loss
// does not follow (though taking the best iterate at every step led to a
// worse path on the Fashion-MNIST student; see GaussNewton.Backtrack).
// It returns the model value of the chosen step and its ½‖r‖² (NaN if
// the caller must evaluate it again).
func (s *gnState) backtrack(q float64, iters int) (float64, float64, error) {
	params := s.net.Params()
	copy(s.x0, params)
	eval := func(d []float64) (float64, error) {
		copy(params, s.x0)
		floats.Add(params, d)
		h, err := s.trialHalf()
		copy(params, s.x0)
		if math.IsNaN(h) {
			h = math.Inf(1)
		}
		return h, err
	}
	best, err := eval(s.delta)
	if err != nil {
		return 0, 0, err
	}
	chosen, last := -1, -1
	for n := s.nSnaps - 1; n >= 0; n-- {
		if s.snapAt[n] >= iters {
			continue
		}
		h, err := eval(s.snaps[n])
		if err != nil {
			return 0, 0, err
		}
		last = n
		if !(h < best) {
			break
		}
		best, chosen = h, n
	}
	if chosen >= 0 {
		copy(s.delta, s.snaps[chosen])
		q = s.q[s.snapAt[chosen]]
	}
	if s.project && chosen != last {
		// The trial linearisation is the last evaluated iterate's.
		best = math.NaN()
	}
	return q, best, nil
}

// solve runs preconditioned CG on (JᵀJ + λI)·delta = −g from warm·delta
// (from zero if warm is 0) for at most maxIter iterations.
// With record set the iterates are kept for backtracking.
func (s *gnState) solve(delta, g []float64, warm float64, maxIter int, record bool, stopped func() bool) (q float64, iters int) {
	// Start from the previous step shrunk a little (Martens): successive
	// steps point in similar directions. Fall back to zero if that start
	// is worse than zero for the model.
	floats.Scale(warm, delta)
	q = 0
	if warm != 0 {
		s.curvature(s.bd, delta)
		for i, v := range g {
			s.res[i] = -v - s.bd[i]
		}
		q = 0.5*floats.Dot(g, delta) - 0.5*floats.Dot(delta, s.res)
	}
	if !(q < 0) {
		clear(delta)
		for i, v := range g {
			s.res[i] = -v
		}
		q = 0
	}
	s.precondition(s.z, s.res)
	copy(s.d, s.z)
	rz := floats.Dot(s.res, s.z)
	s.q[0] = q
	for i := 1; i <= maxIter && !stopped(); i++ {
		iters = i
		s.curvature(s.bd, s.d)
		dbd := floats.Dot(s.d, s.bd)
		if !(dbd > 0) || !(rz > 0) {
			break
		}
		alpha := rz / dbd
		floats.AddScaled(delta, alpha, s.d)
		floats.AddScaled(s.res, -alpha, s.bd)
		// With A·delta = −g − res: q = ½gᵀdelta − ½deltaᵀres.
		q = 0.5*floats.Dot(g, delta) - 0.5*floats.Dot(delta, s.res)
		s.q[i] = q
		if record {
			s.snapshot(delta, i)
		}
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
	return q, iters
}

// curvature sets dst = (JᵀJ + λI)·v with JᵀJ estimated on the curvature
// samples and scaled to all samples.
func (s *gnState) curvature(dst, v []float64) {
	if s.blocks != nil {
		s.blockCurvature(dst, v)
	} else {
		s.linC.JacVec(s.jv, v)
		if s.project {
			s.projectOut(s.jv)
		}
		s.linC.JacTVec(dst, s.jv)
	}
	for i, vi := range v {
		dst[i] = s.frac*dst[i] + s.lambda*vi
	}
	s.mask(dst)
	s.maskOutput(dst)
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
	s.maskOutput(dst)
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

package train

import (
	"context"
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/mlp"
)

// GaussNewton is a matrix-free Gauss–Newton trust-region method for
// students far too large for LM's dense JᵀJ (10⁴–10⁶ parameters). Each
// step solves (JᵀJ + λI)δ = −Jᵀr approximately by preconditioned conjugate
// gradients on Jacobian-vector products (mlp.Linearization), so memory is
// O(parameters + samples·width), never O(parameters²).
//
// The preconditioner is Kronecker-factored per layer (K-FAC): the block of
// JᵀJ of a layer with input a and pre-activation sensitivities δ is
// approximated by N·G⊗A, with A the second moment of [a, 1] over the
// samples and G that of δ summed over the outputs, and (N·G⊗A + λI)⁻¹ is
// applied exactly in the factors' eigenbases. For the first layer A is the
// second moment of the data, so the preconditioner whitens the inputs: the
// pixel correlations of images, which make first-order methods crawl,
// drop out of the conditioning. For a linear output layer the block is
// exact.
//
// A linear output layer is re-solved by least squares after every
// accepted step (the alternating form of variable projection); CG moves
// all parameters. Projection projects the output layer out of the CG
// system instead (Kaufman's form).
//
// λ follows Nielsen's rule on the ratio ρ of actual to predicted decrease,
// as in LM, shrinking three times faster when ρ > 0.75 and thirty times
// faster when ρ > 0.98 (a warm start's λ₀ is far too large); a rejected
// step is first shortened (halved up to three times) before it is given
// up. CG stops at MaxCG iterations or when the
// quadratic model stops improving (Martens' relative-progress test).
//
// The student must be an *mlp.Network. Run allocates its buffers once;
// the iterations do not allocate.
//
// The zero value is ready to use.
type GaussNewton struct {
	// MaxCG bounds the conjugate-gradient iterations per step; zero
	// means 50.
	MaxCG int
	// CurvatureRows, if positive and below the number of samples, computes
	// the CG products on a fixed random subset of that many samples
	// (scaled to the full data), as Hessian-free optimisation does; the
	// gradient and the loss always use all samples. Zero means all.
	CurvatureRows int
	// FactorRows is the number of samples used for the output-side
	// factors G; zero means 2048.
	FactorRows int
	// Tau sets the initial damping λ₀ = Tau·(largest eigenvalue of the
	// preconditioner); zero means 1e-4.
	Tau float64
	// KeepOutput turns off the exact solve of the output layer. By
	// default, when the output activation is the identity and the output
	// layer is free (and there is no skip path), its weights and bias are
	// set by least squares on the last hidden layer's activations at the
	// start and after every accepted step (variable projection, in its
	// simplest alternating form): the linear part of the problem is then
	// always solved exactly and Gauss–Newton works on the nonlinear part.
	KeepOutput bool
	// Projection makes CG move only the hidden parameters, on the
	// Gauss–Newton matrix with the output layer's column space projected
	// out (Kaufman's variable projection), with trial points judged by
	// the loss once the output is re-solved; it needs the output solve
	// (see KeepOutput) and all samples in the curvature. On a 784→128→10
	// Fashion-MNIST student (examples/widestudents, one student, thread
	// CPU time) it reached 1e-2 of the output variance in 33 s instead
	// of 57 and 1e-3 in 102 s instead of 116, but 5e-4 only in 172 s
	// instead of 143 (3.6e-4 against 2.8e-4 at 240 s), so it is not the
	// default.
	Projection bool
	// Geodesic adds geodesic acceleration to every step (Transtrum and
	// Sethna): a second-order correction along the step from one more
	// forward pass and a second, shorter CG solve, so that steps follow
	// curved valleys of the loss.
	Geodesic bool
	// Backtrack keeps CG's iterates at iterations 1, 2, 3, 4, 6, 8, 11,
	// 15, … (each about 1.3 times the last) and takes the one with the
	// lowest loss, walking back from the last while the loss falls
	// (Martens' CG backtracking); each iterate tried costs a forward pass.
	// It is not the default: on the 784→128→10 Fashion-MNIST student of
	// examples/widestudents it ended 5 CPU-minutes at 7.6e-4 of the output
	// variance against 2.3e-4 without (results/widestudents-backtrack).
	// The iterate best for this step leads to a worse path, as cheap
	// steps did (results/widestudents-ablation).
	Backtrack bool
	// EigenCorrection replaces the Kronecker eigenvalues of the
	// preconditioner by the exact diagonal of each layer's Gauss–Newton
	// block in the factors' eigenbasis (EKFAC), measured on FactorRows
	// samples at every step. On the 784→128→10 Fashion-MNIST student of
	// examples/widestudents its first eight steps lowered the loss within
	// 2 % of the plain Kronecker eigenvalues' steps, at a higher cost per
	// step, so it is not the default: there the Gauss–Newton model, not
	// the preconditioner, limits each step (see GNStep.Predicted).
	EigenCorrection bool
	// SingleCurvature computes the curvature products of CG (J·v and
	// Jᵀ·u, all but a few percent of a step's work) with the student's
	// inputs and the first layer's directions in float32
	// (mlp.Linearization.SetInputs32), about twice as fast on amd64 with
	// AVX2; the residuals, the gradient, the loss and everything else stay
	// in float64. Rounding the curvature to about 1e-6 only perturbs the
	// step, not the point it converges to: a Newton-type iteration with a
	// curvature accurate to ε still converges, at a rate of about ε per step
	// near the floor.
	SingleCurvature bool
	// Threads is the number of goroutines that share the curvature
	// products of a step (J·v and Jᵀ·u over the curvature samples, nearly
	// all of its work), split into blocks of at most 4096 samples; zero
	// means one. The blocks and the order their sums are added in depend
	// on the number of samples only, so the result is the same for any
	// number of threads. On the project's two cores a deep student's step
	// takes 1.9 times less time with 2 than with 1, its products 1.7 times
	// less (BenchmarkGaussNewtonThreads); students trained side by side
	// (Many's Workers) already fill the cores and gain nothing from it.
	Threads int
	// MaxMemory bounds the bytes of buffers Run may allocate for one
	// student; zero means 8 GiB. A student that needs more is refused
	// with an error that names the size.
	MaxMemory int64
	// Trace, if set, is called after every step with what the step did:
	// the damping, the CG iterations, the ratio of actual to predicted
	// decrease. It is for diagnosing slow convergence; it must not keep
	// the pointer.
	Trace func(*GNStep)
}

// GNStep describes one Gauss–Newton step for GaussNewton.Trace.
type GNStep struct {
	Loss   float64 // loss after the step (unchanged if rejected)
	Lambda float64 // damping used for the step, relative to the curvature scale
	CG     int     // conjugate-gradient iterations taken
	Rho    float64 // actual over predicted decrease of the full step
	// Predicted is the decrease of the loss the Gauss–Newton model
	// ½‖r + Jδ‖² predicts for the full step δ, relative to the loss
	// before it. When it stays far below 1 with tiny damping and long CG
	// runs, the model itself limits the step (most of the residual lies
	// outside the Jacobian's range), not the linear solve.
	Predicted  float64
	Accepted   bool    // whether the parameters moved
	StepLength float64 // fraction of the CG step taken (1, ½, ¼, ⅛)
	StepNorm   float64 // Euclidean norm of the CG step
	// Acceleration is 2‖a‖/‖v‖ of the geodesic correction (NaN without
	// it); the correction is used when it is at most 0.75.
	Acceleration float64
}

// Name returns "GN".
func (o *GaussNewton) Name() string { return "GN" }

func (o *GaussNewton) validate() error {
	switch {
	case o.MaxCG < 0:
		return fmt.Errorf("GaussNewton.MaxCG %d must be ≥ 0", o.MaxCG)
	case o.CurvatureRows < 0:
		return fmt.Errorf("GaussNewton.CurvatureRows %d must be ≥ 0", o.CurvatureRows)
	case o.FactorRows < 0:
		return fmt.Errorf("GaussNewton.FactorRows %d must be ≥ 0", o.FactorRows)
	case math.IsNaN(o.Tau) || o.Tau < 0 || math.IsInf(o.Tau, 0):
		return fmt.Errorf("GaussNewton.Tau %v must be finite and ≥ 0", o.Tau)
	case o.Threads < 0:
		return fmt.Errorf("GaussNewton.Threads %d must be ≥ 0", o.Threads)
	case o.MaxMemory < 0:
		return fmt.Errorf("GaussNewton.MaxMemory %d must be ≥ 0", o.MaxMemory)
	}
	return nil
}

func (o *GaussNewton) settings() GaussNewton {
	s := *o
	if s.MaxCG == 0 {
		s.MaxCG = 50
	}
	if s.FactorRows == 0 {
		s.FactorRows = 2048
	}
	if s.Tau == 0 {
		s.Tau = 1e-4
	}
	if s.Threads == 0 {
		s.Threads = 1
	}
	if s.MaxMemory == 0 {
		s.MaxMemory = 8 << 30
	}
	return s
}

// Run minimises the loss of p by matrix-free Gauss–Newton.
func (o *GaussNewton) Run(ctx context.Context, p *Problem, m *Monitor) error {
	net, ok := p.Student.(*mlp.Network)
	if !ok {
		return fmt.Errorf("GaussNewton needs an *mlp.Network student, have %T", p.Student)
	}
	s, err := newGNState(net, p, o.settings())
	if err != nil {
		return err
	}
	defer s.startPool()()
	if err := s.linearise(); err != nil {
		return err
	}
	s.lambda = s.cfg.Tau * s.scale()
	for {
		loss, gnorm, err := s.step(m.Stopped)
		if err != nil {
			return err
		}
		if m.Iterate(loss, gnorm) {
			return nil
		}
	}
}

package train

import (
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// Student is what an optimiser needs of a model: its parameters as one flat
// slice that the optimiser writes in place, the mean squared error and its
// gradient on a batch, and the Jacobian of the residuals out − y.
//
// The loss must be the mean over samples and outputs of the squared
// residual, (1/(n·d_out))·Σ(out − y)², so that ½‖r‖² = n·d_out·loss/2 for the
// residuals r that Jacobian writes. *mlp.Network is a Student.
type Student interface {
	// Params returns the parameter vector itself; writes change the model.
	Params() []float64
	// LossGrad returns the loss on (x, y) and writes its gradient into grad
	// (length len(Params())).
	LossGrad(ws *mlp.Workspace, grad []float64, x, y *mat.Dense) (float64, error)
	// Jacobian writes the (rows·d_out)×len(Params()) Jacobian of the
	// residuals into jac (sized if empty) and, if r is not nil, the
	// residuals themselves.
	Jacobian(ws *mlp.Workspace, jac *mat.Dense, r []float64, x, y *mat.Dense) error
}

// HessianStudent is a Student with an exact Hessian of the loss, which the
// Newton trust-region optimiser needs.
type HessianStudent interface {
	Student
	// Hessian writes the Hessian of the loss with respect to Params into h
	// (sized if empty).
	Hessian(ws *mlp.Workspace, h *mat.SymDense, x, y *mat.Dense) error
}

// Losser is an optional fast path: a Student that can evaluate the loss
// without its gradient (one forward pass). Optimisers that evaluate trial
// points (Levenberg–Marquardt, Newton) use it when it is there.
type Losser interface {
	Loss(ws *mlp.Workspace, x, y *mat.Dense) (float64, error)
}

// Residualer is an optional fast path: a Student that can evaluate its
// residuals (outputs − targets, in the row order of its Jacobian) without
// the Jacobian. Levenberg–Marquardt's geodesic acceleration (LM.Geodesic)
// needs them at a point next to the current one.
type Residualer interface {
	Residuals(ws *mlp.Workspace, r []float64, x, y *mat.Dense) error
}

var (
	_ Residualer     = (*mlp.Network)(nil)
	_ Student        = (*mlp.Network)(nil)
	_ HessianStudent = (*mlp.Network)(nil)
	_ Losser         = (*mlp.Network)(nil)
)

package identify

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
)

// Determinacy says how firmly a set of probes pins down the parameters of
// a network: the singular values of the Jacobian of its outputs on the
// probes with respect to its parameters. A network whose loss against net
// is L (mean squared error over the probes) may sit, to first order, up to
// Displacement(L) from net along the weakest direction. Expand-and-Cluster
// can only find a teacher's neurons as exactly as the students' loss
// leaves them determined: on the deep synthetic family every teacher whose
// Displacement(1e-16) exceeded 1e-2 (of parameter norms 4–8) came back
// wrong, sigmoid teachers whose upper layers see inputs in (0, 1) above
// all.
type Determinacy struct {
	// Equations is the number of Jacobian rows (probes × outputs) and
	// Params the number of parameters.
	Equations, Params int
	// Symmetries is the number of smallest singular values left out as
	// exact symmetries: one per hidden neuron for positively homogeneous
	// activations (ReLU, leaky ReLU: w → cw, a → a/c), none otherwise.
	Symmetries int
	// SigmaMax and SigmaMin are the largest singular value and the
	// smallest one outside the symmetries.
	SigmaMax, SigmaMin float64
}

// DeterminacyMaxParams is the largest network Determine accepts: it
// factorises a dense (probes·outputs) × parameters Jacobian.
const DeterminacyMaxParams = train.LMMaxParams

// Determine computes the Determinacy of net's parameters by the probes x
// (one row per probe). It refuses networks of more than
// DeterminacyMaxParams parameters, and x that is empty, not finite, of
// the wrong width, or has fewer rows·outputs than parameters (then some
// direction is not determined at all).
func Determine(net *mlp.Network, x *mat.Dense) (Determinacy, error) {
	if net == nil {
		return Determinacy{}, fmt.Errorf("identify: Determine: nil network")
	}
	if err := checkMatrix("probe", x); err != nil {
		return Determinacy{}, fmt.Errorf("identify: Determine: %w", err)
	}
	rows, cols := x.Dims()
	if cols != net.InputDim() {
		return Determinacy{}, fmt.Errorf("identify: Determine: probes have %d columns, the network %d inputs", cols, net.InputDim())
	}
	p := net.NumParams()
	if p > DeterminacyMaxParams {
		return Determinacy{}, fmt.Errorf("identify: Determine: %d parameters, more than DeterminacyMaxParams = %d", p, DeterminacyMaxParams)
	}
	eq := rows * net.OutputDim()
	if eq < p {
		return Determinacy{}, fmt.Errorf("identify: Determine: %d probes × %d outputs = %d equations for %d parameters: some directions are not determined at all", rows, net.OutputDim(), eq, p)
	}
	jac := mat.NewDense(eq, p, nil)
	if err := net.Jacobian(nil, jac, nil, x, nil); err != nil {
		return Determinacy{}, fmt.Errorf("identify: Determine: %w", err)
	}
	var svd mat.SVD
	if !svd.Factorize(jac, mat.SVDNone) {
		return Determinacy{}, fmt.Errorf("identify: Determine: SVD of the %d×%d Jacobian failed", eq, p)
	}
	s := svd.Values(nil)
	sym := scalingSymmetries(net)
	d := Determinacy{Equations: eq, Params: p, Symmetries: sym, SigmaMax: s[0]}
	if sym < len(s) {
		d.SigmaMin = s[len(s)-1-sym]
	}
	return d, nil
}

// scalingSymmetries counts the hidden neurons of net whose activation is
// positively homogeneous, each of which has an exact scaling symmetry.
func scalingSymmetries(net *mlp.Network) int {
	n := 0
	for l := 0; l < net.NumLayers()-1; l++ {
		if L := net.Layer(l); L.Act.Symmetry() == mlp.EvenLinearPosScale {
			n += L.Out
		}
	}
	return n
}

// Displacement is how far (Euclidean norm in parameter space) a network
// at mean squared loss loss against the probes may sit from the network,
// to first order, along the weakest direction: sqrt(Equations·loss) /
// SigmaMin. +Inf if SigmaMin is zero.
func (d Determinacy) Displacement(loss float64) float64 {
	if d.SigmaMin == 0 {
		return math.Inf(1)
	}
	return math.Sqrt(float64(d.Equations)*loss) / d.SigmaMin
}

package identify

import (
	"fmt"
	"math"
	"strings"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// superfluousTol: the last hidden layer is superfluous when the teacher's
// outputs are a linear function of the layer below it to this relative
// RMS residual. A genuine layer leaves residuals of 1e-2 and more; a layer
// the teacher does not have is fitted to the fine-tuning floor.
const superfluousTol = 1e-4

// superfluousLayer checks a recovered network of two or more hidden layers
// against a HiddenLayers larger than the teacher's depth: if the teacher's
// outputs y are, on the probes x, a linear function of the recovered
// second-to-last hidden layer, the last one only passes it on (ReLU or
// softplus pairs ±v carry a linear function exactly), and the teacher has
// fewer layers than Config.HiddenLayers says. It returns nil otherwise.
func superfluousLayer(net *mlp.Network, x, y *mat.Dense) (*Warning, error) {
	hidden := net.NumLayers() - 1
	if hidden < 2 {
		return nil, nil
	}
	var h mat.Dense
	if err := net.Hidden(nil, &h, x, hidden-2); err != nil {
		return nil, err
	}
	rel, err := linearResidual(&h, y)
	if err != nil {
		return nil, err
	}
	if !(rel < superfluousTol) {
		return nil, nil
	}
	return &Warning{Kind: LayerSuperfluous, Layer: hidden,
		Evidence: fmt.Sprintf("the teacher's outputs are a linear function of recovered hidden layer %d (relative RMS residual %.2g), so hidden layer %d adds nothing", hidden-1, rel, hidden),
		Remedy:   fmt.Sprintf("the teacher probably has %d hidden layers, not %d: run again with Config.HiddenLayers = %d", hidden-1, hidden, hidden-1)}, nil
}

// linearResidual returns the RMS residual of the least-squares fit of y on
// [h, 1], relative to the RMS deviation of y from its column means.
func linearResidual(h, y *mat.Dense) (float64, error) {
	rows, d := h.Dims()
	design := withOnes(h)
	var svd mat.SVD
	if !svd.Factorize(design, mat.SVDThin) {
		return 0, fmt.Errorf("identify: SVD of the %d×%d layer design failed", rows, d+1)
	}
	var beta, fit mat.Dense
	svd.SolveTo(&beta, y, svd.Rank(1e-12))
	fit.Mul(design, &beta)
	fit.Sub(y, &fit)
	_, outs := y.Dims()
	var resid, spread float64
	for o := 0; o < outs; o++ {
		col := mat.Col(nil, o, y)
		mean := 0.0
		for _, v := range col {
			mean += v
		}
		mean /= float64(rows)
		for i, v := range col {
			spread += (v - mean) * (v - mean)
			r := fit.At(i, o)
			resid += r * r
		}
	}
	if spread == 0 {
		return 0, nil
	}
	return math.Sqrt(resid / spread), nil
}

// affineFraction: a piecewise-linear neuron with fewer than this fraction
// of the probes on one side of its kink is reported as AffineOnProbes.
const affineFraction = 0.01

// affineWarnings returns one AffineOnProbes warning per hidden layer of
// the recovered network that has neurons affine on the probes x (see
// mlp.AffineNeurons); none for activations that are not piecewise linear.
func affineWarnings(net *mlp.Network, x *mat.Dense) ([]Warning, error) {
	affine, err := mlp.AffineNeurons(net, x, affineFraction)
	if err != nil || len(affine) == 0 {
		return nil, err
	}
	var out []Warning
	for i := 0; i < len(affine); {
		l := affine[i].Layer
		var parts []string
		for ; i < len(affine) && affine[i].Layer == l; i++ {
			parts = append(parts, fmt.Sprintf("neuron %d (%.2g of the probes past its kink)", affine[i].Neuron+1, affine[i].Minority))
		}
		out = append(out, Warning{Kind: AffineOnProbes, Layer: l + 1,
			Evidence: fmt.Sprintf("%s: affine on the probes, so its incoming weights are not determined by them", strings.Join(parts, ", ")),
			Remedy:   "probe where the kink lies (inputs spread wider or shifted, or RunActive's queries) before trusting that neuron"})
	}
	return out, nil
}

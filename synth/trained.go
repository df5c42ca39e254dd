package synth

import (
	"context"
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// TrainConfig configures TrainTeacher. The zero value means the documented
// defaults; they are filled in a copy.
//
// Training is minibatch Adam on the mean squared error, written here on
// top of mlp.LossGrad (the train package was not yet available when this
// was written; its optimisers would serve equally). Every epoch visits the
// samples in a fresh random order; the result is a deterministic function
// of the data, the spec and Seed.
type TrainConfig struct {
	// Epochs is the number of passes over the data; 0 means 10.
	Epochs int
	// BatchSize is the minibatch size; 0 means 128. It is capped at the
	// number of samples.
	BatchSize int
	// LR is Adam's learning rate; 0 means 1e-3.
	LR float64
	// Beta1, Beta2 and Eps are Adam's constants; 0 means 0.9, 0.999, 1e-8.
	Beta1, Beta2, Eps float64
	// Seed seeds the Glorot initialisation (mlp.InitGlorot) and the
	// minibatch order, through NewRand(Seed).
	Seed uint64
	// OnEpoch, if not nil, is called after every epoch with its number
	// (from 1) and mean minibatch loss; a non-nil error stops training and
	// is returned.
	OnEpoch func(epoch int, loss float64) error
}

func (c TrainConfig) withDefaults() (TrainConfig, error) {
	if c.Epochs == 0 {
		c.Epochs = 10
	}
	if c.BatchSize == 0 {
		c.BatchSize = 128
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	if c.Epochs < 0 || c.BatchSize < 0 {
		return c, fmt.Errorf("synth: TrainConfig: Epochs %d and BatchSize %d must be positive", c.Epochs, c.BatchSize)
	}
	for _, v := range []float64{c.LR, c.Beta1, c.Beta2, c.Eps} {
		if !(v > 0) || math.IsInf(v, 0) {
			return c, fmt.Errorf("synth: TrainConfig: LR %v, Beta1 %v, Beta2 %v and Eps %v must be finite and positive", c.LR, c.Beta1, c.Beta2, c.Eps)
		}
	}
	if c.Beta1 >= 1 || c.Beta2 >= 1 {
		return c, fmt.Errorf("synth: TrainConfig: Beta1 %v and Beta2 %v must be below 1", c.Beta1, c.Beta2)
	}
	return c, nil
}

// TrainReport describes a training run.
type TrainReport struct {
	// Epochs is the number of completed epochs.
	Epochs int
	// EpochLoss is the mean minibatch loss of every completed epoch.
	EpochLoss []float64
	// Loss is the mean squared error on all the data at the end.
	Loss float64
}

// TrainTeacher trains a network of architecture spec (initialised
// Glorot-normal) to map x to y by minibatch Adam on the mean squared
// error, so that it can be used as a teacher whose weights are known. For
// a classifier pass one-hot targets (OneHot), or use TrainClassifier.
//
// If ctx is cancelled the network trained so far is returned with the
// report of the completed epochs and ctx.Err().
func TrainTeacher(ctx context.Context, x, y *mat.Dense, spec mlp.Spec, cfg TrainConfig) (*mlp.Network, TrainReport, error) {
	var rep TrainReport
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, rep, err
	}
	net, err := mlp.New(spec)
	if err != nil {
		return nil, rep, fmt.Errorf("synth: TrainTeacher: %w", err)
	}
	if err := net.CheckData(x, y); err != nil {
		return nil, rep, fmt.Errorf("synth: TrainTeacher: %w", err)
	}
	rng := NewRand(c.Seed)
	net.InitGlorot(rng)

	n, din := x.Dims()
	_, dout := y.Dims()
	bs := min(c.BatchSize, n)
	xb := mat.NewDense(bs, din, nil)
	yb := mat.NewDense(bs, dout, nil)
	p := net.Params()
	grad := make([]float64, len(p))
	m1 := make([]float64, len(p))
	m2 := make([]float64, len(p))
	ws := mlp.NewWorkspace()
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	step := 0
	for epoch := 1; epoch <= c.Epochs; epoch++ {
		for i := n - 1; i > 0; i-- {
			j := rng.IntN(i + 1)
			order[i], order[j] = order[j], order[i]
		}
		var sum float64
		batches := 0
		for start := 0; start < n; start += bs {
			if err := ctx.Err(); err != nil {
				rep.Loss, _ = net.Loss(ws, x, y)
				return net, rep, err
			}
			k := min(bs, n-start)
			xv := xb.Slice(0, k, 0, din).(*mat.Dense)
			yv := yb.Slice(0, k, 0, dout).(*mat.Dense)
			for r, idx := range order[start : start+k] {
				copy(xv.RawRowView(r), x.RawRowView(idx))
				copy(yv.RawRowView(r), y.RawRowView(idx))
			}
			loss, err := net.LossGrad(ws, grad, xv, yv)
			if err != nil {
				return nil, rep, fmt.Errorf("synth: TrainTeacher: %w", err)
			}
			sum += loss
			batches++
			step++
			b1t := 1 - math.Pow(c.Beta1, float64(step))
			b2t := 1 - math.Pow(c.Beta2, float64(step))
			for i, g := range grad {
				m1[i] = c.Beta1*m1[i] + (1-c.Beta1)*g
				m2[i] = c.Beta2*m2[i] + (1-c.Beta2)*g*g
				p[i] -= c.LR * (m1[i] / b1t) / (math.Sqrt(m2[i]/b2t) + c.Eps)
			}
		}
		loss := sum / float64(batches)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, rep, fmt.Errorf("synth: TrainTeacher: loss diverged to %v in epoch %d (lower LR)", loss, epoch)
		}
		rep.Epochs = epoch
		rep.EpochLoss = append(rep.EpochLoss, loss)
		if c.OnEpoch != nil {
			if err := c.OnEpoch(epoch, loss); err != nil {
				rep.Loss, _ = net.Loss(ws, x, y)
				return net, rep, err
			}
		}
	}
	rep.Loss, err = net.Loss(ws, x, y)
	if err != nil {
		return nil, rep, fmt.Errorf("synth: TrainTeacher: %w", err)
	}
	return net, rep, nil
}

// TrainClassifier trains a classifier of architecture spec (its output
// width is the number of classes) on a labelled set with one-hot targets
// and the mean squared error, as TrainTeacher.
func TrainClassifier(ctx context.Context, set *Labelled, spec mlp.Spec, cfg TrainConfig) (*mlp.Network, TrainReport, error) {
	if set == nil || len(spec.Sizes) < 2 {
		return nil, TrainReport{}, fmt.Errorf("synth: TrainClassifier needs a data set and a spec with at least two sizes")
	}
	y, err := OneHot(set.Labels, spec.Sizes[len(spec.Sizes)-1])
	if err != nil {
		return nil, TrainReport{}, err
	}
	return TrainTeacher(ctx, set.X, y, spec, cfg)
}

// Accuracy returns the fraction of rows of x whose largest network output
// is at the index given by labels.
func Accuracy(net *mlp.Network, x *mat.Dense, labels []int) (float64, error) {
	if r, _ := x.Dims(); r != len(labels) {
		return 0, fmt.Errorf("synth: Accuracy: %d inputs, %d labels", r, len(labels))
	}
	pred, err := Predictions(net, x)
	if err != nil {
		return 0, err
	}
	correct := 0
	for i, l := range labels {
		if pred[i] == l {
			correct++
		}
	}
	return float64(correct) / float64(len(labels)), nil
}

// Predictions returns, for every row of x, the index of net's largest
// output (the first on ties): the label a classifier predicts. The label
// agreement of two networks is Accuracy(b, x, Predictions(a, x)).
func Predictions(net *mlp.Network, x *mat.Dense) ([]int, error) {
	out, err := Label(net, x)
	if err != nil {
		return nil, err
	}
	r, _ := out.Dims()
	pred := make([]int, r)
	for i := range pred {
		row := out.RawRowView(i)
		for j, v := range row {
			if v > row[pred[i]] {
				pred[i] = j
			}
		}
	}
	return pred, nil
}

package identify

import (
	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
)

// Training of deep students (two or more hidden layers). A deep student
// converges to zero loss far more slowly than a shallow one, but its
// first-layer neurons line up with the teacher's long before: clustering
// needs them within β (7.5°), not within 1e-6. So the first round stops
// and restarts at a looser loss, and the recovered layer is made exact
// afterwards, when each student, rebuilt on it, is retrained with every
// layer free (see retrainAbove).
const (
	// deepRestartLoss: a deep student above this loss is restarted.
	deepRestartLoss = 1e-10
	// deepSearchIter and deepPolishIter are the iteration budgets of the
	// deep recipe's subset and full-data Levenberg–Marquardt phases.
	deepSearchIter = 150
	deepPolishIter = 60
	// retrainIter is the budget of retraining above a recovered layer.
	retrainIter = 600
)

// deepPhases is the default recipe of deep students: Levenberg–Marquardt
// on a subset, gated at deepRestartLoss, then on all the data.
func deepPhases() []train.Phase {
	return []train.Phase{
		{Name: "lm-subset", Optimizer: &train.LM{}, SubsetPerParam: train.DefaultSubsetPerParam, Gate: deepRestartLoss,
			Stop: train.StopRules{Loss: train.DefaultStopLoss, MaxIter: deepSearchIter, Patience: train.DefaultLMPatience, MinRelImprove: 0.01}},
		{Name: "lm", Optimizer: &train.LM{},
			Stop: train.StopRules{Loss: train.DefaultStopLoss, MaxIter: deepPolishIter, Patience: 20, MinRelImprove: 0.01}},
	}
}

// retrainPhases is the default recipe of retraining above a recovered
// layer: the rebuilt student starts close to a zero-loss point, so
// Levenberg–Marquardt on all the data goes straight to the floor.
func retrainPhases() []train.Phase {
	return []train.Phase{{Name: "retrain", Optimizer: &train.LM{},
		Stop: train.StopRules{Loss: train.DefaultStopLoss, MaxIter: retrainIter, Patience: 30, MinRelImprove: 0.01}}}
}

// deep reports whether the run's students have more than one hidden layer.
func (c *Config) deep() bool { return c.HiddenLayers > 1 }

// copyLowerLayers overwrites the recovered incoming vectors ins (layers
// 0…len(ins)−1) with those of net, whose lower layers were retrained from
// them: the layers above were clustered against these values.
func copyLowerLayers(ins []*mat.Dense, net *mlp.Network) {
	for l, in := range ins {
		L := net.Layer(l)
		for j := 0; j < L.Out; j++ {
			row := in.RawRowView(j)
			copy(row[:L.In], L.W.RawRowView(j))
			row[L.In] = L.B[j]
		}
	}
}

// bestStudent returns the student of lowest loss (lowest index on ties).
func bestStudent(students []student) student {
	b := students[0]
	for _, s := range students[1:] {
		if better(s, b) {
			b = s
		}
	}
	return b
}

package identify

import (
	"slices"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// TestReadoutFit: a deep network whose hidden layers are the teacher's but
// whose readout is wrong (as an assembled network's is when its students'
// readouts do not fit the clustered layers) gets the least-squares
// readout, which is the teacher's, and its hidden layers stay as they are;
// a network at the zero-loss threshold is returned as it is, bits and all.
func TestReadoutFit(t *testing.T) {
	for _, act := range []mlp.Activation{mlp.Tanh, mlp.Softplus} {
		teacher, x, y, _, c := topFixture(t, act)
		net := teacher.Clone()
		top := net.NumLayers() - 1
		out := net.Layer(top)
		for j := range out.W.RawMatrix().Data {
			out.W.RawMatrix().Data[j] *= -3
		}
		out.B[0] += 2
		before, _ := net.Loss(nil, x, y)
		got, err := readoutFit(net, x, y, &c)
		if err != nil {
			t.Fatal(err)
		}
		loss, _ := got.Loss(nil, x, y)
		if got == net || !(loss < 1e-20) {
			t.Errorf("%s: readout refit from loss %g to %g (same network: %v); want a new network below 1e-20", act.Name(), before, loss, got == net)
		}
		if !slices.Equal(got.Params()[:hiddenParams(teacher)], teacher.Params()[:hiddenParams(teacher)]) {
			t.Errorf("%s: the refit changed the hidden layers", act.Name())
		}
		exact := teacher.Clone()
		kept, err := readoutFit(exact, x, y, &c)
		if err != nil || kept != exact || !slices.Equal(kept.Params(), teacher.Params()) {
			t.Errorf("%s: a network at zero loss was not returned as it is (err %v)", act.Name(), err)
		}
	}
}

// hiddenParams is the number of parameters below net's output layer.
func hiddenParams(net *mlp.Network) int {
	start, _ := net.LayerParams(net.NumLayers() - 1)
	return start
}

package train

import (
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// teacherData returns n Gaussian inputs and the outputs of a random teacher
// with the given sizes and hidden activation, all of whose weights and
// biases are standard normal (teacherScale times twice Glorot's standard
// deviation for a 4→4→1 teacher's first layer).
func teacherData(tb testing.TB, seed uint64, sizes []int, act mlp.Activation, n int) (x, y *mat.Dense, teacher *mlp.Network) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 1000))
	t, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: act})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range t.Params() {
		t.Params()[i] = teacherScale * rng.NormFloat64()
	}
	x = mat.NewDense(n, sizes[0], nil)
	raw := x.RawMatrix().Data
	for i := range raw {
		raw[i] = rng.NormFloat64()
	}
	y, err = t.Predict(x)
	if err != nil {
		tb.Fatal(err)
	}
	return x, y, t
}

var teacherScale = 1.0

// newStudentFunc returns a Many constructor of students initialised as by
// default: Glorot-normal times DefaultInitGain.
func newStudentFunc(sizes []int, act mlp.Activation) func(int, *rand.Rand) (*mlp.Network, error) {
	return func(_ int, rng *rand.Rand) (*mlp.Network, error) {
		n, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: act})
		if err != nil {
			return nil, err
		}
		n.InitGlorotGain(rng, DefaultInitGain)
		return n, nil
	}
}

package deepstitch

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// TestBaseUndoesLift checks that a network on span coordinates, lifted to
// the inputs and saved as a stage saves it, comes back from Base computing
// what it computed, and that a saved network of another depth is an error,
// not a panic.
func TestBaseUndoesLift(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const d, k = 8, 3
	teacher := randomNet(t, rng, []int{d, 4, 4, 4, 2})
	basis := mat.NewDense(d, k, nil) // coordinates 1, 4 and 6 of the inputs
	for j, i := range []int{1, 4, 6} {
		basis.Set(i, j, 1)
	}
	data := &Data{Teacher: teacher, Sub: &identify.Subspace{Basis: basis}}
	span := randomNet(t, rng, []int{k, 5, 4, 3, 2})
	lifted, err := data.Sub.Lift(span)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stage.json")
	if err := lifted.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := Base(data, path)
	if err != nil {
		t.Fatal(err)
	}
	z := mat.NewDense(7, k, nil)
	for i := 0; i < 7; i++ {
		for j := 0; j < k; j++ {
			z.Set(i, j, rng.NormFloat64())
		}
	}
	want, _ := span.Predict(z)
	got, err := back.Predict(z)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(want, got, 1e-12) {
		t.Errorf("read back, the network computes\n%v\nnot\n%v", mat.Formatted(got), mat.Formatted(want))
	}

	shallow := filepath.Join(t.TempDir(), "shallow.json")
	if err := randomNet(t, rng, []int{d, 4, 2}).SaveFile(shallow); err != nil {
		t.Fatal(err)
	}
	if _, err := Base(data, shallow); err == nil {
		t.Error("a one-hidden-layer network read as a stage's: no error")
	}
}

func randomNet(t *testing.T, rng *rand.Rand, sizes []int) *mlp.Network {
	t.Helper()
	n, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	n.InitGlorot(rng)
	for i, p := range n.Params() { // biases too, so that they are tested
		n.Params()[i] = p + 0.1*rng.NormFloat64()
	}
	return n
}

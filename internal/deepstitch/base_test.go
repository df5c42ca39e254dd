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
	z := normalMatrix(rng, 7, k)
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

// normalMatrix returns an r × c matrix of standard normal draws.
func normalMatrix(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := range m.RawMatrix().Data {
		m.RawMatrix().Data[i] = rng.NormFloat64()
	}
	return m
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

// TestLoadReference checks that a -keep reference is read on the span
// coordinates whichever way it was saved: a span student (other widths)
// as it is, a stage's network lifted to the inputs through Base's
// projection; and that a span network with other outputs is an error.
func TestLoadReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const d, k = 8, 3
	teacher := randomNet(t, rng, []int{d, 4, 4, 4, 2})
	basis := mat.NewDense(d, k, nil)
	for j, i := range []int{0, 2, 5} {
		basis.Set(i, j, 1)
	}
	sub := &identify.Subspace{Basis: basis}
	z := normalMatrix(rng, 6, k)
	dir := t.TempDir()
	student := randomNet(t, rng, []int{k, 7, 6, 5, 2})
	stage := randomNet(t, rng, []int{k, 4, 3, 3, 2})
	lifted, err := sub.Lift(stage)
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]*mlp.Network{"student": student, "stage": lifted} {
		if err := n.SaveFile(filepath.Join(dir, name+".json")); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]*mlp.Network{"student": student, "stage": stage} {
		var got *mlp.Network
		err := func() (err error) {
			defer recoverStop(&err)
			got = loadReference(filepath.Join(dir, name+".json"), sub, teacher)
			return nil
		}()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w, _ := want.Predict(z)
		g, err := got.Predict(z)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !mat.EqualApprox(w, g, 1e-12) {
			t.Errorf("%s read as a reference computes\n%v\nnot\n%v", name, mat.Formatted(g), mat.Formatted(w))
		}
	}
	wrong := filepath.Join(dir, "wrong.json")
	if err := randomNet(t, rng, []int{k, 4, 4, 4, 3}).SaveFile(wrong); err != nil {
		t.Fatal(err)
	}
	err = func() (err error) {
		defer recoverStop(&err)
		loadReference(wrong, sub, teacher)
		return nil
	}()
	if err == nil {
		t.Error("a span network with 3 outputs (the teacher's 2) read as a reference: no error")
	}
}

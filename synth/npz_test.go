package synth

import (
	"archive/zip"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// stateDictFixture is a 3→2→1 tanh network with distinct parameters.
func stateDictFixture(t testing.TB) *mlp.Network {
	n, err := mlp.New(mlp.Spec{Sizes: []int{3, 2, 1}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n.Params() {
		n.Params()[i] = 0.25*float64(i) - 1.1
	}
	return n
}

func npzBytes(t testing.TB, sd map[string]*Array, names []string) []byte {
	var buf bytes.Buffer
	if err := WriteNPZ(&buf, sd, names); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStateDictRoundTrip(t *testing.T) {
	n := stateDictFixture(t)
	path := filepath.Join(t.TempDir(), "net.npz")
	if err := WriteStateDict(path, n); err != nil {
		t.Fatal(err)
	}
	sd, err := ReadNPZFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// torch's names and shapes: weight out×in.
	if got := sortedKeys(sd); !slices.Equal(got, []string{"0.bias", "0.weight", "2.bias", "2.weight"}) {
		t.Fatalf("keys %v", got)
	}
	if s := sd["0.weight"].Shape; !slices.Equal(s, []int{2, 3}) {
		t.Fatalf("0.weight shape %v, want [2 3]", s)
	}
	if w := sd["0.weight"].Data[1]; w != n.Layer(0).W.At(0, 1) {
		t.Fatalf("0.weight[0,1] = %v, want W[0,1] = %v", w, n.Layer(0).W.At(0, 1))
	}
	back, err := ReadStateDict(path, mlp.Tanh)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Sizes(), n.Sizes()) || !bitsEqual(back.Params(), n.Params()) {
		t.Fatalf("round trip changed the network: %v %v", back.Sizes(), back.Params())
	}
}

func TestStateDictPrefixAndNoBias(t *testing.T) {
	sd := map[string]*Array{
		"net.0.weight": {Shape: []int{2, 3}, DType: Float32, Data: []float64{1, 2, 3, 4, 5, 6}},
		"net.3.weight": {Shape: []int{1, 2}, DType: Float32, Data: []float64{7, 8}},
	}
	n, err := StateDictNetwork(sd, mlp.ReLU)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(n.Sizes(), []int{3, 2, 1}) || n.Layer(0).B != nil || n.Layer(1).W.At(0, 1) != 8 {
		t.Fatalf("got sizes %v, params %v", n.Sizes(), n.Params())
	}
}

func TestStateDictErrors(t *testing.T) {
	w := func(r, c int) *Array { return &Array{Shape: []int{r, c}, DType: Float64, Data: make([]float64, r*c)} }
	v := func(n int) *Array { return &Array{Shape: []int{n}, DType: Float64, Data: make([]float64, n)} }
	cases := []struct {
		name string
		sd   map[string]*Array
		want string
	}{
		{"empty", map[string]*Array{}, "no layers"},
		{"bad key", map[string]*Array{"0.running_mean": v(2)}, `"0.running_mean" is not`},
		{"not an index", map[string]*Array{"fc.weight": w(2, 3)}, "module index"},
		{"mismatched widths", map[string]*Array{"0.weight": w(2, 3), "2.weight": w(1, 4)}, `"2.weight" has 4 inputs`},
		{"bias shape", map[string]*Array{"0.weight": w(2, 3), "0.bias": v(3)}, `"0.bias" has shape [3]`},
		{"mixed bias", map[string]*Array{"0.weight": w(2, 3), "0.bias": v(2), "2.weight": w(1, 2)}, "has a bias and another layer has none"},
		{"bias alone", map[string]*Array{"0.bias": v(2)}, "without 0.weight"},
		{"vector weight", map[string]*Array{"0.weight": v(2)}, "want (out, in)"},
		{"two prefixes", map[string]*Array{"a.0.weight": w(2, 3), "b.2.weight": w(1, 2)}, "one Sequential expected"},
		{"not finite", map[string]*Array{"0.weight": {Shape: []int{1, 1}, DType: Float64, Data: []float64{math.NaN()}}}, "NaN"},
	}
	for _, c := range cases {
		_, err := StateDictNetwork(c.sd, mlp.Tanh)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := StateDictNetwork(map[string]*Array{"0.weight": w(1, 1)}, nil); err == nil {
		t.Error("nil activation accepted")
	}
}

func TestStateDictRejectsSkip(t *testing.T) {
	n, err := mlp.New(mlp.Spec{Sizes: []int{2, 3, 1}, Hidden: mlp.Softplus, Skip: true})
	if err != nil {
		t.Fatal(err)
	}
	err = WriteStateDict(filepath.Join(t.TempDir(), "skip.npz"), n)
	if err == nil || !strings.Contains(err.Error(), "skip path") {
		t.Fatalf("error %v, want one about the skip path", err)
	}
}

func TestReadNPZErrors(t *testing.T) {
	if _, err := ReadNPZ(bytes.NewReader([]byte("not a zip")), 9); err == nil || !strings.Contains(err.Error(), "not a zip") {
		t.Errorf("garbage: %v", err)
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	f, _ := z.Create("a.txt")
	f.Write([]byte("hi"))
	z.Close()
	if _, err := ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err == nil || !strings.Contains(err.Error(), `"a.txt" is not a .npy`) {
		t.Errorf("non-npy entry: %v", err)
	}
	buf.Reset()
	z = zip.NewWriter(&buf)
	f, _ = z.Create("x.npy")
	f.Write([]byte("\x93NUMPY\x01\x00"))
	z.Close()
	if _, err := ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err == nil || !strings.Contains(err.Error(), `entry "x.npy"`) {
		t.Errorf("truncated entry: %v", err)
	}
}

// numpy.savez_compressed deflates the entries; the reader takes both.
func TestReadNPZCompressed(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	f, err := z.CreateHeader(&zip.FileHeader{Name: "x.npy", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteNPY(f, fixtureF8()); err != nil {
		t.Fatal(err)
	}
	z.Close()
	m, err := ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if a := m["x"]; a == nil || !bitsEqual(a.Data, fixtureF8().Data) {
		t.Fatalf("got %v", m)
	}
}

// Archives written by NumPy itself (testdata/numpy/gen.py): a float32
// state_dict, stored and deflated.
func TestReadNumpyStateDict(t *testing.T) {
	for _, name := range []string{"statedict_f4.npz", "statedict_f4_compressed.npz"} {
		n, err := ReadStateDict(filepath.Join("testdata", "numpy", name), mlp.Tanh)
		if err != nil {
			t.Fatal(err)
		}
		want := []float64{0, 0.25, 0.5, 0.75, 1, 1.25, 0.5, -0.25, 1.5, -2, 0.125}
		if !slices.Equal(n.Sizes(), []int{3, 2, 1}) || !bitsEqual(n.Params(), want) {
			t.Errorf("%s: sizes %v, parameters %v", name, n.Sizes(), n.Params())
		}
	}
}

func FuzzReadNPZ(f *testing.F) {
	for _, name := range []string{"statedict_f4.npz", "statedict_f4_compressed.npz"} {
		b, err := os.ReadFile(filepath.Join("testdata", "numpy", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	sd, names, err := NetworkStateDict(stateDictFixture(f), Float64)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(npzBytes(f, sd, names))
	f.Add(npzBytes(f, map[string]*Array{"x": fixtureF4()}, []string{"x"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadNPZ(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for k, a := range m {
			if a.Len() != len(a.Data) {
				t.Fatalf("%s: shape %v with %d values", k, a.Shape, len(a.Data))
			}
		}
		n, err := StateDictNetwork(m, mlp.Tanh)
		if err != nil {
			return
		}
		sd, names, err := NetworkStateDict(n, Float64)
		if err != nil {
			t.Fatalf("cannot write back a network read from a state_dict: %v", err)
		}
		back, err := StateDictNetwork(sd, mlp.Tanh)
		if err != nil || !bitsEqual(back.Params(), n.Params()) {
			t.Fatalf("state_dict round trip failed: %v (%d names)", err, len(names))
		}
	})
}

package mlp

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestDetectSymmetryBuiltins(t *testing.T) {
	want := map[string]Symmetry{
		"relu": EvenLinearPosScale, "leakyrelu(0.01)": EvenLinearPosScale, "sigmoid": OddConstant,
		"tanh": Odd, "softplus": EvenLinear, "gelu": EvenLinear, "silu": EvenLinear, "erf": Odd,
		"g": None, "identity": Odd,
	}
	for _, a := range Builtins() {
		if got := DetectSymmetry(a); got != want[a.Name()] || got != a.Symmetry() {
			t.Errorf("%s: detected %v, declared %v, want %v", a.Name(), got, a.Symmetry(), want[a.Name()])
		}
	}
	for _, slope := range []float64{0, 0.2, -0.3, 2} {
		if got := DetectSymmetry(LeakyReLU(slope)); got != EvenLinearPosScale {
			t.Errorf("leaky ReLU slope %v detected as %v", slope, got)
		}
	}
}

func TestDetectSymmetryCustom(t *testing.T) {
	cases := []struct {
		name string
		f    func(float64) float64
		want Symmetry
	}{
		{"sin", math.Sin, Odd},
		{"cube", func(x float64) float64 { return x * x * x }, Odd},
		{"shifted tanh", func(x float64) float64 { return 3 + math.Tanh(x) }, OddConstant},
		// Even functions satisfy σ(x) − σ(−x) = 0·x: flipping a neuron changes nothing.
		{"abs", math.Abs, EvenLinearPosScale},
		{"cosh", math.Cosh, EvenLinear},
		{"softplus(2x)/2", func(x float64) float64 { return softplus(2*x) / 2 }, EvenLinear},
		{"exp", math.Exp, None},
		{"zero", func(float64) float64 { return 0 }, None},
	}
	for _, c := range cases {
		got := DetectSymmetry(&Func{ActName: c.name, F: c.f, D1: c.f})
		if got != c.want {
			t.Errorf("%s: detected %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRegisterAndLookup(t *testing.T) {
	sq := &Func{ActName: "test-square", Sym: None, F: func(x float64) float64 { return x * x }, D1: func(x float64) float64 { return 2 * x }}
	if err := Register(sq); err != nil {
		t.Fatal(err)
	}
	if err := Register(sq); err != nil {
		t.Errorf("re-registering the same activation: %v", err)
	}
	other := *sq
	if err := Register(&other); err == nil {
		t.Error("registering a different activation under a taken name succeeded")
	}
	if err := Register(&Func{ActName: ""}); err == nil {
		t.Error("registering an empty name succeeded")
	}
	if a, err := Lookup("test-square"); err != nil || a != Activation(sq) {
		t.Errorf("Lookup = %v, %v", a, err)
	}
	if a, err := Lookup("leakyrelu(0.125)"); err != nil || a.Eval(-8) != -1 {
		t.Errorf("Lookup leaky = %v, %v", a, err)
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Lookup unknown: %v", err)
	}
}

func TestSaveLoadBitExact(t *testing.T) {
	for _, skip := range []bool{false, true} {
		n := testNet(t, []int{4, 6, 3, 2}, LeakyReLU(0.1), true, skip, 9)
		n.params[0] = math.Nextafter(1, 2) // a value with a long decimal form
		n.params[1] = 5e-324
		var buf bytes.Buffer
		if err := n.Save(&buf); err != nil {
			t.Fatal(err)
		}
		m, err := Load(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range n.Params() {
			if math.Float64bits(v) != math.Float64bits(m.Params()[i]) {
				t.Fatalf("parameter %d: saved %v, loaded %v", i, v, m.Params()[i])
			}
		}
		if m.Layer(1).Act.Name() != "leakyrelu(0.1)" || (m.Skip() != nil) != skip {
			t.Errorf("architecture not restored: %v", m.Spec())
		}
		// The loaded network's views are bound to its own parameters.
		m.Params()[0] = 42
		if m.Layer(0).W.At(0, 0) != 42 || n.Params()[0] == 42 {
			t.Error("loaded network's views are not bound to its parameters")
		}
	}
}

func TestLoadErrors(t *testing.T) {
	cases := map[string]string{
		"malformed":      `{"format":`,
		"not a network":  `{"hello":1}`,
		"unknown act":    `{"format":"expandcluster/mlp","version":1,"sizes":[2,1],"activations":["wobble"],"bias":true,"params":[1,2,3]}`,
		"wrong count":    `{"format":"expandcluster/mlp","version":1,"sizes":[2,1],"activations":["tanh"],"bias":true,"params":[1,2]}`,
		"bad version":    `{"format":"expandcluster/mlp","version":7,"sizes":[2,1],"activations":["tanh"],"bias":true,"params":[1,2,3]}`,
		"bad sizes":      `{"format":"expandcluster/mlp","version":1,"sizes":[2,0],"activations":["tanh"],"bias":true,"params":[]}`,
		"activations #":  `{"format":"expandcluster/mlp","version":1,"sizes":[2,1],"activations":[],"bias":true,"params":[1,2,3]}`,
		"number as text": `{"format":"expandcluster/mlp","version":1,"sizes":[2,1],"activations":["tanh"],"bias":true,"params":["x",2,3]}`,
	}
	for name, text := range cases {
		if _, err := Load(strings.NewReader(text)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	n := testNet(t, []int{2, 2, 1}, Tanh, true, false, 1)
	n.params[0] = math.NaN()
	if err := n.Save(&bytes.Buffer{}); err == nil {
		t.Error("saving a NaN parameter succeeded")
	}
}

func TestBadInput(t *testing.T) {
	n := testNet(t, []int{3, 4, 2}, Tanh, true, false, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randomData(rng, 5, 3, 2)
	grad := make([]float64, n.NumParams())
	nan := mat.DenseCopyOf(x)
	nan.Set(2, 1, math.NaN())
	inf := mat.DenseCopyOf(y)
	inf.Set(4, 0, math.Inf(-1))
	wide, _ := randomData(rng, 5, 4, 2)
	short, _ := randomData(rng, 4, 3, 2)
	_, y3 := randomData(rng, 5, 3, 3)
	cases := []struct {
		name, want string
		x, y       *mat.Dense
	}{
		{"wrong input width", "4 columns", wide, y},
		{"NaN input", "row 2, column 1 is NaN", nan, y},
		{"Inf target", "row 4, column 0 is -Inf", x, inf},
		{"empty batch", "empty", &mat.Dense{}, y},
		{"nil batch", "empty", nil, y},
		{"row mismatch", "targets for", x, short},
		{"target width", "targets have 3 columns", x, y3},
	}
	for _, c := range cases {
		_, err := n.LossGrad(nil, grad, c.x, c.y)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
		var jac mat.Dense
		if err := n.Jacobian(nil, &jac, make([]float64, 10), c.x, c.y); err == nil {
			t.Errorf("%s: Jacobian gave no error", c.name)
		}
	}
	if _, err := n.LossGrad(nil, grad[:3], x, y); err == nil {
		t.Error("short gradient accepted")
	}
	if err := n.Forward(nil, mat.NewDense(2, 2, nil), x); err == nil {
		t.Error("wrong-shaped destination accepted")
	}
	for _, s := range []Spec{{Sizes: []int{3}}, {Sizes: []int{3, -1, 1}, Hidden: Tanh}, {Sizes: []int{3, 2, 1}}, {Sizes: []int{3, 1}, Acts: []Activation{Tanh, Tanh}}} {
		if _, err := New(s); err == nil {
			t.Errorf("New(%+v) succeeded", s)
		}
	}
}

func TestNoAllocsWarm(t *testing.T) {
	// Four layers and more: their Sizes no longer fit the stack (a
	// forward pass once allocated them to check the workspace).
	for _, sizes := range [][]int{{4, 16, 1}, {8, 12, 6, 3}, {40, 20, 2}, {6, 9, 9, 9, 4}, {5, 7, 7, 7, 7, 7, 3}} {
		n := testNet(t, sizes, G, true, true, 3)
		rng := rand.New(rand.NewPCG(1, 1))
		x, y := randomData(rng, 37, sizes[0], sizes[len(sizes)-1])
		ws := NewWorkspace()
		grad := make([]float64, n.NumParams())
		out := mat.NewDense(37, sizes[len(sizes)-1], nil)
		r := make([]float64, 37*sizes[len(sizes)-1])
		jac := mat.NewDense(len(r), n.NumParams(), nil)
		v, hv := make([]float64, n.NumParams()), make([]float64, n.NumParams())
		checks := map[string]func(){
			"Forward":  func() { _ = n.Forward(ws, out, x) },
			"LossGrad": func() { _, _ = n.LossGrad(ws, grad, x, y) },
			"Jacobian": func() { _ = n.Jacobian(ws, jac, r, x, y) },
			"HessVec":  func() { _ = n.HessVec(ws, hv, v, x, y) },
		}
		for name, f := range checks {
			f() // warm up
			if a := testing.AllocsPerRun(20, f); a != 0 {
				t.Errorf("%v %s: %v allocations per run", sizes, name, a)
			}
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	n := testNet(t, []int{2, 3, 1}, Tanh, true, true, 1)
	c := n.Clone()
	c.Params()[0] = 123
	c.Skip().Set(0, 0, 7)
	if n.Params()[0] == 123 || n.Skip().At(0, 0) == 7 || c.Layer(0).W.At(0, 0) != 123 {
		t.Error("Clone shares or misbinds parameters")
	}
}

func TestInitGlorotDeterministic(t *testing.T) {
	a, _ := New(Spec{Sizes: []int{5, 7, 2}, Hidden: G})
	b, _ := New(Spec{Sizes: []int{5, 7, 2}, Hidden: G})
	a.InitGlorot(rand.New(rand.NewPCG(4, 2)))
	b.InitGlorot(rand.New(rand.NewPCG(4, 2)))
	for i := range a.Params() {
		if a.Params()[i] != b.Params()[i] {
			t.Fatal("same seed, different weights")
		}
	}
	// The spread of the first layer matches √(2/(fan_in+fan_out)).
	big, _ := New(Spec{Sizes: []int{300, 500, 1}, Hidden: G})
	big.InitGlorot(rand.New(rand.NewPCG(1, 1)))
	var ss float64
	w := big.Layer(0).W.RawMatrix().Data
	for _, v := range w {
		ss += v * v
	}
	if std, want := math.Sqrt(ss/float64(len(w))), math.Sqrt(2.0/800); math.Abs(std/want-1) > 0.01 {
		t.Errorf("first-layer std %v, want %v", std, want)
	}
}

// TestHidden checks Hidden against the layers applied one by one with
// Activation.Eval, and its errors.
func TestHidden(t *testing.T) {
	n, err := New(Spec{Sizes: []int{3, 4, 5, 2}, Hidden: Tanh})
	if err != nil {
		t.Fatal(err)
	}
	n.InitGlorot(rand.New(rand.NewPCG(1, 2)))
	x := mat.NewDense(6, 3, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = float64(i%5) - 2
	}
	h := x
	for l := 0; l < 3; l++ {
		L := n.Layer(l)
		want := mat.NewDense(6, L.Out, nil)
		wantPre := mat.NewDense(6, L.Out, nil)
		for i := 0; i < 6; i++ {
			for j := 0; j < L.Out; j++ {
				v := L.B[j]
				for k := 0; k < L.In; k++ {
					v += L.W.At(j, k) * h.At(i, k)
				}
				want.Set(i, j, L.Act.Eval(v))
				wantPre.Set(i, j, v)
			}
		}
		var pre mat.Dense
		if err := n.PreActivations(nil, &pre, x, l); err != nil {
			t.Fatal(err)
		}
		if !mat.EqualApprox(&pre, wantPre, 1e-13) {
			t.Errorf("layer %d: PreActivations\n%v\nwant\n%v", l, mat.Formatted(&pre), mat.Formatted(wantPre))
		}
		if l < 2 {
			var got mat.Dense
			if err := n.Hidden(nil, &got, x, l); err != nil {
				t.Fatal(err)
			}
			if !mat.EqualApprox(&got, want, 1e-13) {
				t.Errorf("layer %d: Hidden\n%v\nwant\n%v", l, mat.Formatted(&got), mat.Formatted(want))
			}
		}
		h = want
	}
	for _, l := range []int{-1, 3} {
		if err := n.PreActivations(nil, &mat.Dense{}, x, l); err == nil {
			t.Errorf("pre-activations of layer %d accepted", l)
		}
	}
	for _, l := range []int{-1, 2} {
		if err := n.Hidden(nil, &mat.Dense{}, x, l); err == nil {
			t.Errorf("hidden layer %d accepted", l)
		}
	}
	if err := n.Hidden(nil, mat.NewDense(6, 3, nil), x, 0); err == nil {
		t.Error("wrong-shaped destination accepted")
	}
	if err := n.Hidden(nil, &mat.Dense{}, mat.NewDense(2, 2, nil), 0); err == nil {
		t.Error("wrong input width accepted")
	}
}

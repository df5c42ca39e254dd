package mlp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// Smoothed tends to the activation it smooths, from above, by at most
// log(2)/β (reached at the kink); its derivatives are consistent and its
// symmetry class is EvenLinear, which DetectSymmetry confirms.
func TestSmoothedReLUAndLeakyReLU(t *testing.T) {
	for _, act := range []mlp.Activation{mlp.ReLU, mlp.LeakyReLU(0.01), mlp.LeakyReLU(0.2)} {
		for _, beta := range []float64{1, 8, 1024} {
			s, ok := mlp.Smoothed(act, beta)
			if !ok {
				t.Fatalf("Smoothed(%s, %g) reports no smoothing", act.Name(), beta)
			}
			if got := mlp.DetectSymmetry(s); got != mlp.EvenLinear || s.Symmetry() != mlp.EvenLinear {
				t.Errorf("%s: declared %v, detected %v; want EvenLinear", s.Name(), s.Symmetry(), got)
			}
			for _, x := range []float64{-7, -1, -0.01, 0, 0.01, 1, 7} {
				gap := s.Eval(x) - act.Eval(x)
				if gap < -1e-15 || gap > math.Ln2/beta+1e-15 {
					t.Errorf("%s(%g) − %s = %g, want in [0, log2/β = %g]", s.Name(), x, act.Name(), gap, math.Ln2/beta)
				}
				h := 1e-6 / beta
				if fd := (s.Eval(x+h) - s.Eval(x-h)) / (2 * h); math.Abs(fd-s.Deriv(x)) > 1e-6 {
					t.Errorf("%s'(%g) = %g, central difference %g", s.Name(), x, s.Deriv(x), fd)
				}
				if fd := (s.Deriv(x+h) - s.Deriv(x-h)) / (2 * h); math.Abs(fd-s.Deriv2(x)) > 1e-5*beta {
					t.Errorf("%s''(%g) = %g, central difference %g", s.Name(), x, s.Deriv2(x), fd)
				}
			}
		}
	}
}

type smoothStep struct{ *mlp.Func }

func (s smoothStep) Smoothed(beta float64) mlp.Activation {
	return &mlp.Func{ActName: fmt.Sprintf("smoothstep(%g)", beta), Sym: mlp.EvenLinear,
		F:  func(x float64) float64 { return math.Log1p(math.Exp(beta*x)) / beta },
		D1: func(x float64) float64 { return 1 / (1 + math.Exp(-beta*x)) }}
}

func TestSmoothedRefuses(t *testing.T) {
	for _, act := range []mlp.Activation{mlp.Tanh, mlp.Softplus, mlp.G, mlp.Identity,
		&mlp.Func{ActName: "plain", F: math.Abs, D1: math.Abs}} {
		if _, ok := mlp.Smoothed(act, 2); ok {
			t.Errorf("Smoothed(%s) reports a smoothing", act.Name())
		}
	}
	for _, beta := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, ok := mlp.Smoothed(mlp.ReLU, beta); ok {
			t.Errorf("Smoothed(relu, %v) accepted", beta)
		}
	}
	custom := smoothStep{&mlp.Func{ActName: "mystep", Sym: mlp.EvenLinearPosScale, F: func(x float64) float64 { return math.Max(x, 0) }, D1: math.Abs}}
	if s, ok := mlp.Smoothed(custom, 4); !ok || s.Name() != "smoothstep(4)" {
		t.Errorf("a custom Smoother: got %v, %v", s, ok)
	}
}

// WithHidden shares the parameters and swaps only the hidden activation.
func TestWithHidden(t *testing.T) {
	net, err := mlp.New(mlp.Spec{Sizes: []int{3, 4, 2, 2}, Hidden: mlp.ReLU, Output: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	net.InitGlorot(rand.New(rand.NewPCG(1, 2)))
	soft, _ := mlp.Smoothed(mlp.ReLU, 3)
	alt, err := net.WithHidden(soft)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := mlp.New(mlp.Spec{Sizes: []int{3, 4, 2, 2}, Hidden: soft, Output: mlp.Tanh})
	want.SetParams(net.Params())
	x := mat.NewDense(2, 3, []float64{0.3, -1, 2, -0.5, 0.1, 0.7})
	var a, b mat.Dense
	alt.Forward(nil, &a, x)
	want.Forward(nil, &b, x)
	if !mat.Equal(&a, &b) {
		t.Errorf("WithHidden's outputs %v, want those of a network built with the activation %v", mat.Formatted(&a), mat.Formatted(&b))
	}
	if got := alt.Layer(2).Act.Name(); got != "tanh" {
		t.Errorf("output activation %s, want tanh", got)
	}
	alt.Params()[0] = 42
	if net.Params()[0] != 42 || net.Layer(0).W.At(0, 0) != 42 {
		t.Errorf("a write through WithHidden's network did not reach the original's parameters")
	}
	if _, err := net.WithHidden(&mlp.Func{ActName: "broken"}); err == nil {
		t.Errorf("WithHidden accepted an activation without functions")
	}
}

// Continuation: train a ReLU network through softplus(βx)/β at growing β
// (train.Phase.Activation), then with ReLU itself.
func ExampleSmoothed() {
	for _, beta := range []float64{1, 4, 64} {
		s, _ := mlp.Smoothed(mlp.ReLU, beta)
		fmt.Printf("%s: at 0 %.4f, at 1 %.4f, class %v\n", s.Name(), s.Eval(0), s.Eval(1), s.Symmetry())
	}
	_, ok := mlp.Smoothed(mlp.Tanh, 4)
	fmt.Println("tanh has a smoothing:", ok)
	// Output:
	// smoothrelu(1): at 0 0.6931, at 1 1.3133, class EvenLinear
	// smoothrelu(4): at 0 0.1733, at 1 1.0045, class EvenLinear
	// smoothrelu(64): at 0 0.0108, at 1 1.0000, class EvenLinear
	// tanh has a smoothing: false
}

// The smoothings of ReLU and leaky ReLU give the same bits through
// EvalDerivSlice (vmath's vector kernels) as through Eval and Deriv,
// whatever a value's position in a slice and also when the outputs share
// memory with the inputs.
func TestSmoothedSliceMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, 41)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	x[0], x[1], x[2] = 0, math.Inf(1), -1e3
	for _, act := range []mlp.Activation{mlp.ReLU, mlp.LeakyReLU(0.01)} {
		for _, beta := range []float64{1, 32, 1024} {
			s, _ := mlp.Smoothed(act, beta)
			sa := s.(mlp.SliceActivation)
			for n := 0; n <= len(x); n++ {
				y, dy := make([]float64, n), make([]float64, n)
				sa.EvalDerivSlice(y, dy, x[:n])
				inPlace := append([]float64(nil), x[:n]...)
				dyIn := make([]float64, n)
				sa.EvalDerivSlice(inPlace, dyIn, inPlace)
				for i, v := range x[:n] {
					want, dwant := s.Eval(v), s.Deriv(v)
					for _, got := range [][2]float64{{y[i], dy[i]}, {inPlace[i], dyIn[i]}} {
						if math.Float64bits(got[0]) != math.Float64bits(want) || math.Float64bits(got[1]) != math.Float64bits(dwant) {
							t.Fatalf("%s, n = %d, x[%d] = %v: slice %v, %v; scalar %v, %v", s.Name(), n, i, v, got[0], got[1], want, dwant)
						}
					}
				}
			}
		}
	}
}

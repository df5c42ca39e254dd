package mlp_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

func Example() {
	net, err := mlp.New(mlp.Spec{Sizes: []int{2, 3, 1}, Hidden: mlp.Tanh})
	if err != nil {
		panic(err)
	}
	net.InitGlorot(rand.New(rand.NewPCG(1, 2)))
	x := mat.NewDense(3, 2, []float64{0, 1, 1, 0, -1, 2})
	y := mat.NewDense(3, 1, []float64{1, 0, 1})
	ws := mlp.NewWorkspace()
	grad := make([]float64, net.NumParams())
	loss, err := net.LossGrad(ws, grad, x, y)
	if err != nil {
		panic(err)
	}
	fmt.Println("parameters:", net.NumParams())
	fmt.Println("loss is finite:", !math.IsNaN(loss) && loss > 0)
	// Output:
	// parameters: 13
	// loss is finite: true
}

func ExampleDetectSymmetry() {
	for _, a := range []mlp.Activation{mlp.Tanh, mlp.Sigmoid, mlp.GELU, mlp.ReLU, mlp.G} {
		fmt.Printf("%-8s %v\n", a.Name(), mlp.DetectSymmetry(a))
	}
	// A custom activation declares its class; DetectSymmetry checks it.
	cube := &mlp.Func{ActName: "cube", Sym: mlp.Odd,
		F:  func(x float64) float64 { return x * x * x },
		D1: func(x float64) float64 { return 3 * x * x },
		D2: func(x float64) float64 { return 6 * x }}
	fmt.Println("cube declared", cube.Symmetry(), "detected", mlp.DetectSymmetry(cube))
	// Output:
	// tanh     Odd
	// sigmoid  OddConstant
	// gelu     EvenLinear
	// relu     EvenLinearPosScale
	// g        None
	// cube declared Odd detected Odd
}

// The Jacobian-vector products of a wide first layer in float32: the
// curvature products of a Gauss–Newton solve need only single precision.
func ExampleLinearization_SetInputs32() {
	net, err := mlp.New(mlp.Spec{Sizes: []int{784, 64, 10}, Hidden: mlp.Tanh})
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	net.InitGlorot(rng)
	x := mat.NewDense(500, 784, nil)
	for i, raw := 0, x.RawMatrix().Data; i < len(raw); i++ {
		raw[i] = rng.NormFloat64()
	}
	v := make([]float64, net.NumParams())
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	var lin mlp.Linearization
	if err := lin.Reset(net, mlp.NewWorkspace(), x); err != nil {
		panic(err)
	}
	exact := make([]float64, 500*10)
	lin.JacVec(exact, v)
	if err := lin.SetInputs32(mlp.NewInputs32(x)); err != nil {
		panic(err)
	}
	single := make([]float64, 500*10)
	lin.JacVec(single, v)
	var diff, norm float64
	for i := range exact {
		diff += (single[i] - exact[i]) * (single[i] - exact[i])
		norm += exact[i] * exact[i]
	}
	fmt.Printf("relative difference below 1e-6: %v\n", math.Sqrt(diff/norm) < 1e-6)
	// Output:
	// relative difference below 1e-6: true
}

// JacobianFrom gives the columns of the layers from one up: here the output
// layer's 4 parameters of a 2→3→1 network, the last 4 of its 13, as when
// the hidden layer is frozen.
func ExampleNetwork_JacobianFrom() {
	net, err := mlp.New(mlp.Spec{Sizes: []int{2, 3, 1}, Hidden: mlp.Tanh})
	if err != nil {
		panic(err)
	}
	net.InitGlorot(rand.New(rand.NewPCG(1, 2)))
	x := mat.NewDense(3, 2, []float64{0, 1, 1, 0, -1, 2})
	y := mat.NewDense(3, 1, []float64{1, 0, 1})
	var full, top mat.Dense
	if err := net.Jacobian(nil, &full, nil, x, y); err != nil {
		panic(err)
	}
	if err := net.JacobianFrom(nil, &top, nil, x, y, 1); err != nil {
		panic(err)
	}
	start, _ := net.LayerParams(1)
	r, c := top.Dims()
	fmt.Printf("%d×%d from parameter %d on\n", r, c, start)
	fmt.Println("the full Jacobian's last columns:", mat.Equal(&top, full.Slice(0, 3, start, net.NumParams())))
	// Output:
	// 3×4 from parameter 9 on
	// the full Jacobian's last columns: true
}

package mlp_test

import (
	"bytes"
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/mlp"
)

// A custom activation: plain functions wrapped in mlp.Func, its symmetry
// class checked with DetectSymmetry, and registered so that networks using
// it can be saved and loaded by name.
func ExampleRegister() {
	softsign := &mlp.Func{ActName: "softsign", Sym: mlp.Odd,
		F:  func(x float64) float64 { return x / (1 + math.Abs(x)) },
		D1: func(x float64) float64 { d := 1 + math.Abs(x); return 1 / (d * d) }}
	fmt.Println("declared", softsign.Symmetry(), "detected", mlp.DetectSymmetry(softsign))
	if err := mlp.Register(softsign); err != nil {
		fmt.Println(err)
		return
	}
	net, _ := mlp.New(mlp.Spec{Sizes: []int{2, 3, 1}, Hidden: softsign})
	var file bytes.Buffer
	if err := net.Save(&file); err != nil {
		fmt.Println(err)
		return
	}
	back, err := mlp.Load(&file)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("loaded hidden activation:", back.Layer(0).Act.Name())

	// Incomplete functions and names with spaces or parentheses are
	// rejected before they can fail inside training.
	fmt.Println(mlp.Register(&mlp.Func{ActName: "broken", D1: math.Cos}))
	fmt.Println(mlp.Register(&mlp.Func{ActName: "my act(2)", F: math.Sin, D1: math.Cos}))
	// Output:
	// declared Odd detected Odd
	// loaded hidden activation: softsign
	// mlp: Func "broken" needs both F and D1 (F nil: true, D1 nil: false)
	// mlp: Register: activation name "my act(2)" has ' ' at byte 2: use letters, digits and _-.+ only
}

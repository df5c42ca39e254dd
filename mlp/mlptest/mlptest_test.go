package mlptest_test

import (
	"math"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/mlp/mlptest"
)

func TestBuiltinsConform(t *testing.T) {
	for _, a := range append(mlp.Builtins(), mlp.LeakyReLU(0.2), mlp.LeakyReLU(-0.5)) {
		t.Run(a.Name(), func(t *testing.T) { mlptest.Activation(t, a) })
	}
}

func TestCatchesWrongDeclarations(t *testing.T) {
	cases := []struct {
		name string
		act  mlp.Activation
	}{
		{"tanh declared EvenLinear", &mlp.Func{ActName: "t", Sym: mlp.EvenLinear, F: math.Tanh,
			D1: func(x float64) float64 { v := math.Tanh(x); return 1 - v*v }}},
		{"wrong derivative", &mlp.Func{ActName: "w", Sym: mlp.Odd, F: math.Sin, D1: math.Sin}},
		{"sigmoid declared Odd", &mlp.Func{ActName: "s", Sym: mlp.Odd, F: mlp.Sigmoid.Eval, D1: mlp.Sigmoid.Deriv, D2: mlp.Sigmoid.Deriv2}},
	}
	for _, c := range cases {
		if len(mlptest.Check(c.act)) == 0 {
			t.Errorf("%s: no problem reported", c.name)
		}
	}
}

// Issue 15: Check panicked on a Func without F.
func TestCheckIncompleteFunc(t *testing.T) {
	problems := mlptest.Check(&mlp.Func{ActName: "nof", Sym: mlp.Odd, D1: math.Cos})
	if len(problems) != 1 || !strings.Contains(problems[0], "needs both F and D1") {
		t.Fatalf("problems %v", problems)
	}
}

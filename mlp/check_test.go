package mlp

import (
	"math"
	"strings"
	"testing"
)

// The failure cases of issue 15: a Func without F panicked inside a
// training goroutine, and Register accepted it and the name "my act(2)".
func TestCheckActivation(t *testing.T) {
	cases := []struct {
		name string
		a    Activation
		want string
	}{
		{"nil", nil, "nil activation"},
		{"nil F", &Func{ActName: "nof", D1: math.Cos}, "needs both F and D1"},
		{"nil D1", &Func{ActName: "nod1", F: math.Sin}, "needs both F and D1"},
		{"bad symmetry", &Func{ActName: "badsym", Sym: 9, F: math.Sin, D1: math.Cos}, "unknown symmetry 9"},
		{"panics", &Func{ActName: "boom", F: func(x float64) float64 { panic("boom") }, D1: math.Cos}, "panics when evaluated: boom"},
		{"not finite", &Func{ActName: "log", F: math.Log, D1: func(x float64) float64 { return 1 / x }}, "value NaN at x = -5"},
	}
	for _, c := range cases {
		err := CheckActivation(c.a)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: CheckActivation error %v, want one containing %q", c.name, err, c.want)
		}
		if err := Register(c.a); err == nil {
			t.Errorf("%s: Register accepted it", c.name)
		}
	}
	for _, a := range Builtins() {
		if err := CheckActivation(a); err != nil {
			t.Errorf("built-in %s: %v", a.Name(), err)
		}
	}
}

func TestRegisterRejectsNames(t *testing.T) {
	for _, name := range []string{"my act(2)", "act(2)", " x", "a/b", "tab\t", "é"} {
		err := Register(&Func{ActName: name, F: math.Sin, D1: math.Cos})
		if err == nil || !strings.Contains(err.Error(), "letters, digits") {
			t.Errorf("Register(%q): error %v, want a name error", name, err)
		}
	}
	if err := Register(&Func{ActName: "sine_2.0-x+", Sym: Odd, F: math.Sin, D1: math.Cos}); err != nil {
		t.Errorf("a valid name rejected: %v", err)
	}
}

// TestNewRejectsBrokenFunc: a Func without F is refused when the network
// is built, not when a student is trained.
func TestNewRejectsBrokenFunc(t *testing.T) {
	broken := &Func{ActName: "half-made", D1: func(float64) float64 { return 1 }}
	_, err := New(Spec{Sizes: []int{2, 3, 1}, Hidden: broken})
	if err == nil || !strings.Contains(err.Error(), "layer 0") || !strings.Contains(err.Error(), "F and D1") {
		t.Fatalf("New with a Func lacking F: error %v, want one naming layer 0 and F and D1", err)
	}
}

package mlp

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// CheckActivation reports whether a can be used for training: it is not
// nil, a Func has its required functions, the declared symmetry is a known
// class, and Eval and Deriv return finite values without panicking on a
// few points in [−5, 5]. Run-time panics of a custom activation would
// otherwise happen inside a training goroutine, where the caller cannot
// recover them.
func CheckActivation(a Activation) (err error) {
	if a == nil {
		return fmt.Errorf("mlp: nil activation")
	}
	name := a.Name()
	if f, ok := a.(*Func); ok {
		if f.F == nil || f.D1 == nil {
			return fmt.Errorf("mlp: Func %q needs both F and D1 (F nil: %v, D1 nil: %v)", name, f.F == nil, f.D1 == nil)
		}
	}
	if s := a.Symmetry(); s < None || s > EvenLinearPosScale {
		return fmt.Errorf("mlp: activation %q declares unknown symmetry %d", name, int(s))
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("mlp: activation %q panics when evaluated: %v", name, p)
		}
	}()
	for _, x := range []float64{-5, -1, -0.3, 0, 0.3, 1, 5} {
		for _, v := range [...]struct {
			what string
			y    float64
		}{{"value", a.Eval(x)}, {"derivative", a.Deriv(x)}} {
			if math.IsNaN(v.y) || math.IsInf(v.y, 0) {
				return fmt.Errorf("mlp: activation %q has %s %v at x = %v", name, v.what, v.y, x)
			}
		}
	}
	return nil
}

// checkName reports whether name can be registered: letters, digits and
// "_-.+" only, so that it survives command-line flags and file names, and
// no parentheses, which are reserved for parameterised built-ins such as
// "leakyrelu(0.2)".
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("mlp: Register: empty activation name")
	}
	if i := strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.+", r))
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Errorf("mlp: Register: activation name %q has %q at byte %d: use letters, digits and _-.+ only", name, r, i)
	}
	return nil
}

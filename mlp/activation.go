package mlp

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/paramrecovery/expandcluster/internal/vmath"
)

// Symmetry is the class of sign symmetry an activation function has. The
// class decides how Expand-and-Cluster canonicalises neuron vectors before
// clustering them (docs/method.md §2). The numeric values are stable: the cluster
// package mirrors them in its own type.
type Symmetry int

const (
	// None: no sign symmetry, for example g(x) = sigmoid(4x) + softplus(x).
	None Symmetry = iota
	// Odd: σ(−x) = −σ(x), for example tanh, erf and the identity.
	Odd
	// OddConstant: σ(−x) = c − σ(x) with c ≠ 0, for example the sigmoid.
	OddConstant
	// EvenLinear: σ(x) − σ(−x) = kx, for example softplus, GELU and SiLU.
	EvenLinear
	// EvenLinearPosScale: EvenLinear and σ(cx) = cσ(x) for c > 0, for
	// example ReLU and leaky ReLU.
	EvenLinearPosScale
)

var symmetryNames = [...]string{"None", "Odd", "OddConstant", "EvenLinear", "EvenLinearPosScale"}

// String returns the name of the class, for example "EvenLinear".
func (s Symmetry) String() string {
	if s < 0 || int(s) >= len(symmetryNames) {
		return "Symmetry(" + strconv.Itoa(int(s)) + ")"
	}
	return symmetryNames[s]
}

// Activation is an elementwise activation function with its first two
// derivatives. Name identifies it when a network is saved and loaded, so it
// must be unique among registered activations.
type Activation interface {
	Name() string
	Eval(x float64) float64
	Deriv(x float64) float64
	Deriv2(x float64) float64
	Symmetry() Symmetry
}

// SliceActivation is an optional fast path for an Activation: it writes
// σ(x[i]) into y[i] and σ'(x[i]) into dy[i]. Computing both together lets
// tanh, sigmoid and friends reuse one exponential. All built-ins implement it.
type SliceActivation interface {
	EvalDerivSlice(y, dy, x []float64)
}

// evalDeriv fills y = σ(x) and dy = σ'(x), using the fast path if there is one.
func evalDeriv(a Activation, y, dy, x []float64) {
	if s, ok := a.(SliceActivation); ok {
		s.EvalDerivSlice(y, dy, x)
		return
	}
	for i, v := range x {
		y[i] = a.Eval(v)
		dy[i] = a.Deriv(v)
	}
}

// builtin is an activation given by plain functions; fused returns the value
// and first derivative together.
type builtin struct {
	name      string
	sym       Symmetry
	f, d1, d2 func(float64) float64
	fused     func(float64) (float64, float64)
	// slice, if set, is EvalDerivSlice: the vectorised kernels of
	// internal/vmath for the hottest activations; d2slice, if set, writes
	// the second derivative at x[i] into d2[i], for the R-pass of HessVec.
	slice   func(y, dy, x []float64)
	d2slice func(d2, x []float64)
	// smooth, if set, is the smoothing of a piecewise-linear activation
	// (see Smoothed).
	smooth func(beta float64) Activation
}

func (b *builtin) Name() string             { return b.name }
func (b *builtin) Eval(x float64) float64   { return b.f(x) }
func (b *builtin) Deriv(x float64) float64  { return b.d1(x) }
func (b *builtin) Deriv2(x float64) float64 { return b.d2(x) }
func (b *builtin) Symmetry() Symmetry       { return b.sym }

func (b *builtin) EvalDerivSlice(y, dy, x []float64) {
	y, dy = y[:len(x)], dy[:len(x)]
	if b.slice != nil {
		b.slice(y, dy, x)
		return
	}
	if b.fused == nil {
		for i, v := range x {
			y[i], dy[i] = b.f(v), b.d1(v)
		}
		return
	}
	for i, v := range x {
		y[i], dy[i] = b.fused(v)
	}
}

// evalDeriv2 fills d2 with the second derivatives at x, through a
// built-in's slice kernel if it has one.
func evalDeriv2(a Activation, d2, x []float64) {
	if b, ok := a.(*builtin); ok && b.d2slice != nil {
		b.d2slice(d2[:len(x)], x)
		return
	}
	for i, v := range x {
		d2[i] = a.Deriv2(v)
	}
}

var (
	_ Activation      = (*builtin)(nil)
	_ SliceActivation = (*builtin)(nil)
)

// The sigmoid family, softplus, tanh, g, GELU and erf come from
// internal/vmath, whose slice kernels (AVX-512 or AVX2 where the CPU has
// it) give the same bits as its scalar functions: Eval, Deriv and
// EvalDerivSlice agree exactly on every machine (and for GELU and erf,
// Deriv2 and the R-pass's slice kernel too).

func sigmoid(x float64) float64      { s, _ := vmath.Sigmoid(x); return s }
func sigmoidPrime(x float64) float64 { _, ds := vmath.Sigmoid(x); return ds }
func softplus(x float64) float64     { y, _ := vmath.Softplus(x); return y }
func tanh(x float64) float64         { t, _ := vmath.Tanh(x); return t }

var (
	// ReLU is max(0, x).
	ReLU Activation = &builtin{
		name: "relu", sym: EvenLinearPosScale,
		f: func(x float64) float64 { return math.Max(0, x) },
		d1: func(x float64) float64 {
			if x > 0 {
				return 1
			}
			return 0
		},
		d2:     func(float64) float64 { return 0 },
		smooth: func(beta float64) Activation { return softplusSlope(beta, 0) },
		slice:  reluSlice,
	}
	// Sigmoid is 1/(1+e^−x).
	Sigmoid Activation = &builtin{
		name: "sigmoid", sym: OddConstant,
		f:     sigmoid,
		d1:    sigmoidPrime,
		d2:    func(x float64) float64 { s, ds := vmath.Sigmoid(x); return ds * (1 - 2*s) },
		slice: vmath.SigmoidSlice,
	}
	// Tanh is the hyperbolic tangent.
	Tanh Activation = &builtin{
		name: "tanh", sym: Odd,
		f:     tanh,
		d1:    func(x float64) float64 { _, dt := vmath.Tanh(x); return dt },
		d2:    func(x float64) float64 { t, dt := vmath.Tanh(x); return -2 * t * dt },
		slice: vmath.TanhSlice,
	}
	// Softplus is log(1+e^x).
	Softplus Activation = &builtin{
		name: "softplus", sym: EvenLinear,
		f:     softplus,
		d1:    sigmoid,
		d2:    sigmoidPrime,
		slice: vmath.SoftplusSlice,
	}
	// GELU is the exact Gaussian error linear unit xΦ(x), Φ the standard
	// normal distribution function.
	GELU Activation = &builtin{
		name: "gelu", sym: EvenLinear,
		f:       func(x float64) float64 { y, _ := vmath.GELU(x); return y },
		d1:      func(x float64) float64 { _, dy := vmath.GELU(x); return dy },
		d2:      vmath.GELUDeriv2,
		slice:   vmath.GELUSlice,
		d2slice: vmath.GELUDeriv2Slice,
	}
	// SiLU is x·sigmoid(x), also called swish.
	SiLU Activation = &builtin{
		name: "silu", sym: EvenLinear,
		f:  func(x float64) float64 { y, _ := vmath.SiLU(x); return y },
		d1: func(x float64) float64 { _, dy := vmath.SiLU(x); return dy },
		d2: func(x float64) float64 {
			s, p := vmath.Sigmoid(x)
			return p * (2 + x*(1-2*s))
		},
		slice: vmath.SiLUSlice,
	}
	// Erf is erf(x/√2), the odd sigmoid of the Gaussian.
	Erf Activation = &builtin{
		name: "erf", sym: Odd,
		f:       func(x float64) float64 { y, _ := vmath.ErfSqrt2(x); return y },
		d1:      func(x float64) float64 { _, dy := vmath.ErfSqrt2(x); return dy },
		d2:      vmath.ErfSqrt2Deriv2,
		slice:   vmath.ErfSqrt2Slice,
		d2slice: vmath.ErfSqrt2Deriv2Slice,
	}
	// G is g(x) = sigmoid(4x) + softplus(x), the activation of the paper's
	// synthetic teachers: it has no sign symmetry at all.
	G Activation = &builtin{
		name: "g", sym: None,
		f:  func(x float64) float64 { y, _ := vmath.G(x); return y },
		d1: func(x float64) float64 { _, dy := vmath.G(x); return dy },
		d2: func(x float64) float64 {
			s4, ds4 := vmath.Sigmoid(4 * x)
			return 16*ds4*(1-2*s4) + sigmoidPrime(x)
		},
		slice: vmath.GSlice,
	}
	// Identity is x; it is the usual activation of the output layer.
	Identity Activation = &builtin{
		name: "identity", sym: Odd,
		f:  func(x float64) float64 { return x },
		d1: func(float64) float64 { return 1 },
		d2: func(float64) float64 { return 0 },
	}
)

const leakyPrefix = "leakyrelu("

// LeakyReLU returns the leaky ReLU with the given negative-side slope:
// x for x > 0 and slope·x otherwise. Its name records the slope exactly, so a
// saved network reloads with the same function.
func LeakyReLU(slope float64) Activation {
	return &builtin{
		name: leakyPrefix + strconv.FormatFloat(slope, 'g', -1, 64) + ")",
		sym:  EvenLinearPosScale,
		f: func(x float64) float64 {
			if x > 0 {
				return x
			}
			return slope * x
		},
		d1: func(x float64) float64 {
			if x > 0 {
				return 1
			}
			return slope
		},
		d2:     func(float64) float64 { return 0 },
		smooth: func(beta float64) Activation { return softplusSlope(beta, slope) },
		slice: func(y, dy, x []float64) {
			// f and d1 fused, as reluSlice, and without a branch on the
			// sign (1·v is v, bit for bit).
			for i, v := range x {
				d := slope
				if v > 0 {
					d = 1
				}
				y[i], dy[i] = d*v, d
			}
		},
	}
}

// reluSlice is ReLU's slice kernel: its f and d1 without two indirect
// calls per element (fresh leaky ReLU layers above a recovered one spent
// about a tenth of their time in those calls), with the same bits
// (math.Max keeps NaN and +0).
func reluSlice(y, dy, x []float64) {
	for i, v := range x {
		y[i] = math.Max(0, v)
		if v > 0 {
			dy[i] = 1
		} else {
			dy[i] = 0
		}
	}
}

// Func adapts plain functions into an Activation. F and D1 are required; if
// D2 is nil the second derivative is taken by central differences of D1,
// which is accurate to about 1e-8 relative — enough for training, not for
// Hessian tests.
type Func struct {
	ActName string
	Sym     Symmetry
	F       func(float64) float64
	D1      func(float64) float64
	D2      func(float64) float64
}

var _ Activation = (*Func)(nil)

func (f *Func) Name() string            { return f.ActName }
func (f *Func) Symmetry() Symmetry      { return f.Sym }
func (f *Func) Eval(x float64) float64  { return f.F(x) }
func (f *Func) Deriv(x float64) float64 { return f.D1(x) }
func (f *Func) Deriv2(x float64) float64 {
	if f.D2 != nil {
		return f.D2(x)
	}
	h := 1e-5 * math.Max(1, math.Abs(x))
	return (f.D1(x+h) - f.D1(x-h)) / (2 * h)
}

var registry = struct {
	sync.RWMutex
	byName map[string]Activation
}{byName: map[string]Activation{}}

func init() {
	for _, a := range Builtins() {
		registry.byName[a.Name()] = a
	}
}

// Builtins returns the built-in activations (leaky ReLU with slope 0.01).
func Builtins() []Activation {
	return []Activation{ReLU, LeakyReLU(0.01), Sigmoid, Tanh, Softplus, GELU, SiLU, Erf, G, Identity}
}

// Register makes a custom activation loadable by name. It fails if the name
// is empty, has characters other than letters, digits and _-.+, or is taken
// by a different activation, or if CheckActivation rejects a.
func Register(a Activation) error {
	if err := CheckActivation(a); err != nil {
		return err
	}
	name := a.Name()
	if err := checkName(name); err != nil {
		return err
	}
	registry.Lock()
	defer registry.Unlock()
	if old, ok := registry.byName[name]; ok && old != a {
		return fmt.Errorf("mlp: Register: activation name %q is already registered", name)
	}
	registry.byName[name] = a
	return nil
}

// Lookup returns the registered activation with the given name. Leaky ReLUs
// of any slope are found by their name, for example "leakyrelu(0.2)".
func Lookup(name string) (Activation, error) {
	registry.RLock()
	a, ok := registry.byName[name]
	registry.RUnlock()
	if ok {
		return a, nil
	}
	if strings.HasPrefix(name, leakyPrefix) && strings.HasSuffix(name, ")") {
		slope, err := strconv.ParseFloat(name[len(leakyPrefix):len(name)-1], 64)
		if err == nil && !math.IsNaN(slope) && !math.IsInf(slope, 0) {
			return LeakyReLU(slope), nil
		}
	}
	return nil, fmt.Errorf("mlp: unknown activation %q (registered: %s)", name, strings.Join(registeredNames(), ", "))
}

func registeredNames() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.byName))
	for n := range registry.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

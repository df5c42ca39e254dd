package mlp

import (
	"fmt"
	"math"
	"strconv"
	"unsafe"

	"github.com/paramrecovery/expandcluster/internal/vmath"
)

// Smoother is an optional interface of a custom piecewise-linear
// activation: Smoothed(β) returns a smooth activation that tends to it as
// β → ∞ (see Smoothed).
type Smoother interface {
	Smoothed(beta float64) Activation
}

// Smoothed returns a smooth activation that tends to the piecewise-linear
// activation a as beta grows, for training by continuation: a network of
// ReLU units is trained first with softplus(βx)/β at small β, where the
// loss is smooth and Levenberg–Marquardt's linearisation holds across the
// kinks, then at larger β, then with a itself. For ReLU it is
// softplus(βx)/β; for leaky ReLU with slope s, s·x + (1−s)·softplus(βx)/β.
// Both keep a's symmetry class but for positive scaling (they are
// EvenLinear). Smoothed reports false for activations it cannot smooth:
// the smooth built-ins, and custom activations that do not implement
// Smoother. beta must be positive and finite.
func Smoothed(a Activation, beta float64) (Activation, bool) {
	if !(beta > 0) || math.IsInf(beta, 1) {
		return nil, false
	}
	switch s := a.(type) {
	case *builtin:
		if s.smooth == nil {
			return nil, false
		}
		return s.smooth(beta), true
	case Smoother:
		return s.Smoothed(beta), true
	}
	return nil, false
}

// softplusSlope is s·x + (1−s)·softplus(βx)/β, the smoothing of the leaky
// ReLU of slope s (s = 0: ReLU). Its odd part is (1+s)x/2, so it is
// EvenLinear.
func softplusSlope(beta, slope float64) Activation {
	name := "smoothrelu(" + strconv.FormatFloat(beta, 'g', -1, 64)
	if slope != 0 {
		name += "," + strconv.FormatFloat(slope, 'g', -1, 64)
	}
	keep := 1 - slope
	fused := func(x float64) (float64, float64) {
		sp, sig := vmath.Softplus(beta * x)
		return slope*x + keep*sp/beta, slope + keep*sig
	}
	// slice is fused over a slice, softplus by vmath's vector kernels
	// (the same bits as vmath.Softplus): the smoothed polish of deep ReLU
	// students spent 38% of its time in the scalar softplus.
	slice := func(y, dy, x []float64) {
		if overlaps(y, x) || overlaps(dy, x) {
			for i, v := range x {
				y[i], dy[i] = fused(v)
			}
			return
		}
		for i, v := range x {
			dy[i] = beta * v
		}
		vmath.SoftplusSlice(y, dy, dy)
		for i, v := range x {
			y[i] = slope*v + keep*y[i]/beta
			dy[i] = slope + keep*dy[i]
		}
	}
	return &builtin{
		name: name + ")", sym: EvenLinear,
		f:     func(x float64) float64 { y, _ := fused(x); return y },
		d1:    func(x float64) float64 { _, dy := fused(x); return dy },
		d2:    func(x float64) float64 { _, ds := vmath.Sigmoid(beta * x); return keep * beta * ds },
		fused: fused,
		slice: slice,
	}
}

// overlaps reports whether a and b share memory.
func overlaps(a, b []float64) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, a1 := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&a[len(a)-1]))
	b0, b1 := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[len(b)-1]))
	return a0 <= b1 && b0 <= a1
}

// WithHidden returns a network with n's architecture and parameters and
// act in every hidden layer (the output layer keeps its activation). The
// two networks share one parameter slice: a change to the parameters of
// either is a change to both. Continuation training (train.Phase's
// Activation) uses it to train n's parameters through a smoothed
// activation.
func (n *Network) WithHidden(act Activation) (*Network, error) {
	if err := CheckActivation(act); err != nil {
		return nil, fmt.Errorf("mlp: WithHidden: %w", err)
	}
	m := &Network{layers: make([]Layer, len(n.layers)), skipOff: n.skipOff}
	copy(m.layers, n.layers)
	for l := range len(m.layers) - 1 {
		m.layers[l].Act = act
	}
	m.bind(n.params)
	return m, nil
}

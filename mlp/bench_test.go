package mlp

import (
	"fmt"
	"github.com/paramrecovery/expandcluster/internal/cputime"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// benchLossGrad measures loss+gradient and reports sample-gradients per
// second (samples × iterations / elapsed) and the CPU time per iteration.
func benchLossGrad(b *testing.B, sizes []int, act Activation, rows int) {
	n := testNet(b, sizes, act, true, false, 1)
	x, y := randomData(rand.New(rand.NewPCG(1, 2)), rows, sizes[0], sizes[len(sizes)-1])
	ws := NewWorkspace()
	grad := make([]float64, n.NumParams())
	if _, err := n.LossGrad(ws, grad, x, y); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for i := 0; i < b.N; i++ {
		_, _ = n.LossGrad(ws, grad, x, y)
	}
	cpu.Report(b)
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

func BenchmarkLossGrad(b *testing.B) {
	for _, a := range []Activation{Tanh, Softplus, G} {
		b.Run(fmt.Sprintf("4-16-1/%s/n=10000", a.Name()), func(b *testing.B) { benchLossGrad(b, []int{4, 16, 1}, a, 10000) })
	}
	b.Run("784-256-10/g/n=1000", func(b *testing.B) { benchLossGrad(b, []int{784, 256, 10}, G, 1000) })
}

// gaussCases are GELU and Erf through the internal/vmath kernels
// (impl=vmath) and through package math's Erfc, Erf and Exp (impl=math:
// mlp before those kernels), for benchstat -col /impl.
var gaussCases = []struct {
	act, impl string
	a         Activation
}{{"gelu", "vmath", GELU}, {"gelu", "math", geluMath}, {"erf", "vmath", Erf}, {"erf", "math", erfMath}}

// BenchmarkLossGradGauss is BenchmarkLossGrad for GELU and Erf networks.
func BenchmarkLossGradGauss(b *testing.B) {
	for _, c := range gaussCases {
		b.Run(fmt.Sprintf("4-16-1/n=10000/act=%s/impl=%s", c.act, c.impl), func(b *testing.B) { benchLossGrad(b, []int{4, 16, 1}, c.a, 10000) })
	}
}

// BenchmarkHessVecGauss is BenchmarkLossGradGauss for Hessian-vector
// products, which need the second derivatives.
func BenchmarkHessVecGauss(b *testing.B) {
	for _, c := range gaussCases {
		b.Run(fmt.Sprintf("4-16-1/n=10000/act=%s/impl=%s", c.act, c.impl), func(b *testing.B) {
			n := testNet(b, []int{4, 16, 1}, c.a, true, false, 1)
			x, y := randomData(rand.New(rand.NewPCG(1, 2)), 10000, 4, 1)
			ws := NewWorkspace()
			v, hv := make([]float64, n.NumParams()), make([]float64, n.NumParams())
			for i := range v {
				v[i] = 1 / float64(i+1)
			}
			if err := n.HessVec(ws, hv, v, x, y); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.Start()
			for i := 0; i < b.N; i++ {
				_ = n.HessVec(ws, hv, v, x, y)
			}
			cpu.Report(b)
		})
	}
}

// BenchmarkLossGradWide is the Fashion-MNIST student shape, for comparing
// the pure-Go build with -tags cblas (Backend is in the name).
func BenchmarkLossGradWide(b *testing.B) {
	for _, h := range []int{128, 256} {
		b.Run(fmt.Sprintf("%s/784-%d-10/g/n=2000", Backend(), h), func(b *testing.B) { benchLossGrad(b, []int{784, h, 10}, G, 2000) })
	}
}

func BenchmarkForward(b *testing.B) {
	n := testNet(b, []int{4, 16, 1}, Tanh, true, false, 1)
	x, _ := randomData(rand.New(rand.NewPCG(1, 2)), 10000, 4, 1)
	ws, out := NewWorkspace(), mat.NewDense(10000, 1, nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = n.Forward(ws, out, x)
	}
}

func BenchmarkJacobian(b *testing.B) {
	n := testNet(b, []int{4, 16, 1}, G, true, false, 1)
	x, y := randomData(rand.New(rand.NewPCG(1, 2)), 10000, 4, 1)
	ws := NewWorkspace()
	jac := mat.NewDense(10000, n.NumParams(), nil)
	r := make([]float64, 10000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = n.Jacobian(ws, jac, r, x, y)
	}
}

func BenchmarkHessian(b *testing.B) {
	n := testNet(b, []int{4, 4, 1}, G, true, false, 1)
	x, y := randomData(rand.New(rand.NewPCG(1, 2)), 2000, 4, 1)
	ws := NewWorkspace()
	var h mat.SymDense
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = n.Hessian(ws, &h, x, y)
	}
}

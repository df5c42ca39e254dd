//go:build !amd64

package gram

var hasKernel, kernelAvailable = false, false

func dot4x2(a0, a1, a2, a3, b0, b1 *float64, k int, out *[32]float64) {
	panic("gram: no kernel on this architecture")
}

func (p *Panels) kernelDists(out *[4][]float64, i, j0, j1 int, kind Kind) int {
	panic("gram: no kernel on this architecture")
}

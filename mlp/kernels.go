package mlp

import (
	"gonum.org/v1/gonum/floats"

	dgemm "github.com/paramrecovery/expandcluster/internal/gemm"
)

// The kernels below work on row-major float64 slices with explicit row
// strides. In the default build the three matrix products go to
// internal/gemm: cache-blocked, with AVX-512 or AVX2+FMA micro-kernels
// where the CPU has them, and bit-for-bit the same result on every CPU (its
// doc says why).
// None of the kernels allocates.
//
// Built with -tags cblas (and cgo), the three matrix products first ask
// useBLAS whether the shape is large enough for OpenBLAS's dgemm to win and
// if so hand it over to gemm (kernels_cblas.go); the default build
// (kernels_go.go) answers no at compile time.

// asmMin is the length from which axpy calls gonum's assembly.
const asmMin = 16

// axpy sets y += alpha·x.
func axpy(y []float64, alpha float64, x []float64) {
	if len(x) >= asmMin {
		floats.AddScaled(y, alpha, x)
		return
	}
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// mulNT computes z[s,j] (+)= Σ_k a[s,k]·w[j,k] for s < n, j < out, with
// a of row stride as and k < in, w of row stride in, z of row stride out.
// With add false z is overwritten; b, if not nil, is added to every row.
func mulNT(z []float64, a []float64, as int, w []float64, b []float64, n, in, out int, add bool) {
	if useBLAS(n, in, out) {
		gemm(false, true, n, out, in, a, as, w, in, beta(add), z, out)
		if b != nil {
			for s := 0; s < n; s++ {
				axpy(z[s*out:s*out+out], 1, b[:out])
			}
		}
		return
	}
	if b != nil {
		add = setBias(z, b, n, out, add)
	}
	dgemm.Mul(n, out, in, a, as, 1, w, 1, in, z, out, add)
}

// setBias sets (or, with add, adds) the bias b into every row of z, n×out,
// before a product is added to it; it returns true, the product's add.
func setBias(z, b []float64, n, out int, add bool) bool {
	b = b[:out]
	switch {
	case add:
		for s := 0; s < n; s++ {
			axpy(z[s*out:s*out+out], 1, b)
		}
	case out == 1:
		z = z[:n]
		for s := range z {
			z[s] = b[0]
		}
	default:
		for s := 0; s < n; s++ {
			copy(z[s*out:s*out+out], b)
		}
	}
	return true
}

// mulTNAdd adds g[j,k] += Σ_s d[s,j]·a[s,k], the weight gradient of a layer:
// d is n×out (stride out), a is n×in with stride as, g is out×in.
func mulTNAdd(g []float64, d []float64, a []float64, as int, n, in, out int) {
	if useBLAS(n, in, out) {
		gemm(true, false, out, in, n, d, out, a, as, 1, g, in)
		return
	}
	dgemm.Mul(out, in, n, d, 1, out, a, as, 1, g, in, true)
}

// mulNN computes ga[s,k] (+)= Σ_j d[s,j]·w[j,k]: the gradient with respect
// to a layer's input. d is n×out, w is out×in, ga is n×in.
func mulNN(ga []float64, d []float64, w []float64, n, in, out int, add bool) {
	if useBLAS(n, in, out) {
		gemm(false, false, n, in, out, d, out, w, in, beta(add), ga, in)
		return
	}
	dgemm.Mul(n, in, out, d, out, 1, w, in, 1, ga, in, add)
}

// beta is the gemm factor on the destination: 1 to add to it, 0 to
// overwrite it.
func beta(add bool) float64 {
	if add {
		return 1
	}
	return 0
}

// Backend names the implementation of the dense matrix products: "go" for
// the default pure-Go kernels, "openblas" when built with -tags cblas.
func Backend() string { return backend }

// colSumsAdd adds the column sums of the n×out matrix d to g.
func colSumsAdd(g []float64, d []float64, n, out int) {
	for s := 0; s < n; s++ {
		axpy(g, 1, d[s*out:s*out+out])
	}
}

// mulElem sets dst[i] = x[i]·y[i].
func mulElem(dst, x, y []float64) {
	y, dst = y[:len(x)], dst[:len(x)]
	for i, v := range x {
		dst[i] = v * y[i]
	}
}

// mulInputs32 is mulNT for the inputs' products in float32: z[s,j] (+)=
// Σ_k x[s,k]·w[j,k] (+ b[j]), with w rounded to float32 into ws.w32.
func mulInputs32(z []float64, ws *Workspace, x *Inputs32, w, b []float64, n, in, out int, add bool) {
	w32 := ws.w32[:in*out]
	for i, v := range w[:in*out] {
		w32[i] = float32(v)
	}
	if b != nil {
		add = setBias(z, b, n, out, add)
	}
	// B = Wᵀ: element (k, j) at w32[j·in + k].
	dgemm.MulPackedA32(x.asA, out, w32, 1, in, z, out, add)
}

// mulTNAddInputs32 is mulTNAdd for the inputs' products in float32:
// g[j,k] += Σ_s d[s,j]·x[s,k], with d rounded to float32 into ws.d32.
func mulTNAddInputs32(g []float64, ws *Workspace, d []float64, x *Inputs32, n, in, out int) {
	d32 := ws.d32[:n*out]
	for i, v := range d[:n*out] {
		d32[i] = float32(v)
	}
	// A = Dᵀ: element (j, s) at d32[s·out + j].
	dgemm.MulPackedB32(out, d32, 1, out, x.asB, g, in, true)
}

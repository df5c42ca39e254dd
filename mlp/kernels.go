package mlp

import "gonum.org/v1/gonum/floats"

// The kernels below work on row-major float64 slices with explicit row
// strides. They are written for the shapes of MLP training: many samples
// (rows) against small weight matrices. Inner loops longer than asmMin go
// through gonum's assembly dot and axpy; shorter ones are plain loops, which
// beat the call overhead for the 4- to 32-wide layers of the synthetic
// teachers. Weight rows are processed in blocks that fit in cache, so wide
// layers (784 inputs) stream the samples once per block rather than the
// weights once per sample. None of the kernels allocates.
//
// Built with -tags cblas (and cgo), the three matrix products first ask
// useBLAS whether the shape is large enough for OpenBLAS's dgemm to win and
// if so hand it over to gemm (kernels_cblas.go); the default build
// (kernels_go.go) answers no at compile time.

const asmMin = 16

// blockBytes bounds the weight rows a kernel keeps hot while streaming over
// samples.
const blockBytes = 64 << 10

func rowBlock(in int) int {
	if b := blockBytes / 8 / in; b > 1 {
		return b
	}
	return 1
}

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
	if in < asmMin {
		w = w[:out*in]
		for s := 0; s < n; s++ {
			arow := a[s*as : s*as+in]
			zrow := z[s*out : s*out+out]
			for j := range zrow {
				wrow := w[j*in : j*in+in]
				var v float64
				for k, ak := range arow {
					v += ak * wrow[k]
				}
				if b != nil {
					v += b[j]
				}
				if add {
					v += zrow[j]
				}
				zrow[j] = v
			}
		}
		return
	}
	blk := rowBlock(in)
	for j0 := 0; j0 < out; j0 += blk {
		j1 := min(j0+blk, out)
		for s := 0; s < n; s++ {
			arow := a[s*as : s*as+in]
			zrow := z[s*out : s*out+out]
			for j := j0; j < j1; j++ {
				v := floats.Dot(arow, w[j*in:j*in+in])
				if b != nil {
					v += b[j]
				}
				if add {
					v += zrow[j]
				}
				zrow[j] = v
			}
		}
	}
}

// mulTNAdd adds g[j,k] += Σ_s d[s,j]·a[s,k], the weight gradient of a layer:
// d is n×out (stride out), a is n×in with stride as, g is out×in.
func mulTNAdd(g []float64, d []float64, a []float64, as int, n, in, out int) {
	if useBLAS(n, in, out) {
		gemm(true, false, out, in, n, d, out, a, as, 1, g, in)
		return
	}
	if in < asmMin {
		// Narrow inputs: the whole gradient block stays in L1 and the
		// inner loop is too short for a call to pay off.
		g = g[:out*in]
		for s := 0; s < n; s++ {
			arow := a[s*as : s*as+in]
			drow := d[s*out : s*out+out]
			for j, dj := range drow {
				grow := g[j*in : j*in+in]
				for k, ak := range arow {
					grow[k] += dj * ak
				}
			}
		}
		return
	}
	blk := rowBlock(in)
	for j0 := 0; j0 < out; j0 += blk {
		j1 := min(j0+blk, out)
		for s := 0; s < n; s++ {
			arow := a[s*as : s*as+in]
			drow := d[s*out : s*out+out]
			for j := j0; j < j1; j++ {
				if dj := drow[j]; dj != 0 {
					floats.AddScaled(g[j*in:j*in+in], dj, arow)
				}
			}
		}
	}
}

// mulNN computes ga[s,k] (+)= Σ_j d[s,j]·w[j,k]: the gradient with respect
// to a layer's input. d is n×out, w is out×in, ga is n×in.
func mulNN(ga []float64, d []float64, w []float64, n, in, out int, add bool) {
	if useBLAS(n, in, out) {
		gemm(false, false, n, in, out, d, out, w, in, beta(add), ga, in)
		return
	}
	for s := 0; s < n; s++ {
		grow := ga[s*in : s*in+in]
		if !add {
			clear(grow)
		}
		drow := d[s*out : s*out+out]
		for j, dj := range drow {
			if dj != 0 {
				axpy(grow, dj, w[j*in:j*in+in])
			}
		}
	}
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

package mlp

import (
	"fmt"

	dgemm "github.com/paramrecovery/expandcluster/internal/gemm"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Linearization is a network linearised at its current parameters on a
// batch of inputs: products of the Jacobian J of the outputs with respect
// to Params (rows·OutputDim × NumParams, row s·OutputDim+o for output o of
// sample s, as Jacobian writes it) with vectors, without forming J. Each
// product costs about one forward or one backward pass, so matrix-free
// Gauss–Newton methods can train networks far too large for a dense J.
//
// A Linearization reads the forward pass held in its Workspace: it is valid
// until the network's parameters change or the Workspace is used for
// anything else, and Reset must then be called again. Its methods do not
// allocate.
type Linearization struct {
	net  *Network
	ws   *Workspace
	x    *mat.Dense
	x32  *Inputs32 // the inputs in float32, if set by SetInputs32
	rows int

	xBlock mat.Dense // a block's rows of its parent's inputs (see Block)
}

// Reset linearises n at its current parameters on the rows of x, using ws
// (nil is not allowed here: the linearisation lives in it).
func (l *Linearization) Reset(n *Network, ws *Workspace, x *mat.Dense) error {
	if ws == nil {
		return fmt.Errorf("mlp: Linearization.Reset: nil workspace")
	}
	if err := n.CheckInputs(x); err != nil {
		return err
	}
	rows, _ := x.Dims()
	n.forward(ws, x)
	ws.ensureHess(n)
	*l = Linearization{net: n, ws: ws, x: x, rows: rows}
	return nil
}

// Inputs32 is a batch of inputs rounded to float32 and packed once for
// the float32 products of Linearization.SetInputs32 (in both layouts the
// products read, so it takes twice the memory of float32 inputs: 8 bytes
// per input value, as the float64 inputs themselves).
type Inputs32 struct {
	rows, cols int
	asA        *dgemm.PackedA32 // X, for X·Wᵀ
	asB        *dgemm.PackedB32 // X, for Dᵀ·X
}

// NewInputs32 rounds the rows of x to float32 and packs them.
func NewInputs32(x *mat.Dense) *Inputs32 {
	rows, cols := x.Dims()
	xr := x.RawMatrix()
	x32 := make([]float32, rows*cols)
	for i := 0; i < rows; i++ {
		for j, v := range xr.Data[i*xr.Stride : i*xr.Stride+cols] {
			x32[i*cols+j] = float32(v)
		}
	}
	return &Inputs32{rows: rows, cols: cols, asA: dgemm.PackA32(rows, cols, x32, cols, 1), asB: dgemm.PackB32(rows, cols, x32, cols, 1)}
}

// Dims returns the number of samples and inputs.
func (in *Inputs32) Dims() (rows, cols int) { return in.rows, in.cols }

// SetInputs32 makes JacVec and JacTVec compute their products with the
// inputs (the first layer's, and the skip path's) in float32 on x32, the
// linearisation's inputs as NewInputs32 prepared them: on amd64 with AVX2
// these products run more than twice as fast (internal/gemm), with a
// relative error of about 1e-6 instead of 1e-15. That is enough for the
// curvature products of a Gauss–Newton solve, which only shape the step,
// not for a gradient. x32 = nil goes back to float64. It lasts until the
// next Reset. It allocates the float32 buffers on first use.
func (l *Linearization) SetInputs32(x32 *Inputs32) error {
	if x32 == nil {
		l.x32 = nil
		return nil
	}
	n := l.net
	if n == nil {
		return fmt.Errorf("mlp: Linearization.SetInputs32 before Reset")
	}
	if x32.rows != l.rows || x32.cols != n.InputDim() {
		return fmt.Errorf("mlp: Linearization.SetInputs32: inputs are %d×%d, want %d rows × %d inputs", x32.rows, x32.cols, l.rows, n.InputDim())
	}
	w, d := n.layers[0].In*n.layers[0].Out, l.rows*n.layers[0].Out
	if n.skip != nil {
		out := n.OutputDim()
		w, d = max(w, n.InputDim()*out), max(d, l.rows*out)
	}
	if len(l.ws.w32) < w {
		l.ws.w32 = make([]float32, w)
	}
	if len(l.ws.d32) < d {
		l.ws.d32 = make([]float32, d)
	}
	l.x32 = x32
	return nil
}

// Rows returns the number of samples.
func (l *Linearization) Rows() int { return l.rows }

// Outputs returns the network's outputs on the batch, rows×OutputDim
// row-major. The slice belongs to the workspace: do not modify it.
func (l *Linearization) Outputs() []float64 {
	last := len(l.net.layers) - 1
	return l.ws.a[last][:l.rows*l.net.OutputDim()]
}

// JacVec writes J·v into jv (length rows·OutputDim), for v of length
// NumParams: the change of the outputs along the parameter direction v,
// by a forward-mode (R-operator) pass.
func (l *Linearization) JacVec(jv, v []float64) {
	n := l.net
	last := len(n.layers) - 1
	n.rForward(l.ws, v, l.x, l.rows, l.x32)
	m := l.rows * n.OutputDim()
	copy(jv[:m], l.ws.ra[last][:m])
}

// JacTVec writes Jᵀ·u into g (length NumParams, overwritten), for u of
// length rows·OutputDim: backpropagation of the output cotangent u.
func (l *Linearization) JacTVec(g, u []float64) {
	n, ws, rows := l.net, l.ws, l.rows
	last := len(n.layers) - 1
	m := rows * n.OutputDim()
	copy(ws.ga[last][:m], u[:m])
	clear(g)
	n.backward(ws, g, l.x, rows, l.x32)
}

// LayerInput returns the input of layer li on the batch (the network's
// inputs for layer 0, the previous layer's activations otherwise) with its
// row stride. The slice is not to be modified.
func (l *Linearization) LayerInput(li int) ([]float64, int) {
	xd, xs := raw(l.x)
	return l.net.layerInput(l.ws, xd, xs, li)
}

// OutputGram adds to g (Out×Out of layer li, row-major) the sum over the
// first rows samples s and every output o of δ·δᵀ, where δ = ∂out_o/∂z is
// the sensitivity of output o of sample s to the pre-activations z of
// layer li. It is the output-side Kronecker factor of the Gauss–Newton
// matrix of that layer (K-FAC). It costs OutputDim backward passes down to
// layer li over those rows, and overwrites the workspace's backward
// buffers (the linearisation stays valid).
func (l *Linearization) OutputGram(g []float64, li, rows int) {
	w := l.net.layers[li].Out
	l.OutputSensitivities(li, rows, func(_ int, d []float64) {
		mulTNAdd(g, d, d, w, min(rows, l.rows), w, w)
	})
}

// OutputSensitivities calls f once for every output o with the
// sensitivities ∂out_o/∂z of that output to the pre-activations z of layer
// li on the first rows samples (rows×Out of layer li, row-major). The
// slice belongs to the workspace and is valid only during the call. Like
// OutputGram it costs OutputDim backward passes down to layer li and
// overwrites the workspace's backward buffers (the linearisation stays
// valid).
func (l *Linearization) OutputSensitivities(li, rows int, f func(o int, delta []float64)) {
	n, ws := l.net, l.ws
	rows = min(rows, l.rows)
	last := len(n.layers) - 1
	out := n.OutputDim()
	w := n.layers[li].Out
	for o := 0; o < out; o++ {
		ga := ws.ga[last][:rows*out]
		clear(ga)
		for s := 0; s < rows; s++ {
			ga[s*out+o] = 1
		}
		for k := last; k >= li; k-- {
			L := &n.layers[k]
			m := rows * L.Out
			delta := ws.delta[k][:m]
			mulElem(delta, ws.ga[k][:m], ws.dz[k][:m])
			if k > li {
				mulNN(ws.ga[k-1][:rows*L.In], delta, L.W.RawMatrix().Data, rows, L.In, L.Out, false)
			}
		}
		f(o, ws.delta[li][:rows*w])
	}
}

// Block makes b the linearisation of rows [start, end) of l, without a
// forward pass of its own: b reads l's forward pass and writes its products
// into those rows of l's buffers, through view, a workspace whose buffers
// Block points into l's (view must not be used for anything else). Blocks
// of disjoint rows may then compute their products concurrently: J·v of
// the batch is the blocks' J·v stacked, and Jᵀ·u the sum of theirs, so a
// product over the batch can be split across goroutines. Block must be
// called again after every Reset of l; b has no float32 inputs until
// SetInputs32 is given those of its rows. It does not allocate once b and
// view have been used for the same block.
func (l *Linearization) Block(b *Linearization, view *Workspace, start, end int) error {
	if l.net == nil {
		return fmt.Errorf("mlp: Linearization.Block before Reset")
	}
	if start < 0 || end > l.rows || start >= end {
		return fmt.Errorf("mlp: Linearization.Block: rows [%d, %d) of a batch of %d", start, end, l.rows)
	}
	view.viewRows(l.ws, l.net, start, end)
	xr := l.x.RawMatrix()
	b.xBlock.SetRawMatrix(blas64.General{Rows: end - start, Cols: xr.Cols, Stride: xr.Stride,
		Data: xr.Data[start*xr.Stride : (end-1)*xr.Stride+xr.Cols]})
	b.net, b.ws, b.x, b.x32, b.rows = l.net, view, &b.xBlock, nil, end-start
	return nil
}

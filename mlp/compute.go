package mlp

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Workspace holds the intermediate values of forward and backward passes so
// that repeated calls on batches of the same size do not allocate. A
// Workspace grows to fit the largest batch and network it has seen; it must
// not be used by two goroutines at once. A nil *Workspace is allowed and
// means a temporary one.
type Workspace struct {
	n     int
	sizes []int
	// Per layer, n×Out row-major: pre-activation, activation, σ'(z),
	// dLoss/da and dLoss/dz.
	z, a, dz, ga, delta [][]float64
	// The Hessian-vector pass: σ''(z) and the R{·} directional derivatives.
	d2, rz, ra, rga, rdelta [][]float64
	hcol, basis             []float64
	// Float32 copies for Linearization.SetInputs32: a weight-shaped
	// direction of the inputs' layers, and their sensitivities.
	w32, d32 []float32
}

// NewWorkspace returns an empty workspace; it sizes itself on first use.
func NewWorkspace() *Workspace { return &Workspace{} }

// ensure sizes the forward/backward buffers for net on n samples.
func (ws *Workspace) ensure(net *Network, n int) {
	if ws.n >= n && net.hasSizes(ws.sizes) {
		return
	}
	n = max(n, ws.n)
	ws.n, ws.sizes = n, net.Sizes()
	nl := len(net.layers)
	alloc := func() [][]float64 {
		m := make([][]float64, nl)
		for l := range m {
			m[l] = make([]float64, n*net.layers[l].Out)
		}
		return m
	}
	ws.z, ws.a, ws.dz, ws.ga, ws.delta = alloc(), alloc(), alloc(), alloc(), alloc()
	ws.d2, ws.rz, ws.ra, ws.rga, ws.rdelta = nil, nil, nil, nil, nil
	ws.hcol, ws.basis = nil, nil
}

func (ws *Workspace) ensureHess(net *Network) {
	if ws.d2 != nil {
		return
	}
	nl := len(net.layers)
	alloc := func() [][]float64 {
		m := make([][]float64, nl)
		for l := range m {
			m[l] = make([]float64, ws.n*net.layers[l].Out)
		}
		return m
	}
	ws.d2, ws.rz, ws.ra, ws.rga, ws.rdelta = alloc(), alloc(), alloc(), alloc(), alloc()
}

// viewRows points ws's per-sample buffers at rows [start, end) of
// parent's (sized for net, with its Hessian-pass buffers), keeping ws's own
// float32 scratch, so that ws works on those rows in place
// (Linearization.Block). It reuses ws's slice headers: no allocation after
// the first call for the same network.
func (ws *Workspace) viewRows(parent *Workspace, net *Network, start, end int) {
	ws.n, ws.sizes = end-start, parent.sizes
	view := func(dst *[][]float64, src [][]float64) {
		if len(*dst) != len(src) {
			*dst = make([][]float64, len(src))
		}
		for l, buf := range src {
			w := net.layers[l].Out
			(*dst)[l] = buf[start*w : end*w]
		}
	}
	for _, p := range [...]struct {
		dst *[][]float64
		src [][]float64
	}{{&ws.z, parent.z}, {&ws.a, parent.a}, {&ws.dz, parent.dz}, {&ws.ga, parent.ga}, {&ws.delta, parent.delta},
		{&ws.d2, parent.d2}, {&ws.rz, parent.rz}, {&ws.ra, parent.ra}, {&ws.rga, parent.rga}, {&ws.rdelta, parent.rdelta}} {
		view(p.dst, p.src)
	}
	ws.hcol, ws.basis = nil, nil
}

// raw returns the backing data and row stride of m.
func raw(m *mat.Dense) ([]float64, int) {
	r := m.RawMatrix()
	return r.Data, r.Stride
}

// CheckInputs reports whether x is a usable batch of inputs for n: at least
// one row, InputDim columns, every value finite.
func (n *Network) CheckInputs(x *mat.Dense) error {
	if x == nil || x.IsEmpty() {
		return fmt.Errorf("mlp: empty input batch")
	}
	r, c := x.Dims()
	if c != n.InputDim() {
		return fmt.Errorf("mlp: input has %d columns, network expects %d", c, n.InputDim())
	}
	return checkFinite("input", x, r, c)
}

// CheckData reports whether x and y are a usable batch of inputs and
// targets for n.
func (n *Network) CheckData(x, y *mat.Dense) error {
	if err := n.CheckInputs(x); err != nil {
		return err
	}
	if y == nil || y.IsEmpty() {
		return fmt.Errorf("mlp: empty target batch")
	}
	rx, _ := x.Dims()
	ry, cy := y.Dims()
	if ry != rx {
		return fmt.Errorf("mlp: %d targets for %d inputs", ry, rx)
	}
	if cy != n.OutputDim() {
		return fmt.Errorf("mlp: targets have %d columns, network outputs %d", cy, n.OutputDim())
	}
	return checkFinite("target", y, ry, cy)
}

func checkFinite(what string, m *mat.Dense, r, c int) error {
	data, stride := raw(m)
	for i := 0; i < r; i++ {
		for j, v := range data[i*stride : i*stride+c] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("mlp: %s row %d, column %d is %v", what, i, j, v)
			}
		}
	}
	return nil
}

// layerInput returns the input of layer l, with its row stride: the
// network's input x for the first layer, the activations of layer l−1
// otherwise.
func (n *Network) layerInput(ws *Workspace, xd []float64, xs, l int) ([]float64, int) {
	if l == 0 {
		return xd, xs
	}
	return ws.a[l-1], n.layers[l-1].Out
}

// forward runs the network on the rows of x, filling ws.z, ws.a and ws.dz.
func (n *Network) forward(ws *Workspace, x *mat.Dense) {
	rows, _ := x.Dims()
	ws.ensure(n, rows)
	xd, xs := raw(x)
	in, ins := xd, xs
	last := len(n.layers) - 1
	for l := range n.layers {
		L := &n.layers[l]
		m := rows * L.Out
		z := ws.z[l][:m]
		mulNT(z, in, ins, L.W.RawMatrix().Data, L.B, rows, L.In, L.Out, false)
		if l == last && n.skip != nil {
			mulNT(z, xd, xs, n.skip.RawMatrix().Data, nil, rows, n.InputDim(), L.Out, true)
		}
		evalDeriv(L.Act, ws.a[l][:m], ws.dz[l][:m], z)
		in, ins = ws.a[l], L.Out
	}
}

// Forward evaluates the network on the rows of x and writes the outputs to
// dst, which must be empty (it is then sized) or rows×OutputDim.
func (n *Network) Forward(ws *Workspace, dst, x *mat.Dense) error {
	if err := n.CheckInputs(x); err != nil {
		return err
	}
	return n.activations(ws, dst, x, len(n.layers)-1, false, "Forward")
}

// Hidden writes the activations of hidden layer l (0-based) on the rows of
// x to dst, which must be empty (it is then sized) or rows×width of layer l.
func (n *Network) Hidden(ws *Workspace, dst, x *mat.Dense, l int) error {
	if l < 0 || l >= len(n.layers)-1 {
		return fmt.Errorf("mlp: Hidden: layer %d, the network has hidden layers 0…%d", l, len(n.layers)-2)
	}
	if err := n.CheckInputs(x); err != nil {
		return err
	}
	return n.activations(ws, dst, x, l, false, "Hidden")
}

// PreActivations writes the pre-activations W·a + b of layer l (0-based,
// the output layer included; with a skip path the output layer's include
// it) on the rows of x to dst, which must be empty (it is then sized) or
// rows×width of layer l. They show where each neuron works on the inputs:
// one whose pre-activation seldom comes near the activation's bend acts
// nearly affinely there.
func (n *Network) PreActivations(ws *Workspace, dst, x *mat.Dense, l int) error {
	if l < 0 || l >= len(n.layers) {
		return fmt.Errorf("mlp: PreActivations: layer %d, the network has layers 0…%d", l, len(n.layers)-1)
	}
	if err := n.CheckInputs(x); err != nil {
		return err
	}
	return n.activations(ws, dst, x, l, true, "PreActivations")
}

// activations runs the network on the checked inputs x and copies layer
// l's activations, or its pre-activations if pre, to dst, sized as
// Forward, Hidden and PreActivations document.
func (n *Network) activations(ws *Workspace, dst, x *mat.Dense, l int, pre bool, caller string) error {
	rows, _ := x.Dims()
	width := n.layers[l].Out
	if dst.IsEmpty() {
		dst.ReuseAs(rows, width)
	} else if r, c := dst.Dims(); r != rows || c != width {
		return fmt.Errorf("mlp: %s: destination is %d×%d, want %d×%d", caller, r, c, rows, width)
	}
	if ws == nil {
		ws = NewWorkspace()
	}
	n.forward(ws, x)
	dd, ds := raw(dst)
	a := ws.a[l]
	if pre {
		a = ws.z[l]
	}
	for i := 0; i < rows; i++ {
		copy(dd[i*ds:i*ds+width], a[i*width:i*width+width])
	}
	return nil
}

// Predict is Forward into a new matrix.
func (n *Network) Predict(x *mat.Dense) (*mat.Dense, error) {
	var dst mat.Dense
	if err := n.Forward(nil, &dst, x); err != nil {
		return nil, err
	}
	return &dst, nil
}

// residuals sets ws.ga[last] = out − y and returns Σ(out − y)².
func (n *Network) residuals(ws *Workspace, y *mat.Dense) float64 {
	rows, out := y.Dims()
	yd, ys := raw(y)
	last := len(n.layers) - 1
	a, r := ws.a[last], ws.ga[last]
	var sum float64
	for i := 0; i < rows; i++ {
		arow, yrow, rrow := a[i*out:i*out+out], yd[i*ys:i*ys+out], r[i*out:i*out+out]
		for j := range rrow {
			d := arow[j] - yrow[j]
			rrow[j] = d
			sum += d * d
		}
	}
	return sum
}

// Loss returns the mean squared error (1/(rows·OutputDim))·Σ(out − y)².
func (n *Network) Loss(ws *Workspace, x, y *mat.Dense) (float64, error) {
	if err := n.CheckData(x, y); err != nil {
		return 0, err
	}
	if ws == nil {
		ws = NewWorkspace()
	}
	n.forward(ws, x)
	rows, out := y.Dims()
	return n.residuals(ws, y) / float64(rows*out), nil
}

// Residuals writes out − y, row by row, into r (length rows·OutputDim): the
// vector whose Jacobian is Jacobian's.
func (n *Network) Residuals(ws *Workspace, r []float64, x, y *mat.Dense) error {
	if err := n.CheckData(x, y); err != nil {
		return err
	}
	rows, out := y.Dims()
	if len(r) != rows*out {
		return fmt.Errorf("mlp: Residuals: destination has length %d, want %d", len(r), rows*out)
	}
	if ws == nil {
		ws = NewWorkspace()
	}
	n.forward(ws, x)
	n.residuals(ws, y)
	copy(r, ws.ga[len(n.layers)-1][:rows*out])
	return nil
}

// LossGrad returns the mean squared error and writes its gradient with
// respect to Params into grad (length NumParams), by backpropagation.
func (n *Network) LossGrad(ws *Workspace, grad []float64, x, y *mat.Dense) (float64, error) {
	if err := n.CheckData(x, y); err != nil {
		return 0, err
	}
	if len(grad) != len(n.params) {
		return 0, fmt.Errorf("mlp: LossGrad: gradient has length %d, want %d", len(grad), len(n.params))
	}
	if ws == nil {
		ws = NewWorkspace()
	}
	n.forward(ws, x)
	rows, out := y.Dims()
	count := float64(rows * out)
	loss := n.residuals(ws, y) / count
	last := len(n.layers) - 1
	g := ws.ga[last][:rows*out]
	for i := range g {
		g[i] *= 2 / count
	}
	clear(grad)
	n.backward(ws, grad, x, rows, nil)
	return loss, nil
}

// backward propagates ws.ga[last] (dLoss/dout) down the network and adds
// the parameter gradient to grad.
// With x32 (the inputs rounded to float32) the products with the inputs
// are computed in float32 (see Linearization.SetInputs32).
func (n *Network) backward(ws *Workspace, grad []float64, x *mat.Dense, rows int, x32 *Inputs32) {
	xd, xs := raw(x)
	for l := len(n.layers) - 1; l >= 0; l-- {
		L := &n.layers[l]
		m := rows * L.Out
		delta := ws.delta[l][:m]
		mulElem(delta, ws.ga[l][:m], ws.dz[l][:m])
		if l == 0 && x32 != nil {
			mulTNAddInputs32(grad[L.wOff:], ws, delta, x32, rows, L.In, L.Out)
		} else {
			in, ins := n.layerInput(ws, xd, xs, l)
			mulTNAdd(grad[L.wOff:], delta, in, ins, rows, L.In, L.Out)
		}
		if L.bOff >= 0 {
			colSumsAdd(grad[L.bOff:L.bOff+L.Out], delta, rows, L.Out)
		}
		if l == len(n.layers)-1 && n.skip != nil {
			if x32 != nil {
				mulTNAddInputs32(grad[n.skipOff:], ws, delta, x32, rows, n.InputDim(), L.Out)
			} else {
				mulTNAdd(grad[n.skipOff:], delta, xd, xs, rows, n.InputDim(), L.Out)
			}
		}
		if l > 0 {
			mulNN(ws.ga[l-1][:rows*L.In], delta, L.W.RawMatrix().Data, rows, L.In, L.Out, false)
		}
	}
}

package mlp

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Jacobian writes into jac the Jacobian of the residuals out − y (equally,
// of the outputs) with respect to Params: row s·OutputDim+o is the gradient
// of output o on sample s. jac must be empty (it is then sized) or
// (rows·OutputDim)×NumParams. If r is not nil, the residuals out − y are
// written to it as well (y is then required), so a Levenberg–Marquardt step
// needs one forward pass.
func (n *Network) Jacobian(ws *Workspace, jac *mat.Dense, r []float64, x, y *mat.Dense) error {
	return n.jacobian(ws, jac, r, x, y, 0, "Jacobian")
}

// JacobianFrom is Jacobian with respect to the parameters of layers first
// and above only (and the skip matrix, which follows them): column c of
// jac is the derivative with respect to Params[start+c], start the first
// parameter of layer first (LayerParams), so jac has NumParams − start
// columns, the same values as Jacobian's last ones. It is the Jacobian of
// training with the layers below first frozen, which then costs neither
// the backpropagation through them nor their columns.
func (n *Network) JacobianFrom(ws *Workspace, jac *mat.Dense, r []float64, x, y *mat.Dense, first int) error {
	if first < 0 || first >= len(n.layers) {
		return fmt.Errorf("mlp: JacobianFrom: layer %d outside [0, %d)", first, len(n.layers))
	}
	return n.jacobian(ws, jac, r, x, y, first, "JacobianFrom")
}

func (n *Network) jacobian(ws *Workspace, jac *mat.Dense, r []float64, x, y *mat.Dense, first int, caller string) error {
	if r != nil {
		if err := n.CheckData(x, y); err != nil {
			return err
		}
	} else if err := n.CheckInputs(x); err != nil {
		return err
	}
	rows, _ := x.Dims()
	off, _ := n.LayerParams(first)
	out, np := n.OutputDim(), len(n.params)-off
	if jac.IsEmpty() {
		jac.ReuseAs(rows*out, np)
	} else if jr, jc := jac.Dims(); jr != rows*out || jc != np {
		return fmt.Errorf("mlp: %s: destination is %d×%d, want %d×%d", caller, jr, jc, rows*out, np)
	}
	if r != nil && len(r) != rows*out {
		return fmt.Errorf("mlp: %s: residual destination has length %d, want %d", caller, len(r), rows*out)
	}
	if ws == nil {
		ws = NewWorkspace()
	}
	n.forward(ws, x)
	if r != nil {
		n.residuals(ws, y)
		copy(r, ws.ga[len(n.layers)-1][:rows*out])
	}
	jd, js := raw(jac)
	for o := 0; o < out; o++ {
		n.jacobianOutput(ws, jd, js, x, rows, o, first, off)
	}
	return nil
}

// jacobianOutput fills the rows of jac that belong to output o, by
// backpropagating the unit vector e_o from every sample down to layer
// first; column c of jac is parameter off + c.
func (n *Network) jacobianOutput(ws *Workspace, jd []float64, js int, x *mat.Dense, rows, o, first, off int) {
	xd, xs := raw(x)
	last := len(n.layers) - 1
	out := n.OutputDim()
	// dout/da of the last layer is e_o.
	ga := ws.ga[last][:rows*out]
	clear(ga)
	for s := 0; s < rows; s++ {
		ga[s*out+o] = 1
	}
	for l := last; l >= first; l-- {
		L := &n.layers[l]
		m := rows * L.Out
		delta := ws.delta[l][:m]
		mulElem(delta, ws.ga[l][:m], ws.dz[l][:m])
		in, ins := n.layerInput(ws, xd, xs, l)
		for s := 0; s < rows; s++ {
			row := jd[(s*out+o)*js:]
			arow := in[s*ins : s*ins+L.In]
			for j, dj := range delta[s*L.Out : s*L.Out+L.Out] {
				w := row[L.wOff-off+j*L.In : L.wOff-off+j*L.In+L.In]
				for k, ak := range arow {
					w[k] = dj * ak
				}
				if L.bOff >= 0 {
					row[L.bOff-off+j] = dj
				}
			}
		}
		if l == last && n.skip != nil {
			din := n.InputDim()
			for s := 0; s < rows; s++ {
				row := jd[(s*out+o)*js:]
				xrow := xd[s*xs : s*xs+din]
				for j, dj := range delta[s*out : s*out+out] {
					w := row[n.skipOff-off+j*din : n.skipOff-off+j*din+din]
					for k, xk := range xrow {
						w[k] = dj * xk
					}
				}
			}
		}
		if l > first {
			mulNN(ws.ga[l-1][:rows*L.In], delta, L.W.RawMatrix().Data, rows, L.In, L.Out, false)
		}
	}
}

// view returns the parts of a flat parameter-shaped vector v that belong to
// layer l: its weight block and bias block (nil without bias).
func (n *Network) view(v []float64, l int) (w, b []float64) {
	L := &n.layers[l]
	w = v[L.wOff : L.wOff+L.In*L.Out]
	if L.bOff >= 0 {
		b = v[L.bOff : L.bOff+L.Out]
	}
	return w, b
}

// HessVec writes H·v into hv, where H is the exact Hessian of the mean
// squared error with respect to Params. It uses Pearlmutter's R-operator (a
// forward-mode derivative of backpropagation along v), so it costs about two
// gradient evaluations and needs the activations' second derivatives.
func (n *Network) HessVec(ws *Workspace, hv, v []float64, x, y *mat.Dense) error {
	if err := n.CheckData(x, y); err != nil {
		return err
	}
	if len(v) != len(n.params) || len(hv) != len(n.params) {
		return fmt.Errorf("mlp: HessVec: vectors have lengths %d and %d, want %d", len(v), len(hv), len(n.params))
	}
	if ws == nil {
		ws = NewWorkspace()
	}
	n.forward(ws, x)
	rows, out := y.Dims()
	n.residuals(ws, y)
	n.hessVec(ws, hv, v, x, rows, 2/float64(rows*out))
	return nil
}

// hessVec runs the R-pass after forward and residuals; c is the loss scale
// 2/(rows·out).
func (n *Network) hessVec(ws *Workspace, hv, v []float64, x *mat.Dense, rows int, c float64) {
	ws.ensureHess(n)
	xd, xs := raw(x)
	last := len(n.layers) - 1
	n.rForward(ws, v, x, rows, nil)
	for l := range n.layers {
		L := &n.layers[l]
		evalDeriv2(L.Act, ws.d2[l][:rows*L.Out], ws.z[l][:rows*L.Out])
	}
	// Backward: ga_L = c·r, R{ga_L} = c·Ra_L.
	m := rows * n.OutputDim()
	for i := range ws.ga[last][:m] {
		ws.ga[last][i] *= c
		ws.rga[last][i] = c * ws.ra[last][i]
	}
	clear(hv)
	for l := last; l >= 0; l-- {
		L := &n.layers[l]
		m := rows * L.Out
		ga, rga := ws.ga[l][:m], ws.rga[l][:m]
		delta, rdelta := ws.delta[l][:m], ws.rdelta[l][:m]
		dz, d2, rz := ws.dz[l][:m], ws.d2[l][:m], ws.rz[l][:m]
		for i := range delta {
			delta[i] = ga[i] * dz[i]
			rdelta[i] = rga[i]*dz[i] + ga[i]*d2[i]*rz[i]
		}
		in, ins := n.layerInput(ws, xd, xs, l)
		mulTNAdd(hv[L.wOff:], rdelta, in, ins, rows, L.In, L.Out)
		if l > 0 {
			mulTNAdd(hv[L.wOff:], delta, ws.ra[l-1], n.layers[l-1].Out, rows, L.In, L.Out)
		}
		if L.bOff >= 0 {
			colSumsAdd(hv[L.bOff:L.bOff+L.Out], rdelta, rows, L.Out)
		}
		if l == last && n.skip != nil {
			mulTNAdd(hv[n.skipOff:], rdelta, xd, xs, rows, n.InputDim(), L.Out)
		}
		if l > 0 {
			vw, _ := n.view(v, l)
			pm := rows * L.In
			mulNN(ws.ga[l-1][:pm], delta, L.W.RawMatrix().Data, rows, L.In, L.Out, false)
			mulNN(ws.rga[l-1][:pm], rdelta, L.W.RawMatrix().Data, rows, L.In, L.Out, false)
			mulNN(ws.rga[l-1][:pm], delta, vw, rows, L.In, L.Out, true)
		}
	}
}

// rForward is the forward R-pass along the parameter direction v, after a
// forward pass: ws.rz[l] and ws.ra[l] become the directional derivatives of
// layer l's pre-activations and activations, Rz_l = Ra_{l−1}·W_lᵀ +
// a_{l−1}·V_lᵀ + Vb_l and Ra_l = σ'(z_l)⊙Rz_l; Ra of the last layer is J·v.
func (n *Network) rForward(ws *Workspace, v []float64, x *mat.Dense, rows int, x32 *Inputs32) {
	xd, xs := raw(x)
	last := len(n.layers) - 1
	for l := range n.layers {
		L := &n.layers[l]
		m := rows * L.Out
		vw, vb := n.view(v, l)
		rz := ws.rz[l][:m]
		if l == 0 && x32 != nil {
			mulInputs32(rz, ws, x32, vw, vb, rows, L.In, L.Out, false)
		} else {
			in, ins := n.layerInput(ws, xd, xs, l)
			mulNT(rz, in, ins, vw, vb, rows, L.In, L.Out, false)
		}
		if l > 0 {
			mulNT(rz, ws.ra[l-1], n.layers[l-1].Out, L.W.RawMatrix().Data, nil, rows, L.In, L.Out, true)
		}
		if l == last && n.skip != nil {
			if x32 != nil {
				mulInputs32(rz, ws, x32, v[n.skipOff:], nil, rows, n.InputDim(), L.Out, true)
			} else {
				mulNT(rz, xd, xs, v[n.skipOff:], nil, rows, n.InputDim(), L.Out, true)
			}
		}
		mulElem(ws.ra[l][:m], ws.dz[l][:m], rz)
	}
}

// Hessian writes the exact Hessian of the mean squared error with respect
// to Params into h, which must be empty (it is then sized) or
// NumParams×NumParams. It costs NumParams Hessian-vector products: meant for
// small networks, such as students of the teacher's own size.
func (n *Network) Hessian(ws *Workspace, h *mat.SymDense, x, y *mat.Dense) error {
	if err := n.CheckData(x, y); err != nil {
		return err
	}
	np := len(n.params)
	if h.IsEmpty() {
		h.ReuseAsSym(np)
	} else if h.SymmetricDim() != np {
		return fmt.Errorf("mlp: Hessian: destination is %d×%d, want %d×%d", h.SymmetricDim(), h.SymmetricDim(), np, np)
	}
	if ws == nil {
		ws = NewWorkspace()
	}
	rows, out := y.Dims()
	c := 2 / float64(rows*out)
	n.forward(ws, x)
	if len(ws.basis) != np {
		ws.basis, ws.hcol = make([]float64, np), make([]float64, np)
	}
	for i := 0; i < np; i++ {
		n.residuals(ws, y) // hessVec scales ga in place; restore it
		ws.basis[i] = 1
		n.hessVec(ws, ws.hcol, ws.basis, x, rows, c)
		ws.basis[i] = 0
		// Keep the upper triangle, averaging the two computed halves so
		// that rounding does not make the matrix asymmetric.
		for j := 0; j <= i; j++ {
			if j == i {
				h.SetSym(j, i, ws.hcol[j])
			} else {
				h.SetSym(j, i, 0.5*(h.At(j, i)+ws.hcol[j]))
			}
		}
		for j := i + 1; j < np; j++ {
			h.SetSym(i, j, ws.hcol[j])
		}
	}
	return nil
}

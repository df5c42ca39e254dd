package train

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// VarPro is Levenberg–Marquardt with variable projection (Golub–Pereyra,
// in Kaufman's form): the linear output layer is not a variable but the
// least-squares solution for the current hidden layers, recomputed after
// every trial step, and LM steps only the hidden parameters, on the
// Jacobian projected onto the orthogonal complement of the span of the
// last hidden layer's activations (and the constant).
//
// In a flat channel (see Channel) two neurons' outgoing weights must grow
// without bound while their incoming vectors merge; LM on all parameters
// creeps along it with a loss falling like a power of the iteration count.
// With the outgoing weights solved exactly the channel's direction is
// taken in one step, and the least-squares solution is the minimum-norm
// one over the activations' numerical range (singular values below RCond
// times the largest are dropped), so merged duplicates share their weight
// instead of diverging.
//
// From a random start it is worse than LM (it stalls at 1e-7–1e-5 where LM
// reaches the floor); it is meant as a second phase after LM. On the
// synthetic family's hard corner (d_in = 2, r = 8, ρ = 4) it took 2 of 5
// trapped students to the floor where 600 more LM iterations took none,
// and as a gated phase between the subset LM and the full-data polish it
// raised the students at zero loss from 0/10 to 8/10 (din2-r8-t00, then
// recovered exactly) and to 5/10 (din2-r8-t01, not enough for γ = 0.8)
// (results/paper/hardcorner-varpro/README.md).
//
// The student must be an *mlp.Network with an identity output layer, no
// skip path and every parameter trainable. Memory is that of LM plus the
// activations' SVD; each trial step costs one forward pass and one thin
// SVD of samples × (width+1).
type VarPro struct {
	// Tau sets the initial damping μ₀ = Tau·max diag(JᵀJ); zero means 1e-3.
	Tau float64
	// RCond drops singular values of the activations below RCond times
	// the largest in the least-squares solve; zero means 1e-13.
	RCond float64
	// MaxMu ends the run with ErrNoProgress when μ exceeds
	// MaxMu·max diag(JᵀJ); zero means 1e16.
	MaxMu float64
}

// Name returns "VarPro".
func (o *VarPro) Name() string { return "VarPro" }

func (o *VarPro) validate() error {
	for _, v := range []float64{o.Tau, o.RCond, o.MaxMu} {
		if math.IsNaN(v) || v < 0 || math.IsInf(v, 0) {
			return fmt.Errorf("VarPro: Tau %v, RCond %v and MaxMu %v must be finite and ≥ 0", o.Tau, o.RCond, o.MaxMu)
		}
	}
	return nil
}

// errVarProStudent says why a student cannot be trained by VarPro.
var errVarProStudent = errors.New("VarPro needs an *mlp.Network with an identity output layer, no skip path and no frozen parameters")

// varPro holds the buffers of one run.
type varPro struct {
	net        *mlp.Network
	ws         *mlp.Workspace
	x, y       *mat.Dense
	n, h, dout int
	rcond      float64
	hid        mat.Dense // n × h activations of the last hidden layer
	phi        *mat.Dense
	u          mat.Dense // n × k orthonormal basis of Φ's numerical range
}

// solve sets the output layer to the least-squares solution on the current
// hidden layers and returns the loss.
func (v *varPro) solve() (float64, error) {
	L := v.net.NumLayers()
	if err := v.net.Hidden(v.ws, &v.hid, v.x, L-2); err != nil {
		return 0, err
	}
	for i := 0; i < v.n; i++ {
		for j := 0; j < v.h; j++ {
			v.phi.Set(i, j, v.hid.At(i, j))
		}
		v.phi.Set(i, v.h, 1)
	}
	var svd mat.SVD
	if !svd.Factorize(v.phi, mat.SVDThin) {
		return math.NaN(), nil
	}
	s := svd.Values(nil)
	var u, vt mat.Dense
	svd.UTo(&u)
	svd.VTo(&vt)
	k := 0
	for k < len(s) && s[k] > v.rcond*s[0] {
		k++
	}
	if k == 0 {
		return math.NaN(), nil
	}
	v.u.CloneFrom(u.Slice(0, v.n, 0, k))
	var uty mat.Dense
	uty.Mul(v.u.T(), v.y) // k × dout
	out := v.net.Layer(L - 1)
	for o := 0; o < v.dout; o++ {
		for j := 0; j <= v.h; j++ {
			a := 0.0
			for q := 0; q < k; q++ {
				a += vt.At(j, q) * uty.At(q, o) / s[q]
			}
			if j < v.h {
				out.W.Set(o, j, a)
			} else if out.B != nil {
				out.B[o] = a
			}
		}
	}
	return v.net.Loss(v.ws, v.x, v.y)
}

// Run minimises the loss of p by variable projection.
func (o *VarPro) Run(ctx context.Context, p *Problem, m *Monitor) error {
	net, ok := p.Student.(*mlp.Network)
	if !ok || p.Free() != nil || net.Skip() != nil || net.NumLayers() < 2 {
		return errVarProStudent
	}
	last := net.Layer(net.NumLayers() - 1)
	if last.Act.Name() != mlp.Identity.Name() || last.B == nil {
		return errVarProStudent
	}
	tau, rcond, maxMu := o.Tau, o.RCond, o.MaxMu
	if tau == 0 {
		tau = 1e-3
	}
	if rcond == 0 {
		rcond = 1e-13
	}
	if maxMu == 0 {
		maxMu = 1e16
	}
	n, _ := p.X.Dims()
	v := &varPro{net: net, ws: p.WS, x: p.X, y: p.Y, n: n, h: last.In, dout: last.Out, rcond: rcond}
	v.phi = mat.NewDense(n, v.h+1, nil)
	hs, _ := net.LayerParams(net.NumLayers() - 1) // hidden parameters are [0, hs)
	params := net.Params()
	rows := n * v.dout
	jac := mat.NewDense(rows, len(params), nil)
	res := make([]float64, rows)
	jh := mat.NewDense(rows, hs, nil)
	base := make([]float64, len(params))
	g := mat.NewVecDense(hs, nil)
	// The first iteration only solves the output layer.
	loss, err := v.solve()
	if err != nil {
		return err
	}
	if m.Iterate(loss, math.NaN()) {
		return nil
	}
	mu, nu := -1.0, 2.0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := net.Jacobian(v.ws, jac, res, v.x, v.y); err != nil {
			return err
		}
		// Hidden columns, projected per output onto the complement of Φ.
		for o := 0; o < v.dout; o++ {
			blk := mat.NewDense(n, hs, nil)
			for i := 0; i < n; i++ {
				for c := 0; c < hs; c++ {
					blk.Set(i, c, jac.At(i*v.dout+o, c))
				}
			}
			var utj, proj mat.Dense
			utj.Mul(v.u.T(), blk)
			proj.Mul(&v.u, &utj)
			blk.Sub(blk, &proj)
			for i := 0; i < n; i++ {
				for c := 0; c < hs; c++ {
					jh.Set(i*v.dout+o, c, blk.At(i, c))
				}
			}
		}
		var jtj mat.SymDense
		jtj.SymOuterK(1, jh.T())
		g.MulVec(jh.T(), mat.NewVecDense(rows, res))
		md := 0.0
		for i := 0; i < hs; i++ {
			md = math.Max(md, jtj.At(i, i))
		}
		if md == 0 {
			md = 1
		}
		if mu < 0 {
			mu = tau * md
		}
		gnorm := 0.0
		for i := 0; i < hs; i++ {
			gnorm = math.Max(gnorm, math.Abs(g.AtVec(i)))
		}
		gnorm *= 2 / float64(rows)
		copy(base, params)
		accepted := false
		for !accepted {
			a := mat.NewSymDense(hs, nil)
			a.CopySym(&jtj)
			for i := 0; i < hs; i++ {
				a.SetSym(i, i, a.At(i, i)+mu)
			}
			var ch mat.Cholesky
			var d mat.VecDense
			if ch.Factorize(a) && ch.SolveVecTo(&d, g) == nil {
				var dn, xn float64
				for i := 0; i < hs; i++ {
					params[i] = base[i] - d.AtVec(i)
					dn += d.AtVec(i) * d.AtVec(i)
					xn += base[i] * base[i]
				}
				if math.Sqrt(dn) <= 1e-15*(math.Sqrt(xn)+1e-15) {
					copy(params, base)
					return ErrNoProgress
				}
				nl, err := v.solve()
				if err != nil {
					return err
				}
				if nl < loss {
					loss, accepted = nl, true
					mu, nu = math.Max(mu/3, 1e-300), 2
					break
				}
			}
			copy(params, base)
			if _, err := v.solve(); err != nil { // restores Φ's basis
				return err
			}
			mu *= nu
			nu *= 2
			if mu > maxMu*md || math.IsInf(nu, 1) {
				return ErrNoProgress
			}
			if m.Stopped() {
				return nil
			}
		}
		if m.Iterate(loss, gnorm) {
			return nil
		}
	}
}

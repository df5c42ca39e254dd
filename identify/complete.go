package identify

import (
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/internal/gemm"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// The completion step (Config.Complete) adds to a recovered hidden layer
// the neurons that the clustering dropped because too few students held
// them. It is orthogonal matching pursuit over the students' neurons: the
// recovered network's output layer is a linear least-squares fit on its
// hidden activations (and a constant, and the inputs when a skip path
// carries a linear term), so a missing teacher neuron shows as a residual
// that the activation column of a student's copy of it explains almost
// entirely, while a student's spurious neurons explain little of it.

// completionRank is the relative eigenvalue below which a direction of a
// design matrix counts as absent (constant pixels, duplicated neurons).
const completionRank = 1e-12

// completionNovelty is the least fraction of a candidate's squared norm
// that must lie outside the span of the layer's current columns (and the
// constant, and the inputs with a skip path). Below it the candidate is a
// slightly different copy of what the layer already has — another
// student's copy of a recovered neuron, or, with a skip path, its ReLU
// mirror image relu(−z) = relu(z) − z — and the residual it would explain
// is the recovered neurons' own small error, which the fine-tune removes
// by moving them. A missing neuron's column keeps a fraction of order one
// (for ReLU with a small bias, about a fifth once the linear part is
// projected out).
const completionNovelty = 1e-3

// floorGain is the fraction of the remaining residual that a neuron of a
// student at the loss floor must remove to be added: such a student's
// neurons are the teacher's (or duplicates, which lie in the span already
// fitted, or silent, which are left out), so any real decrease counts.
// With many neurons missing each removes only a small share at first.
const floorGain = 1e-6

// complete returns the incoming vectors [W | b] (rows) of the students'
// neurons of hidden layer 0 that, added greedily to the recovered neurons
// in, each reduce the least-squares residual of y by at least the fraction
// c.Complete of what is left (floorGain for a student whose loss is at
// most floor); the best first, until the residual is at the floor. Only
// one-hidden-layer runs are completed.
func complete(x, y *mat.Dense, in *mat.Dense, students []student, c *Config, floor float64) (*mat.Dense, error) {
	n, _ := x.Dims()
	des := designColumns(x, in, c)
	basis, err := orthonormalBasis(des)
	if err != nil {
		return nil, err
	}
	resid := project(basis, mat.DenseCopyOf(y))
	cand, vecs, owners, err := candidateColumns(x, students, c.SilentTol)
	if err != nil || vecs == nil {
		return nil, err
	}
	dup := newDuplicates(cand, recoveredColumns(des, in), math.Cos(min(c.Beta, cluster.DefaultBeta)))
	need := make([]float64, len(owners))
	for j, s := range owners {
		need[j] = c.Complete
		if students[s].loss <= floor {
			need[j] = floorGain
		}
	}
	orig := colNorms2(cand)
	project(basis, cand)
	norms := colNorms2(cand)
	used := dup.ofRecovered()
	var picked []int
	_, o := y.Dims()
	for {
		total := mat.Norm(resid, 2)
		total *= total
		if total <= floor*float64(n*o) {
			break // at the loss floor: nothing left to explain
		}
		best := bestCandidate(resid, cand, norms, orig, used, need, total)
		if best < 0 {
			break
		}
		used[best] = true
		picked = append(picked, best)
		dup.markCopies(best, used)
		deflate(cand, resid, best, norms)
	}
	if len(picked) == 0 {
		return nil, nil
	}
	_, cols := vecs.Dims()
	out := mat.NewDense(len(picked), cols, nil)
	for i, k := range picked {
		out.SetRow(i, vecs.RawRowView(k))
	}
	return out, nil
}

// duplicates tells which candidate neurons compute what another neuron
// computes. Without it a teacher neuron that a student at the floor splits
// into two near-parallel ones (a ReLU student's two kinks a query gap
// apart fit every query) would be added twice, each copy explaining part
// of the residual, and a student's copy of a recovered neuron would be
// added beside it: the layer would be wider than the teacher's.
//
// Two neurons are duplicates when their centred activation columns on
// the data correlate at |r| ≥ cos β (Config.Beta, the angle within which
// the clustering merges neurons), never looser than the paper's β
// (cluster.DefaultBeta, π/24): a β widened for students far from the floor
// (examples/fashionmnist uses 60°, r ≥ 0.5) left nothing to add on the
// 60 000-image g students, while a ReLU split pair correlates to 1 − 7e-4
// and the distinct teacher neurons of that run below 0.52.
type duplicates struct {
	cand, recovered *mat.Dense // centred, unit-norm columns
	cos             float64
}

func newDuplicates(cand, recovered *mat.Dense, cos float64) *duplicates {
	d := &duplicates{cand: centredUnit(cand), cos: cos}
	if recovered != nil {
		d.recovered = centredUnit(recovered)
	}
	return d
}

// recoveredColumns returns the recovered neurons' activation columns,
// the last columns of designColumns' matrix, or nil if there are none.
func recoveredColumns(des, in *mat.Dense) *mat.Dense {
	k, _ := in.Dims()
	if k == 0 {
		return nil
	}
	n, p := des.Dims()
	return des.Slice(0, n, p-k, p).(*mat.Dense)
}

// ofRecovered returns, per candidate, whether it duplicates a recovered
// neuron.
func (d *duplicates) ofRecovered() []bool {
	n, m := d.cand.Dims()
	used := make([]bool, m)
	if d.recovered == nil {
		return used
	}
	_, k := d.recovered.Dims()
	cr, rr := d.cand.RawMatrix(), d.recovered.RawMatrix()
	corr := make([]float64, m*k)
	gemm.Mul(m, k, n, cr.Data, 1, cr.Stride, rr.Data, rr.Stride, 1, corr, k, false)
	for j := range used {
		for _, v := range corr[j*k : j*k+k] {
			if math.Abs(v) >= d.cos {
				used[j] = true
			}
		}
	}
	return used
}

// markCopies marks as used every candidate that duplicates candidate k.
func (d *duplicates) markCopies(k int, used []bool) {
	n, m := d.cand.Dims()
	cr := d.cand.RawMatrix()
	corr := make([]float64, m) // candᵀ·cand[:, k]
	gemm.Mul(m, 1, n, cr.Data, 1, cr.Stride, cr.Data[k:], cr.Stride, 1, corr, 1, false)
	for j, v := range corr {
		if math.Abs(v) >= d.cos {
			used[j] = true
		}
	}
}

// centredUnit returns the columns of a minus their means, scaled to unit
// norm (a constant column stays zero).
func centredUnit(a *mat.Dense) *mat.Dense {
	n, m := a.Dims()
	out := mat.DenseCopyOf(a)
	mean := make([]float64, m)
	for i := 0; i < n; i++ {
		floats.Add(mean, out.RawRowView(i))
	}
	floats.Scale(-1/float64(n), mean)
	for i := 0; i < n; i++ {
		floats.Add(out.RawRowView(i), mean)
	}
	norms := colNorms2(out)
	for j, v := range norms {
		if v > 0 {
			norms[j] = 1 / math.Sqrt(v)
		}
	}
	for i := 0; i < n; i++ {
		floats.Mul(out.RawRowView(i), norms)
	}
	return out
}

// designColumns returns the columns the output layer fits besides the
// candidates: a constant, the inputs if the activation leaves a linear
// term, and the recovered neurons' activations.
func designColumns(x, in *mat.Dense, c *Config) *mat.Dense {
	n, d := x.Dims()
	k, _ := in.Dims()
	p := 1 + k
	if hasLinearResidue(c.Activation) {
		p += d
	}
	des := mat.NewDense(n, p, nil)
	raw := des.RawMatrix()
	col := 0
	for i := 0; i < n; i++ {
		raw.Data[i*raw.Stride] = 1
	}
	col++
	if hasLinearResidue(c.Activation) {
		des.Slice(0, n, col, col+d).(*mat.Dense).Copy(x)
		col += d
	}
	if k > 0 {
		z := des.Slice(0, n, col, col+k).(*mat.Dense)
		xr, ir := x.RawMatrix(), in.RawMatrix()
		gemm.Mul(n, k, d, xr.Data, xr.Stride, 1, ir.Data, 1, ir.Stride, raw.Data[col:], raw.Stride, false)
		bias := mat.Col(nil, d, in)
		for i := 0; i < n; i++ {
			row := z.RawRowView(i)
			for j := range row {
				row[j] = c.Activation.Eval(row[j] + bias[j])
			}
		}
	}
	return des
}

// orthonormalBasis returns an orthonormal basis (columns) of the column
// space of des, dropping directions whose eigenvalue in desᵀdes is below
// completionRank of the largest: the eigenvectors of the Gram matrix
// scaled by 1/√λ, applied twice so that the basis is orthonormal to
// rounding even when des is ill-conditioned.
func orthonormalBasis(des *mat.Dense) (*mat.Dense, error) {
	q := des
	for pass := 0; pass < 2; pass++ {
		next, err := whiten(q)
		if err != nil {
			return nil, fmt.Errorf("identify: completion: %w", err)
		}
		q = next
	}
	return q, nil
}

// whiten returns a·V·Λ^{-1/2} for the eigenpairs (Λ, V) of aᵀa above the
// rank threshold.
func whiten(a *mat.Dense) (*mat.Dense, error) {
	n, p := a.Dims()
	ar := a.RawMatrix()
	inv, vecs, err := gramEigen(a)
	if err != nil {
		return nil, err
	}
	var keep []int
	for j, v := range inv {
		if v > 0 {
			keep = append(keep, j)
		}
	}
	if len(keep) == 0 {
		return nil, fmt.Errorf("the design matrix is zero")
	}
	t := mat.NewDense(p, len(keep), nil)
	for jj, j := range keep {
		s := math.Sqrt(inv[j])
		for i := 0; i < p; i++ {
			t.Set(i, jj, vecs.At(i, j)*s)
		}
	}
	out := mat.NewDense(n, len(keep), nil)
	tr, or := t.RawMatrix(), out.RawMatrix()
	gemm.Mul(n, len(keep), p, ar.Data, ar.Stride, 1, tr.Data, tr.Stride, 1, or.Data, or.Stride, false)
	return out, nil
}

// project sets v to v − Q·Qᵀ·v (Q orthonormal columns) and returns it.
func project(q, v *mat.Dense) *mat.Dense {
	n, r := q.Dims()
	_, m := v.Dims()
	qr, vr := q.RawMatrix(), v.RawMatrix()
	coef := make([]float64, r*m)
	gemm.Mul(r, m, n, qr.Data, 1, qr.Stride, vr.Data, vr.Stride, 1, coef, m, false)
	for i := range coef {
		coef[i] = -coef[i]
	}
	gemm.Mul(n, m, r, qr.Data, qr.Stride, 1, coef, m, 1, vr.Data, vr.Stride, true)
	return v
}

// candidateColumns returns the activations of every student's non-silent
// neurons of hidden layer 0 on x (columns), their incoming vectors
// [W | b] (rows) and the position of their student in students, or nils
// if there are none.
func candidateColumns(x *mat.Dense, students []student, silentTol float64) (*mat.Dense, *mat.Dense, []int, error) {
	keep, _ := selectNonSilent(students, 0, silentTol)
	m := 0
	for _, k := range keep {
		m += len(k)
	}
	if m == 0 {
		return nil, nil, nil, nil
	}
	owners := make([]int, 0, m)
	n, d := x.Dims()
	cols := mat.NewDense(n, m, nil)
	vecs := mat.NewDense(m, d+1, nil)
	ws := mlp.NewWorkspace()
	j := 0
	for s, st := range students {
		var h mat.Dense
		if err := st.net.Hidden(ws, &h, x, 0); err != nil {
			return nil, nil, nil, fmt.Errorf("identify: completion: student %d: %w", st.index, err)
		}
		L := st.net.Layer(0)
		for _, u := range keep[s] {
			for i := 0; i < n; i++ {
				cols.Set(i, j, h.At(i, u))
			}
			row := vecs.RawRowView(j)
			copy(row, L.W.RawRowView(u))
			row[d] = L.B[u]
			owners = append(owners, s)
			j++
		}
	}
	return cols, vecs, owners, nil
}

// colNorms2 returns the squared norm of every column of a.
func colNorms2(a *mat.Dense) []float64 {
	n, m := a.Dims()
	out := make([]float64, m)
	for i := 0; i < n; i++ {
		for j, v := range a.RawRowView(i) {
			out[j] += v * v
		}
	}
	return out
}

// bestCandidate returns the unused candidate column whose least-squares
// fit removes most of resid (of squared norm total) among those that
// remove at least their share need[j] of it, or −1. Candidates of
// students at the floor (need floorGain) come first: a trapped student's
// neuron may explain more of the residual than any single teacher neuron
// while many are missing, and would then stay in the layer. Columns left
// with less than completionRank of their original norm lie in the span
// of what is already fitted and are never picked.
func bestCandidate(resid, cand *mat.Dense, norms, orig []float64, used []bool, need []float64, total float64) int {
	n, o := resid.Dims()
	_, m := cand.Dims()
	rr, cr := resid.RawMatrix(), cand.RawMatrix()
	dots := make([]float64, m*o) // candᵀ·resid
	gemm.Mul(m, o, n, cr.Data, 1, cr.Stride, rr.Data, rr.Stride, 1, dots, o, false)
	for _, floorOnly := range []bool{true, false} {
		best, gain := -1, 0.0
		for j := 0; j < m; j++ {
			if used[j] || norms[j] <= completionNovelty*orig[j] || (floorOnly && need[j] != floorGain) {
				continue
			}
			var s float64
			for _, v := range dots[j*o : j*o+o] {
				s += v * v
			}
			if g := s / norms[j]; g > gain && g >= need[j]*total {
				best, gain = j, g
			}
		}
		if best >= 0 {
			return best
		}
	}
	return -1
}

// deflate removes the direction of candidate column k from resid and from
// every candidate column, updating their squared norms.
func deflate(cand, resid *mat.Dense, k int, norms []float64) {
	n, _ := cand.Dims()
	q := make([]float64, n)
	s := 1 / math.Sqrt(norms[k])
	for i := range q {
		q[i] = cand.At(i, k) * s
	}
	qv := mat.NewDense(n, 1, q)
	project(qv, resid)
	project(qv, cand)
	copy(norms, colNorms2(cand))
}

// fitOutput sets the output layer of a network (and its skip path, if
// any) to the least-squares fit of y on its top hidden layer's
// activations, a constant and, with a skip path, the inputs: the start
// the completed network needs, whose added neurons have no outgoing
// weights yet, and the readout of an assembled network whose students'
// own readouts do not fit its clustered layers (assemble). The normal
// equations are solved on their numerical range and refined once on the
// residual.
func fitOutput(net *mlp.Network, x, y *mat.Dense) error {
	n, d := x.Dims()
	top := net.NumLayers() - 2
	var h mat.Dense
	if err := net.Hidden(nil, &h, x, top); err != nil {
		return err
	}
	_, k := h.Dims()
	skip := net.Skip() != nil
	p := k + 1
	if skip {
		p += d
	}
	des := mat.NewDense(n, p, nil)
	des.Slice(0, n, 0, k).(*mat.Dense).Copy(&h)
	for i := 0; i < n; i++ {
		des.Set(i, k, 1)
	}
	if skip {
		des.Slice(0, n, k+1, p).(*mat.Dense).Copy(x)
	}
	beta, err := leastSquares(des, y)
	if err != nil {
		return fmt.Errorf("identify: fitting the output layer: %w", err)
	}
	outL := net.Layer(top + 1)
	for o := 0; o < outL.Out; o++ {
		for j := 0; j < k; j++ {
			outL.W.Set(o, j, beta.At(j, o))
		}
		outL.B[o] = beta.At(k, o)
		if skip {
			for j := 0; j < d; j++ {
				net.Skip().Set(o, j, beta.At(k+1+j, o))
			}
		}
	}
	return nil
}

// leastSquares returns the minimum-norm solution of des·β ≈ y on the
// numerical range of des (eigenvalues of desᵀdes above completionRank of
// the largest), with one step of iterative refinement.
func leastSquares(des, y *mat.Dense) (*mat.Dense, error) {
	n, p := des.Dims()
	_, o := y.Dims()
	dr := des.RawMatrix()
	inv, vecs, err := gramEigen(des)
	if err != nil {
		return nil, err
	}
	// pinv applies (desᵀdes)⁺ to desᵀ·r.
	pinv := func(r *mat.Dense) *mat.Dense {
		rr := r.RawMatrix()
		rhs := make([]float64, p*o)
		gemm.Mul(p, o, n, dr.Data, 1, dr.Stride, rr.Data, rr.Stride, 1, rhs, o, false)
		var c mat.Dense
		c.Mul(vecs.T(), mat.NewDense(p, o, rhs))
		for j := 0; j < p; j++ {
			for q := 0; q < o; q++ {
				c.Set(j, q, c.At(j, q)*inv[j])
			}
		}
		var b mat.Dense
		b.Mul(vecs, &c)
		return &b
	}
	beta := pinv(y)
	var fit mat.Dense // one step of refinement on the residual
	fit.Mul(des, beta)
	fit.Sub(y, &fit)
	beta.Add(beta, pinv(&fit))
	return beta, nil
}

// completeLayer runs the completion on the clustered layer col and appends
// the neurons it adds, with zero outgoing weights (fitOutput sets them
// once the network is assembled), recording them in the report and a
// warning.
func completeLayer(x, y *mat.Dense, students []student, col *collapsed, c *Config, res *Result) error {
	extra, err := complete(x, y, col.in, students, c, res.studentFloor())
	if err != nil || extra == nil {
		return err
	}
	k, cols := col.in.Dims()
	m, _ := extra.Dims()
	in := mat.NewDense(k+m, cols, nil)
	in.Slice(0, k, 0, cols).(*mat.Dense).Copy(col.in)
	in.Slice(k, k+m, 0, cols).(*mat.Dense).Copy(extra)
	col.in = in
	for s, out := range col.out {
		_, next := out.Dims()
		grown := mat.NewDense(k+m, next, nil)
		grown.Slice(0, k, 0, next).(*mat.Dense).Copy(out)
		col.out[s] = grown
	}
	for range m {
		col.rep = append(col.rep, 0)
	}
	col.report.Completed = m
	res.Warnings = append(res.Warnings, Warning{Kind: Completed, Layer: col.report.Layer,
		Evidence: fmt.Sprintf("%d neurons added to the %d of the clusters, each from a single student, each removing at least %.3g of the remaining output residual (any decrease, from a student at the loss floor)", m, k, c.Complete),
		Remedy:   "more students (or γ < 1) would put them to the clustering's test; compare the widths with and without Config.Complete"})
	return nil
}

// gramEigen returns the eigenvectors of aᵀa and, per eigenvector, the
// inverse of its eigenvalue on the numerical range of a (eigenvalues above
// completionRank of the largest) and 0 outside it.
func gramEigen(a *mat.Dense) ([]float64, *mat.Dense, error) {
	n, p := a.Dims()
	ar := a.RawMatrix()
	g := make([]float64, p*p)
	gemm.Mul(p, p, n, ar.Data, 1, ar.Stride, ar.Data, ar.Stride, 1, g, p, false)
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(p, g), true) {
		return nil, nil, fmt.Errorf("eigendecomposition of a %d×%d Gram matrix failed", p, p)
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	vals := eig.Values(nil)
	top := vals[p-1]
	inv := make([]float64, p)
	for j, v := range vals {
		if v > completionRank*top && v > 0 {
			inv[j] = 1 / v
		}
	}
	return inv, &vecs, nil
}

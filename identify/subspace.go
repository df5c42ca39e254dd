package identify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
)

// A teacher f(x) = g(W₁x + b₁) sees its inputs only through the span of
// its first-layer weight vectors, the rows of W₁: a 784 → 30 → … teacher
// depends on 30 directions of its 784 inputs. Every gradient ∇f_o(x) =
// W₁ᵀ(…) lies in that span, so a few gradients estimated by finite
// differences through queries give it, and the students can then be
// trained on the k coordinates of the inputs in it instead of all d: their
// first layers shrink from d·h to k·h weights (for the deep Fashion-MNIST
// teacher and 40-wide students, 35 000 parameters become 4 900), and a
// Gauss–Newton step's cost with them. The recovered network is lifted back
// (first layer W ↦ W·Uᵀ), exact in the original inputs to the accuracy of
// the estimated span.

// Subspace is an orthonormal basis U (d × k) of the span a teacher's
// outputs depend on, estimated by EstimateSubspace.
type Subspace struct {
	// Basis holds the basis vectors as columns (d × k).
	Basis *mat.Dense
	// Singular are all singular values of the gradient matrix (one row
	// per output and gradient point), largest first: the first k are the
	// span's, and the drop after the k-th (Gap) is the evidence that
	// nothing was left out.
	Singular []float64
	// Gap is Singular[k−1]/Singular[k], +Inf when there is no k+1-th
	// singular value or it is zero. The span is known to about 1/Gap: a
	// first-layer weight vector lies within about ‖w‖/Gap of it (the
	// finite-difference error over the weakest direction's share of the
	// gradients).
	Gap float64
	// Points is the number of gradient points and Queries the teacher
	// queries they took (2d per point).
	Points, Queries int
}

// SubspaceOptions are the settings of EstimateSubspace. The zero value
// gives the defaults.
type SubspaceOptions struct {
	// Step is the central-difference step, relative to the probes' RMS
	// coordinate. Zero means 1e-5: for a float64 teacher the truncation
	// error (∝ Step²) and the rounding error (∝ 1/Step) are then both
	// near 1e-11 of the gradient. A float32 teacher needs about 1e-2.
	Step float64
	// RankTol: singular values above RankTol times the largest count as
	// the span's. Zero means 1e-6.
	RankTol float64
	// MinGap is the smallest Gap accepted: a smaller one means the
	// singular values fall off without a clear drop, so the rank is a
	// guess and EstimateSubspace returns an error (raise RankTol or set
	// Rank to take it anyway). Zero means 1e3.
	MinGap float64
	// Rank, if positive, fixes k instead of reading it from RankTol (and
	// MinGap is not checked).
	Rank int
	// Confirm is the number of gradient points in a row that must add no
	// direction before the estimate stops. Zero means 2.
	Confirm int
	// MaxPoints bounds the gradient points. Zero means as many as the
	// inputs' dimension.
	MaxPoints int
	// Seed is the seed of the gradient points drawn from the probes.
	Seed uint64
}

func (o SubspaceOptions) withDefaults(d int) (SubspaceOptions, error) {
	switch {
	case !(o.Step >= 0) || math.IsInf(o.Step, 0):
		return o, fmt.Errorf("identify: SubspaceOptions.Step %v: want a finite step ≥ 0 (0: 1e-5)", o.Step)
	case !(o.RankTol >= 0 && o.RankTol < 1):
		return o, fmt.Errorf("identify: SubspaceOptions.RankTol %v: want 0 ≤ RankTol < 1 (0: 1e-6)", o.RankTol)
	case !(o.MinGap >= 0) || math.IsInf(o.MinGap, 0):
		return o, fmt.Errorf("identify: SubspaceOptions.MinGap %v: want a finite gap ≥ 0 (0: 1e3)", o.MinGap)
	case o.Rank < 0 || o.Rank > d:
		return o, fmt.Errorf("identify: SubspaceOptions.Rank %d: want 0 (from the singular values) up to the input dimension %d", o.Rank, d)
	case o.Confirm < 0 || o.MaxPoints < 0:
		return o, fmt.Errorf("identify: SubspaceOptions.Confirm %d and MaxPoints %d must not be negative", o.Confirm, o.MaxPoints)
	}
	if o.Step == 0 {
		o.Step = 1e-5
	}
	if o.RankTol == 0 {
		o.RankTol = 1e-6
	}
	if o.MinGap == 0 {
		o.MinGap = 1e3
	}
	if o.Confirm == 0 {
		o.Confirm = 2
	}
	if o.MaxPoints == 0 {
		o.MaxPoints = d
	}
	return o, nil
}

// EstimateSubspace estimates the span of the teacher's first-layer weight
// vectors from central-difference gradients of its outputs at points drawn
// from p (2·p.Dim() queries per point), adding points until Confirm of
// them in a row add no direction above RankTol. It returns an error when
// the teacher's answers are not finite, the singular values show no clear
// drop (MinGap), or the span is the whole input space (nothing to
// reduce).
func EstimateSubspace(ctx context.Context, teacher Teacher, p Probes, opt SubspaceOptions) (*Subspace, error) {
	if teacher == nil || p == nil {
		return nil, fmt.Errorf("identify: EstimateSubspace needs a teacher and probes")
	}
	d := p.Dim()
	opt, err := opt.withDefaults(d)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed^0x7375627370616365, 0x2545f4914f6cdd1d))
	var grads []float64            // rows of the gradient matrix, d each
	q := mat.NewDense(2*d, d, nil) // one point's queries, reused
	s := &Subspace{}
	rank, still := 0, 0
	var svd *mat.SVD // of all the gradients so far, of numerical rank last
	last := 0
	for s.Points < opt.MaxPoints && still < opt.Confirm {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x, err := p.Sample(rng, 1)
		if err != nil {
			return nil, fmt.Errorf("identify: EstimateSubspace: drawing a gradient point: %w", err)
		}
		g, err := centralGradients(teacher, q, x.RawRowView(0), opt.Step*rmsCoordinate(x.RawRowView(0)))
		if err != nil {
			return nil, fmt.Errorf("identify: EstimateSubspace: gradient point %d: %w", s.Points+1, err)
		}
		grads = append(grads, g...)
		s.Points++
		s.Queries += 2 * d
		k, dec, err := numericalRank(grads, d, opt.RankTol)
		if err != nil {
			return nil, err
		}
		svd, last = dec, k
		if k > rank {
			rank, still = k, 0
		} else {
			still++
		}
	}
	return s.finish(svd, last, d, opt)
}

// finish sets the basis, singular values and gap of s from the
// decomposition of the gradient rows, whose numerical rank is k, and
// checks the rank.
func (s *Subspace) finish(svd *mat.SVD, k, d int, opt SubspaceOptions) (*Subspace, error) {
	s.Singular = svd.Values(nil)
	if opt.Rank > 0 {
		k = opt.Rank
	}
	if k == 0 {
		return nil, fmt.Errorf("identify: EstimateSubspace: the teacher's gradients are zero at all %d points (a constant teacher?)", s.Points)
	}
	s.Gap = math.Inf(1)
	if k < len(s.Singular) && s.Singular[k] > 0 {
		s.Gap = s.Singular[k-1] / s.Singular[k]
	}
	if opt.Rank == 0 && s.Gap < opt.MinGap {
		return s, fmt.Errorf("identify: EstimateSubspace: no clear drop after %d directions (singular value ratio %.3g < MinGap %g): the rank is a guess; a float32 teacher needs a larger Step, or set Rank", k, s.Gap, opt.MinGap)
	}
	if k >= d {
		return s, fmt.Errorf("identify: EstimateSubspace: the teacher's gradients span all %d input directions: no subspace to reduce to", d)
	}
	var v mat.Dense
	svd.VTo(&v)
	s.Basis = mat.DenseCopyOf(v.Slice(0, d, 0, k))
	return s, nil
}

// numericalRank returns the number of singular values of the gradient
// rows (d columns) above tol times the largest, and the decomposition.
func numericalRank(grads []float64, d int, tol float64) (int, *mat.SVD, error) {
	g := mat.NewDense(len(grads)/d, d, grads)
	var svd mat.SVD
	if !svd.Factorize(g, mat.SVDThinV) {
		return 0, nil, fmt.Errorf("identify: EstimateSubspace: singular value decomposition of the %d gradients failed", len(grads)/d)
	}
	vals := svd.Values(nil)
	k := 0
	for _, v := range vals {
		if v > tol*vals[0] {
			k++
		}
	}
	return k, &svd, nil
}

// centralGradients returns the gradients of the teacher's outputs at x,
// one row of len(x) per output, by central differences of step h, from
// one batch of 2·len(x) queries, written into q (2·len(x) × len(x)).
func centralGradients(teacher Teacher, q *mat.Dense, x []float64, h float64) ([]float64, error) {
	d := len(x)
	for j := 0; j < d; j++ {
		plus, minus := q.RawRowView(j), q.RawRowView(d+j)
		copy(plus, x)
		copy(minus, x)
		plus[j] += h
		minus[j] -= h
	}
	y, err := teacher.Predict(q)
	if err != nil {
		return nil, err
	}
	if r, _ := y.Dims(); r != 2*d {
		return nil, fmt.Errorf("the teacher answered %d rows for %d queries", r, 2*d)
	}
	_, m := y.Dims()
	g := make([]float64, m*d)
	for o := 0; o < m; o++ {
		for j := 0; j < d; j++ {
			v := (y.At(j, o) - y.At(d+j, o)) / (2 * h)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("output %d answered %v near input coordinate %d", o, v, j)
			}
			g[o*d+j] = v
		}
	}
	return g, nil
}

// rmsCoordinate is the RMS of x's entries, at least 1e-3 so that a point
// at the origin still gets a usable step.
func rmsCoordinate(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return max(math.Sqrt(s/float64(len(x))), 1e-3)
}

// Dim returns k, the dimension of the subspace.
func (s *Subspace) Dim() int { _, k := s.Basis.Dims(); return k }

// Reduce returns the coordinates of the inputs x (rows, d columns) in the
// subspace: x·U (rows × k).
func (s *Subspace) Reduce(x *mat.Dense) (*mat.Dense, error) {
	d, k := s.Basis.Dims()
	if _, c := x.Dims(); c != d {
		return nil, fmt.Errorf("identify: Subspace.Reduce: inputs have %d columns, the subspace lives in %d", c, d)
	}
	r, _ := x.Dims()
	z := mat.NewDense(r, k, nil)
	z.Mul(x, s.Basis)
	return z, nil
}

// Expand returns the inputs whose subspace coordinates are z: z·Uᵀ.
func (s *Subspace) Expand(z *mat.Dense) (*mat.Dense, error) {
	d, k := s.Basis.Dims()
	if _, c := z.Dims(); c != k {
		return nil, fmt.Errorf("identify: Subspace.Expand: coordinates have %d columns, the subspace has %d", c, k)
	}
	r, _ := z.Dims()
	x := mat.NewDense(r, d, nil)
	x.Mul(z, s.Basis.T())
	return x, nil
}

// Teacher returns the teacher on subspace coordinates: z ↦ t(z·Uᵀ). Where
// the span is the teacher's, t(x) = t(x·U·Uᵀ) for every x, so this is
// the teacher itself seen through the reduced inputs.
func (s *Subspace) Teacher(t Teacher) Teacher {
	return TeacherFunc(func(z *mat.Dense) (*mat.Dense, error) {
		x, err := s.Expand(z)
		if err != nil {
			return nil, err
		}
		return t.Predict(x)
	})
}

// Probes returns p's draws in subspace coordinates.
func (s *Subspace) Probes(p Probes) Probes { return reducedProbes{p: p, s: s} }

type reducedProbes struct {
	p Probes
	s *Subspace
}

func (r reducedProbes) Dim() int { return r.s.Dim() }

func (r reducedProbes) Sample(rng *rand.Rand, n int) (*mat.Dense, error) {
	x, err := r.p.Sample(rng, n)
	if err != nil {
		return nil, err
	}
	return r.s.Reduce(x)
}

// Lift returns the network on the original inputs that computes what net
// computes on their subspace coordinates: its first layer's weights W
// become W·Uᵀ, and a skip path S becomes S·Uᵀ; everything else is copied.
func (s *Subspace) Lift(net *mlp.Network) (*mlp.Network, error) {
	d, k := s.Basis.Dims()
	if net.InputDim() != k {
		return nil, fmt.Errorf("identify: Subspace.Lift: the network takes %d inputs, the subspace has %d dimensions", net.InputDim(), k)
	}
	spec := net.Spec()
	spec.Sizes[0] = d
	lifted, err := mlp.New(spec)
	if err != nil {
		return nil, err
	}
	for l := 0; l < net.NumLayers(); l++ {
		src, dst := net.Layer(l), lifted.Layer(l)
		if l == 0 {
			dst.W.Mul(src.W, s.Basis.T())
		} else {
			dst.W.Copy(src.W)
		}
		copy(dst.B, src.B)
	}
	if sk := net.Skip(); sk != nil {
		lifted.Skip().Mul(sk, s.Basis.T())
	}
	return lifted, nil
}

// RunSubspace recovers the teacher through n queries drawn from p as
// RunProbes does, on the inputs' coordinates in the teacher's span
// (EstimateSubspace with opt, which spends its queries from
// Config.QueryBudget first). Result.Network is lifted back to the
// original inputs; Result.Students, QueryInputs and Layers are in the
// subspace coordinates; Result.Queries counts both. The Subspace is
// returned with an error from the run, nil only when its estimate failed.
func RunSubspace(ctx context.Context, teacher Teacher, p Probes, n int, opt SubspaceOptions, cfg Config) (*Result, *Subspace, error) {
	if _, err := cfg.withDefaults(); err != nil {
		return nil, nil, err
	}
	oracle, err := NewOracle(teacher, cfg.QueryBudget)
	if err != nil {
		return nil, nil, err
	}
	sub, err := EstimateSubspace(ctx, oracle, p, opt)
	if err != nil {
		return &Result{Config: cfg, Queries: oracle.Queries()}, sub, err
	}
	rc := cfg
	if cfg.QueryBudget > 0 {
		rc.QueryBudget = cfg.QueryBudget - sub.Queries
		if rc.QueryBudget <= 0 {
			return &Result{Config: cfg, Queries: sub.Queries}, sub, &QueryBudgetError{Used: sub.Queries, Asked: n, Budget: cfg.QueryBudget}
		}
	}
	res, err := RunProbes(ctx, sub.Teacher(teacher), sub.Probes(p), n, rc)
	if res == nil {
		return nil, sub, err
	}
	if lerr := sub.LiftResult(res); lerr != nil {
		return res, sub, lerr
	}
	return res, sub, err
}

// LiftResult turns the result of a run on the subspace coordinates into
// one on the original inputs: it adds the queries the estimate spent to
// Result.Queries and lifts Result.Network (Lift). The students and
// queried inputs stay in the coordinates.
func (s *Subspace) LiftResult(res *Result) error {
	res.Queries += s.Queries
	if res.Network == nil {
		return nil
	}
	lifted, err := s.Lift(res.Network)
	if err != nil {
		return err
	}
	res.Network = lifted
	return nil
}

package identify

import (
	"fmt"
	"math"
	"strings"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// WeightReport is the parameter-space precision of a recovery, in the
// terms of the model-extraction literature (for example Carlini, Jagielski
// and Mironov, 2020, report a worst-case weight error of 2⁻²⁵): the
// recovered network is first brought into the teacher's coordinates —
// hidden neurons permuted to the teacher's order by the optimal matching
// of Compare, and each neuron's sign flip or positive scale, whichever the
// activation's symmetry class allows, undone — and then every parameter
// is compared with the teacher's.
type WeightReport struct {
	// Layers has one entry per affine layer, first hidden layer first and
	// the output layer last; a network with a linear skip path (the
	// linear term of even+linear activations) gets one more, named
	// "skip", compared with the teacher's (zero if it has none).
	Layers []LayerWeightError
	// MaxAbs is the largest absolute error of any parameter and Bits
	// −log₂ MaxAbs: the error is 2^−Bits (+Inf for an exact match).
	MaxAbs, Bits float64
	// MaxOutputError is the largest absolute difference of any output of
	// the two networks over the fresh queries, and OutputBits its
	// −log₂.
	MaxOutputError, OutputBits float64
	// Queries is the number of fresh inputs the output error was taken
	// over.
	Queries int
}

// LayerWeightError is the error of one layer's parameters after
// alignment.
type LayerWeightError struct {
	// Name is "layer 1", "layer 2", … (the last being the output layer) or
	// "skip".
	Name string
	// MaxAbsWeight and MaxAbsBias are the largest absolute errors of the
	// weights and of the biases; MaxAbs is the larger and Bits its −log₂.
	MaxAbsWeight, MaxAbsBias, MaxAbs, Bits float64
	// MaxAbsTeacher is the largest absolute teacher parameter of the
	// layer, for scale.
	MaxAbsTeacher float64
}

// Bits2 returns −log₂ err: the k of err = 2⁻ᵏ (+Inf for 0).
func Bits2(err float64) float64 {
	if err == 0 {
		return math.Inf(1)
	}
	return -math.Log2(err)
}

// String gives one line per layer and a summary line.
func (r WeightReport) String() string {
	var b strings.Builder
	for _, l := range r.Layers {
		fmt.Fprintf(&b, "%s: max weight error %.3g, bias %.3g (%s; largest teacher parameter %.3g)\n",
			l.Name, l.MaxAbsWeight, l.MaxAbsBias, pow2(l.Bits), l.MaxAbsTeacher)
	}
	fmt.Fprintf(&b, "max parameter error %.3g = %s; max output error %.3g = %s over %d fresh queries",
		r.MaxAbs, pow2(r.Bits), r.MaxOutputError, pow2(r.OutputBits), r.Queries)
	return b.String()
}

// pow2 writes 2^-k, or "exact" for an infinite k.
func pow2(k float64) string {
	if math.IsInf(k, 1) {
		return "exact"
	}
	return fmt.Sprintf("2^-%.1f", k)
}

// WeightError matches recovered to teacher up to the activation's
// symmetries (Align) and reports the largest absolute error of every
// layer's parameters, and the largest absolute output error over the
// fresh inputs (use queries the recovery did not see). The two networks
// must have the same sizes.
func WeightError(teacher, recovered *mlp.Network, fresh *mat.Dense) (WeightReport, error) {
	aligned, err := Align(teacher, recovered)
	if err != nil {
		return WeightReport{}, err
	}
	if fresh == nil || fresh.IsEmpty() {
		return WeightReport{}, fmt.Errorf("identify: WeightError: no fresh inputs")
	}
	var rep WeightReport
	for l := 0; l < teacher.NumLayers(); l++ {
		T, A := teacher.Layer(l), aligned.Layer(l)
		le := LayerWeightError{Name: fmt.Sprintf("layer %d", l+1)}
		le.MaxAbsWeight, le.MaxAbsTeacher = maxAbsDiff(T.W, A.W)
		if T.B != nil || A.B != nil {
			var tb, ab []float64
			tb, ab = T.B, A.B
			if tb == nil {
				tb = make([]float64, T.Out)
			}
			if ab == nil {
				ab = make([]float64, A.Out)
			}
			var mt float64
			le.MaxAbsBias, mt = maxAbsDiff(mat.NewDense(1, len(tb), tb), mat.NewDense(1, len(ab), ab))
			le.MaxAbsTeacher = math.Max(le.MaxAbsTeacher, mt)
		}
		rep.Layers = append(rep.Layers, finishLayer(le))
	}
	if ts, as := teacher.Skip(), aligned.Skip(); ts != nil || as != nil {
		r, c := teacher.OutputDim(), teacher.InputDim()
		if ts == nil {
			ts = mat.NewDense(r, c, nil)
		}
		if as == nil {
			as = mat.NewDense(r, c, nil)
		}
		le := LayerWeightError{Name: "skip"}
		le.MaxAbsWeight, le.MaxAbsTeacher = maxAbsDiff(ts, as)
		rep.Layers = append(rep.Layers, finishLayer(le))
	}
	for _, l := range rep.Layers {
		rep.MaxAbs = math.Max(rep.MaxAbs, l.MaxAbs)
	}
	rep.Bits = Bits2(rep.MaxAbs)
	ty, err := teacher.Predict(fresh)
	if err != nil {
		return rep, fmt.Errorf("identify: WeightError: teacher on fresh inputs: %w", err)
	}
	ry, err := recovered.Predict(fresh)
	if err != nil {
		return rep, fmt.Errorf("identify: WeightError: recovered network on fresh inputs: %w", err)
	}
	rep.MaxOutputError, _ = maxAbsDiff(ty, ry)
	rep.OutputBits = Bits2(rep.MaxOutputError)
	rep.Queries = fresh.RawMatrix().Rows
	return rep, nil
}

func finishLayer(le LayerWeightError) LayerWeightError {
	le.MaxAbs = math.Max(le.MaxAbsWeight, le.MaxAbsBias)
	le.Bits = Bits2(le.MaxAbs)
	return le
}

// maxAbsDiff returns max |a − b| and max |a|.
func maxAbsDiff(a, b *mat.Dense) (diff, scale float64) {
	r, c := a.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d := math.Abs(a.At(i, j) - b.At(i, j))
			if math.IsNaN(d) {
				return math.NaN(), scale
			}
			diff = math.Max(diff, d)
			scale = math.Max(scale, math.Abs(a.At(i, j)))
		}
	}
	return diff, scale
}

// Align returns a copy of recovered rewritten in the teacher's coordinates
// without changing its function: every hidden layer's neurons are put in
// the order of the teacher neurons they match (the optimal one-to-one
// matching by cosine distance up to the symmetry that Compare uses), and
// each neuron's symmetry transformation is undone — for odd activations
// the sign of its incoming and outgoing weights; for OddConstant ones
// (sigmoid) the sign, the constant moving into the next layer's bias; for
// positively homogeneous ones (ReLU) the positive scale, moved between
// incoming and outgoing weights; for even+linear ones (softplus, GELU,
// ReLU) a sign flip, whose linear term moves into the skip path when the
// next layer is the output (for deeper layers that term has no place to
// go and is left out). The hidden widths must equal the teacher's.
func Align(teacher, recovered *mlp.Network) (*mlp.Network, error) {
	if teacher == nil || recovered == nil {
		return nil, fmt.Errorf("identify: Align: nil network")
	}
	ts, rs := teacher.Sizes(), recovered.Sizes()
	if len(ts) != len(rs) {
		return nil, fmt.Errorf("identify: Align: teacher has sizes %v, recovered %v: different depths", ts, rs)
	}
	for i := range ts {
		if ts[i] != rs[i] {
			return nil, fmt.Errorf("identify: Align: teacher has sizes %v, recovered %v: the weights can only be compared at equal widths", ts, rs)
		}
	}
	out := recovered.Clone()
	for l := 0; l < out.NumLayers()-1; l++ {
		L, N := out.Layer(l), out.Layer(l+1)
		act := L.Act
		sym := act.Symmetry()
		_, rowOf, mu := matchLayer(sym, incoming(teacher, l), incoming(out, l))
		oldIn := mat.DenseCopyOf(incoming(out, l))
		oldW := mat.DenseCopyOf(N.W)
		c := act.Eval(0) * 2 // σ(x) + σ(−x) for OddConstant
		k := act.Eval(1) - act.Eval(-1)
		lastHidden := l+1 == out.NumLayers()-1
		for i, j := range rowOf {
			if j < 0 {
				return nil, fmt.Errorf("identify: Align: layer %d: teacher neuron %d has no partner", l+1, i)
			}
			m := mu[i] // recovered row j ≈ m · teacher row i
			s := math.Abs(m)
			if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
				return nil, fmt.Errorf("identify: Align: layer %d: neuron %d has a degenerate scale %v", l+1, i, m)
			}
			flip := m < 0
			// The new incoming row is r_j / m (for classes without
			// scaling m is ±1; for None it is +1).
			src := oldIn.RawRowView(j)
			for q := 0; q < L.In; q++ {
				L.W.Set(i, q, src[q]/m)
			}
			if L.B != nil {
				L.B[i] = src[L.In] / m
			}
			// Outgoing weights a (column j of the next layer) in the
			// teacher's coordinates: a·σ(m·t·x̃) = a'·σ(t·x̃) + rest.
			for o := 0; o < N.Out; o++ {
				a := oldW.At(o, j)
				var a2 float64
				switch sym {
				case mlp.None:
					a2 = a
				case mlp.Odd:
					a2 = a * m
				case mlp.OddConstant:
					a2 = a * m
					if flip && N.B != nil {
						N.B[o] += a * c // σ(−z) = c − σ(z)
					}
				case mlp.EvenLinear, mlp.EvenLinearPosScale:
					// σ(−s z) = s·σ(−z)… for PosScale; EvenLinear has
					// s = 1. σ(−z) = σ(z) − k z.
					a2 = a * s
					if flip && lastHidden && out.Skip() != nil {
						// a·s·σ(−z) = a·s·σ(z) − a·s·k·z with z = t·x̃.
						sk := out.Skip()
						for q := 0; q < L.In; q++ {
							sk.Set(o, q, sk.At(o, q)-a*s*k*L.W.At(i, q))
						}
						if N.B != nil && L.B != nil {
							N.B[o] -= a * s * k * L.B[i]
						}
					}
				default:
					return nil, fmt.Errorf("identify: Align: unknown symmetry class %v", sym)
				}
				N.W.Set(o, i, a2)
			}
		}
	}
	return out, nil
}

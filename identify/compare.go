package identify

import (
	"fmt"
	"math"
	"strings"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// NeuronMatch pairs one teacher neuron with the recovered neuron assigned
// to it.
type NeuronMatch struct {
	// Teacher and Recovered are neuron indices in their layers; Recovered
	// is −1 when the recovered layer is too narrow to give this teacher
	// neuron a partner.
	Teacher, Recovered int
	// CosineDistance is 1 − cos of the angle between the incoming vectors
	// (weights and bias), after undoing the activation's symmetry (so up to
	// sign for the symmetric classes). 1 for unmatched neurons.
	CosineDistance float64
	// OutRelErr is ‖a_t − a_r‖/‖a_t‖ for the outgoing weights, the
	// recovered ones mapped back through the symmetry (sign flip, positive
	// scale). Inf for unmatched neurons.
	OutRelErr float64
}

// LayerComparison compares one hidden layer.
type LayerComparison struct {
	TeacherWidth, RecoveredWidth int
	// Matches has one entry per teacher neuron, in teacher order.
	Matches []NeuronMatch
	// MaxCosineDistance and MaxOutRelErr are the worst over Matches.
	MaxCosineDistance, MaxOutRelErr float64
	// Distances holds the cosine distance of every teacher neuron (row)
	// to every recovered neuron (column), after undoing the symmetry, in
	// the coordinates the matching used (for a deeper layer, those the
	// matches of the layer below set).
	Distances *mat.Dense
}

// WidthMatch reports whether the recovered width equals the teacher's.
func (c LayerComparison) WidthMatch() bool { return c.TeacherWidth == c.RecoveredWidth }

// Within returns how many teacher neurons have a recovered neuron within
// cosine distance tol (unmatched ones, at distance 1, count only for
// tol ≥ 1): the partial-recovery figure of a layer that is not exact.
func (c LayerComparison) Within(tol float64) int {
	n := 0
	for _, m := range c.Matches {
		if m.CosineDistance <= tol {
			n++
		}
	}
	return n
}

// MatchedWithin returns the largest number of teacher neurons that can
// be given distinct recovered partners within cosine distance tol: a
// maximum matching on the pairs that close. It is at least Within(tol),
// and can be more: Matches minimise the sum of the distances, so a
// teacher neuron with no close partner may take another's exact one when
// that lowers the sum. For a layer that is not exact, MatchedWithin is
// the faithful count of "teacher neurons recovered within tol".
func (c LayerComparison) MatchedWithin(tol float64) int {
	if c.Distances == nil {
		return 0
	}
	nt, nr := c.Distances.Dims()
	partner := make([]int, nr) // teacher neuron holding each recovered one, or -1
	for j := range partner {
		partner[j] = -1
	}
	n := 0
	for i := 0; i < nt; i++ {
		if augment(c.Distances, tol, i, partner, make([]bool, nr)) {
			n++
		}
	}
	return n
}

// augment looks for an augmenting path from teacher neuron i in the
// graph of pairs within tol (Kuhn's algorithm), updating partner if it
// finds one.
func augment(d *mat.Dense, tol float64, i int, partner []int, seen []bool) bool {
	for j, dist := range d.RawRowView(i) {
		if dist > tol || seen[j] {
			continue
		}
		seen[j] = true
		if partner[j] < 0 || augment(d, tol, partner[j], partner, seen) {
			partner[j] = i
			return true
		}
	}
	return false
}

// Report is the result of Compare.
type Report struct {
	// Layers compares each hidden layer, first to last.
	Layers []LayerComparison
	// RMSE is the root mean squared difference of the two networks'
	// outputs on the probe inputs; RelRMSE divides it by the standard
	// deviation of the teacher's outputs.
	RMSE, RelRMSE float64
}

// Exact reports whether every hidden layer has the teacher's width and every
// teacher neuron's cosine distance is at most tol: the paper's criterion of
// a successful recovery (with tol = 1e-6 in this project's figures).
func (r Report) Exact(tol float64) bool {
	for _, l := range r.Layers {
		if !l.WidthMatch() || !(l.MaxCosineDistance <= tol) {
			return false
		}
	}
	return true
}

// String summarises the report, one line per layer.
func (r Report) String() string {
	var b strings.Builder
	for l, c := range r.Layers {
		fmt.Fprintf(&b, "layer %d: width %d (teacher %d), max cosine distance %.3g, max outgoing-weight error %.3g\n",
			l+1, c.RecoveredWidth, c.TeacherWidth, c.MaxCosineDistance, c.MaxOutRelErr)
	}
	fmt.Fprintf(&b, "function RMSE %.3g (relative %.3g)", r.RMSE, r.RelRMSE)
	return b.String()
}

// Compare measures how well recovered reproduces teacher: for every hidden
// layer an optimal one-to-one assignment (Hungarian method) of recovered to
// teacher neurons by cosine distance of their incoming vectors, up to the
// activation's symmetry; the outgoing-weight error of each pair; and the
// function-space RMSE on probe (use inputs the students were not trained
// on). Deeper layers are compared in the coordinates of the recovered
// network: the teacher's next-layer weights are permuted, sign-flipped and
// rescaled by the matches found for the layer below. The two networks must
// have the same depth, input and output widths; the hidden activations are
// taken from the teacher.
func Compare(teacher, recovered *mlp.Network, probe *mat.Dense) (Report, error) {
	return CompareIn(WeightSpace, teacher, recovered, probe)
}

// CompareIn is Compare with the cosine distances measured in the given
// geometry; in DataSpace the moments of each layer's inputs are those of
// the recovered network on probe.
func CompareIn(geom Geometry, teacher, recovered *mlp.Network, probe *mat.Dense) (Report, error) {
	if teacher == nil || recovered == nil {
		return Report{}, fmt.Errorf("identify: Compare: nil network")
	}
	if teacher.NumLayers() != recovered.NumLayers() {
		return Report{}, fmt.Errorf("identify: Compare: teacher has %d hidden layers, recovered %d", teacher.NumLayers()-1, recovered.NumLayers()-1)
	}
	if teacher.InputDim() != recovered.InputDim() || teacher.OutputDim() != recovered.OutputDim() {
		return Report{}, fmt.Errorf("identify: Compare: teacher is %v, recovered %v: input or output widths differ", teacher.Sizes(), recovered.Sizes())
	}
	if geom != WeightSpace && geom != DataSpace {
		return Report{}, fmt.Errorf("identify: Compare: unknown geometry %v", geom)
	}
	if err := recovered.CheckInputs(probe); err != nil {
		return Report{}, fmt.Errorf("identify: Compare: probe inputs: %w", err)
	}
	var rep Report
	// tin holds the teacher's incoming vectors of the current layer in
	// the recovered network's coordinates.
	tin := incoming(teacher, 0)
	for l := 0; l < teacher.NumLayers(); l++ {
		rin := incoming(recovered, l)
		last := l == teacher.NumLayers()-1
		var rowOf []int
		var mu []float64
		if last {
			// Output neurons are not interchangeable: identity match.
			rowOf, mu = make([]int, teacher.OutputDim()), make([]float64, teacher.OutputDim())
			for k := range rowOf {
				rowOf[k], mu[k] = k, 1
			}
		} else {
			act := teacher.Layer(l).Act
			var lc LayerComparison
			u, err := geometryFactor(geom, recovered, probe, l)
			if err != nil {
				return Report{}, fmt.Errorf("identify: Compare: %w", err)
			}
			tm, rm := tin, rin
			if u != nil {
				tm, rm = toDataSpace(tin, u), toDataSpace(rin, u)
			}
			lc, rowOf, mu = matchLayer(act.Symmetry(), tm, rm)
			rep.Layers = append(rep.Layers, lc)
		}
		if l > 0 {
			outErrors(&rep.Layers[l-1], tin, rin, rowOf, mu)
		}
		if !last {
			tin = nextIncoming(teacher, l+1, rep.Layers[l], mu, teacher.Layer(l).Act)
		}
	}
	ty, err := teacher.Predict(probe)
	if err != nil {
		return rep, fmt.Errorf("identify: Compare: teacher on probe inputs: %w", err)
	}
	ry, err := recovered.Predict(probe)
	if err != nil {
		return rep, fmt.Errorf("identify: Compare: recovered network on probe inputs: %w", err)
	}
	rep.RMSE, rep.RelRMSE = rmse(ty, ry)
	return rep, nil
}

// rmse returns the RMSE between a and b and its ratio to the standard
// deviation of a.
func rmse(a, b *mat.Dense) (abs, rel float64) {
	ad, bd := a.RawMatrix().Data, b.RawMatrix().Data
	var ss, mean, vs float64
	for i := range ad {
		d := ad[i] - bd[i]
		ss += d * d
		mean += ad[i]
	}
	mean /= float64(len(ad))
	for _, v := range ad {
		vs += (v - mean) * (v - mean)
	}
	abs = math.Sqrt(ss / float64(len(ad)))
	if vs == 0 {
		return abs, math.Inf(1)
	}
	return abs, abs / math.Sqrt(vs/float64(len(ad)))
}

// incoming returns layer l's incoming vectors [W | b], one neuron per row.
func incoming(n *mlp.Network, l int) *mat.Dense {
	L := n.Layer(l)
	v := mat.NewDense(L.Out, L.In+1, nil)
	v.Slice(0, L.Out, 0, L.In).(*mat.Dense).Copy(L.W)
	for j := 0; j < L.Out; j++ {
		if L.B != nil {
			v.Set(j, L.In, L.B[j])
		}
	}
	return v
}

// matchLayer matches teacher vectors tin (already in the recovered
// network's coordinates) with recovered vectors rin. It returns the
// comparison (outgoing errors still unset), the recovered partner of each
// teacher neuron (−1 if none) and μ, the factor with r ≈ μ·t for each pair:
// the sign, times the norm ratio for positively homogeneous activations.
func matchLayer(sym mlp.Symmetry, tin, rin *mat.Dense) (LayerComparison, []int, []float64) {
	nt, _ := tin.Dims()
	nr, _ := rin.Dims()
	cost := make([]float64, nt*nr)
	lc := LayerComparison{TeacherWidth: nt, RecoveredWidth: nr, Matches: make([]NeuronMatch, nt), Distances: mat.NewDense(nt, nr, cost)}
	signs := make([]float64, nt*nr)
	for i := 0; i < nt; i++ {
		for j := 0; j < nr; j++ {
			c := cosine(tin.RawRowView(i), rin.RawRowView(j))
			s := 1.0
			if sym != mlp.None && c < 0 {
				c, s = -c, -1
			}
			cost[i*nr+j], signs[i*nr+j] = math.Max(0, 1-c), s // rounding can push 1−c below 0
		}
	}
	rowOf := assign(cost, nt, nr)
	mu := make([]float64, nt)
	for i, j := range rowOf {
		m := NeuronMatch{Teacher: i, Recovered: j, CosineDistance: 1, OutRelErr: math.Inf(1)}
		if j >= 0 {
			m.CosineDistance = cost[i*nr+j]
			mu[i] = signs[i*nr+j]
			if sym == mlp.EvenLinearPosScale {
				mu[i] *= norm(rin.RawRowView(j)) / norm(tin.RawRowView(i))
			}
		}
		lc.Matches[i] = m
		lc.MaxCosineDistance = math.Max(lc.MaxCosineDistance, m.CosineDistance)
	}
	return lc, rowOf, mu
}

// outErrors fills the outgoing-weight errors of the layer below tin/rin:
// the outgoing weights of teacher neuron i (matched to recovered j) are
// column j of tin, and the recovered ones column j of rin, row k of tin
// corresponding to row rowOf[k] of rin divided by μ_k. Unmatched rows are
// left out.
func outErrors(lc *LayerComparison, tin, rin *mat.Dense, rowOf []int, mu []float64) {
	lc.MaxOutRelErr = 0
	for i := range lc.Matches {
		m := &lc.Matches[i]
		if m.Recovered >= 0 {
			j := m.Recovered
			var num, den float64
			for k, kr := range rowOf {
				if kr < 0 {
					continue
				}
				t, r := tin.At(k, j), rin.At(kr, j)/mu[k]
				num += (t - r) * (t - r)
				den += t * t
			}
			m.OutRelErr = math.Sqrt(num)
			if den > 0 {
				m.OutRelErr = math.Sqrt(num / den)
			}
		}
		lc.MaxOutRelErr = math.Max(lc.MaxOutRelErr, m.OutRelErr)
	}
}

// nextIncoming returns the teacher's layer-l incoming vectors in the
// recovered network's coordinates, given the matches of layer l−1: the
// teacher's σ(t·x) equals σ(r·x)/μ for odd classes and positive scaling,
// σ(r·x) for the even classes up to a linear term (dropped), and
// c − σ(r·x) for a flipped OddConstant neuron (c·w moves into the bias).
func nextIncoming(teacher *mlp.Network, l int, below LayerComparison, mu []float64, act mlp.Activation) *mat.Dense {
	L := teacher.Layer(l)
	v := mat.NewDense(L.Out, below.RecoveredWidth+1, nil)
	sym := act.Symmetry()
	c := act.Eval(0) * 2 // σ(x) + σ(−x) for OddConstant
	for k := 0; k < L.Out; k++ {
		bias := 0.0
		if L.B != nil {
			bias = L.B[k]
		}
		for _, m := range below.Matches {
			if m.Recovered < 0 {
				continue
			}
			w := L.W.At(k, m.Teacher)
			f := 1 / mu[m.Teacher]
			if sym == mlp.EvenLinear || sym == mlp.None {
				f = 1
			} else if sym == mlp.EvenLinearPosScale {
				f = 1 / math.Abs(mu[m.Teacher])
			}
			v.Set(k, m.Recovered, f*w)
			if sym == mlp.OddConstant && mu[m.Teacher] < 0 {
				bias += c * w
			}
		}
		v.Set(k, below.RecoveredWidth, bias)
	}
	return v
}

func cosine(a, b []float64) float64 {
	na, nb := norm(a), norm(b)
	if na == 0 || nb == 0 {
		return 0
	}
	var d float64
	for i := range a {
		d += a[i] * b[i]
	}
	return d / (na * nb)
}

func norm(a []float64) float64 {
	var s float64
	for _, v := range a {
		s += v * v
	}
	return math.Sqrt(s)
}

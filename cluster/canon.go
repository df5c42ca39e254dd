package cluster

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Symmetry is the class of an activation's symmetries (docs/method.md §2), which
// decides how neurons are brought to a canonical form before clustering.
//
// The values and their order are fixed (None = 0 … EvenLinearPosScale = 4)
// and match mlp.Symmetry, so that a caller can convert with a plain integer
// conversion, cluster.Symmetry(s); this package does not import mlp.
type Symmetry int

const (
	// None: no symmetry; vectors are left as they are.
	None Symmetry = iota
	// Odd: σ(−x) = −σ(x) (tanh, erf, identity). Flipping a neuron's
	// incoming vector (w, b) and its outgoing weights leaves the network
	// unchanged.
	Odd
	// OddConstant: σ(−x) = c − σ(x) (sigmoid, c = 1). As Odd, and each
	// flipped neuron with outgoing weights a shifts the next layer's bias by
	// c·a (reported in Canon.BiasShift).
	OddConstant
	// EvenLinear: σ(x) − σ(−x) = kx (softplus, GELU, SiLU). Flipping the
	// incoming vector changes the network by a linear function, refitted
	// later; outgoing weights are unchanged.
	EvenLinear
	// EvenLinearPosScale: EvenLinear and σ(cx) = cσ(x) for c > 0 (ReLU,
	// leaky ReLU). Vectors are scaled to unit norm, the norm moving into the
	// outgoing weights, then flipped as EvenLinear.
	EvenLinearPosScale
)

var symmetryNames = [...]string{"none", "odd", "odd+constant", "even+linear", "even+linear, positively homogeneous"}

func (s Symmetry) String() string {
	if s < 0 || int(s) >= len(symmetryNames) {
		return fmt.Sprintf("Symmetry(%d)", int(s))
	}
	return symmetryNames[s]
}

func (s Symmetry) valid() bool { return s >= None && s <= EvenLinearPosScale }

// FlipRule chooses the sign of each canonical vector.
type FlipRule int

const (
	// FlipCoordinate makes coordinate CanonSettings.Coordinate
	// non-negative (the reference flips on the first coordinate). A
	// teacher neuron whose coordinate is near zero can then be split into
	// two mirror clusters; prefer FlipLargest or the
	// SignInvariantEuclidean metric.
	FlipCoordinate FlipRule = iota
	// FlipLargest makes the coordinate of largest magnitude positive (the
	// first one on ties).
	FlipLargest
)

// CanonSettings configures Canonicalize and AlignSigns. The zero value (or
// nil) is the reference's rule: flip so that the first coordinate is
// non-negative, with c = 0.
type CanonSettings struct {
	Rule FlipRule
	// Coordinate is the coordinate used by FlipCoordinate.
	Coordinate int
	// Constant is c of OddConstant, σ(−x) = c − σ(x) (1 for the sigmoid).
	// It only scales Canon.BiasShift.
	Constant float64
}

// Canon reports what Canonicalize or AlignSigns did to each neuron (row).
type Canon struct {
	// Flipped[i] is true when row i was negated.
	Flipped []bool
	// Scale[i] is the norm of row i moved into its outgoing weights
	// (EvenLinearPosScale); 1 otherwise, and for zero rows.
	Scale []float64
	// BiasShift is, for OddConstant, what to add to the next layer's bias
	// to keep the network's function: Σ over flipped rows i of c·a_i, where
	// a_i is row i of out before the flip. Nil for other classes or when out
	// is nil.
	BiasShift []float64
}

// Canonicalize brings each neuron to the canonical form of its symmetry
// class, in place. in holds one neuron per row: its incoming weights then
// its bias. out holds the matching outgoing weights, one row per neuron
// (the transpose of the next layer's weight matrix); it may be nil when the
// outgoing weights are not needed, in which case the changes that would go
// to them are only reported in the returned Canon.
//
//   - None: nothing changes.
//   - Odd, OddConstant: rows of in that the rule flips are negated, and so
//     are the matching rows of out.
//   - EvenLinear: flipped rows of in are negated; out is unchanged.
//   - EvenLinearPosScale: each nonzero row of in is divided by its norm and
//     the matching row of out multiplied by it; then as EvenLinear.
func Canonicalize(in, out *mat.Dense, sym Symmetry, s *CanonSettings) (Canon, error) {
	set, err := checkCanon(in, out, sym, s)
	if err != nil {
		return Canon{}, err
	}
	r, c := in.Dims()
	can := newCanon(r, out, sym)
	for i := range r {
		row := in.RawRowView(i)
		if sym == EvenLinearPosScale {
			nrm := math.Sqrt(dot(row, row))
			if nrm > 0 {
				for k := range row {
					row[k] /= nrm
				}
				if out != nil {
					orow := out.RawRowView(i)
					for k := range orow {
						orow[k] *= nrm
					}
				}
				can.Scale[i] = nrm
			}
		}
		if sym == None {
			continue
		}
		if wantFlip(row, set, c) {
			flipRow(in, out, i, sym, set.Constant, &can)
		}
	}
	return can, nil
}

// AlignSigns flips members of one cluster so that they all point the same
// way as the cluster's dominant direction, in place, with the same effect
// on out as Canonicalize (outgoing weights negated for Odd and
// OddConstant, unchanged for the even classes). Use it after clustering
// with the SignInvariantEuclidean metric.
//
// The reference direction is the first member; then every member whose
// dot product with the sum of the (aligned) members is negative is flipped,
// once. Flipped and BiasShift of the result refer to all rows of in, only
// members can be flipped; Scale is all ones. sym None is an error: its
// neurons have no sign symmetry.
func AlignSigns(in, out *mat.Dense, members []int, sym Symmetry, s *CanonSettings) (Canon, error) {
	set, err := checkCanon(in, out, sym, s)
	if err != nil {
		return Canon{}, err
	}
	if sym == None {
		return Canon{}, fmt.Errorf("cluster: AlignSigns: activations without symmetry cannot be sign-flipped")
	}
	r, c := in.Dims()
	for _, i := range members {
		if i < 0 || i >= r {
			return Canon{}, fmt.Errorf("cluster: AlignSigns: member %d out of range [0, %d)", i, r)
		}
	}
	can := newCanon(r, out, sym)
	if len(members) < 2 {
		return can, nil
	}
	ref := in.RawRowView(members[0])
	for _, i := range members[1:] {
		if dot(in.RawRowView(i), ref) < 0 {
			flipRow(in, out, i, sym, set.Constant, &can)
		}
	}
	sum := make([]float64, c)
	for _, i := range members {
		for k, v := range in.RawRowView(i) {
			sum[k] += v
		}
	}
	for _, i := range members {
		if dot(in.RawRowView(i), sum) < 0 {
			flipRow(in, out, i, sym, set.Constant, &can)
		}
	}
	return can, nil
}

func checkCanon(in, out *mat.Dense, sym Symmetry, s *CanonSettings) (CanonSettings, error) {
	var set CanonSettings
	if s != nil {
		set = *s
	}
	if !sym.valid() {
		return set, fmt.Errorf("cluster: unknown symmetry class %v", sym)
	}
	if in == nil || in.IsEmpty() {
		return set, fmt.Errorf("cluster: no incoming vectors (empty matrix)")
	}
	r, c := in.Dims()
	if out != nil {
		if or, _ := out.Dims(); or != r {
			return set, fmt.Errorf("cluster: %d incoming vectors but %d rows of outgoing weights", r, or)
		}
	}
	switch set.Rule {
	case FlipCoordinate:
		if set.Coordinate < 0 || set.Coordinate >= c {
			return set, fmt.Errorf("cluster: flip coordinate %d out of range [0, %d)", set.Coordinate, c)
		}
	case FlipLargest:
	default:
		return set, fmt.Errorf("cluster: unknown flip rule %d", set.Rule)
	}
	if math.IsNaN(set.Constant) || math.IsInf(set.Constant, 0) {
		return set, fmt.Errorf("cluster: non-finite symmetry constant %v", set.Constant)
	}
	return set, nil
}

func newCanon(r int, out *mat.Dense, sym Symmetry) Canon {
	can := Canon{Flipped: make([]bool, r), Scale: make([]float64, r)}
	for i := range can.Scale {
		can.Scale[i] = 1
	}
	if sym == OddConstant && out != nil {
		_, oc := out.Dims()
		can.BiasShift = make([]float64, oc)
	}
	return can
}

// wantFlip applies the flip rule to a row of c entries.
func wantFlip(row []float64, set CanonSettings, c int) bool {
	if set.Rule == FlipCoordinate {
		return row[set.Coordinate] < 0
	}
	best, arg := -1.0, 0
	for k, v := range row[:c] {
		if a := math.Abs(v); a > best {
			best, arg = a, k
		}
	}
	return row[arg] < 0
}

// flipRow negates row i of in and, for the odd classes, of out, recording
// the flip (toggling it, so flipping twice is recorded as no flip).
func flipRow(in, out *mat.Dense, i int, sym Symmetry, constant float64, can *Canon) {
	row := in.RawRowView(i)
	for k := range row {
		row[k] = -row[k]
	}
	can.Flipped[i] = !can.Flipped[i]
	if out == nil || (sym != Odd && sym != OddConstant) {
		return
	}
	orow := out.RawRowView(i)
	if sym == OddConstant {
		// a·σ(z) = (−a)·σ(−z) + c·a: the next bias absorbs c·a, with a the
		// weights before this flip.
		for k, a := range orow {
			can.BiasShift[k] += constant * a
		}
	}
	for k := range orow {
		orow[k] = -orow[k]
	}
}

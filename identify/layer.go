package identify

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// LayerReport describes the clustering of one hidden layer.
type LayerReport struct {
	// Layer is the hidden layer, 1-based.
	Layer int
	// Vectors is the number of neuron vectors clustered and Silent the
	// number left out because their outgoing weights were ≈ 0 (see
	// Config.SilentTol); MinSize is ⌈γ·Students⌉.
	Vectors, Silent, MinSize int
	// Students is the number of students whose neurons were clustered:
	// Config.Students, or where fewer than ⌈γN⌉ students (but at least
	// two) reached the floor, the students that did.
	Students int
	// CutHeight is the height of the max-clusters cut and Clusters the
	// number of flat clusters it gives.
	CutHeight float64
	Clusters  int
	// RemovedSmall clusters had fewer than MinSize members;
	// RemovedUnaligned were big enough but their median pairwise cosine
	// distance exceeded 1 − cos β; RemovedConstant were big and aligned
	// but made of constant neurons (incoming weights ≈ 0, only a bias),
	// which all point along the bias axis and so pass the angle filter.
	// RemovedFewStudents (deep runs only) were big and aligned but their
	// members came from fewer than MinSize students (see clusterVectors).
	// RemovedNearAffine (deep runs, smooth activations with a linear
	// residue) were kept clusters whose neuron is affine on its layer's
	// inputs: the linear pass-through some students build from a neuron
	// with small weights against a large bias, not a teacher neuron; in a
	// top layer clustered again by the relaxed filter (Relaxed), it also
	// counts piecewise-linear neurons affine on the probes (fewer than 1 %
	// of them past the kink), the same pass-through. Kept is the number
	// of neurons kept. Split of them were not a flat
	// cluster of their own but a second group of coinciding copies
	// inside one: the cut merges two neurons closer than about β into
	// one flat cluster, whose core is only one of them.
	RemovedSmall, RemovedUnaligned, RemovedConstant, RemovedFewStudents, RemovedNearAffine, Kept, Split int
	// Agreed (layer 1 of a deep run) is set when the first round's
	// restarts ended on the students' agreement on this layer rather
	// than on their losses (Config.AgreementRound): it was clustered over
	// the students below 1e-4 that agreed, at the floor or not.
	Agreed bool
	// Converged (deep runs) is set when the layer was clustered over the
	// students converged to an exact zero-loss point alone (loss ≤ 1e-15),
	// because over every student at the floor it kept fewer neurons:
	// students at an approximate zero-loss point held one too far off.
	// Students then counts those.
	Converged bool
	// Relaxed (the top layer of a deep run) is set when the layer was
	// clustered again with a smaller minimum cluster size (MinSize then
	// gives it), because the network assembled at ⌈γN⌉ stayed above the
	// zero-loss threshold (or none was kept) and the one with the neurons
	// this kept reached it (see Result.Warnings).
	Relaxed bool
	// Completed is the number of neurons Config.Complete added after the
	// clusters; the recovered width is Kept + Completed. They come last
	// in the layer and have no NeuronReport. Pruned is the number of
	// neurons removed again after the fine-tune, which silenced them
	// (outgoing weights ≈ 0) at the zero-loss threshold: added ones, or in
	// any hidden layer of a deep run clusters too; they are not counted in
	// Completed or Kept (nor have a NeuronReport).
	Completed, Pruned int
	// Neurons describes each recovered neuron, in the order of the
	// recovered layer.
	Neurons []NeuronReport
	Elapsed time.Duration

	// The clustering itself, for plots and further analysis: Points are
	// the canonicalised vectors that were clustered (one row per student
	// neuron), Owner[i] the student index of point i, Tree the average-
	// linkage tree, Labels the flat clusters of the cut and Flat every
	// flat cluster with the filters' verdicts.
	Points *mat.Dense
	Owner  []int
	Tree   *cluster.Tree
	Labels []int
	Flat   []cluster.ClusterReport
}

// NeuronReport is the evidence for one recovered neuron: a large, tight
// cluster with members from most students is a confident recovery.
type NeuronReport struct {
	// Size is the number of vectors in the cluster and Students the number
	// of distinct students they come from.
	Size, Students int
	// MedianCosine is the median pairwise cosine distance of the members;
	// Spread the largest distance of a member to their mean.
	MedianCosine, Spread float64
	// Representative is the index of the student (the best-loss one with a
	// member) whose vector became the recovered neuron.
	Representative int
}

// student is a trained student taking part in the clustering.
type student struct {
	index int // index in the run (its seed stream)
	net   *mlp.Network
	loss  float64
}

// collapsed is a clustered layer: the recovered neurons' incoming vectors
// and, for every student, the outgoing weights of its members summed per
// recovered neuron and its next-layer bias after canonicalisation.
type collapsed struct {
	in       *mat.Dense   // K × (fan-in + 1)
	out      []*mat.Dense // per student: K × next width
	nextBias [][]float64  // per student: next-layer bias
	rep      []int        // per neuron: position in students of the representative
	covers   []int        // per student: the kept clusters with a core member of it
	report   LayerReport
}

// clusterLayer clusters hidden layer l (0-based) of the students, which
// must agree on the layers below l, and collapses the kept clusters into
// recovered neurons (docs/method.md §3, steps 2.1–2.6). With u not nil the
// vectors are compared in data space (Geometry DataSpace, factor u); the
// recovered neurons are always averaged in weight space.
func clusterLayer(students []student, l int, cfg *Config, u *mat.Dense) (*collapsed, error) {
	start := time.Now()
	keep, silent := selectNonSilent(students, l, cfg.SilentTol)
	v, err := stackVectors(students, l, keep)
	if err != nil {
		return nil, fmt.Errorf("identify: layer %d: %w", l+1, err)
	}
	if err := v.canonicalise(cfg.Activation, u); err != nil {
		return nil, fmt.Errorf("identify: layer %d: %w", l+1, err)
	}
	rep, kept, stats, err := clusterVectors(v, len(students), cfg)
	if err != nil {
		return nil, fmt.Errorf("identify: layer %d: %w", l+1, err)
	}
	rows, _ := v.x.Dims()
	rep.Layer, rep.Vectors, rep.Silent = l+1, rows, silent
	c := collapse(students, l, v, kept, stats, &rep)
	rep.Elapsed = time.Since(start)
	rep.Points = v.pts
	rep.Owner = make([]int, rows)
	for i, k := range v.owner {
		rep.Owner[i] = students[k].index
	}
	c.report = rep
	return c, nil
}

// layerVectors are the neuron vectors of one hidden layer of all the
// students, one row per non-silent neuron, as clustering transforms them.
type layerVectors struct {
	x     *mat.Dense // incoming vectors [w | b], in weight space
	a     *mat.Dense // outgoing weights, one row per neuron
	aOrig *mat.Dense // a before canonicalisation
	pts   *mat.Dense // the vectors as compared: x, or U·x in data space
	owner []int      // position in students of each row's student
	fanIn int

	sym      cluster.Symmetry
	constant float64 // c of σ(−x) = c − σ(x)
	canonSet *cluster.CanonSettings
	flipped  []bool // rows negated by canonicalisation or sign alignment
}

// selectNonSilent returns, for every student, the neurons of hidden layer
// l that are not silent, and the number of silent ones. Silent neurons
// (outgoing weights ≈ 0) do not affect their student's function and say
// nothing about the teacher; left in, the many random ones of a zero-loss
// student form big clusters of their own and pull the max-clusters cut up
// into the teacher's clusters.
func selectNonSilent(students []student, l int, tol float64) (keep [][]int, silent int) {
	keep = make([][]int, len(students))
	for k, s := range students {
		keep[k] = nonSilent(s.net.Layer(l+1).W, tol)
		silent += s.net.Layer(l).Out - len(keep[k])
	}
	return keep, silent
}

// stackVectors stacks the kept neurons of hidden layer l of every student:
// their incoming vectors and their outgoing weights, one row per neuron.
func stackVectors(students []student, l int, keep [][]int) (*layerVectors, error) {
	var rows int
	for _, k := range keep {
		rows += len(k)
	}
	if rows < 2 {
		return nil, fmt.Errorf("%d neuron vectors with nonzero outgoing weights, need at least 2", rows)
	}
	next := students[0].net.Layer(l + 1).Out
	fanIn := students[0].net.Layer(l).In
	v := &layerVectors{x: mat.NewDense(rows, fanIn+1, nil), a: mat.NewDense(rows, next, nil),
		owner: make([]int, rows), fanIn: fanIn}
	r := 0
	for k, s := range students {
		L, N := s.net.Layer(l), s.net.Layer(l+1)
		for _, j := range keep[k] {
			copy(v.x.RawRowView(r)[:fanIn], L.W.RawRowView(j))
			if L.B != nil {
				v.x.Set(r, fanIn, L.B[j])
			}
			for o := 0; o < next; o++ {
				v.a.Set(r, o, N.W.At(o, j))
			}
			v.owner[r] = k
			r++
		}
	}
	v.aOrig = mat.DenseCopyOf(v.a)
	return v, nil
}

// canonicalise brings every vector to the canonical form of act's symmetry
// class and sets the points to compare. In data space (u not nil) the
// canonical sign and scale are chosen on the points U·x, because in weight
// space the largest coordinate may be one the data never excite, and then
// repeated on x.
func (v *layerVectors) canonicalise(act mlp.Activation, u *mat.Dense) error {
	v.sym = cluster.Symmetry(act.Symmetry())
	v.constant = 2 * act.Eval(0)
	v.canonSet = &cluster.CanonSettings{Rule: cluster.FlipLargest, Constant: v.constant}
	v.pts = v.x
	if u != nil {
		v.pts = toDataSpace(v.x, u)
	}
	canon, err := cluster.Canonicalize(v.pts, v.a, v.sym, v.canonSet)
	if err != nil {
		return err
	}
	if u != nil {
		applyCanon(v.x, canon)
	}
	v.flipped = canon.Flipped
	if v.flipped == nil {
		rows, _ := v.x.Dims()
		v.flipped = make([]bool, rows)
	}
	return nil
}

// alignSigns flips members of one cluster so that they point the same way
// (cluster.AlignSigns), in the points, the outgoing weights and, U being
// linear, the weight-space vectors alike, and records the flips.
func (v *layerVectors) alignSigns(members []int) error {
	al, err := cluster.AlignSigns(v.pts, v.a, members, v.sym, v.canonSet)
	if err != nil {
		return err
	}
	for i, fl := range al.Flipped {
		if !fl {
			continue
		}
		v.flipped[i] = !v.flipped[i]
		if v.pts != v.x {
			floats.Scale(-1, v.x.RawRowView(i))
		}
	}
	return nil
}

// clusterVectors builds the average-linkage tree of the points, cuts it at
// the max-clusters height for clusters of ⌈γN⌉ members and judges every
// flat cluster. It returns the layer's report so far and the core members
// of each kept cluster. With the sign-invariant metric the members of a
// cluster big enough to count have their signs aligned first.
func clusterVectors(v *layerVectors, nStudents int, cfg *Config) (LayerReport, [][]int, []cluster.ClusterReport, error) {
	tree, err := linkage(v.pts, cfg)
	if err != nil {
		return LayerReport{}, nil, nil, err
	}
	minSize, err := cluster.MinClusterSize(cfg.Gamma, nStudents)
	if err != nil {
		return LayerReport{}, nil, nil, err
	}
	cut, err := tree.MaxClustersCut(minSize)
	if err != nil {
		return LayerReport{}, nil, nil, err
	}
	if cfg.filterMinSize > 0 {
		// relaxTop: the same cut, a smaller cluster passes the filters.
		minSize = cfg.filterMinSize
	}
	signInv := cfg.Metric == cluster.SignInvariantEuclidean && v.sym != cluster.None
	filter := &cluster.FilterSettings{MinSize: minSize, Beta: cfg.Beta}
	groups := cluster.Groups(cut.Labels)
	rep := LayerReport{MinSize: minSize, Students: nStudents, CutHeight: cut.Height, Clusters: len(groups), Tree: tree, Labels: cut.Labels}
	var kept [][]int
	var stats []cluster.ClusterReport // per kept core: the filters' report on it
	rmsWeights := rmsNorm(v.x, v.fanIn)
	for label, members := range groups {
		if signInv && len(members) >= minSize {
			if err := v.alignSigns(members); err != nil {
				return LayerReport{}, nil, nil, err
			}
		}
		cr, core, err := judge(flatCluster{points: v.pts, label: label, members: members, filter: filter, angleCore: cfg.deep()})
		if err != nil {
			return LayerReport{}, nil, nil, err
		}
		rep.Flat = append(rep.Flat, cr)
		switch {
		case !cr.BigEnough:
			rep.RemovedSmall++
			continue
		case !cr.Aligned:
			rep.RemovedUnaligned++
		case constantNeurons(v.x, core, v.fanIn, rmsWeights):
			rep.RemovedConstant++
		case cfg.deep() && distinctOwners(v.owner, members) < minSize:
			rep.RemovedFewStudents++
		default:
			kept = append(kept, core)
			stats = append(stats, cr)
		}
		for _, g := range splitCores(v.pts, v.owner, members, core, minSize) {
			gr, _, err := judge(flatCluster{points: v.pts, label: label, members: g, filter: filter})
			if err != nil {
				return LayerReport{}, nil, nil, err
			}
			if gr.Aligned && !constantNeurons(v.x, g, v.fanIn, rmsWeights) {
				kept = append(kept, g)
				stats = append(stats, gr)
				rep.Split++
			}
		}
	}
	rep.Kept = len(kept)
	return rep, kept, stats, nil
}

// splitSeparation is the relative distance (to the RMS norm of a flat
// cluster's members) beyond which two coinciding groups of one flat
// cluster are two neurons rather than one neuron's copies, which agree to
// coreTol.
const splitSeparation = 1e-2

// splitCores returns the groups of members, other than core, whose
// members coincide (modeCore) over at least minSize distinct students,
// each further than splitSeparation from core and from one another. The
// average-linkage cut merges two teacher neurons closer than about β
// into one flat cluster, and judge keeps one core of it; the other
// neuron is there too, as a second group of coinciding copies. On the
// deep family's GELU 5→2→4→1 teacher two top-layer neurons 8.6° apart
// made one cluster of 27 members over 10 students at 1e-21…1e-27, and
// one of them was lost. Copies of one neuron never form two such groups:
// at the floor they agree far within coreTol.
func splitCores(x *mat.Dense, owner, members, core []int, minSize int) [][]int {
	taken := [][]int{core}
	rest := without(members, core)
	var out [][]int
	sep := splitSeparation * rmsRows(x, members)
	for {
		g := modeCore(x, rest, minSize)
		if g == nil {
			return out
		}
		rest = without(rest, g)
		if distinctOwners(owner, g) < minSize || !farFrom(x, g, taken, sep) {
			continue
		}
		taken = append(taken, g)
		out = append(out, g)
	}
}

// without returns the members not in drop.
func without(members, drop []int) []int {
	var out []int
	for _, m := range members {
		if !slices.Contains(drop, m) {
			out = append(out, m)
		}
	}
	return out
}

// farFrom reports whether the mean of the rows g of x is further than sep
// from the mean of each group in groups.
func farFrom(x *mat.Dense, g []int, groups [][]int, sep float64) bool {
	c := meanRow(x, g)
	for _, o := range groups {
		if floats.Distance(c, meanRow(x, o), 2) <= sep {
			return false
		}
	}
	return true
}

// meanRow returns the mean of the rows rows of x.
func meanRow(x *mat.Dense, rows []int) []float64 {
	_, d := x.Dims()
	m := make([]float64, d)
	for _, r := range rows {
		floats.Add(m, x.RawRowView(r))
	}
	floats.Scale(1/float64(len(rows)), m)
	return m
}

// distinctOwners returns the number of students among the owners of
// members. In a deep run a cluster must hold neurons of ⌈γN⌉ distinct
// students, not just ⌈γN⌉ neurons: a student may carry a linear function
// of its inputs on to the next layer in several near-linear neurons
// (small weights against a large bias, where GELU or softplus is nearly
// affine), the same in every student that does so since the function is
// the teacher's, and on the deep family's GELU 4→5→3→1 teacher 17 such
// neurons of 6 of the 10 students made a spurious first-layer cluster.
// All members count, not only the core: a student just at the floor may
// hold a teacher neuron outside the core's tolerance (identify's sigmoid
// 3→3→2→1 test teacher).
func distinctOwners(owner, members []int) int {
	seen := map[int]bool{}
	for _, m := range members {
		seen[owner[m]] = true
	}
	return len(seen)
}

// collapse turns every kept cluster (its core members) into a recovered
// neuron: the average of the representative student's members in weight
// space, and for every student its members' outgoing weights summed, with
// the next-layer bias corrected for OddConstant flips. It appends the
// neurons' evidence to rep.
func collapse(students []student, l int, v *layerVectors, kept [][]int, stats []cluster.ClusterReport, rep *LayerReport) *collapsed {
	next := students[0].net.Layer(l + 1).Out
	c := &collapsed{in: mat.NewDense(max(1, len(kept)), v.fanIn+1, nil), rep: make([]int, len(kept))}
	c.out = make([]*mat.Dense, len(students))
	c.nextBias = make([][]float64, len(students))
	c.covers = make([]int, len(students))
	for k, s := range students {
		c.out[k] = mat.NewDense(max(1, len(kept)), next, nil)
		c.nextBias[k] = make([]float64, next)
		if b := s.net.Layer(l + 1).B; b != nil {
			copy(c.nextBias[k], b)
		}
	}
	for n, members := range kept {
		best, nStudents := representative(students, v.owner, members)
		c.rep[n] = best
		// The recovered vector averages the representative's duplicates.
		vec, count := c.in.RawRowView(n), 0.0
		for _, m := range members {
			if v.owner[m] == best {
				floats.Add(vec, v.x.RawRowView(m))
				count++
			}
		}
		for i := range vec {
			vec[i] /= count
		}
		seen := make(map[int]bool)
		for _, m := range members {
			if k := v.owner[m]; !seen[k] {
				seen[k] = true
				c.covers[k]++
			}
		}
		// Every student's outgoing weights are summed per cluster; an
		// OddConstant flip moves c·a into the next bias.
		for _, m := range members {
			k := v.owner[m]
			floats.Add(c.out[k].RawRowView(n), v.a.RawRowView(m))
			if v.sym == cluster.OddConstant && v.flipped[m] {
				for o := 0; o < next; o++ {
					c.nextBias[k][o] += v.constant * v.aOrig.At(m, o)
				}
			}
		}
		cr := stats[n]
		rep.Neurons = append(rep.Neurons, NeuronReport{Size: len(members), Students: nStudents,
			MedianCosine: cr.MedianCosine, Spread: cr.Spread, Representative: students[best].index})
	}
	if len(kept) == 0 {
		c.in = nil
		c.out = nil
	}
	return c
}

// representative returns the position in students of the best student
// with a member in the cluster, and the number of distinct students with
// one.
func representative(students []student, owner, members []int) (best, nStudents int) {
	best = -1
	seen := map[int]bool{}
	for _, m := range members {
		k := owner[m]
		seen[k] = true
		if best < 0 || better(students[k], students[best]) {
			best = k
		}
	}
	return best, len(seen)
}

// nonSilent returns the neurons (columns of the next layer's weights w)
// whose outgoing weight norm exceeds tol times the largest one.
func nonSilent(w *mat.Dense, tol float64) []int {
	rows, cols := w.Dims()
	norms := make([]float64, cols)
	var top float64
	for j := range norms {
		var s float64
		for o := 0; o < rows; o++ {
			s += w.At(o, j) * w.At(o, j)
		}
		norms[j] = math.Sqrt(s)
		top = math.Max(top, norms[j])
	}
	var keep []int
	for j, n := range norms {
		if n > tol*top {
			keep = append(keep, j)
		}
	}
	return keep
}

// linkage is average linkage of the rows of x, with distances below
// cfg.DuplicateTol times the RMS row norm set to zero first. Duplicates of
// one teacher neuron that differ only by rounding would otherwise form
// sub-clusters at heights around 1e−16, each big enough to count, and the
// max-clusters cut would split the neuron in two.
func linkage(x *mat.Dense, cfg *Config) (*cluster.Tree, error) {
	d, err := cluster.Distances(x, cfg.Metric, &cluster.DistanceSettings{Workers: cfg.Workers})
	if err != nil {
		return nil, err
	}
	_, cols := x.Dims()
	tol := cfg.DuplicateTol * rmsNorm(x, cols)
	for i, v := range d.Data {
		if v <= tol {
			d.Data[i] = 0
		}
	}
	return cluster.LinkageCondensed(d.Data, cluster.Average)
}

// flatCluster is a flat cluster of the points to judge.
type flatCluster struct {
	points  *mat.Dense // one row per point
	label   int
	members []int // rows of points
	filter  *cluster.FilterSettings
	// angleCore lets judge fall back on angleCore when modeCore finds
	// no core (deep runs).
	angleCore bool
}

// judge applies the filters to one flat cluster. A cluster big enough to
// count is judged on its core (modeCore, or failing that coreMembers)
// rather than on all its members: the max-clusters cut sits at the top of
// the run of heights that keep the count, so a teacher's cluster has
// usually absorbed a few stray vectors, enough to spoil its median angle
// though not its core. The report lists all members; its statistics and
// verdicts are the core's. It returns the core as well, and changes
// nothing.
func judge(c flatCluster) (cluster.ClusterReport, []int, error) {
	core := c.members
	if len(c.members) >= c.filter.MinSize {
		core = modeCore(c.points, c.members, c.filter.MinSize)
		if core == nil && c.angleCore {
			core = angleCore(c.points, c.members, c.filter.MinSize, c.filter.Beta/2)
		}
		if core == nil {
			core = coreMembers(c.points, c.members)
		}
	}
	_, d := c.points.Dims()
	sub := mat.NewDense(len(core), d, nil)
	for i, m := range core {
		copy(sub.RawRowView(i), c.points.RawRowView(m))
	}
	reports, err := cluster.Filter(sub, make([]int, len(core)), c.filter)
	if err != nil {
		return cluster.ClusterReport{}, nil, err
	}
	cr := reports[0]
	cr.Label, cr.Members = c.label, c.members
	return cr, core, nil
}

// constantTol bounds the incoming weights of a constant neuron relative
// to the RMS weight norm of all the clustered neurons.
const constantTol = 1e-2

// rmsNorm returns the RMS norm of the first d coordinates of the rows of x.
func rmsNorm(x *mat.Dense, d int) float64 {
	rows, _ := x.Dims()
	var ss float64
	for i := 0; i < rows; i++ {
		w := x.RawRowView(i)[:d]
		ss += floats.Dot(w, w)
	}
	return math.Sqrt(ss / float64(rows))
}

// constantNeurons reports whether members is a cluster of constant neurons
// (incoming weights ≈ 0, only a bias; x's first d coordinates are the
// incoming weights): the mean of the members' incoming weights is ≈ 0, or
// most members' are. Their contribution is a constant, which the output
// bias takes over. The majority test matters when a cluster mixes them with
// a few stray vectors: on the synthetic family's din4-r8-t08, six students'
// constant neurons (biases 0.09–0.8, all along the bias axis, so aligned)
// and one student's pair of copies of a non-constant vector made a cluster
// of ⌈γN⌉ = 8 whose mean was not small; it was kept as a ninth neuron.
func constantNeurons(x *mat.Dense, members []int, d int, rms float64) bool {
	mean := make([]float64, d)
	norms := make([]float64, len(members))
	for k, m := range members {
		w := x.RawRowView(m)[:d]
		floats.Add(mean, w)
		norms[k] = norm(w)
	}
	if norm(mean)/float64(len(members)) <= constantTol*rms {
		return true
	}
	slices.Sort(norms)
	return norms[(len(norms)-1)/2] <= constantTol*rms
}

// coreTol is the relative distance under which two neuron vectors count
// as the same neuron. Students at zero loss agree on a teacher neuron to
// about 1e−10, but two copies of it within one student can drift apart
// along the flat direction that keeps their sum fixed (seen: 3e−6);
// distinct teacher neurons are much further apart (a synthetic teacher has
// |cos| < 0.99 between its neurons, a relative distance above 0.1).
const coreTol = 1e-3

// modeCore returns the largest group of members that coincide to within
// coreTol (relative to their RMS norm) with one of them, if it has at
// least minSize members; otherwise nil. At zero loss the copies of a
// teacher neuron coincide, so this group is the teacher neuron even when
// stray vectors (such as the ±w linear pairs of even+linear activations,
// which canonicalise to equal vectors within one student) outnumber it.
func modeCore(x *mat.Dense, members []int, minSize int) []int {
	tol := coreTol * rmsRows(x, members)
	return densestGroup(members, minSize, func(i, j int) bool {
		return floats.Distance(x.RawRowView(i), x.RawRowView(j), 2) <= tol
	})
}

// rmsRows returns the RMS norm of the rows rows of x.
func rmsRows(x *mat.Dense, rows []int) float64 {
	var ss float64
	for _, m := range rows {
		r := x.RawRowView(m)
		ss += floats.Dot(r, r)
	}
	return math.Sqrt(ss / float64(len(rows)))
}

// densestGroup returns the members near the member with the most members
// near it (itself included), if they are at least minSize; otherwise nil.
func densestGroup(members []int, minSize int, near func(i, j int) bool) []int {
	best, bestCount := -1, 0
	for _, i := range members {
		count := 0
		for _, j := range members {
			if near(i, j) {
				count++
			}
		}
		if count > bestCount {
			best, bestCount = i, count
		}
	}
	if bestCount < minSize {
		return nil
	}
	var core []int
	for _, j := range members {
		if near(best, j) {
			core = append(core, j)
		}
	}
	return core
}

// coreMembers returns the members of a cluster that lie near its centre:
// within max(3·median distance, coreTol·‖centre‖) of the coordinatewise
// median. The max-clusters cut can sit high enough for a few stray vectors
// (zero or constant neurons of some students) to join a tight cluster of
// duplicates without spoiling its median angle; averaging or summing them
// in would spoil the recovered neuron. The relative floor keeps copies
// that differ only by rounding or by drift along flat directions.
func coreMembers(x *mat.Dense, members []int) []int {
	_, d := x.Dims()
	centre := make([]float64, d)
	col := make([]float64, len(members))
	for j := 0; j < d; j++ {
		for i, m := range members {
			col[i] = x.At(m, j)
		}
		centre[j] = median(col)
	}
	dist := make([]float64, len(members))
	for i, m := range members {
		var s float64
		for j, v := range x.RawRowView(m) {
			s += (v - centre[j]) * (v - centre[j])
		}
		dist[i] = math.Sqrt(s)
	}
	radius := math.Max(3*median(append([]float64(nil), dist...)), coreTol*norm(centre))
	var core []int
	for i, m := range members {
		if dist[i] <= radius {
			core = append(core, m)
		}
	}
	return core
}

// median returns the median of v, reordering v.
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return 0.5 * (v[n/2-1] + v[n/2])
}

// better orders students by loss, then index, so that the choice of
// representative is deterministic.
func better(a, b student) bool {
	if a.loss != b.loss && !math.IsNaN(a.loss) && !math.IsNaN(b.loss) {
		return a.loss < b.loss
	}
	return a.index < b.index
}

// angleCore returns the members within angle half of the member that has
// the most members within that angle, if they are at least minSize;
// otherwise nil. It is a deep run's second try when modeCore finds too
// few coinciding members: a deep student at 1e-12 may hold a teacher
// neuron as two copies split along the flat direction that keeps their
// sum (on deep-tanh-5x2x4x1, 0.7283… and 0.7172… for the teacher's
// 0.7252…), so only 7 of 10 students had it to modeCore's 1e-3 and the
// median-centred core of its 33-member cluster, many of them strays that
// cancel within their student, was unaligned. Members within β/2 of one
// another's centre are within β of each other, so the core passes the
// alignment filter by construction when it is the teacher neuron's.
func angleCore(x *mat.Dense, members []int, minSize int, half float64) []int {
	cosMin := math.Cos(half)
	norms := make(map[int]float64, len(members)) // each row's norm once, not per pair
	for _, m := range members {
		norms[m] = norm(x.RawRowView(m))
	}
	return densestGroup(members, minSize, func(i, j int) bool {
		return floats.Dot(x.RawRowView(i), x.RawRowView(j)) >= cosMin*norms[i]*norms[j]
	})
}

// drop removes the recovered neurons at positions removed (ascending)
// from c and its report, counting them as RemovedNearAffine.
func (c *collapsed) drop(removed []int) {
	if len(removed) == 0 {
		return
	}
	k, cols := c.in.Dims()
	gone := make([]bool, k)
	for _, n := range removed {
		gone[n] = true
	}
	keep := make([]int, 0, k-len(removed))
	for n := 0; n < k; n++ {
		if !gone[n] {
			keep = append(keep, n)
		}
	}
	c.report.RemovedNearAffine += len(removed)
	c.report.Kept = len(keep)
	if len(keep) == 0 {
		c.in, c.out, c.rep, c.report.Neurons = nil, nil, nil, nil
		return
	}
	in := mat.NewDense(len(keep), cols, nil)
	rep := make([]int, len(keep))
	neurons := make([]NeuronReport, 0, len(keep))
	for i, n := range keep {
		in.SetRow(i, c.in.RawRowView(n))
		rep[i] = c.rep[n]
		if n < len(c.report.Neurons) {
			neurons = append(neurons, c.report.Neurons[n])
		}
	}
	for s, out := range c.out {
		_, next := out.Dims()
		o := mat.NewDense(len(keep), next, nil)
		for i, n := range keep {
			o.SetRow(i, out.RawRowView(n))
		}
		c.out[s] = o
	}
	c.in, c.rep, c.report.Neurons = in, rep, neurons
}

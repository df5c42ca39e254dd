package cluster

import (
	"fmt"
	"math"
)

// Method is a hierarchical linkage method. The names and update formulas are
// those of scipy.cluster.hierarchy.linkage.
type Method int

const (
	// Single linkage: the distance between clusters is the smallest
	// distance between their members. Computed from a minimum spanning tree.
	Single Method = iota
	// Complete linkage: the largest distance between members.
	Complete
	// Average linkage (UPGMA): the mean distance between members. This is
	// what Expand-and-Cluster uses.
	Average
	// Weighted linkage (WPGMA): the mean of the two merged clusters'
	// distances to a third cluster.
	Weighted
	// Ward linkage: the increase of the within-cluster sum of squares
	// (scaled as in scipy). Needs Euclidean distances.
	Ward
	// Centroid linkage (UPGMC): the distance between centroids. Needs
	// Euclidean distances. Not monotone: merge heights may decrease.
	Centroid
	// Median linkage (WPGMC). Needs Euclidean distances. Not monotone.
	Median
)

var methodNames = [...]string{"single", "complete", "average", "weighted", "ward", "centroid", "median"}

func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// valid reports whether m is one of the defined methods.
func (m Method) valid() bool { return m >= Single && m <= Median }

// Monotone reports whether the merge heights of m never decrease along the
// tree (true for all methods except Centroid and Median).
func (m Method) Monotone() bool { return m != Centroid && m != Median }

// needsEuclidean reports whether m is only meaningful on Euclidean distances.
func (m Method) needsEuclidean() bool { return m == Ward || m == Centroid || m == Median }

// Metric is a distance between row vectors.
type Metric int

const (
	// Euclidean is ‖u−v‖.
	Euclidean Metric = iota
	// Cosine is 1 − u·v/(‖u‖‖v‖), clipped to [0, 2] as scipy does. It is
	// undefined for zero vectors, which are rejected.
	Cosine
	// SignInvariantEuclidean is min(‖u−v‖, ‖u+v‖): the Euclidean distance
	// between the lines through u and v, up to sign. Use it to cluster
	// neurons of odd or even activations without choosing a sign first
	// (docs/method.md §2); then align signs within each cluster with AlignSigns.
	SignInvariantEuclidean
)

var metricNames = [...]string{"euclidean", "cosine", "sign-invariant euclidean"}

func (m Metric) String() string {
	if m < 0 || int(m) >= len(metricNames) {
		return fmt.Sprintf("Metric(%d)", int(m))
	}
	return metricNames[m]
}

func (m Metric) valid() bool { return m >= Euclidean && m <= SignInvariantEuclidean }

// Merge is one row of a linkage matrix in scipy's convention. Cluster ids
// below n (the number of points) are the points themselves; id n+i is the
// cluster formed by the i-th merge. A < B always holds.
type Merge struct {
	A, B   int     // ids of the merged clusters, A < B
	Height float64 // linkage distance between them
	Size   int     // number of points in the new cluster
}

// Tree is a hierarchical clustering of n points: the n−1 merges of a
// dendrogram.
type Tree struct {
	n        int
	merges   []Merge
	monotone bool
}

// NewTree builds a Tree from a merge list in scipy's convention, for
// example a linkage matrix computed elsewhere. It checks that the merges
// form a valid dendrogram of n points: n−1 merges, each merging two clusters
// that exist and are not yet merged, with consistent sizes and finite
// heights. The merges are copied. Monotone reports whether the heights never
// decrease from a merge to its parent.
func NewTree(n int, merges []Merge) (*Tree, error) {
	if n < 2 {
		return nil, fmt.Errorf("cluster: NewTree: need at least 2 points, have %d", n)
	}
	if len(merges) != n-1 {
		return nil, fmt.Errorf("cluster: NewTree: %d points need %d merges, have %d", n, n-1, len(merges))
	}
	used := make([]bool, 2*n-1)
	size := make([]int, 2*n-1)
	for i := range n {
		size[i] = 1
	}
	for i, m := range merges {
		id := n + i
		if m.A < 0 || m.B < 0 || m.A >= id || m.B >= id || m.A == m.B {
			return nil, fmt.Errorf("cluster: NewTree: merge %d joins ids %d and %d; ids must be distinct and below %d", i, m.A, m.B, id)
		}
		if m.A > m.B {
			return nil, fmt.Errorf("cluster: NewTree: merge %d has A=%d > B=%d; scipy's convention puts the smaller id first", i, m.A, m.B)
		}
		if used[m.A] || used[m.B] {
			return nil, fmt.Errorf("cluster: NewTree: merge %d reuses a cluster already merged (ids %d, %d)", i, m.A, m.B)
		}
		if math.IsNaN(m.Height) || math.IsInf(m.Height, 0) {
			return nil, fmt.Errorf("cluster: NewTree: merge %d has non-finite height %v", i, m.Height)
		}
		used[m.A], used[m.B] = true, true
		size[id] = size[m.A] + size[m.B]
		if m.Size != size[id] {
			return nil, fmt.Errorf("cluster: NewTree: merge %d has size %d, its children hold %d points", i, m.Size, size[id])
		}
	}
	return newTree(n, append([]Merge(nil), merges...)), nil
}

// newTree wraps merges (not copied) and records whether they are monotone.
func newTree(n int, merges []Merge) *Tree {
	mono := true
	for _, m := range merges {
		if (m.A >= n && merges[m.A-n].Height > m.Height) || (m.B >= n && merges[m.B-n].Height > m.Height) {
			mono = false
			break
		}
	}
	return &Tree{n: n, merges: merges, monotone: mono}
}

// Len returns the number of points (leaves) of the tree.
func (t *Tree) Len() int { return t.n }

// Merges returns a copy of the n−1 merges, in the order they were made. For
// monotone methods this is nondecreasing height; for Centroid and Median it
// is scipy's merge order, in which heights may decrease (inversions).
func (t *Tree) Merges() []Merge { return append([]Merge(nil), t.merges...) }

// Monotone reports whether merge heights never decrease from a merge to its
// parent. It is always true for trees built with Single, Complete, Average,
// Weighted and Ward linkage, and may be false for Centroid and Median.
func (t *Tree) Monotone() bool { return t.monotone }

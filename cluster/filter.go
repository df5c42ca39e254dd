package cluster

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// minSizeGuard absorbs the rounding error of γ·N before the ceiling, so that
// for example γ = 0.07 with N = 100 gives 7 although 0.07·100 evaluates to
// 7.000000000000001.
const minSizeGuard = 1e-9

// The Expand-and-Cluster filter settings of the paper for its synthetic
// teachers, which are identify.Config's defaults.
const (
	// DefaultGamma is γ: a cluster counts when it has at least ⌈γN⌉
	// members, N the number of students (see MinClusterSize).
	DefaultGamma = 0.8
	// DefaultBeta is β in radians: a cluster is aligned when the median
	// pairwise cosine distance of its members is at most 1 − cos β.
	DefaultBeta = math.Pi / 24
)

// MinClusterSize returns the size filter's threshold for a fraction gamma
// of n students: ceil(γ·n − 1e-9), at least 1. The guard makes products that
// are mathematically integers round to that integer despite floating-point
// error: 0.07·100 evaluates to 7.000000000000001 and gives 7, not 8. The
// reference implementation floored the product instead, so 0.29·100 =
// 28.999999999999996 gave 28; here it gives 29. gamma must be in (0, 1] and
// n ≥ 1.
func MinClusterSize(gamma float64, n int) (int, error) {
	if !(gamma > 0 && gamma <= 1) {
		return 0, fmt.Errorf("cluster: MinClusterSize: fraction γ = %v is not in (0, 1]", gamma)
	}
	if n < 1 {
		return 0, fmt.Errorf("cluster: MinClusterSize: need at least 1 student, have %d", n)
	}
	return max(1, int(math.Ceil(gamma*float64(n)-minSizeGuard))), nil
}

// Groups returns the members of each flat cluster: groups[l] lists, in
// increasing order, the points with labels[i] == l. Labels must be
// non-negative (as returned by the cuts).
func Groups(labels []int) [][]int {
	k := 0
	for _, l := range labels {
		if l < 0 {
			panic("cluster: negative label")
		}
		k = max(k, l+1)
	}
	count := make([]int, k)
	for _, l := range labels {
		count[l]++
	}
	backing := make([]int, len(labels))
	g := make([][]int, k)
	o := 0
	for l, c := range count {
		g[l] = backing[o : o : o+c]
		o += c
	}
	for i, l := range labels {
		g[l] = append(g[l], i)
	}
	return g
}

// FilterSettings configures Filter. The zero value (or nil) means the
// defaults.
type FilterSettings struct {
	// MinSize is the smallest size of a kept cluster (see MinClusterSize).
	// Zero means 1: no size filter.
	MinSize int
	// Beta is β in radians: a cluster is aligned when the median of the
	// pairwise cosine distances among its members is at most 1 − cos β.
	// Zero means DefaultBeta; any value ≥ π disables the filter.
	Beta float64
	// SignInvariant measures alignment up to sign, with 1 − |cos|, for
	// clusters built with the SignInvariantEuclidean metric whose member
	// signs have not been aligned yet.
	SignInvariant bool
}

// ClusterReport describes one flat cluster and the filters' verdicts.
type ClusterReport struct {
	// Label is the flat cluster's label; Members are its points.
	Label   int
	Members []int
	// MedianCosine is the median pairwise cosine distance among the
	// members (zero for a single member); +Inf when a member is the zero
	// vector, whose direction is undefined.
	MedianCosine float64
	// Spread is the largest Euclidean distance of a member to the
	// members' mean.
	Spread float64
	// BigEnough is the size filter's verdict, Aligned the alignment
	// filter's. A cluster with a zero member is never aligned.
	BigEnough, Aligned bool
}

// Kept reports whether the cluster passes both filters.
func (r ClusterReport) Kept() bool { return r.BigEnough && r.Aligned }

// Filter applies the Expand-and-Cluster filters to the flat clusters given
// by labels (one label per row of x): the size filter (at least MinSize
// members) and the alignment filter (median pairwise cosine distance at
// most 1 − cos β). It returns one report per label, in label order; use
// Kept to select the recovered neurons.
//
// The alignment statistic is computed for every cluster, in O(m²·d) for a
// cluster of m members of dimension d.
func Filter(x *mat.Dense, labels []int, s *FilterSettings) ([]ClusterReport, error) {
	var set FilterSettings
	if s != nil {
		set = *s
	}
	if set.MinSize < 0 {
		return nil, fmt.Errorf("cluster: Filter: negative minimum size %d", set.MinSize)
	}
	if set.MinSize == 0 {
		set.MinSize = 1
	}
	if set.Beta < 0 || math.IsNaN(set.Beta) {
		return nil, fmt.Errorf("cluster: Filter: FilterSettings.Beta = %v must be ≥ 0", set.Beta)
	}
	if set.Beta == 0 {
		set.Beta = DefaultBeta
	}
	if x == nil || x.IsEmpty() {
		return nil, fmt.Errorf("cluster: Filter: no points")
	}
	r, _ := x.Dims()
	if len(labels) != r {
		return nil, fmt.Errorf("cluster: Filter: %d labels for %d points", len(labels), r)
	}
	for i, l := range labels {
		if l < 0 {
			return nil, fmt.Errorf("cluster: Filter: point %d has negative label %d", i, l)
		}
	}
	threshold := 1 - math.Cos(set.Beta)
	if set.Beta >= math.Pi {
		threshold = math.Inf(1)
	}
	groups := Groups(labels)
	reports := make([]ClusterReport, len(groups))
	for l, members := range groups {
		med := medianCosine(x, members, set.SignInvariant)
		reports[l] = ClusterReport{
			Label:        l,
			Members:      members,
			MedianCosine: med,
			Spread:       spread(x, members),
			BigEnough:    len(members) >= set.MinSize,
			// A zero member gives +Inf, which is never ≤ threshold unless the
			// filter is disabled; NaN cannot occur.
			Aligned: len(members) > 0 && !math.IsInf(med, 1) && med <= threshold,
		}
	}
	return reports, nil
}

// MedianCosineDistance returns the median of the pairwise cosine distances
// 1 − u·v/(‖u‖‖v‖) among the given rows of x (the mean of the two middle
// values for an even count, as numpy's median). It is 0 for a single
// member and +Inf when any member is the zero vector, so such a cluster is
// never taken as aligned.
func MedianCosineDistance(x *mat.Dense, members []int) float64 {
	return medianCosine(x, members, false)
}

func medianCosine(x *mat.Dense, members []int, signInvariant bool) float64 {
	m := len(members)
	if m == 0 {
		return math.Inf(1)
	}
	_, d := x.Dims()
	unit := make([]float64, m*d)
	for a, i := range members {
		row := x.RawRowView(i)
		nrm := math.Sqrt(dot(row, row))
		if nrm == 0 || math.IsNaN(nrm) || math.IsInf(nrm, 0) {
			return math.Inf(1)
		}
		u := unit[a*d : (a+1)*d]
		for k, v := range row {
			u[k] = v / nrm
		}
	}
	if m == 1 {
		return 0
	}
	dists := make([]float64, 0, m*(m-1)/2)
	for a := range m {
		u := unit[a*d : (a+1)*d]
		for b := a + 1; b < m; b++ {
			c := dot(u, unit[b*d:(b+1)*d])
			if signInvariant {
				c = math.Abs(c)
			}
			dists = append(dists, min(max(1-c, 0), 2))
		}
	}
	return median(dists)
}

// median returns the median of v, reordering v.
func median(v []float64) float64 {
	n := len(v)
	k := n / 2
	hi := selectK(v, k)
	if n%2 == 1 {
		return hi
	}
	// The lower middle is the maximum of the part below k.
	return 0.5 * (slices.Max(v[:k]) + hi)
}

// selectK rearranges v so that v[k] is the k-th smallest, with smaller or
// equal values before it, and returns v[k] (Hoare's quickselect with a
// median-of-three pivot).
func selectK(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		p := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < p {
				i++
			}
			for v[j] > p {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// spread returns the largest distance of a member to the members' mean.
func spread(x *mat.Dense, members []int) float64 {
	if len(members) == 0 {
		return 0
	}
	_, d := x.Dims()
	c := make([]float64, d)
	for _, i := range members {
		for k, v := range x.RawRowView(i) {
			c[k] += v
		}
	}
	inv := 1 / float64(len(members))
	for k := range c {
		c[k] *= inv
	}
	var s float64
	for _, i := range members {
		s = max(s, sqDiff(x.RawRowView(i), c))
	}
	return math.Sqrt(s)
}

package cluster

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// maxDists returns, for each merge, the largest height in its subtree
// (scipy's maxdists). For monotone trees it equals the merge heights.
func (t *Tree) maxDists() []float64 {
	n := t.n
	md := make([]float64, len(t.merges))
	for i, m := range t.merges {
		h := m.Height
		if m.A >= n {
			h = max(h, md[m.A-n])
		}
		if m.B >= n {
			h = max(h, md[m.B-n])
		}
		md[i] = h
	}
	return md
}

// CutHeight returns flat cluster labels for the cut of the tree at height
// h, with the semantics of scipy's fcluster(Z, h, criterion="distance"): the
// points under a merge form one cluster when no merge in that subtree is
// higher than h (so a merge of height exactly h joins). labels[i] is the
// cluster of point i, numbered from 0 in the order scipy numbers them (scipy's
// label minus one).
func (t *Tree) CutHeight(h float64) []int {
	labels := make([]int, t.n)
	t.cutMonocrit(labels, t.maxDists(), h)
	return labels
}

// CutK returns flat labels for a cut into at most k clusters, with the
// semantics of scipy's fcluster(Z, k, criterion="maxclust"): the cut is at
// the lowest height that gives at most k clusters. Without ties among the
// heights that is exactly min(k, n) clusters; merges of equal height are
// never split, so ties can give fewer. Labels are numbered as in CutHeight.
func (t *Tree) CutK(k int) ([]int, error) {
	if k < 1 {
		return nil, fmt.Errorf("cluster: CutK: need at least 1 cluster, asked for %d", k)
	}
	labels := make([]int, t.n)
	if k >= t.n {
		for i := range labels {
			labels[i] = i
		}
		return labels, nil
	}
	md := t.maxDists()
	s := slices.Clone(md)
	slices.Sort(s)
	// Clusters at threshold v: n − #{merges with maxdist ≤ v}.
	t.cutMonocrit(labels, md, s[t.n-k-1])
	return labels, nil
}

// cutMonocrit assigns labels for the flat clusters formed by the merges
// whose monotone criterion mc is ≤ cut, numbering clusters in the order of
// scipy's cluster_monocrit traversal: depth first from the root, descending
// into the first and then the second child when they are merges, and
// labelling leaf children on the way back; a cluster gets its number when
// its top node is first reached.
func (t *Tree) cutMonocrit(labels []int, mc []float64, cut float64) {
	n := t.n
	pushed := make([]bool, n-1) // merges already entered
	stack := make([]int, 0, n)
	stack = append(stack, 2*n-2)
	leader, next := -1, -1
	for len(stack) > 0 {
		node := stack[len(stack)-1]
		m := t.merges[node-n]
		if leader == -1 && mc[node-n] <= cut {
			leader = node
			next++
		}
		if m.A >= n && !pushed[m.A-n] {
			pushed[m.A-n] = true
			stack = append(stack, m.A)
			continue
		}
		if m.B >= n && !pushed[m.B-n] {
			pushed[m.B-n] = true
			stack = append(stack, m.B)
			continue
		}
		if m.A < n {
			if leader == -1 {
				next++
			}
			labels[m.A] = next
		}
		if m.B < n {
			if leader == -1 {
				next++
			}
			labels[m.B] = next
		}
		if leader == node {
			leader = -1
		}
		stack = stack[:len(stack)-1]
	}
}

// MaxClusters is the result of Tree.MaxClustersCut.
type MaxClusters struct {
	// Height is the cut height: labels are CutHeight(Height).
	Height float64
	// Index is the merge (in Merges order) whose height is Height: the top
	// of the first run of merges that reach the maximum.
	Index int
	// Count is the maximum number of clusters of at least minSize points.
	Count int
	// Labels are the flat clusters of the cut, as returned by CutHeight.
	Labels []int
}

// MaxClustersCut finds the Expand-and-Cluster cut: the height that
// maximises the number of clusters with at least minSize points.
//
// As in the reference implementation, the candidate heights are the merge
// heights h_i in merge order (Merges), and the count for h_i is that of
// CutHeight(h_i) (all merges of height ≤ h_i joined, so merges tied with
// h_i count as joined). Among the merges whose count equals the maximum it
// takes the first contiguous run in merge order and returns the height of
// the last merge of that run. Ties in height therefore never split a run:
// tied merges have equal counts.
//
// The counts are computed by replaying the merges in order of their
// (subtree-maximum) height with a union-find that tracks how many
// components have at least minSize points, in O(n log n), instead of one
// full cut per height.
func (t *Tree) MaxClustersCut(minSize int) (MaxClusters, error) {
	if minSize < 1 {
		return MaxClusters{}, fmt.Errorf("cluster: MaxClustersCut: minimum cluster size must be at least 1, have %d", minSize)
	}
	n := t.n
	md := t.maxDists()
	// Replay order: by maximum subtree height, stable. For trees from
	// monotone linkage this is the merge order itself.
	order := make([]int32, n-1)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(md[a], md[b]) })
	parent := make([]int32, n)
	size := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
		size[i] = 1
	}
	find := func(x int32) int32 {
		r := x
		for parent[r] != r {
			r = parent[r]
		}
		for parent[x] != r {
			x, parent[x] = parent[x], r
		}
		return r
	}
	// rep[c] is a point of cluster id c, so merges can be replayed on points.
	rep := make([]int32, 2*n-1)
	for i := range n {
		rep[i] = int32(i)
	}
	for i, m := range t.merges {
		rep[n+i] = rep[m.A]
	}
	count := 0
	if minSize <= 1 {
		count = n
	}
	ms := int32(minSize)
	big := func(s int32) int {
		if s >= ms {
			return 1
		}
		return 0
	}
	// after[r] is the count once the first r+1 merges of order are joined.
	after := make([]int, n-1)
	for r, i := range order {
		m := t.merges[i]
		a, b := find(rep[m.A]), find(rep[m.B])
		count -= big(size[a]) + big(size[b])
		if size[a] < size[b] {
			a, b = b, a
		}
		parent[b] = a
		size[a] += size[b]
		count += big(size[a])
		after[r] = count
	}
	// countAt(v): the count with every merge of md ≤ v joined.
	sorted := make([]float64, n-1)
	for r, i := range order {
		sorted[r] = md[i]
	}
	countAt := func(v float64) int {
		// r = number of merges with md ≤ v.
		r, _ := slices.BinarySearch(sorted, math.Nextafter(v, math.Inf(1)))
		if r == 0 {
			if minSize <= 1 {
				return n
			}
			return 0
		}
		return after[r-1]
	}
	best, bestIdx := -1, -1
	counts := make([]int, n-1)
	for i, m := range t.merges {
		c := countAt(m.Height)
		counts[i] = c
		if c > best {
			best, bestIdx = c, i
		}
	}
	top := bestIdx
	for top+1 < n-1 && counts[top+1] == best {
		top++
	}
	h := t.merges[top].Height
	return MaxClusters{Height: h, Index: top, Count: best, Labels: t.CutHeight(h)}, nil
}

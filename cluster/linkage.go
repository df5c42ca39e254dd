package cluster

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Linkage clusters the rows of x hierarchically: it computes the pairwise
// distances under metric (see Distances) and then runs LinkageCondensed.
// Ward, Centroid and Median linkage need the Euclidean metric.
//
// Memory: one condensed matrix of n(n−1)/2 float64 plus O(n).
func Linkage(x *mat.Dense, method Method, metric Metric) (*Tree, error) {
	if !method.valid() {
		return nil, fmt.Errorf("cluster: unknown linkage method %v", method)
	}
	if !metric.valid() {
		return nil, fmt.Errorf("cluster: unknown metric %v", metric)
	}
	if method.needsEuclidean() && metric != Euclidean {
		return nil, fmt.Errorf("cluster: %v linkage needs the Euclidean metric, not %v", method, metric)
	}
	d, err := Distances(x, metric, nil)
	if err != nil {
		return nil, err
	}
	return linkageCondensed(d.Data, d.N, method), nil
}

// LinkageCondensed clusters n points hierarchically from their condensed
// distance matrix d (len(d) = n(n−1)/2, see Condensed), exactly as
// scipy.cluster.hierarchy.linkage(d, method) does.
//
// LinkageCondensed works in place: it overwrites d with intermediate
// cluster distances, so d is garbage afterwards (except for Single linkage,
// which leaves d unchanged). Pass a copy to keep the distances. Besides d it
// uses O(n) memory.
//
// Algorithms and result order, as in scipy:
//   - Single: Prim's minimum spanning tree, merges stably sorted by height;
//   - Complete, Average, Weighted, Ward: the nearest-neighbour chain, merges
//     stably sorted by height;
//   - Centroid, Median: the generic algorithm with a priority queue of
//     nearest-neighbour candidates (Müllner 2011); merges in the order they
//     were made, which may have decreasing heights.
//
// Cluster ids follow scipy: id n+i is the i-th merge of the returned list and
// the smaller id comes first. On inputs without ties the merges equal
// scipy's (same pairs, same order, heights to rounding). With ties the
// algorithms break them as scipy's code does.
//
// Ward, Centroid and Median assume Euclidean distances; that is not checked.
// d must have only finite, non-negative entries and n ≥ 2.
func LinkageCondensed(d []float64, method Method) (*Tree, error) {
	if !method.valid() {
		return nil, fmt.Errorf("cluster: unknown linkage method %v", method)
	}
	n := numPoints(len(d))
	if n < 0 {
		return nil, fmt.Errorf("cluster: condensed matrix has %d entries, which is not n(n-1)/2 for any n", len(d))
	}
	if n < 2 {
		return nil, fmt.Errorf("cluster: need at least 2 points, condensed matrix has %d entries", len(d))
	}
	for k, v := range d {
		if !(v >= 0) || math.IsInf(v, 1) {
			i, j := pairOf(n, k)
			return nil, fmt.Errorf("cluster: distance between points %d and %d is %v; distances must be finite and non-negative", i, j, v)
		}
	}
	return linkageCondensed(d, n, method), nil
}

// pairOf inverts CondensedIndex (slowly; for error messages).
func pairOf(n, k int) (int, int) {
	for i := range n - 1 {
		if k < n-1-i {
			return i, i + 1 + k
		}
		k -= n - 1 - i
	}
	return -1, -1
}

func linkageCondensed(d []float64, n int, method Method) *Tree {
	off := make([]int, n)
	for i := range n {
		off[i] = condOffset(n, i)
	}
	var merges []Merge
	switch method {
	case Single:
		merges = mstSingle(d, n, off)
	case Complete, Average, Weighted, Ward:
		merges = nnChain(d, n, off, method)
	case Centroid, Median:
		merges = generic(d, n, off, method)
	default:
		panic("cluster: unknown method")
	}
	return newTree(n, merges)
}

// update returns the Lance–Williams distance from cluster i to the union of
// x and y. The arithmetic follows scipy's expressions operation by
// operation (explicit float64 conversions prevent fused multiply-adds), so
// results agree bit for bit on the same inputs. Negative arguments of
// square roots (rounding) are clamped to zero.
func update(method Method, dxi, dyi, dxy float64, nx, ny, ni int) float64 {
	switch method {
	case Complete:
		return max(dxi, dyi)
	case Average:
		return float64(float64(float64(nx)*dxi)+float64(float64(ny)*dyi)) / float64(nx+ny)
	case Weighted:
		return 0.5 * float64(dxi+dyi)
	case Ward:
		t := 1.0 / float64(nx+ny+ni)
		a := float64(float64(float64(float64(ni+nx)*t)*dxi) * dxi)
		b := float64(float64(float64(float64(ni+ny)*t)*dyi) * dyi)
		c := float64(float64(float64(float64(ni)*t)*dxy) * dxy)
		return math.Sqrt(max(float64(a+b)-c, 0))
	case Centroid:
		a := float64(float64(float64(nx)*dxi) * dxi)
		b := float64(float64(float64(ny)*dyi) * dyi)
		c := float64(float64(float64(nx*ny)*dxy)*dxy) / float64(nx+ny)
		return math.Sqrt(max(float64(float64(a+b)-c)/float64(nx+ny), 0))
	case Median:
		a := float64(0.5 * float64(float64(dxi*dxi)+float64(dyi*dyi)))
		b := float64(0.25 * float64(dxy*dxy))
		return math.Sqrt(max(a-b, 0))
	case Single:
		return min(dxi, dyi)
	}
	panic("cluster: unknown method")
}

// removeSorted deletes v from the sorted slice s.
func removeSorted(s []int32, v int) []int32 {
	p, ok := slices.BinarySearch(s, int32(v))
	if !ok {
		panic("cluster: internal error: index not active")
	}
	return slices.Delete(s, p, p+1)
}

// nnChain is the nearest-neighbour-chain algorithm for reducible methods,
// following scipy's nn_chain: clusters carry scipy's ids (the union of x < y
// is y), the nearest neighbour is the lowest id among equals, the previous
// chain element is preferred on ties and the comparisons are strict, so ties
// resolve as in scipy. Where a cluster's distances are stored, its slot, is
// another matter (see linker.merge).
func nnChain(d []float64, n int, off []int, method Method) []Merge {
	lk := newLinker(d, off, n, method)
	defer lk.stop()
	lk.initColumns(n)
	lk.lid = make([]int32, n)
	lk.slot = make([]int32, n)
	for i := range n {
		lk.lid[i] = int32(i)
		lk.slot[i] = int32(i)
	}
	chain := make([]int, 0, n) // cluster ids
	first := 0                 // no active id below
	raw := make([]Merge, n-1)
	for k := range n - 1 {
		if len(chain) == 0 {
			for lk.slot[first] < 0 {
				first++
			}
			chain = append(chain, first)
		}
		var x, y int
		var cur float64
		for {
			x = chain[len(chain)-1]
			if len(chain) > 1 {
				y = chain[len(chain)-2]
				cur = lk.dist(x, y)
			} else {
				cur = math.Inf(1)
			}
			if c, yy := lk.nearest(x, cur); yy >= 0 {
				cur, y = c, yy
			}
			if len(chain) > 1 && y == chain[len(chain)-2] {
				break
			}
			chain = append(chain, y)
		}
		chain = chain[:len(chain)-2]
		if x > y {
			x, y = y, x
		}
		nx, ny := lk.size[lk.slot[x]], lk.size[lk.slot[y]]
		raw[k] = Merge{A: x, B: y, Height: cur, Size: nx + ny}
		lk.merge(x, y, cur, nx, ny)
	}
	sortAndLabel(raw, n)
	return raw
}

// mstSingle is single linkage by Prim's algorithm, following scipy's
// mst_single_linkage. d is not modified.
func mstSingle(d []float64, n int, off []int) []Merge {
	lk := newLinker(d, off, n, Single)
	defer lk.stop()
	lk.dm = make([]float64, n)
	for i := range lk.dm {
		lk.dm[i] = math.Inf(1)
	}
	raw := make([]Merge, n-1)
	x := 0
	for k := range n - 1 {
		// act holds the points not yet in the tree.
		lk.act = removeSorted(lk.act, x)
		cur, y := lk.prim(x)
		raw[k] = Merge{A: x, B: y, Height: cur}
		x = y
	}
	sortAndLabel(raw, n)
	return raw
}

// sortAndLabel stably sorts merges by height and replaces the point or
// matrix indices in A and B by scipy's cluster ids, using a union-find in
// which the i-th merge creates id n+i. Sizes are recomputed.
func sortAndLabel(z []Merge, n int) {
	slices.SortStableFunc(z, func(a, b Merge) int { return cmp.Compare(a.Height, b.Height) })
	parent := make([]int32, 2*n-1)
	size := make([]int, 2*n-1)
	for i := range parent {
		parent[i] = int32(i)
		size[i] = 1
	}
	find := func(x int) int {
		r := x
		for int(parent[r]) != r {
			r = int(parent[r])
		}
		for int(parent[x]) != r {
			x, parent[x] = int(parent[x]), int32(r)
		}
		return r
	}
	for i := range z {
		a, b := find(z[i].A), find(z[i].B)
		if a > b {
			a, b = b, a
		}
		id := n + i
		parent[a], parent[b] = int32(id), int32(id)
		size[id] = size[a] + size[b]
		z[i].A, z[i].B, z[i].Size = a, b, size[id]
	}
}

// generic is Müllner's generic algorithm as scipy's fast_linkage implements
// it, used for Centroid and Median linkage. Each cluster x < n−1 keeps a
// candidate nearest neighbour among higher indices and a lower bound of
// the distance to it, in a binary heap; candidates are recomputed lazily.
// It is kept as one function on purpose, a hot loop: the heap, the lazy
// candidate updates and the merge step share state that split functions
// would pass around on every one of the n−1 merges.
func generic(d []float64, n int, off []int, method Method) []Merge {
	z := make([]Merge, n-1)
	size := make([]int, n)
	id := make([]int, n)
	act := make([]int32, n)
	for i := range n {
		size[i] = 1
		id[i] = i
		act[i] = int32(i)
	}
	neighbor := make([]int, n-1)
	minDist := make([]float64, n-1)

	// findMin returns the nearest active cluster above x.
	findMin := func(x int) (int, float64) {
		cur := math.Inf(1)
		y := -1
		p, _ := slices.BinarySearch(act, int32(x+1))
		ox := off[x]
		for _, i := range act[p:] {
			if v := d[ox+int(i)]; v < cur {
				cur, y = v, int(i)
			}
		}
		if y < 0 {
			panic("cluster: internal error: no neighbour above")
		}
		return y, cur
	}
	dist := func(a, b int) float64 {
		if a < b {
			return d[off[a]+b]
		}
		return d[off[b]+a]
	}

	for x := range n - 1 {
		neighbor[x], minDist[x] = findMin(x)
	}
	h := newHeap(minDist)

	for k := range n - 1 {
		var x, y int
		var cur float64
		for range n - k {
			x, cur = h.min()
			y = neighbor[x]
			if cur == dist(x, y) {
				break
			}
			y, cur = findMin(x)
			neighbor[x] = y
			minDist[x] = cur
			h.change(x, cur)
		}
		h.removeMin()

		ix, iy := id[x], id[y]
		nx, ny := size[x], size[y]
		if ix > iy {
			ix, iy = iy, ix
		}
		z[k] = Merge{A: ix, B: iy, Height: cur, Size: nx + ny}
		size[x] = 0
		size[y] = nx + ny
		id[y] = n + k
		act = removeSorted(act, x)

		for _, i := range act {
			if int(i) == y {
				continue
			}
			zi := int(i)
			var pxz, pyz int
			if zi < x {
				pxz = off[zi] + x
			} else {
				pxz = off[x] + zi
			}
			if zi < y {
				pyz = off[zi] + y
			} else {
				pyz = off[y] + zi
			}
			d[pyz] = update(method, d[pxz], d[pyz], cur, nx, ny, size[zi])
		}
		// Candidates pointing at the dropped x now point at y.
		for _, i := range act {
			if int(i) >= x {
				break
			}
			if neighbor[i] == x {
				neighbor[i] = y
			}
		}
		// Lower bounds of clusters below y may have decreased.
		for _, i := range act {
			zi := int(i)
			if zi >= y {
				break
			}
			if v := d[off[zi]+y]; v < minDist[zi] {
				neighbor[zi] = y
				minDist[zi] = v
				h.change(zi, v)
			}
		}
		if y < n-1 {
			yy, v := findMin(y)
			neighbor[y] = yy
			minDist[y] = v
			h.change(y, v)
		}
	}
	return z
}

// heap is a binary min-heap of values indexed by keys 0..len−1, with the
// same sift rules as scipy's (so that ties resolve the same way).
type heap struct {
	indexByKey []int32
	keyByIndex []int32
	values     []float64
	size       int
}

func newHeap(values []float64) *heap {
	n := len(values)
	h := &heap{
		indexByKey: make([]int32, n),
		keyByIndex: make([]int32, n),
		values:     append([]float64(nil), values...),
		size:       n,
	}
	for i := range n {
		h.indexByKey[i] = int32(i)
		h.keyByIndex[i] = int32(i)
	}
	for i := n/2 - 1; i >= 0; i-- {
		h.siftDown(i)
	}
	return h
}

func (h *heap) min() (int, float64) { return int(h.keyByIndex[0]), h.values[0] }

func (h *heap) removeMin() {
	h.swap(0, h.size-1)
	h.size--
	h.siftDown(0)
}

func (h *heap) change(key int, v float64) {
	i := int(h.indexByKey[key])
	old := h.values[i]
	h.values[i] = v
	if v < old {
		h.siftUp(i)
	} else {
		h.siftDown(i)
	}
}

func (h *heap) siftUp(i int) {
	p := (i - 1) >> 1
	for i > 0 && h.values[p] > h.values[i] {
		h.swap(i, p)
		i = p
		p = (i - 1) >> 1
	}
}

func (h *heap) siftDown(i int) {
	c := 2*i + 1
	for c < h.size {
		if c+1 < h.size && h.values[c+1] < h.values[c] {
			c++
		}
		if h.values[i] > h.values[c] {
			h.swap(i, c)
			i = c
			c = 2*i + 1
		} else {
			break
		}
	}
}

func (h *heap) swap(i, j int) {
	h.values[i], h.values[j] = h.values[j], h.values[i]
	ki, kj := h.keyByIndex[i], h.keyByIndex[j]
	h.keyByIndex[i], h.keyByIndex[j] = kj, ki
	h.indexByKey[ki] = int32(j)
	h.indexByKey[kj] = int32(i)
}

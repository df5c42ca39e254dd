package cluster

import (
	"iter"
	"math"
	"runtime"
	"slices"
)

// parMin is the number of active clusters below which the linkage loops run
// on one goroutine: shorter loops do not repay the hand-off, which costs
// microseconds and much more when the cores are shared with other work.
// (Measured on 2 busy cores at n = 10 000: splitting from 2048 on was
// slower than one goroutine.)
var parMin = 16384

// linker holds the state shared by the O(n) loops of the linkage algorithms
// and splits each loop between the calling goroutine and one helper
// goroutine. The split is invisible in the results: minimum searches keep
// the first minimum in scan order with the same strict comparisons as a
// single pass, and updates write disjoint entries.
type linker struct {
	d      []float64
	off    []int
	act    []int32   // active slots (rows of the matrix), increasing
	size   []int     // cluster size by slot
	lid    []int32   // nearest-neighbour chain: the cluster id in each slot
	slot   []int32   // nearest-neighbour chain: the slot of each cluster id
	dm     []float64 // Prim's distances to the tree (Single)
	method Method

	// Column lists for the nearest-neighbour chain. The part of the
	// distances of the cluster in slot c that lies in earlier rows of the
	// condensed matrix, D(i, c) for active slots i < c, is a column: one
	// cache line (and with small pages one TLB entry) per element, some
	// twenty times dearer to read than the contiguous rest, which is why
	// nearly all of the linkage's time goes into column reads. cols[c]
	// lists every entry of the column below the bound colB[c] (at most colK
	// of them, as (value, cluster id) in that order); every other entry is
	// ≥ colB[c]. Merges keep the lists up to date from the values the
	// update reads anyway; a column is read again only when its list has
	// run empty and its bound could matter.
	cols []column
	colB []float64

	// Helper goroutine and the parameters of its current job.
	req  chan int
	done chan struct{}
	job  struct {
		x, p, lo, hi int
		u            mergeJob
		resCur       float64
		resY         int
		res          topList
	}
}

// colK is the length of the column lists. Longer lists mean fewer column
// rescans (merges remove listed entries one by one) for a little more
// bookkeeping.
const colK = 8

// column lists the entries of a column below its bound (see linker.cols).
type column struct {
	n int32
	a [colK]int32
	v [colK]float64
}

// topList collects the colK+1 first entries, in (value, id) order, of a
// set of distances D(i, c); rest is the value of the last of them (+Inf
// until there are colK+1), which later entries must reach.
type topList struct {
	n    int
	rest float64
	a    [colK + 1]int32
	v    [colK + 1]float64
}

func newTopList() topList { return topList{rest: math.Inf(1)} }

// add adds D(·, c) = v of the cluster with id i. Callers may skip values
// v > rest, which change nothing.
func (t *topList) add(v float64, i int32) {
	k := t.n
	if k == colK+1 {
		if !(v < t.v[colK] || (v == t.v[colK] && i < t.a[colK])) {
			return
		}
		k--
	} else {
		t.n++
	}
	for k > 0 && (t.v[k-1] > v || (t.v[k-1] == v && t.a[k-1] > i)) {
		t.v[k], t.a[k] = t.v[k-1], t.a[k-1]
		k--
	}
	t.v[k], t.a[k] = v, i
	if t.n == colK+1 {
		t.rest = t.v[colK]
	}
}

// merge adds the entries of u.
func (t topList) merge(u topList) topList {
	for k := range u.n {
		t.add(u.v[k], u.a[k])
	}
	return t
}

// first returns the minimum, the lowest id among equal values, or
// (+Inf, −1) if t is empty.
func (t *topList) first() (float64, int) {
	if t.n == 0 {
		return math.Inf(1), -1
	}
	return t.v[0], int(t.a[0])
}

// column returns the list and bound of a complete set: every entry below
// the (colK+1)-th, which becomes the bound.
func (t *topList) column() (column, float64) {
	var c column
	b := math.Inf(1)
	n := t.n
	if n == colK+1 {
		b = t.v[colK]
		for n > 0 && t.v[n-1] >= b {
			n--
		}
	}
	c.n = int32(n)
	copy(c.a[:], t.a[:n])
	copy(c.v[:], t.v[:n])
	return c, b
}

// remove deletes index a from the list, if listed.
func (c *column) remove(a int32) {
	for k := range int(c.n) {
		if c.a[k] == a {
			copy(c.a[k:c.n], c.a[k+1:c.n])
			copy(c.v[k:c.n], c.v[k+1:c.n])
			c.n--
			return
		}
	}
}

// insert lists D(a, ·) = v < *b in its place; if the list overflows, the
// last entry goes and its value becomes the bound, which drops every entry
// not below it.
func (c *column) insert(v float64, a int32, b *float64) {
	k := int(c.n)
	if k == colK {
		*b = c.v[colK-1]
		if !(v < *b) {
			for k > 0 && c.v[k-1] >= *b {
				k--
			}
			c.n = int32(k)
			return
		}
		k--
	} else {
		c.n++
	}
	for k > 0 && (c.v[k-1] > v || (c.v[k-1] == v && c.a[k-1] > a)) {
		c.v[k], c.a[k] = c.v[k-1], c.a[k-1]
		k--
	}
	c.v[k], c.a[k] = v, a
	n := int(c.n)
	for n > 0 && c.v[n-1] >= *b {
		n--
	}
	c.n = int32(n)
}

const (
	jobScan = iota
	jobUpdate
	jobPrim
)

func newLinker(d []float64, off []int, n int, method Method) *linker {
	lk := &linker{d: d, off: off, method: method, act: make([]int32, n), size: make([]int, n)}
	for i := range n {
		lk.act[i] = int32(i)
		lk.size[i] = 1
	}
	if runtime.GOMAXPROCS(0) > 1 && n >= parMin {
		lk.req = make(chan int)
		lk.done = make(chan struct{})
		go lk.serve()
	}
	return lk
}

func (lk *linker) stop() {
	if lk.req != nil {
		close(lk.req)
	}
}

func (lk *linker) serve() {
	for kind := range lk.req {
		j := &lk.job
		switch kind {
		case jobScan:
			j.res = lk.scanSpan(j.x, j.p, j.lo, j.hi)
		case jobUpdate:
			j.res = lk.updSpan(&j.u, j.lo, j.hi)
		case jobPrim:
			j.resCur, j.resY = lk.primSpan(j.x, j.p, j.lo, j.hi)
		}
		lk.done <- struct{}{}
	}
}

// split returns the position in act that halves the work of a loop in
// which positions below p cost wLow (strided column accesses) and the
// others 1.
func split(p, l int, wLow int) int {
	total := wLow*p + (l - p)
	half := total / 2
	if wLow*p >= half {
		return half / wLow
	}
	return p + (half - wLow*p)
}

// parallel reports whether loops over act should be split.
func (lk *linker) parallel() bool { return lk.req != nil && len(lk.act) >= parMin }

// initColumns computes every column's list in one pass over the matrix in
// memory order.
func (lk *linker) initColumns(n int) {
	lists := make([]topList, n)
	rest := make([]float64, n) // lists[c].rest, packed for the scan
	for i := range lists {
		lists[i] = newTopList()
		rest[i] = lists[i].rest
	}
	for i := range n - 1 {
		row := lk.d[lk.off[i]+i+1 : lk.off[i]+n]
		ls, rs := lists[i+1:n], rest[i+1:n]
		for k, v := range row {
			if v < rs[k] {
				ls[k].add(v, int32(i))
				rs[k] = ls[k].rest
			}
		}
	}
	lk.cols = make([]column, n)
	lk.colB = make([]float64, n)
	for c := range lists {
		lk.cols[c], lk.colB[c] = lists[c].column()
	}
}

// nearest returns the nearest active cluster to the cluster with id x, with
// distance < cur, the lowest id among equals, or (cur, −1) if there is none.
func (lk *linker) nearest(x int, cur float64) (float64, int) {
	sx := int(lk.slot[x])
	p, _ := slices.BinarySearch(lk.act, int32(sx))
	row := lk.scan(sx, p, p+1, len(lk.act))
	m, y := row.first()
	col := &lk.cols[sx]
	cm, cy := math.Inf(1), -1
	if col.n > 0 {
		cm, cy = col.v[0], int(col.a[0])
	} else if !(m < lk.colB[sx]) {
		t := lk.scan(sx, p, 0, p)
		*col, lk.colB[sx] = t.column()
		// The list may stay empty when more than colK entries tie at
		// the minimum; the scan has it anyway.
		cm, cy = t.first()
	}
	if cy >= 0 && (cm < m || (cm == m && cy < y)) {
		m, y = cm, cy
	}
	if y >= 0 && m < cur {
		return m, y
	}
	return cur, -1
}

// dist returns the distance between the clusters with ids a ≠ b.
func (lk *linker) dist(a, b int) float64 {
	sa, sb := int(lk.slot[a]), int(lk.slot[b])
	if sa > sb {
		sa, sb = sb, sa
	}
	return lk.d[lk.off[sa]+sb]
}

// scan returns the first colK+1 entries of D(s, ·) over the positions
// [lo, hi) of act, which lie all below or all above p, the position of
// slot s.
func (lk *linker) scan(s, p, lo, hi int) topList {
	if !lk.parallel() || hi-lo < 2 {
		return lk.scanSpan(s, p, lo, hi)
	}
	m := lo + (hi-lo)/2
	j := &lk.job
	j.x, j.p, j.lo, j.hi = s, p, lo, m
	lk.req <- jobScan
	t2 := lk.scanSpan(s, p, m, hi)
	<-lk.done
	return j.res.merge(t2)
}

// scanSpan returns the first colK+1 entries of D(s, ·) over act[lo:hi],
// skipping position p, which holds slot s.
func (lk *linker) scanSpan(s, p, lo, hi int) topList {
	d, off, act, lid := lk.d, lk.off, lk.act, lk.lid
	t := newTopList()
	if lo < p {
		for blk := range lk.prefetched(act[lo:min(p, hi)], s, s) {
			for _, i := range blk {
				if v := d[off[i]+s]; v <= t.rest {
					t.add(v, lid[i])
				}
			}
		}
	}
	os := off[s]
	for _, i := range act[max(lo, p+1):max(hi, p+1)] {
		if v := d[os+int(i)]; v <= t.rest {
			t.add(v, lid[i])
		}
	}
	return t
}

// merge merges the clusters with ids x < y, of sizes nx and ny at distance
// dxy, into a cluster with id y, as scipy does. The new cluster takes the
// lower of their two slots, s; the other, t, is freed. (The slot only
// decides where the cluster's distances are stored; ids decide ties.
// Keeping clusters in low slots keeps the strided column part of their
// distances short: a cluster that merges again and again, as the big
// clusters of Expand-and-Cluster do, stays near the top of the matrix
// instead of moving down to the highest slot of its points, and the column
// written by a merge, the dirty one, is the shorter of the two.)
//
// It sets D(i, s) to the distance from each active cluster i to the union
// and brings the column lists up to date.
func (lk *linker) merge(x, y int, dxy float64, nx, ny int) {
	sx, sy := int(lk.slot[x]), int(lk.slot[y])
	s, t := min(sx, sy), max(sx, sy)
	ns, nt := nx, ny
	if s == sy {
		ns, nt = ny, nx
	}
	lk.act = removeSorted(lk.act, t)
	ps, _ := slices.BinarySearch(lk.act, int32(s)) // position of s
	q, _ := slices.BinarySearch(lk.act, int32(t))  // first position above t
	u := mergeJob{s: s, t: t, ps: ps, q: q, dxy: dxy, ns: ns, nt: nt, lidS: lk.lid[s], lidT: lk.lid[t], y: int32(y)}
	var tl topList
	if !lk.parallel() {
		tl = lk.updSpan(&u, 0, len(lk.act))
	} else {
		m := split(q, len(lk.act), 3)
		j := &lk.job
		j.u, j.lo, j.hi = u, 0, m
		lk.req <- jobUpdate
		t2 := lk.updSpan(&u, m, len(lk.act))
		<-lk.done
		tl = j.res.merge(t2)
	}
	lk.cols[s], lk.colB[s] = tl.column()
	lk.cols[t], lk.colB[t] = column{}, 0
	lk.lid[s] = int32(y)
	lk.slot[y] = int32(s)
	lk.slot[x] = -1
	lk.size[s] = nx + ny
	lk.size[t] = 0
}

// mergeJob describes a merge for updSpan: slots s < t (s survives), ps the
// position of s in act and q the first position above t (t is no longer
// in act); ns, nt the sizes of the clusters in s and t, lidS, lidT their
// ids and y the id of the union.
type mergeJob struct {
	s, t, ps, q int
	dxy         float64
	ns, nt      int
	lidS, lidT  int32
	y           int32
}

// updSpan updates the positions act[lo:hi], skipping ps (s itself). It
// returns the first colK+1 entries of the new column of s within the span
// and brings the lists of the other columns in the span up to date: between
// s and t a column sees D(s, ·) change (and its id become y), above t it
// also loses the cluster of t. Both are decided from the values the update
// reads: an entry is listed exactly when it is below the column's bound.
func (lk *linker) updSpan(u *mergeJob, lo, hi int) topList {
	d, off, act, size, lid, method := lk.d, lk.off, lk.act, lk.size, lk.lid, lk.method
	colB := lk.colB
	s, t := u.s, u.t
	os, ot := off[s], off[t]
	seg := func(a, b int) []int32 { // act[a:b] ∩ act[lo:hi]
		a, b = max(a, lo), min(b, hi)
		if a >= b {
			return nil
		}
		return act[a:b]
	}
	// The updates take the clusters in slot order, (s, t), which may not be
	// scipy's (x, y): every update of the chain's methods is symmetric in
	// (dxi, nx) and (dyi, ny), and floating-point addition commutes, so
	// the results are the same bit for bit.
	tl := newTopList()
	if method == Average {
		// The hot path of Expand-and-Cluster, without the method switch.
		fs, ft, fn := float64(u.ns), float64(u.nt), float64(u.ns+u.nt)
		for blk := range lk.prefetched(seg(0, u.ps), s, t) {
			for _, i := range blk {
				oi := off[i]
				v := float64(float64(fs*d[oi+s])+float64(ft*d[oi+t])) / fn
				d[oi+s] = v
				if v <= tl.rest {
					tl.add(v, lid[i])
				}
			}
		}
		for blk := range lk.prefetched(seg(u.ps+1, u.q), t, t) {
			for _, i := range blk {
				ds := d[os+int(i)]
				v := float64(float64(fs*ds)+float64(ft*d[off[i]+t])) / fn
				d[os+int(i)] = v
				if b := colB[i]; ds < b || v < b {
					lk.fixColumn(int(i), u.lidS, -1, ds, 0, v, u.y)
				}
			}
		}
		for _, i := range seg(u.q, len(act)) {
			ds, dt := d[os+int(i)], d[ot+int(i)]
			v := float64(float64(fs*ds)+float64(ft*dt)) / fn
			d[os+int(i)] = v
			if b := colB[i]; ds < b || dt < b || v < b {
				lk.fixColumn(int(i), u.lidS, u.lidT, ds, dt, v, u.y)
			}
		}
		return tl
	}
	for _, i := range seg(0, u.ps) {
		oi := off[i]
		v := update(method, d[oi+s], d[oi+t], u.dxy, u.ns, u.nt, size[i])
		d[oi+s] = v
		if v <= tl.rest {
			tl.add(v, lid[i])
		}
	}
	for _, i := range seg(u.ps+1, u.q) {
		ds := d[os+int(i)]
		v := update(method, ds, d[off[i]+t], u.dxy, u.ns, u.nt, size[i])
		d[os+int(i)] = v
		if b := colB[i]; ds < b || v < b {
			lk.fixColumn(int(i), u.lidS, -1, ds, 0, v, u.y)
		}
	}
	for _, i := range seg(u.q, len(act)) {
		ds, dt := d[os+int(i)], d[ot+int(i)]
		v := update(method, ds, dt, u.dxy, u.ns, u.nt, size[i])
		d[os+int(i)] = v
		if b := colB[i]; ds < b || dt < b || v < b {
			lk.fixColumn(int(i), u.lidS, u.lidT, ds, dt, v, u.y)
		}
	}
	return tl
}

// pfAhead is how far ahead, in rows, the column loops prefetch: one block
// of pfAhead rows is requested while the block before it is worked on.
// (Blocks of 32 to 256 rows measured within 10 % of each other at 20 000
// points; 64 was best.)
const pfAhead = 64

// prefetched yields s in blocks of pfAhead rows, having started to load
// columns c1 and c2 of the next block's rows before yielding each one (see
// prefetchColumns).
func (lk *linker) prefetched(s []int32, c1, c2 int) iter.Seq[[]int32] {
	return func(yield func([]int32) bool) {
		lk.prefetch(s, c1, c2)
		for b := 0; b < len(s); b += pfAhead {
			blk := s[b:min(b+pfAhead, len(s))]
			lk.prefetch(s[b+len(blk):], c1, c2)
			if !yield(blk) {
				return
			}
		}
	}
}

// prefetch starts loading columns c1 and c2 of the first pfAhead rows of s.
func (lk *linker) prefetch(s []int32, c1, c2 int) {
	if len(s) > 0 {
		prefetchColumns(&lk.d[0], &lk.off[0], &s[0], min(pfAhead, len(s)), c1, c2)
	}
}

// fixColumn brings the list of column c up to date after a merge: the
// entries D(·, c) = da of the cluster with id a and db of the cluster with id
// b (b < 0: none in this column) leave, and D(·, c) = v of the union, with
// id y, arrives.
func (lk *linker) fixColumn(c int, a, b int32, da, db, v float64, y int32) {
	col, bd := &lk.cols[c], &lk.colB[c]
	if da < *bd {
		col.remove(a)
	}
	if b >= 0 && db < *bd {
		col.remove(b)
	}
	if v < *bd {
		col.insert(v, y, bd)
	}
}

// prim is one step of Prim's algorithm from the point x just added to the
// tree (already removed from act): it lowers each remaining point's
// distance to the tree and returns the nearest remaining point.
func (lk *linker) prim(x int) (float64, int) {
	p, _ := slices.BinarySearch(lk.act, int32(x))
	if !lk.parallel() {
		return lk.primSpan(x, p, 0, len(lk.act))
	}
	s := split(p, len(lk.act), 4)
	j := &lk.job
	j.x, j.p, j.lo, j.hi = x, p, 0, s
	lk.req <- jobPrim
	c2, y2 := lk.primSpan(x, p, s, len(lk.act))
	<-lk.done
	if y2 >= 0 && (j.resY < 0 || c2 < j.resCur) {
		return c2, y2
	}
	return j.resCur, j.resY
}

func (lk *linker) primSpan(x, p, lo, hi int) (float64, int) {
	d, off, act, dm := lk.d, lk.off, lk.act, lk.dm
	cur, y := math.Inf(1), -1
	if lo < p {
		for _, i := range act[lo:min(p, hi)] {
			if v := d[off[i]+x]; dm[i] > v {
				dm[i] = v
			}
			if dm[i] < cur {
				cur, y = dm[i], int(i)
			}
		}
	}
	ox := off[x]
	for _, i := range act[max(lo, p):max(hi, p)] {
		if v := d[ox+int(i)]; dm[i] > v {
			dm[i] = v
		}
		if dm[i] < cur {
			cur, y = dm[i], int(i)
		}
	}
	return cur, y
}

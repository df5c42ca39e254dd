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
	act    []int32 // active cluster indices, increasing
	size   []int
	dm     []float64 // Prim's distances to the tree (Single)
	method Method

	// Column lists for the nearest-neighbour chain. The part of cluster c's
	// distances that lies in earlier rows of the condensed matrix, D(i, c)
	// for active i < c, is a column: one cache line (and with small pages
	// one TLB entry) per element, some twenty times dearer to read than the
	// contiguous rest, which is why nearly all of the linkage's time goes
	// into column reads. cols[c] lists every entry of the column below the
	// bound colB[c] (at most colK of them, in (value, index) order); every
	// other entry is ≥ colB[c]. Merges keep the lists up to date from the
	// values the update reads anyway; a column is read again only when its
	// list has run empty and its bound could matter.
	cols []column
	colB []float64

	// Helper goroutine and the parameters of its current job.
	req  chan int
	done chan struct{}
	job  struct {
		x, y, p, q, lo, hi int
		dxy                float64
		nx, ny             int
		resCur             float64
		resY               int
		res                topList
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

// topList collects the colK+1 first entries, in (value, index) order, of a
// set of distances D(i, c) added in increasing i; rest is the last of them
// (+Inf until there are colK+1), which later entries must beat.
type topList struct {
	n    int
	rest float64
	a    [colK + 1]int32
	v    [colK + 1]float64
}

func newTopList() topList { return topList{rest: math.Inf(1)} }

// add adds D(i, c) = v, i above every index added so far. Callers may skip
// values v ≥ rest, which change nothing.
func (t *topList) add(v float64, i int32) {
	if !(v < t.rest) {
		return
	}
	k := t.n
	if k == colK+1 {
		k--
	} else {
		t.n++
	}
	// Equal values keep index order: i goes after them.
	for k > 0 && t.v[k-1] > v {
		t.v[k], t.a[k] = t.v[k-1], t.a[k-1]
		k--
	}
	t.v[k], t.a[k] = v, i
	if t.n == colK+1 {
		t.rest = t.v[colK]
	}
}

// merge adds the entries of u, whose indices all follow t's.
func (t topList) merge(u topList) topList {
	for k := range u.n {
		t.add(u.v[k], u.a[k])
	}
	return t
}

// first returns the first minimum, or (+Inf, −1) if t is empty.
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
			j.res = lk.updSpan(j.x, j.y, j.p, j.q, j.lo, j.hi, j.dxy, j.nx, j.ny)
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

// nearest returns the nearest active cluster to x with distance < cur, the
// first in index order among equals, or (cur, −1) if there is none.
func (lk *linker) nearest(x int, cur float64) (float64, int) {
	p, _ := slices.BinarySearch(lk.act, int32(x))
	row := lk.scan(x, p, p+1, len(lk.act))
	m, y := row.first()
	col := &lk.cols[x]
	cm, cy := math.Inf(1), -1
	if col.n > 0 {
		cm, cy = col.v[0], int(col.a[0])
	} else if !(m < lk.colB[x]) {
		t := lk.scan(x, p, 0, p)
		*col, lk.colB[x] = t.column()
		// The list may stay empty when more than colK entries tie at
		// the minimum; the scan has it anyway.
		cm, cy = t.first()
	}
	// Column indices precede row indices, so the column wins ties.
	if cy >= 0 && cm <= m {
		m, y = cm, cy
	}
	if y >= 0 && m < cur {
		return m, y
	}
	return cur, -1
}

// scan returns the first colK+1 entries of D(x, ·) over the positions
// [lo, hi) of act, which lie all below or all above p, the position of x.
func (lk *linker) scan(x, p, lo, hi int) topList {
	if !lk.parallel() || hi-lo < 2 {
		return lk.scanSpan(x, p, lo, hi)
	}
	s := lo + (hi-lo)/2
	j := &lk.job
	j.x, j.p, j.lo, j.hi = x, p, lo, s
	lk.req <- jobScan
	t2 := lk.scanSpan(x, p, s, hi)
	<-lk.done
	return j.res.merge(t2)
}

// scanSpan returns the first colK+1 entries of D(x, ·) over act[lo:hi],
// skipping position p, which holds x.
func (lk *linker) scanSpan(x, p, lo, hi int) topList {
	d, off, act := lk.d, lk.off, lk.act
	t := newTopList()
	if lo < p {
		for blk := range lk.prefetched(act[lo:min(p, hi)], x, x) {
			for _, i := range blk {
				if v := d[off[i]+x]; v < t.rest {
					t.add(v, i)
				}
			}
		}
	}
	ox := off[x]
	for _, i := range act[max(lo, p+1):max(hi, p+1)] {
		if v := d[ox+int(i)]; v < t.rest {
			t.add(v, i)
		}
	}
	return t
}

// update sets d(i, y) to the distance from each active cluster i to the
// union of x and y (x < y, x already removed from act, y active), and
// brings the column lists up to date.
func (lk *linker) update(x, y int, dxy float64, nx, ny int) {
	p, _ := slices.BinarySearch(lk.act, int32(x)) // first active index > x
	q, _ := slices.BinarySearch(lk.act, int32(y)) // position of y
	var t topList
	if !lk.parallel() {
		t = lk.updSpan(x, y, p, q, 0, len(lk.act), dxy, nx, ny)
	} else {
		s := split(q, len(lk.act), 3)
		j := &lk.job
		j.x, j.y, j.p, j.q, j.lo, j.hi, j.dxy, j.nx, j.ny = x, y, p, q, 0, s, dxy, nx, ny
		lk.req <- jobUpdate
		t2 := lk.updSpan(x, y, p, q, s, len(lk.act), dxy, nx, ny)
		<-lk.done
		t = j.res.merge(t2)
	}
	if lk.cols != nil {
		lk.cols[y], lk.colB[y] = t.column()
	}
}

// updSpan updates the positions act[lo:hi], skipping q (y itself); p is the
// first position above x. It returns the first colK+1 entries of the new
// column of y within the span and brings the lists of the other columns in
// the span up to date: between x and y a column loses x, above y it loses
// x and sees D(y, ·) change. Both are decided from the values the update
// reads: an entry is listed exactly when it is below the column's bound.
func (lk *linker) updSpan(x, y, p, q, lo, hi int, dxy float64, nx, ny int) topList {
	d, off, act, size, method := lk.d, lk.off, lk.act, lk.size, lk.method
	cols, colB := lk.cols, lk.colB
	ox, oy := off[x], off[y]
	x32, y32 := int32(x), int32(y)
	seg := func(a, b int) []int32 { // act[a:b] ∩ act[lo:hi]
		a, b = max(a, lo), min(b, hi)
		if a >= b {
			return nil
		}
		return act[a:b]
	}
	t := newTopList()
	if method == Average {
		// The hot path of Expand-and-Cluster, without the method switch.
		fx, fy, fs := float64(nx), float64(ny), float64(nx+ny)
		for blk := range lk.prefetched(seg(0, p), x, y) {
			for _, i := range blk {
				oi := off[i]
				v := float64(float64(fx*d[oi+x])+float64(fy*d[oi+y])) / fs
				d[oi+y] = v
				if v < t.rest {
					t.add(v, i)
				}
			}
		}
		for blk := range lk.prefetched(seg(p, q), y, y) {
			for _, i := range blk {
				oi := off[i]
				dx := d[ox+int(i)]
				v := float64(float64(fx*dx)+float64(fy*d[oi+y])) / fs
				d[oi+y] = v
				if v < t.rest {
					t.add(v, i)
				}
				if dx < colB[i] {
					cols[i].remove(x32)
				}
			}
		}
		for _, i := range seg(q+1, len(act)) {
			dx, dy := d[ox+int(i)], d[oy+int(i)]
			v := float64(float64(fx*dx)+float64(fy*dy)) / fs
			d[oy+int(i)] = v
			if b := colB[i]; dx < b || dy < b || v < b {
				lk.fixColumn(int(i), x32, y32, dx, dy, v)
			}
		}
	} else {
		for _, i := range seg(0, p) {
			oi := off[i]
			v := update(method, d[oi+x], d[oi+y], dxy, nx, ny, size[i])
			d[oi+y] = v
			if v < t.rest {
				t.add(v, i)
			}
		}
		for _, i := range seg(p, q) {
			oi := off[i]
			dx := d[ox+int(i)]
			v := update(method, dx, d[oi+y], dxy, nx, ny, size[i])
			d[oi+y] = v
			if v < t.rest {
				t.add(v, i)
			}
			if cols != nil && dx < colB[i] {
				cols[i].remove(x32)
			}
		}
		for _, i := range seg(q+1, len(act)) {
			dx, dy := d[ox+int(i)], d[oy+int(i)]
			v := update(method, dx, dy, dxy, nx, ny, size[i])
			d[oy+int(i)] = v
			if cols != nil {
				if b := colB[i]; dx < b || dy < b || v < b {
					lk.fixColumn(int(i), x32, y32, dx, dy, v)
				}
			}
		}
	}
	return t
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

// fixColumn brings the list of column c > y up to date after x and y
// merged into y: D(x, c) = dx leaves, D(y, c) changes from dy to v.
func (lk *linker) fixColumn(c int, x, y int32, dx, dy, v float64) {
	col, b := &lk.cols[c], &lk.colB[c]
	if dx < *b {
		col.remove(x)
	}
	if dy < *b {
		col.remove(y)
	}
	if v < *b {
		col.insert(v, y, b)
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

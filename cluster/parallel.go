package cluster

import (
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

	// Column minima for the nearest-neighbour chain. The part of cluster c's
	// distances that lies in earlier rows of the condensed matrix, D(i, c)
	// for active i < c, is a column: one cache line (and with small pages
	// one TLB entry) per element, several times dearer to scan than the
	// contiguous rest. cols[c] keeps the column's two smallest entries,
	// kept up to date through merges; the column is rescanned only when
	// merges have removed what is known and the remaining bounds could
	// matter.
	cols []column

	// Helper goroutine and the parameters of its current job.
	req  chan int
	done chan struct{}
	job  struct {
		x, y, p, q, lo, hi int
		dxy                float64
		nx, ny             int
		resCur             float64
		resY               int
		res                column
	}
}

// column holds the first minimum (v1 at index a1, the smallest value, the
// smallest index among equals), the first minimum of the other entries (v2
// at a2) and a lower bound of the rest, of a set of distances D(i, c). An
// index noArg means no such entry (the value is +Inf); a1 = boundOnly means
// v1 is only a lower bound of every entry, and a2 = boundOnly that v2 is
// only a lower bound of every entry but a1.
type column struct {
	v1, v2, rest float64
	a1, a2       int32
}

const (
	noArg     = -1
	boundOnly = -2
)

func emptyColumn() column { return column{math.Inf(1), math.Inf(1), math.Inf(1), noArg, noArg} }

// add adds D(i, c) = v, i above every index added so far. Callers may skip
// values v ≥ rest, which change nothing.
func (c *column) add(v float64, i int32) {
	switch {
	case v < c.v1:
		c.rest = min(c.rest, c.v2)
		c.v2, c.a2 = c.v1, c.a1
		c.v1, c.a1 = v, i
	case v < c.v2:
		c.rest = min(c.rest, c.v2)
		c.v2, c.a2 = v, i
	default:
		c.rest = min(c.rest, v)
	}
}

// merge combines the exact columns of two consecutive spans of indices.
func (c column) merge(u column) column {
	t := column{math.Inf(1), math.Inf(1), min(c.rest, u.rest), noArg, noArg}
	for _, e := range [...]struct {
		v float64
		a int32
	}{{c.v1, c.a1}, {c.v2, c.a2}, {u.v1, u.a1}, {u.v2, u.a2}} {
		if e.a >= 0 {
			t.add(e.v, e.a) // in index order, so add keeps the first
		}
	}
	return t
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

// firstMin combines the minima of two consecutive spans, preferring the
// first on ties.
func firstMin(c1 float64, y1 int, c2 float64, y2 int) (float64, int) {
	if y2 >= 0 && (y1 < 0 || c2 < c1) {
		return c2, y2
	}
	return c1, y1
}

// initColumns computes every column's two smallest entries in one pass over
// the matrix in memory order.
func (lk *linker) initColumns(n int) {
	lk.cols = make([]column, n)
	for i := range lk.cols {
		lk.cols[i] = emptyColumn()
	}
	for i := range n - 1 {
		row := lk.d[lk.off[i]+i+1 : lk.off[i]+n]
		cols := lk.cols[i+1 : n]
		for k, v := range row {
			if v < cols[k].rest {
				cols[k].add(v, int32(i))
			}
		}
	}
}

// nearest returns the nearest active cluster to x with distance < cur, the
// first in index order among equals, or (cur, −1) if there is none.
func (lk *linker) nearest(x int, cur float64) (float64, int) {
	p, _ := slices.BinarySearch(lk.act, int32(x))
	row := lk.scan(x, p, p+1, len(lk.act))
	m, y := row.v1, int(row.a1)
	col := &lk.cols[x]
	if col.a1 == boundOnly && !(m < col.v1) {
		*col = lk.scan(x, p, 0, p)
	}
	// Column indices precede row indices, so the column wins ties.
	if col.a1 >= 0 && col.v1 <= m {
		m, y = col.v1, int(col.a1)
	}
	if y >= 0 && m < cur {
		return m, y
	}
	return cur, -1
}

// scan returns the first minimum of D(x, ·) over the positions [lo, hi) of
// act, which lie all below or all above p, the position of x.
func (lk *linker) scan(x, p, lo, hi int) column {
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

// scanSpan returns the first minimum of D(x, ·) over act[lo:hi], skipping
// position p, which holds x.
func (lk *linker) scanSpan(x, p, lo, hi int) column {
	d, off, act := lk.d, lk.off, lk.act
	t := emptyColumn()
	if lo < p {
		for _, i := range act[lo:min(p, hi)] {
			if v := d[off[i]+x]; v < t.rest {
				t.add(v, i)
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
// brings the column minima up to date.
func (lk *linker) update(x, y int, dxy float64, nx, ny int) {
	p, _ := slices.BinarySearch(lk.act, int32(x)) // first active index > x
	q, _ := slices.BinarySearch(lk.act, int32(y)) // position of y
	var t column
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
		lk.cols[y] = t
	}
}

// updSpan updates the positions act[lo:hi], skipping q (y itself); p is the
// first position above x. It returns the first minimum of the new column of
// y within the span.
func (lk *linker) updSpan(x, y, p, q, lo, hi int, dxy float64, nx, ny int) column {
	d, off, act, size, method := lk.d, lk.off, lk.act, lk.size, lk.method
	ox, oy := off[x], off[y]
	seg := func(a, b int) []int32 { // act[a:b] ∩ act[lo:hi]
		a, b = max(a, lo), min(b, hi)
		if a >= b {
			return nil
		}
		return act[a:b]
	}
	t := emptyColumn()
	if method == Average {
		// The hot path of Expand-and-Cluster, without the method switch.
		fx, fy, fs := float64(nx), float64(ny), float64(nx+ny)
		for _, i := range seg(0, p) {
			oi := off[i]
			v := float64(float64(fx*d[oi+x])+float64(fy*d[oi+y])) / fs
			d[oi+y] = v
			if v < t.rest {
				t.add(v, i)
			}
		}
		for _, i := range seg(p, q) {
			oi := off[i]
			v := float64(float64(fx*d[ox+int(i)])+float64(fy*d[oi+y])) / fs
			d[oi+y] = v
			if v < t.rest {
				t.add(v, i)
			}
		}
		for _, i := range seg(q+1, len(act)) {
			d[oy+int(i)] = float64(float64(fx*d[ox+int(i)])+float64(fy*d[oy+int(i)])) / fs
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
			v := update(method, d[ox+int(i)], d[oi+y], dxy, nx, ny, size[i])
			d[oi+y] = v
			if v < t.rest {
				t.add(v, i)
			}
		}
		for _, i := range seg(q+1, len(act)) {
			d[oy+int(i)] = update(method, d[ox+int(i)], d[oy+int(i)], dxy, nx, ny, size[i])
		}
	}
	if lk.cols != nil {
		lk.refreshColumns(x, y, seg(p, q), seg(q+1, len(act)))
	}
	return t
}

// refreshColumns updates the columns of the clusters above x after x and y
// merged into y: between x and y the columns lose x; above y they lose x
// and see D(y, ·) change.
func (lk *linker) refreshColumns(x, y int, between, above []int32) {
	x32, y32 := int32(x), int32(y)
	for _, c := range between {
		if col := &lk.cols[c]; col.a1 == x32 || col.a2 == x32 {
			col.repair(x32, y32, false, 0)
		}
	}
	d, oy := lk.d, lk.off[y]
	for _, c := range above {
		v := d[oy+int(c)]
		if col := &lk.cols[c]; col.changedBy(x32, y32, v) {
			col.repair(x32, y32, true, v)
		}
	}
}

// changedBy reports whether what is known of the set could change when the
// entry x leaves it and the entry y changes to v (then repair rebuilds it).
func (c *column) changedBy(x, y int32, v float64) bool {
	switch {
	case c.a1 == boundOnly:
		return v < c.v1
	case c.a1 == x || c.a1 == y || c.a2 == x || c.a2 == y:
		return true
	case c.a2 == boundOnly:
		// Unchanged if y stays behind a1 and above the bound of the rest.
		return v < c.v2 || v < c.v1 || (v == c.v1 && y < c.a1)
	}
	return v < c.rest || (v == c.v2 && y < c.a2)
}

// repair rebuilds what is known of a column after the entry x left it and,
// if yIn, the entry y changed to v. The entries known before that are still
// there keep their order below the rest; y's new value is known to be
// below the rest only if it is below the rest's bound.
func (c *column) repair(x, y int32, yIn bool, v float64) {
	type entry struct {
		v     float64
		a     int32
		below bool
	}
	var cand [3]entry
	n := 0
	var rest float64
	keep := func(v float64, a int32) {
		if a >= 0 && a != x && a != y {
			cand[n] = entry{v, a, true}
			n++
		}
	}
	switch {
	case c.a1 == boundOnly:
		rest = c.v1
	case c.a2 == boundOnly:
		rest = c.v2
		keep(c.v1, c.a1)
	default:
		rest = c.rest
		keep(c.v1, c.a1)
		keep(c.v2, c.a2)
	}
	if yIn {
		cand[n] = entry{v, y, v < rest}
		n++
	}
	less := func(a, b entry) bool { return a.v < b.v || (a.v == b.v && a.a < b.a) }
	for i := 1; i < n; i++ { // insertion sort of at most three
		for j := i; j > 0 && less(cand[j], cand[j-1]); j-- {
			cand[j], cand[j-1] = cand[j-1], cand[j]
		}
	}
	exact := func(k int) bool { return k < n && (cand[k].below || math.IsInf(rest, 1)) }
	restWith := func(from int) float64 { // bound of everything from cand[from] on
		r := rest
		for _, e := range cand[from:n] {
			r = min(r, e.v)
		}
		return r
	}
	switch {
	case n == 0 && math.IsInf(rest, 1):
		*c = emptyColumn()
	case !exact(0):
		c.v1, c.a1 = restWith(0), boundOnly
	case n == 1 && math.IsInf(rest, 1):
		*c = column{cand[0].v, math.Inf(1), math.Inf(1), cand[0].a, noArg}
	case !exact(1):
		c.v1, c.a1 = cand[0].v, cand[0].a
		c.v2, c.a2 = restWith(1), boundOnly
	default:
		*c = column{cand[0].v, cand[1].v, restWith(2), cand[0].a, cand[1].a}
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

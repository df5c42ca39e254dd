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
	// contiguous rest. colVal[c] is its smallest value and colArg[c] the
	// first i attaining it (noArg for an empty column), and colSec[c] a
	// lower bound of the column's other values, kept up to date through
	// merges. When a merge removes or raises the minimum, colArg[c] =
	// boundOnly and colVal[c] is only a lower bound of the minimum (the old
	// colSec), and the column is rescanned if and when the bound could
	// matter.
	colVal []float64
	colSec []float64
	colArg []int32

	// Helper goroutine and the parameters of its current job.
	req  chan int
	done chan struct{}
	job  struct {
		x, y, p, q, lo, hi int
		dxy                float64
		nx, ny             int
		resCur             float64
		resY               int
		res                minTracker
	}
}

const (
	noArg     = -1 // colArg of an empty column (exact, colVal = +Inf)
	boundOnly = -2 // colArg when colVal is only a lower bound
)

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

// minTracker follows the first minimum of a sequence and the smallest of the
// other values.
type minTracker struct {
	val, sec float64
	arg      int
}

func newMinTracker() minTracker { return minTracker{math.Inf(1), math.Inf(1), -1} }

func (t *minTracker) add(v float64, i int) {
	if v < t.val {
		t.sec, t.val, t.arg = t.val, v, i
	} else {
		t.sec = min(t.sec, v)
	}
}

// merge combines the trackers of two consecutive spans.
func (t minTracker) merge(u minTracker) minTracker {
	if u.arg >= 0 && (t.arg < 0 || u.val < t.val) {
		return minTracker{u.val, min(u.sec, t.val), u.arg}
	}
	return minTracker{t.val, min(t.sec, u.val), t.arg}
}

// initColumns computes every column minimum in one pass over the matrix in
// memory order.
func (lk *linker) initColumns(n int) {
	lk.colVal = make([]float64, n)
	lk.colSec = make([]float64, n)
	lk.colArg = make([]int32, n)
	for i := range lk.colVal {
		lk.colVal[i] = math.Inf(1)
		lk.colSec[i] = math.Inf(1)
		lk.colArg[i] = noArg
	}
	for i := range n - 1 {
		row := lk.d[lk.off[i]+i+1 : lk.off[i]+n]
		val, sec, arg := lk.colVal[i+1:n], lk.colSec[i+1:n], lk.colArg[i+1:n]
		for k, v := range row {
			if v < sec[k] {
				if v < val[k] {
					sec[k], val[k], arg[k] = val[k], v, int32(i)
				} else {
					sec[k] = v
				}
			}
		}
	}
}

// nearest returns the nearest active cluster to x with distance < cur, the
// first in index order among equals, or (cur, −1) if there is none.
func (lk *linker) nearest(x int, cur float64) (float64, int) {
	p, _ := slices.BinarySearch(lk.act, int32(x))
	row := lk.scan(x, p, p+1, len(lk.act))
	m, y := row.val, row.arg
	if lk.colArg[x] == boundOnly && !(m < lk.colVal[x]) {
		lk.setColumn(x, lk.scan(x, p, 0, p))
	}
	// Column indices precede row indices, so the column wins ties.
	if a := lk.colArg[x]; a >= 0 && lk.colVal[x] <= m {
		m, y = lk.colVal[x], int(a)
	}
	if y >= 0 && m < cur {
		return m, y
	}
	return cur, -1
}

func (lk *linker) setColumn(c int, t minTracker) {
	lk.colVal[c], lk.colSec[c], lk.colArg[c] = t.val, t.sec, int32(t.arg)
}

// scan returns the first minimum of D(x, ·) over the positions [lo, hi) of
// act, which lie all below or all above p, the position of x.
func (lk *linker) scan(x, p, lo, hi int) minTracker {
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
func (lk *linker) scanSpan(x, p, lo, hi int) minTracker {
	d, off, act := lk.d, lk.off, lk.act
	t := newMinTracker()
	if lo < p {
		for _, i := range act[lo:min(p, hi)] {
			if v := d[off[i]+x]; v < t.sec {
				t.add(v, int(i))
			}
		}
	}
	ox := off[x]
	for _, i := range act[max(lo, p+1):max(hi, p+1)] {
		if v := d[ox+int(i)]; v < t.sec {
			t.add(v, int(i))
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
	var t minTracker
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
	if lk.colVal != nil {
		lk.setColumn(y, t)
	}
}

// updSpan updates the positions act[lo:hi], skipping q (y itself); p is the
// first position above x. It returns the first minimum of the new column of
// y within the span.
func (lk *linker) updSpan(x, y, p, q, lo, hi int, dxy float64, nx, ny int) minTracker {
	d, off, act, size, method := lk.d, lk.off, lk.act, lk.size, lk.method
	ox, oy := off[x], off[y]
	seg := func(a, b int) []int32 { // act[a:b] ∩ act[lo:hi]
		a, b = max(a, lo), min(b, hi)
		if a >= b {
			return nil
		}
		return act[a:b]
	}
	t := newMinTracker()
	if method == Average {
		// The hot path of Expand-and-Cluster, without the method switch.
		fx, fy, fs := float64(nx), float64(ny), float64(nx+ny)
		for _, i := range seg(0, p) {
			oi := off[i]
			v := float64(float64(fx*d[oi+x])+float64(fy*d[oi+y])) / fs
			d[oi+y] = v
			if v < t.sec {
				t.add(v, int(i))
			}
		}
		for _, i := range seg(p, q) {
			oi := off[i]
			v := float64(float64(fx*d[ox+int(i)])+float64(fy*d[oi+y])) / fs
			d[oi+y] = v
			if v < t.sec {
				t.add(v, int(i))
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
			if v < t.sec {
				t.add(v, int(i))
			}
		}
		for _, i := range seg(p, q) {
			oi := off[i]
			v := update(method, d[ox+int(i)], d[oi+y], dxy, nx, ny, size[i])
			d[oi+y] = v
			if v < t.sec {
				t.add(v, int(i))
			}
		}
		for _, i := range seg(q+1, len(act)) {
			d[oy+int(i)] = update(method, d[ox+int(i)], d[oy+int(i)], dxy, nx, ny, size[i])
		}
	}
	if lk.colVal != nil {
		lk.refreshColumns(x, y, seg(p, q), seg(q+1, len(act)))
	}
	return t
}

// refreshColumns updates the column minima of the clusters above x after x
// and y merged into y: between x and y the columns lose x; above y they
// lose x and see D(y, ·) change. The other values of a column are at least
// its colSec, which yields the new bounds.
func (lk *linker) refreshColumns(x, y int, between, above []int32) {
	val, sec, arg := lk.colVal, lk.colSec, lk.colArg
	x32, y32 := int32(x), int32(y)
	for _, c := range between {
		if arg[c] == x32 {
			val[c], arg[c] = sec[c], boundOnly
		}
	}
	d, oy := lk.d, lk.off[y]
	for _, c := range above {
		v := d[oy+int(c)]
		switch a := arg[c]; {
		case a == boundOnly:
			val[c] = min(val[c], v)
		case a == x32 || a == y32:
			// The minimum left or changed.
			if v < sec[c] {
				val[c], arg[c] = v, y32
			} else {
				val[c], arg[c] = sec[c], boundOnly
			}
		case v < val[c] || (v == val[c] && y32 < a):
			sec[c], val[c], arg[c] = val[c], v, y32
		default:
			sec[c] = min(sec[c], v)
		}
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

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

	// Helper goroutine and the parameters of its current job.
	req  chan int
	done chan struct{}
	job  struct {
		x, y, p, q, lo, hi int
		cur, dxy           float64
		nx, ny             int
		resCur             float64
		resY               int
	}
}

const (
	jobNearest = iota
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
		case jobNearest:
			j.resCur, j.resY = lk.scanSpan(j.x, j.p, j.lo, j.hi, j.cur)
		case jobUpdate:
			lk.updSpan(j.x, j.y, j.p, j.q, j.lo, j.hi, j.dxy, j.nx, j.ny)
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

// nearest returns the nearest active cluster to x with distance < cur, the
// first in index order among equals, or (cur, −1) if there is none.
func (lk *linker) nearest(x int, cur float64) (float64, int) {
	p, _ := slices.BinarySearch(lk.act, int32(x))
	if !lk.parallel() {
		return lk.scanSpan(x, p, 0, len(lk.act), cur)
	}
	s := split(p, len(lk.act), 4)
	j := &lk.job
	j.x, j.p, j.lo, j.hi, j.cur = x, p, 0, s, cur
	lk.req <- jobNearest
	c2, y2 := lk.scanSpan(x, p, s, len(lk.act), math.Inf(1))
	<-lk.done
	if y2 >= 0 && c2 < j.resCur {
		return c2, y2
	}
	return j.resCur, j.resY
}

// scanSpan scans act[lo:hi] (skipping position p, which holds x) for the
// first cluster closer to x than cur.
func (lk *linker) scanSpan(x, p, lo, hi int, cur float64) (float64, int) {
	d, off, act := lk.d, lk.off, lk.act
	y := -1
	if lo < p {
		for _, i := range act[lo:min(p, hi)] {
			if v := d[off[i]+x]; v < cur {
				cur, y = v, int(i)
			}
		}
	}
	ox := off[x]
	for _, i := range act[max(lo, p+1):max(hi, p+1)] {
		if v := d[ox+int(i)]; v < cur {
			cur, y = v, int(i)
		}
	}
	return cur, y
}

// update sets d(i, y) to the distance from each active cluster i to the
// union of x and y (x < y, x already removed from act, y active).
func (lk *linker) update(x, y int, dxy float64, nx, ny int) {
	p, _ := slices.BinarySearch(lk.act, int32(x)) // first active index > x
	q, _ := slices.BinarySearch(lk.act, int32(y)) // position of y
	if !lk.parallel() {
		lk.updSpan(x, y, p, q, 0, len(lk.act), dxy, nx, ny)
		return
	}
	s := split(q, len(lk.act), 3)
	j := &lk.job
	j.x, j.y, j.p, j.q, j.lo, j.hi, j.dxy, j.nx, j.ny = x, y, p, q, 0, s, dxy, nx, ny
	lk.req <- jobUpdate
	lk.updSpan(x, y, p, q, s, len(lk.act), dxy, nx, ny)
	<-lk.done
}

// updSpan updates the positions act[lo:hi], skipping q (y itself); p is the
// first position above x.
func (lk *linker) updSpan(x, y, p, q, lo, hi int, dxy float64, nx, ny int) {
	d, off, act, size, method := lk.d, lk.off, lk.act, lk.size, lk.method
	ox, oy := off[x], off[y]
	seg := func(a, b int) []int32 { // act[a:b] ∩ act[lo:hi]
		a, b = max(a, lo), min(b, hi)
		if a >= b {
			return nil
		}
		return act[a:b]
	}
	if method == Average {
		// The hot path of Expand-and-Cluster, without the method switch.
		fx, fy, fs := float64(nx), float64(ny), float64(nx+ny)
		for _, i := range seg(0, p) {
			oi := off[i]
			d[oi+y] = float64(float64(fx*d[oi+x])+float64(fy*d[oi+y])) / fs
		}
		for _, i := range seg(p, q) {
			oi := off[i]
			d[oi+y] = float64(float64(fx*d[ox+int(i)])+float64(fy*d[oi+y])) / fs
		}
		for _, i := range seg(q+1, len(act)) {
			d[oy+int(i)] = float64(float64(fx*d[ox+int(i)])+float64(fy*d[oy+int(i)])) / fs
		}
		return
	}
	for _, i := range seg(0, p) {
		oi := off[i]
		d[oi+y] = update(method, d[oi+x], d[oi+y], dxy, nx, ny, size[i])
	}
	for _, i := range seg(p, q) {
		oi := off[i]
		d[oi+y] = update(method, d[ox+int(i)], d[oi+y], dxy, nx, ny, size[i])
	}
	for _, i := range seg(q+1, len(act)) {
		d[oy+int(i)] = update(method, d[ox+int(i)], d[oy+int(i)], dxy, nx, ny, size[i])
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

package cluster

import (
	"fmt"
	"github.com/paramrecovery/expandcluster/internal/gram"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// Condensed is a condensed distance matrix: the upper triangle of a
// symmetric n×n matrix with zero diagonal, row by row, as scipy's pdist
// returns it. The distance between points i < j is at index
// CondensedIndex(N, i, j); Data has N(N−1)/2 elements.
type Condensed struct {
	N    int
	Data []float64
}

// NewCondensed allocates a zero condensed matrix for n points.
func NewCondensed(n int) Condensed {
	if n < 0 {
		panic("cluster: negative number of points")
	}
	c := Condensed{N: n, Data: make([]float64, n*(n-1)/2)}
	adviseHugePages(c.Data)
	return c
}

// CondensedIndex returns the index of the pair (i, j), i ≠ j, in a condensed
// matrix of n points. It panics if i == j or either is out of range.
func CondensedIndex(n, i, j int) int {
	if i == j || i < 0 || j < 0 || i >= n || j >= n {
		panic(fmt.Sprintf("cluster: bad condensed index (%d, %d) for %d points", i, j, n))
	}
	if i > j {
		i, j = j, i
	}
	return n*i - i*(i+1)/2 + j - i - 1
}

// At returns the distance between points i and j (zero when i == j).
func (c Condensed) At(i, j int) float64 {
	if i == j {
		if i < 0 || i >= c.N {
			panic("cluster: index out of range")
		}
		return 0
	}
	return c.Data[CondensedIndex(c.N, i, j)]
}

// numPoints returns n such that l = n(n−1)/2, or −1.
func numPoints(l int) int {
	n := int((1 + math.Sqrt(1+8*float64(l))) / 2)
	for _, c := range [...]int{n - 1, n, n + 1} {
		if c >= 0 && c*(c-1)/2 == l {
			return c
		}
	}
	return -1
}

// DistanceSettings controls the computation of pairwise distances. The zero
// value (or a nil pointer) means the defaults.
type DistanceSettings struct {
	// Workers is the number of goroutines computing tiles of the distance
	// matrix. Zero means runtime.GOMAXPROCS(0). The result is bit-for-bit
	// the same for any number of workers.
	Workers int
}

func (s *DistanceSettings) workers() int {
	if s == nil || s.Workers <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return s.Workers
}

// recomputeTol decides when a Gram-based squared distance is replaced by a
// direct computation from the difference vector. The Gram formula
// ‖u‖²+‖v‖²−2u·v has an absolute error of a few ulps of ‖u‖²+‖v‖²; when the
// result is below recomputeTol·(‖u‖²+‖v‖²) it is recomputed from u−v (or u+v),
// which bounds the relative error of every Euclidean distance by about
// 1e-13 while recomputing only pairs that are closer than a tenth of their
// norms.
const recomputeTol = 1e-2

// Tile shape for the Gram products (internal/gram). The kernel's working
// set (4 rows of the tile against its 128 columns) stays in L1/L2; 64×128
// also keeps gonum's Dgemm, gram's fallback without AVX2, on its serial
// path (fewer than four 64×64 blocks) so each worker owns one core and
// allocates nothing.
const (
	tileRows = 64
	tileCols = 128
)

// Distances returns the condensed matrix of distances between the rows of x
// under metric, computed in parallel tiles. Below 64 dimensions every
// distance is summed directly from coordinate differences (an AVX2 kernel
// where available); from 64 on it comes from blocked Gram products, and
// pairs whose Gram result suffers cancellation are recomputed directly. Either
// way every distance agrees with the direct computation to about 1e-13
// relative, including near-duplicates.
//
// x must have at least 2 rows and 1 column and only finite entries; for
// Cosine no row may be zero.
func Distances(x *mat.Dense, metric Metric, s *DistanceSettings) (Condensed, error) {
	if err := checkPoints(x, metric); err != nil {
		return Condensed{}, err
	}
	r, _ := x.Dims()
	c := NewCondensed(r)
	distancesTo(c.Data, x, metric, s.workers())
	return c, nil
}

// DistancesTo is like Distances but writes into dst, which must have
// dst.N equal to the number of rows of x and len(dst.Data) = N(N−1)/2.
func DistancesTo(dst Condensed, x *mat.Dense, metric Metric, s *DistanceSettings) error {
	if err := checkPoints(x, metric); err != nil {
		return err
	}
	r, _ := x.Dims()
	if dst.N != r || len(dst.Data) != r*(r-1)/2 {
		return fmt.Errorf("cluster: DistancesTo: destination holds %d points (%d values), x has %d rows", dst.N, len(dst.Data), r)
	}
	distancesTo(dst.Data, x, metric, s.workers())
	return nil
}

// checkPoints validates the observation matrix.
func checkPoints(x *mat.Dense, metric Metric) error {
	if !metric.valid() {
		return fmt.Errorf("cluster: unknown metric %v", metric)
	}
	if x == nil || x.IsEmpty() {
		return fmt.Errorf("cluster: no points (empty matrix)")
	}
	r, c := x.Dims()
	if r < 2 {
		return fmt.Errorf("cluster: need at least 2 points, have %d", r)
	}
	if c < 1 {
		return fmt.Errorf("cluster: points are zero-dimensional")
	}
	raw := x.RawMatrix()
	for i := range r {
		row := raw.Data[i*raw.Stride : i*raw.Stride+c]
		var nn float64
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("cluster: point %d has non-finite coordinate %d (%v)", i, j, v)
			}
			nn += v * v
		}
		if metric == Cosine && nn == 0 {
			return fmt.Errorf("cluster: point %d is the zero vector; its cosine distance is undefined", i)
		}
	}
	return nil
}

// directMaxDim is the dimension below which distances are computed directly
// from coordinate differences (gram.Panels) instead of from Gram products:
// in few dimensions the per-pair work of the Gram route (norms, the
// cancellation test, a second pass) costs more than the coordinates
// themselves, and the direct sums need no cancellation check.
const directMaxDim = 64

// Tile shape of the direct route: 64 rows (16 blocks of the kernel's 4)
// against 512 columns, whose panels (512·d values) stay in L2.
const (
	directRows = 64
	directCols = 512
)

// distancesTo fills dst (len n(n−1)/2) with the distances between the rows of
// x. Inputs are assumed valid.
func distancesTo(dst []float64, x *mat.Dense, metric Metric, workers int) {
	raw := x.RawMatrix()
	if raw.Cols < directMaxDim {
		directDistances(dst, raw.Data, raw.Rows, raw.Cols, raw.Stride, metric, workers)
		return
	}
	gramDistances(dst, raw.Data, raw.Rows, raw.Cols, raw.Stride, metric, workers)
}

// forTiles calls work(t) for t in [0, tiles) on up to `workers` goroutines,
// each with its own work function from newWorker (which may hold scratch
// space).
func forTiles(tiles, workers int, newWorker func() func(t int)) {
	workers = max(min(workers, tiles), 1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work := newWorker()
			for {
				t := int(next.Add(1) - 1)
				if t >= tiles {
					return
				}
				work(t)
			}
		}()
	}
	wg.Wait()
}

// tile is a block of the distance matrix: rows from i0, columns from j0.
type tile struct{ i0, j0 int }

// upperTiles lists the tiles of rows×cols (rows dividing cols) that hold
// pairs i < j.
func upperTiles(n, rows, cols int) []tile {
	var tiles []tile
	for i0 := 0; i0 < n-1; i0 += rows {
		// first column block whose end exceeds i0+1
		for j0 := ((i0 + 1) / cols) * cols; j0 < n; j0 += cols {
			tiles = append(tiles, tile{i0, j0})
		}
	}
	return tiles
}

// directDistances computes every distance from the coordinate differences
// with gram.Panels. Cosine distances are ½‖û − v̂‖² of the normalised rows,
// which equals 1 − cos without its cancellation.
func directDistances(dst, data []float64, n, d, stride int, metric Metric, workers int) {
	var scale []float64
	kind := gram.Root
	switch metric {
	case SignInvariantEuclidean:
		kind = gram.RootSignless
	case Cosine:
		kind = gram.SumSq
		scale = make([]float64, n)
		for i := range n {
			u := data[i*stride : i*stride+d]
			scale[i] = 1 / math.Sqrt(dot(u, u))
		}
	}
	p := gram.NewPanels(data, stride, n, d, scale)
	tiles := upperTiles(n, directRows, directCols)
	forTiles(len(tiles), workers, func() func(int) {
		return func(t int) { directTile(dst, p, tiles[t], kind, metric == Cosine) }
	})
}

// directTile computes the pairs of one tile of the direct route, four rows
// at a time: the few pairs inside each block of four rows one by one, the
// rest with the kernel.
func directTile(dst []float64, p *gram.Panels, tl tile, kind gram.Kind, cosine bool) {
	n := p.Len()
	j1 := min(tl.j0+directCols, n)
	var out [4][]float64
	for i := tl.i0; i < min(tl.i0+directRows, n-1); i += 4 {
		for r := range min(3, n-1-i) {
			o := condOffset(n, i+r)
			for j := max(i+r+1, tl.j0); j < min(i+4, j1); j++ {
				dst[o+j] = p.Pair(i+r, j, kind)
				if cosine {
					halveCapped(dst[o+j : o+j+1])
				}
			}
		}
		js := max(tl.j0, i+4)
		if js >= j1 {
			continue
		}
		for r := range out {
			o := condOffset(n, i+r)
			out[r] = dst[o+js : o+j1]
		}
		p.SqDists(&out, i, js, j1, kind)
		if cosine {
			for _, row := range out {
				halveCapped(row)
			}
		}
	}
}

// halveCapped turns ‖û − v̂‖² into the cosine distance ½‖û − v̂‖², capped
// at 2 like scipy's.
func halveCapped(v []float64) {
	for k, x := range v {
		v[k] = min(0.5*x, 2)
	}
}

// gramDistances computes the distances from blocked Gram products,
// recomputing the pairs whose Gram result suffers cancellation.
func gramDistances(dst, data []float64, n, d, stride int, metric Metric, workers int) {
	sq := make([]float64, n) // squared norms, computed directly
	for i := range n {
		sq[i] = dot(data[i*stride:i*stride+d], data[i*stride:i*stride+d])
	}
	var inv []float64 // 1/‖x_i‖ for Cosine
	if metric == Cosine {
		inv = make([]float64, n)
		for i := range n {
			inv[i] = 1 / math.Sqrt(sq[i])
		}
	}
	tiles := upperTiles(n, tileRows, tileCols)
	forTiles(len(tiles), workers, func() func(int) {
		buf := make([]float64, tileRows*tileCols)
		return func(t int) { gramTile(dst, buf, data, n, d, stride, tiles[t], metric, sq, inv) }
	})
}

// gramTile computes the distances of one tile from its Gram products.
func gramTile(dst, buf, data []float64, n, d, stride int, tl tile, metric Metric, sq, inv []float64) {
	i0, j0 := tl.i0, tl.j0
	i1, j1 := min(i0+tileRows, n), min(j0+tileCols, n)
	m, w := i1-i0, j1-j0
	gram.Tile(buf[:m*w], data, stride, d, i0, i1, j0, j1)
	for i := i0; i < i1; i++ {
		js := max(j0, i+1)
		if js >= j1 {
			continue
		}
		g := buf[(i-i0)*w+(js-j0) : (i-i0)*w+(j1-j0)]
		out := dst[condOffset(n, i)+js : condOffset(n, i)+j1]
		u := data[i*stride : i*stride+d]
		switch metric {
		case Euclidean:
			euclidRow(out, g, u, data, stride, d, sq, i, js)
		case SignInvariantEuclidean:
			signInvRow(out, g, u, data, stride, d, sq, i, js)
		case Cosine:
			cosineRow(out, g, u, data, stride, d, inv, i, js)
		}
	}
}

// condOffset returns o such that the condensed index of (i, j), i < j, is
// o + j.
func condOffset(n, i int) int { return n*i - i*(i+1)/2 - i - 1 }

func euclidRow(out, g, u, data []float64, stride, d int, sq []float64, i, js int) {
	si := sq[i]
	for k := range out {
		j := js + k
		s := si + sq[j]
		d2 := s - 2*g[k]
		if d2 < recomputeTol*s {
			d2 = sqDiff(u, data[j*stride:j*stride+d])
		}
		out[k] = math.Sqrt(max(d2, 0))
	}
}

func signInvRow(out, g, u, data []float64, stride, d int, sq []float64, i, js int) {
	si := sq[i]
	for k := range out {
		j := js + k
		s := si + sq[j]
		gk := g[k]
		d2 := s - 2*math.Abs(gk)
		if d2 < recomputeTol*s {
			if gk >= 0 {
				d2 = sqDiff(u, data[j*stride:j*stride+d])
			} else {
				d2 = sqSum(u, data[j*stride:j*stride+d])
			}
		}
		out[k] = math.Sqrt(max(d2, 0))
	}
}

func cosineRow(out, g, u, data []float64, stride, d int, inv []float64, i, js int) {
	ii := inv[i]
	for k := range out {
		j := js + k
		c := 1 - g[k]*ii*inv[j]
		if c < recomputeTol {
			// 1 − cos = ½‖û − v̂‖², free of cancellation.
			c = 0.5 * sqDiffScaled(u, ii, data[j*stride:j*stride+d], inv[j])
		}
		out[k] = min(max(c, 0), 2)
	}
}

// dot returns u·v. len(v) must be ≥ len(u).
func dot(u, v []float64) float64 {
	v = v[:len(u)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(u); k += 4 {
		s0 += u[k] * v[k]
		s1 += u[k+1] * v[k+1]
		s2 += u[k+2] * v[k+2]
		s3 += u[k+3] * v[k+3]
	}
	for ; k < len(u); k++ {
		s0 += u[k] * v[k]
	}
	return (s0 + s1) + (s2 + s3)
}

// sqDiff returns ‖u−v‖².
func sqDiff(u, v []float64) float64 {
	v = v[:len(u)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(u); k += 4 {
		a := u[k] - v[k]
		b := u[k+1] - v[k+1]
		c := u[k+2] - v[k+2]
		e := u[k+3] - v[k+3]
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += e * e
	}
	for ; k < len(u); k++ {
		a := u[k] - v[k]
		s0 += a * a
	}
	return (s0 + s1) + (s2 + s3)
}

// sqSum returns ‖u+v‖².
func sqSum(u, v []float64) float64 {
	v = v[:len(u)]
	var s0, s1 float64
	k := 0
	for ; k+2 <= len(u); k += 2 {
		a := u[k] + v[k]
		b := u[k+1] + v[k+1]
		s0 += a * a
		s1 += b * b
	}
	for ; k < len(u); k++ {
		a := u[k] + v[k]
		s0 += a * a
	}
	return s0 + s1
}

// sqDiffScaled returns ‖a·u − b·v‖².
func sqDiffScaled(u []float64, a float64, v []float64, b float64) float64 {
	v = v[:len(u)]
	var s float64
	for k, x := range u {
		e := a*x - b*v[k]
		s += e * e
	}
	return s
}

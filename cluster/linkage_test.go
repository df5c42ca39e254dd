package cluster

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestLinkageScipyYtdist(t *testing.T) {
	sd := loadScipy(t)
	for name, want := range sd.LinkageYtdist {
		tree, err := LinkageCondensed(slices.Clone(sd.Ytdist), methodByName(t, name))
		if err != nil {
			t.Fatal(err)
		}
		checkLinkageMatrix(t, "ytdist "+name, tree.Merges(), want, sd.LinkageYtdistTol)
	}
}

func TestLinkageScipyX(t *testing.T) {
	sd := loadScipy(t)
	x := denseOf(sd.X)
	for name, want := range sd.LinkageX {
		m := methodByName(t, name)
		tree, err := Linkage(x, m, Euclidean)
		if err != nil {
			t.Fatal(err)
		}
		checkLinkageMatrix(t, "X "+name, tree.Merges(), want, sd.LinkageXTol)
		d, err := Distances(x, Euclidean, nil)
		if err != nil {
			t.Fatal(err)
		}
		tree, err = LinkageCondensed(d.Data, m)
		if err != nil {
			t.Fatal(err)
		}
		checkLinkageMatrix(t, "X condensed "+name, tree.Merges(), want, sd.LinkageXTol)
	}
}

func TestLinkageScipyTies(t *testing.T) {
	sd := loadScipy(t)
	x := denseOf(sd.TiesX)
	for name, want := range sd.LinkageTies {
		tree, err := Linkage(x, methodByName(t, name), Euclidean)
		if err != nil {
			t.Fatal(err)
		}
		checkLinkageMatrix(t, "ties "+name, tree.Merges(), want, sd.LinkageTiesTol)
	}
}

// TestLinkageMatchesNaive compares every method with scipy's O(n³)
// reference algorithm on random tie-free data: same pairs, same order, and
// heights to 1e-12 relative.
func TestLinkageMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{2, 3, 5, 10, 31, 80}
	if !testing.Short() {
		sizes = append(sizes, 200)
	}
	for _, n := range sizes {
		for rep := range 5 {
			dim := 1 + rng.IntN(6)
			x := mat.NewDense(n, dim, nil)
			for i := range n {
				for j := range dim {
					x.Set(i, j, rng.NormFloat64())
				}
			}
			d, err := Distances(x, Euclidean, nil)
			if err != nil {
				t.Fatal(err)
			}
			for m := Single; m <= Median; m++ {
				want := naiveLinkage(d.Data, n, m)
				tree, err := LinkageCondensed(slices.Clone(d.Data), m)
				if err != nil {
					t.Fatal(err)
				}
				got := tree.Merges()
				name := m.String() + " n=" + strconv.Itoa(n) + " rep=" + strconv.Itoa(rep)
				for i := range want {
					g, w := got[i], want[i]
					if g.A != w.A || g.B != w.B || g.Size != w.Size || !relClose(g.Height, w.Height, 1e-12) {
						t.Fatalf("%s: merge %d = %+v, naive %+v", name, i, g, w)
					}
				}
			}
		}
	}
}

// TestLinkageParallelLoops forces the two-goroutine loops on small inputs
// and checks them against the naive algorithm, including ties.
func TestLinkageParallelLoops(t *testing.T) {
	saved := parMin
	parMin = 4
	defer func() { parMin = saved }()
	rng := rand.New(rand.NewPCG(31, 32))
	for rep := range 30 {
		n := 5 + rng.IntN(120)
		d := make([]float64, n*(n-1)/2)
		ties := rep%2 == 0
		for k := range d {
			if ties {
				d[k] = float64(1 + rng.IntN(5))
			} else {
				d[k] = rng.Float64()
			}
		}
		for _, m := range []Method{Single, Complete, Average, Weighted, Ward} {
			parMin = 4
			par, err := LinkageCondensed(slices.Clone(d), m)
			if err != nil {
				t.Fatal(err)
			}
			parMin = 1 << 30
			seq, err := LinkageCondensed(slices.Clone(d), m)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(par.Merges(), seq.Merges()) {
				t.Fatalf("rep %d %v: parallel loops differ from sequential", rep, m)
			}
			if !ties {
				want := naiveLinkage(d, n, m)
				got := par.Merges()
				for i := range want {
					if got[i].A != want[i].A || got[i].B != want[i].B || !relClose(got[i].Height, want[i].Height, 1e-12) {
						t.Fatalf("rep %d %v: merge %d = %+v, naive %+v", rep, m, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// scipyNNChain transliterates scipy's nn_chain (cluster/_hierarchy.pyx)
// loop for loop, as the reference for inputs with ties, where the order in
// which equal distances are met decides the merges.
func scipyNNChain(dist []float64, n int, method Method) []Merge {
	d := slices.Clone(dist)
	size := make([]int, n)
	for i := range size {
		size[i] = 1
	}
	at := func(i, j int) *float64 { return &d[CondensedIndex(n, i, j)] }
	z := make([]Merge, n-1)
	var chain []int
	for k := range n - 1 {
		if len(chain) == 0 {
			for i := range n {
				if size[i] > 0 {
					chain = append(chain, i)
					break
				}
			}
		}
		var x, y int
		var cur float64
		for {
			x = chain[len(chain)-1]
			cur = math.Inf(1)
			if len(chain) > 1 {
				y = chain[len(chain)-2]
				cur = *at(x, y)
			}
			for i := range n {
				if size[i] == 0 || i == x {
					continue
				}
				if v := *at(x, i); v < cur {
					cur, y = v, i
				}
			}
			if len(chain) > 1 && y == chain[len(chain)-2] {
				break
			}
			chain = append(chain, y)
		}
		chain = chain[:len(chain)-2]
		x, y = min(x, y), max(x, y)
		nx, ny := size[x], size[y]
		z[k] = Merge{A: x, B: y, Height: cur, Size: nx + ny}
		size[x], size[y] = 0, nx+ny
		for i := range n {
			if size[i] == 0 || i == y {
				continue
			}
			*at(i, y) = update(method, *at(i, x), *at(i, y), cur, nx, ny, size[i])
		}
	}
	sortAndLabel(z, n)
	return z
}

// TestNNChainTiesMatchScipy checks the chain's bookkeeping (column minima
// and their bounds) on inputs full of ties, against the transliteration of
// scipy's loop: the merges must be the same, bit for bit.
func TestNNChainTiesMatchScipy(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	reps := 400
	if testing.Short() {
		reps = 100
	}
	for rep := range reps {
		n := 2 + rng.IntN(120)
		levels := 1 + rng.IntN(6)
		d := make([]float64, n*(n-1)/2)
		for k := range d {
			d[k] = float64(rng.IntN(levels))
		}
		for _, m := range []Method{Complete, Average, Weighted, Ward} {
			want := scipyNNChain(d, n, m)
			tree, err := LinkageCondensed(slices.Clone(d), m)
			if err != nil {
				t.Fatal(err)
			}
			if got := tree.Merges(); !slices.Equal(got, want) {
				t.Fatalf("rep %d n=%d %v: merges differ from scipy's loop\ngot  %v\nwant %v", rep, n, m, got, want)
			}
		}
	}
}

// TestNNChainColumnListsMatchScipy exercises the column lists of the
// nearest-neighbour chain where they overflow and run empty: inputs with
// more than colK ties at a column's minimum (two or three distinct
// distances), and Expand-and-Cluster-like inputs, groups of near-copies
// much larger than colK whose merges empty the lists again and again.
// Merges must equal those of the transliteration of scipy's loop, bit for
// bit.
func TestNNChainColumnListsMatchScipy(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	reps := 15
	if testing.Short() {
		reps = 6
	}
	check := func(name string, d []float64, n int) {
		t.Helper()
		for _, m := range []Method{Complete, Average, Weighted, Ward} {
			want := scipyNNChain(d, n, m)
			tree, err := LinkageCondensed(slices.Clone(d), m)
			if err != nil {
				t.Fatal(err)
			}
			if got := tree.Merges(); !slices.Equal(got, want) {
				t.Fatalf("%s n=%d %v: merges differ from scipy's loop\ngot  %v\nwant %v", name, n, m, got, want)
			}
		}
	}
	for rep := range reps {
		n := 20 + rng.IntN(200)
		levels := 2 + rng.IntN(2)
		d := make([]float64, n*(n-1)/2)
		for k := range d {
			d[k] = float64(rng.IntN(levels))
		}
		check("ties rep "+strconv.Itoa(rep), d, n)

		x := studentVectors(uint64(rep), 3+rng.IntN(4), 20+rng.IntN(60), 2+rng.IntN(4), 1+rng.IntN(8))
		dist, err := Distances(x, Euclidean, nil)
		if err != nil {
			t.Fatal(err)
		}
		check("near-copies rep "+strconv.Itoa(rep), dist.Data, dist.N)
	}
}

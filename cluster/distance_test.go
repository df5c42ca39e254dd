package cluster

import (
	"github.com/paramrecovery/expandcluster/internal/gram"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// directDistance is the textbook formula, computed from the difference.
func directDistance(u, v []float64, metric Metric) float64 {
	switch metric {
	case Euclidean:
		return math.Sqrt(sqDiff(u, v))
	case SignInvariantEuclidean:
		return math.Min(math.Sqrt(sqDiff(u, v)), math.Sqrt(sqSum(u, v)))
	case Cosine:
		nu, nv := math.Sqrt(dot(u, u)), math.Sqrt(dot(v, v))
		return min(max(1-dot(u, v)/(nu*nv), 0), 2)
	}
	panic("metric")
}

func randDense(rng *rand.Rand, n, d int) *mat.Dense {
	x := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			x.Set(i, j, rng.NormFloat64())
		}
	}
	return x
}

func TestDistancesMatchDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, shape := range [][2]int{{2, 1}, {3, 4}, {70, 3}, {200, 33}, {300, 785}} {
		n, dim := shape[0], shape[1]
		x := randDense(rng, n, dim)
		// Some near-duplicates and sign-flipped near-duplicates.
		for i := 0; i+1 < n; i += 7 {
			for j := range dim {
				v := x.At(i, j) + 1e-9*rng.NormFloat64()
				if i%2 == 0 {
					v = -v
				}
				x.Set(i+1, j, v)
			}
		}
		for _, metric := range []Metric{Euclidean, SignInvariantEuclidean, Cosine} {
			c, err := Distances(x, metric, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				for j := i + 1; j < n; j++ {
					want := directDistance(x.RawRowView(i), x.RawRowView(j), metric)
					got := c.At(i, j)
					tol := 1e-12
					if metric == Cosine {
						// The textbook cosine formula itself loses digits;
						// compare absolutely.
						if math.Abs(got-want) > 1e-14 {
							t.Fatalf("%v n=%d d=%d (%d,%d): %v, direct %v", metric, n, dim, i, j, got, want)
						}
						continue
					}
					if !relClose(got, want, tol) && math.Abs(got-want) > 1e-300 {
						t.Fatalf("%v n=%d d=%d (%d,%d): %v, direct %v (rel %g)", metric, n, dim, i, j, got, want, math.Abs(got-want)/want)
					}
				}
			}
		}
	}
}

// TestDistancesNearDuplicates is the Expand-and-Cluster case: vectors of
// norm 1 at distance 1e-10 must get the distance of the direct computation
// to 1e-12 relative (the Gram formula alone would return noise of 1e-8).
func TestDistancesNearDuplicates(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, dim = 50, 785
	x := mat.NewDense(n, dim, nil)
	base := make([]float64, dim)
	for j := range base {
		base[j] = rng.NormFloat64()
	}
	nb := math.Sqrt(dot(base, base))
	for j := range base {
		base[j] /= nb
	}
	for i := range n {
		dir := make([]float64, dim)
		for j := range dir {
			dir[j] = rng.NormFloat64()
		}
		nd := math.Sqrt(dot(dir, dir))
		scale := 1e-10 * float64(i) / nd
		sign := 1.0
		if i%3 == 0 {
			sign = -1
		}
		for j := range dim {
			x.Set(i, j, sign*(base[j]+scale*dir[j]))
		}
	}
	for _, metric := range []Metric{Euclidean, SignInvariantEuclidean} {
		c, err := Distances(x, metric, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			for j := i + 1; j < n; j++ {
				u, v := x.RawRowView(i), x.RawRowView(j)
				want := directDistance(u, v, metric)
				if metric == Euclidean && (i%3 == 0) != (j%3 == 0) {
					continue // opposite signs: distance ≈ 2, covered elsewhere
				}
				if want > 1e-8 {
					t.Fatalf("test setup: pair (%d,%d) at distance %v", i, j, want)
				}
				if !relClose(c.At(i, j), want, 1e-12) {
					t.Fatalf("%v (%d,%d): %v, direct %v", metric, i, j, c.At(i, j), want)
				}
			}
		}
	}
}

func TestDistancesWorkerInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x := randDense(rng, 517, 13)
	for _, metric := range []Metric{Euclidean, SignInvariantEuclidean, Cosine} {
		ref, err := Distances(x, metric, &DistanceSettings{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{2, 3, 8} {
			c, err := Distances(x, metric, &DistanceSettings{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ref.Data, c.Data) {
				t.Fatalf("%v: %d workers differ from 1", metric, w)
			}
		}
	}
}

func TestDistancesStrided(t *testing.T) {
	// A view with stride > cols.
	rng := rand.New(rand.NewPCG(11, 12))
	big := randDense(rng, 40, 9)
	x := big.Slice(3, 37, 2, 7).(*mat.Dense)
	c, err := Distances(x, Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 34 {
		for j := i + 1; j < 34; j++ {
			want := directDistance(x.RawRowView(i)[:5], x.RawRowView(j)[:5], Euclidean)
			if !relClose(c.At(i, j), want, 1e-12) {
				t.Fatalf("(%d,%d): %v want %v", i, j, c.At(i, j), want)
			}
		}
	}
}

func TestDistancesErrors(t *testing.T) {
	nan := mat.NewDense(3, 2, []float64{0, 1, 2, math.NaN(), 4, 5})
	inf := mat.NewDense(3, 2, []float64{0, 1, 2, 3, math.Inf(-1), 5})
	zero := mat.NewDense(3, 2, []float64{0, 1, 0, 0, 4, 5})
	one := mat.NewDense(1, 2, []float64{0, 1})
	for _, c := range []struct {
		name   string
		x      *mat.Dense
		metric Metric
		want   string
	}{
		{"nan", nan, Euclidean, "point 1 has non-finite coordinate 1"},
		{"inf", inf, Euclidean, "point 2 has non-finite coordinate 0"},
		{"zero cosine", zero, Cosine, "point 1 is the zero vector"},
		{"one point", one, Euclidean, "at least 2 points"},
		{"empty", &mat.Dense{}, Euclidean, "no points"},
		{"metric", zero, Metric(9), "unknown metric"},
	} {
		_, err := Distances(c.x, c.metric, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if err := DistancesTo(NewCondensed(4), zero, Euclidean, nil); err == nil {
		t.Error("DistancesTo accepted a destination of the wrong size")
	}
}

func TestCondensedIndex(t *testing.T) {
	n := 7
	k := 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			if CondensedIndex(n, i, j) != k || CondensedIndex(n, j, i) != k {
				t.Fatalf("index (%d,%d) != %d", i, j, k)
			}
			if a, b := pairOf(n, k); a != i || b != j {
				t.Fatalf("pairOf(%d) = %d,%d", k, a, b)
			}
			k++
		}
	}
	for l, want := range map[int]int{0: -1, 1: 2, 3: 3, 6: 4, 5: -1, 4950: 100} {
		if got := numPoints(l); got != want && !(l == 0 && got < 2) {
			t.Errorf("numPoints(%d) = %d, want %d", l, got, want)
		}
	}
}

// TestDistancesGemmFallback checks the path without the AVX2 kernel (gonum's
// Dgemm) against the kernel and the direct formula.
func TestDistancesGemmFallback(t *testing.T) {
	saved := gram.UseKernel(true)
	defer gram.UseKernel(saved)
	rng := rand.New(rand.NewPCG(13, 14))
	x := randDense(rng, 150, 37)
	want, err := Distances(x, Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	gram.UseKernel(false)
	got, err := Distances(x, Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range got.Data {
		if !relClose(got.Data[k], want.Data[k], 1e-12) {
			t.Fatalf("entry %d: Dgemm path %v, kernel path %v", k, got.Data[k], want.Data[k])
		}
	}
}

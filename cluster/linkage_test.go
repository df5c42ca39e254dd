package cluster

import (
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

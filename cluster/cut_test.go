package cluster

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestCutScipyFcluster(t *testing.T) {
	sd := loadScipy(t)
	tree, err := Linkage(denseOf(sd.QX), Single, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	for hs, want := range sd.FclusterDistance {
		h, _ := strconv.ParseFloat(hs, 64)
		got := tree.CutHeight(h)
		if !isIsomorphic(got, want) {
			t.Errorf("CutHeight(%v) = %v, scipy %v", h, got, want)
		}
		if !sameNumbering(got, want) {
			t.Logf("CutHeight(%v): same partition, different numbering: %v, scipy %v", h, got, want)
		}
	}
	for ks, want := range sd.FclusterMaxclust {
		k, _ := strconv.Atoi(ks)
		got, err := tree.CutK(k)
		if err != nil {
			t.Fatal(err)
		}
		if !isIsomorphic(got, want) {
			t.Errorf("CutK(%v) = %v, scipy %v", k, got, want)
		}
		if !sameNumbering(got, want) {
			t.Logf("CutK(%v): same partition, different numbering: %v, scipy %v", k, got, want)
		}
	}
	// scipy's leaders test: with 3 clusters, cluster (1-based) M[i] has
	// top node L[i].
	labels, _ := tree.CutK(3)
	for i, node := range sd.Leaders.L {
		pts := leavesOf(tree, node)
		for _, p := range pts {
			if labels[p] != sd.Leaders.M[i]-1 {
				t.Errorf("point %d under node %d has label %d, scipy %d", p, node, labels[p], sd.Leaders.M[i]-1)
			}
		}
	}
}

// sameNumbering reports whether got (0-based) equals scipy's 1-based labels.
func sameNumbering(got, want []int) bool {
	for i := range got {
		if got[i] != want[i]-1 {
			return false
		}
	}
	return true
}

func leavesOf(t *Tree, node int) []int {
	if node < t.n {
		return []int{node}
	}
	m := t.merges[node-t.n]
	return append(leavesOf(t, m.A), leavesOf(t, m.B)...)
}

// naiveCut is the definition of a distance cut: start from singletons and
// join every merge whose subtree has no height above h.
func naiveCutPartition(t *Tree, h float64) []int {
	n := t.n
	comp := make([]int, n)
	for i := range comp {
		comp[i] = i
	}
	md := t.maxDists()
	for i, m := range t.merges {
		if md[i] <= h {
			a, b := leavesOf(t, m.A), leavesOf(t, m.B)
			for _, p := range b {
				comp[p] = comp[a[0]]
			}
			for _, p := range a {
				comp[p] = comp[a[0]]
			}
		}
	}
	return comp
}

// naiveMaxClusters is the reference implementation's algorithm: one full
// cut per merge height.
func naiveMaxClusters(t *Tree, minSize int) (float64, int) {
	counts := make([]int, len(t.merges))
	best := -1
	for i, m := range t.merges {
		lab := t.CutHeight(m.Height)
		sizes := map[int]int{}
		for _, l := range lab {
			sizes[l]++
		}
		c := 0
		for _, s := range sizes {
			if s >= minSize {
				c++
			}
		}
		counts[i] = c
		best = max(best, c)
	}
	first := slices.Index(counts, best)
	top := first
	for top+1 < len(counts) && counts[top+1] == best {
		top++
	}
	return t.merges[top].Height, best
}

func TestCutsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for rep := range 40 {
		n := 2 + rng.IntN(60)
		x := mat.NewDense(n, 2, nil)
		for i := range n {
			// a few blobs, sometimes on a grid to create ties
			c := float64(rng.IntN(4)) * 5
			if rep%3 == 0 {
				x.Set(i, 0, c+float64(rng.IntN(3)))
				x.Set(i, 1, float64(rng.IntN(3)))
			} else {
				x.Set(i, 0, c+rng.NormFloat64())
				x.Set(i, 1, rng.NormFloat64())
			}
		}
		for m := Single; m <= Median; m++ {
			tree, err := Linkage(x, m, Euclidean)
			if err != nil {
				t.Fatal(err)
			}
			for _, mr := range tree.Merges() {
				h := mr.Height
				got := tree.CutHeight(h)
				if !isIsomorphic(got, naiveCutPartition(tree, h)) {
					t.Fatalf("rep %d %v: CutHeight(%v) wrong partition", rep, m, h)
				}
				checkLabels(t, got)
			}
			for k := 1; k <= n+1; k++ {
				lab, err := tree.CutK(k)
				if err != nil {
					t.Fatal(err)
				}
				checkLabels(t, lab)
				nc := slices.Max(lab) + 1
				if nc > k || (nc < k && nc < n && !hasTies(tree)) {
					t.Fatalf("rep %d %v: CutK(%d) gave %d clusters", rep, m, k, nc)
				}
			}
			for _, minSize := range []int{1, 2, 3, 5, n} {
				got, err := tree.MaxClustersCut(minSize)
				if err != nil {
					t.Fatal(err)
				}
				h, c := naiveMaxClusters(tree, minSize)
				if got.Height != h || got.Count != c {
					t.Fatalf("rep %d %v minSize %d: cut (%v, %d), naive (%v, %d)", rep, m, minSize, got.Height, got.Count, h, c)
				}
				if tree.merges[got.Index].Height != h {
					t.Fatalf("index does not point at height")
				}
				checkLabels(t, got.Labels)
			}
		}
	}
}

func hasTies(t *Tree) bool {
	// Ties of the subtree-maximum heights (inversions create them too).
	h := t.maxDists()
	slices.Sort(h)
	for i := 1; i < len(h); i++ {
		if h[i] == h[i-1] {
			return true
		}
	}
	return false
}

// checkLabels checks that labels are 0..k-1, all used.
func checkLabels(t *testing.T, lab []int) {
	t.Helper()
	seen := make([]bool, len(lab))
	for _, l := range lab {
		if l < 0 || l >= len(lab) {
			t.Fatalf("label %d out of range", l)
		}
		seen[l] = true
	}
	k := slices.Max(lab) + 1
	for i := range k {
		if !seen[i] {
			t.Fatalf("label %d unused but %d used", i, k-1)
		}
	}
}

func TestMaxClustersCutSemantics(t *testing.T) {
	// 1-D points: two pairs, then a gap, then the pairs join.
	x := mat.NewDense(6, 1, []float64{0, 1, 10, 11.5, 30, 100})
	tree, err := Linkage(x, Average, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	// heights: 1 (0,1), 1.5 (10,11.5), then larger merges.
	got, err := tree.MaxClustersCut(2)
	if err != nil {
		t.Fatal(err)
	}
	if got.Count != 2 || got.Height != 1.5 || got.Index != 1 {
		t.Fatalf("got %+v, want count 2 at height 1.5 (index 1)", got)
	}
	want := []int{0, 0, 1, 1, 2, 3}
	if !isIsomorphic(got.Labels, want) {
		t.Fatalf("labels %v, want partition %v", got.Labels, want)
	}
	if _, err := tree.MaxClustersCut(0); err == nil {
		t.Fatal("minSize 0 accepted")
	}
}

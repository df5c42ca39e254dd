package cluster

import (
	"math"
	"slices"
	"testing"
)

// FuzzLinkage checks the invariants of every linkage method and of the cuts
// on arbitrary small distance matrices: n−1 merges, ids that refer to
// existing unmerged clusters with the smaller first, sizes that add up,
// heights that never decrease for the monotone methods, and cuts that are
// partitions consistent with the tree.
func FuzzLinkage(f *testing.F) {
	f.Add([]byte{3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{5, 2, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	f.Add([]byte{2, 6, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{17, 4, 255, 0, 128, 3, 3, 3, 200, 1, 9, 9, 50})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		n := 2 + int(data[0])%30
		method := Method(int(data[1]) % 7)
		data = data[2:]
		d := make([]float64, n*(n-1)/2)
		for k := range d {
			// Few distinct values, so ties are common.
			if len(data) > 0 {
				d[k] = float64(data[k%len(data)]%16) + float64(k%3)*0.25
			}
			if method.needsEuclidean() {
				d[k] = math.Sqrt(d[k]) // still arbitrary, but that is allowed
			}
		}
		tree, err := LinkageCondensed(slices.Clone(d), method)
		if err != nil {
			t.Fatal(err)
		}
		merges := tree.Merges()
		if len(merges) != n-1 {
			t.Fatalf("%d merges for %d points", len(merges), n)
		}
		if _, err := NewTree(n, merges); err != nil {
			t.Fatalf("%v: invalid tree: %v", method, err)
		}
		if merges[n-2].Size != n {
			t.Fatalf("root holds %d points", merges[n-2].Size)
		}
		for i, m := range merges {
			if math.IsNaN(m.Height) || m.Height < 0 {
				t.Fatalf("merge %d has height %v", i, m.Height)
			}
			if method.Monotone() && i > 0 && m.Height < merges[i-1].Height {
				t.Fatalf("%v: heights decrease at merge %d", method, i)
			}
		}
		if method.Monotone() != tree.Monotone() && method.Monotone() {
			t.Fatalf("%v tree not monotone", method)
		}
		for _, m := range merges {
			lab := tree.CutHeight(m.Height)
			checkPartition(t, lab, n)
		}
		for k := 1; k <= n; k++ {
			lab, err := tree.CutK(k)
			if err != nil {
				t.Fatal(err)
			}
			if nc := checkPartition(t, lab, n); nc > k {
				t.Fatalf("CutK(%d) gave %d clusters", k, nc)
			}
		}
		for _, ms := range []int{1, 2, 3, n} {
			c, err := tree.MaxClustersCut(ms)
			if err != nil {
				t.Fatal(err)
			}
			checkPartition(t, c.Labels, n)
			sizes := map[int]int{}
			for _, l := range c.Labels {
				sizes[l]++
			}
			big := 0
			for _, s := range sizes {
				if s >= ms {
					big++
				}
			}
			if big != c.Count {
				t.Fatalf("MaxClustersCut(%d): count %d but labels have %d big clusters", ms, c.Count, big)
			}
		}
	})
}

// checkPartition checks that labels are a partition with labels 0..k−1 and
// returns k.
func checkPartition(t *testing.T, lab []int, n int) int {
	t.Helper()
	if len(lab) != n {
		t.Fatalf("%d labels for %d points", len(lab), n)
	}
	k := slices.Max(lab) + 1
	seen := make([]bool, k)
	for _, l := range lab {
		if l < 0 {
			t.Fatalf("negative label")
		}
		seen[l] = true
	}
	if slices.Contains(seen, false) {
		t.Fatalf("labels %v skip a value", lab)
	}
	return k
}

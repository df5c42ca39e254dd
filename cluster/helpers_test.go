package cluster

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// scipyData holds the published fixtures of scipy's hierarchy test suite.
type scipyData struct {
	Ytdist           []float64              `json:"ytdist"`
	LinkageYtdist    map[string][][]float64 `json:"linkage_ytdist"`
	LinkageYtdistTol float64                `json:"linkage_ytdist_atol"`
	X                [][]float64            `json:"X"`
	LinkageX         map[string][][]float64 `json:"linkage_X"`
	LinkageXTol      float64                `json:"linkage_X_atol"`
	TiesX            [][]float64            `json:"ties_X"`
	LinkageTies      map[string][][]float64 `json:"linkage_ties"`
	LinkageTiesTol   float64                `json:"linkage_ties_atol"`
	QX               [][]float64            `json:"Q_X"`
	FclusterDistance map[string][]int       `json:"fcluster_distance"`
	FclusterMaxclust map[string][]int       `json:"fcluster_maxclust"`
	Leaders          struct {
		L []int `json:"L"`
		M []int `json:"M"`
	} `json:"leaders_maxclust3"`
}

func loadScipy(t testing.TB) *scipyData {
	t.Helper()
	b, err := os.ReadFile("testdata/scipy_hierarchy.json")
	if err != nil {
		t.Fatal(err)
	}
	var d scipyData
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func denseOf(rows [][]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

func methodByName(t testing.TB, s string) Method {
	for m := Single; m <= Median; m++ {
		if m.String() == s {
			return m
		}
	}
	t.Fatalf("unknown method %q", s)
	return -1
}

// checkLinkageMatrix compares merges with a scipy linkage matrix.
func checkLinkageMatrix(t *testing.T, name string, got []Merge, want [][]float64, atol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d merges, want %d", name, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.A != int(w[0]) || g.B != int(w[1]) || g.Size != int(w[3]) || math.Abs(g.Height-w[2]) > atol {
			t.Errorf("%s: merge %d = %+v, want %v", name, i, g, w)
		}
	}
}

// naiveLinkage is scipy's O(n³) reference algorithm (_hierarchy.linkage):
// repeatedly merge the globally closest pair (first in row-major order of
// the condensed matrix), drop the lower index and let the higher one hold
// the new cluster.
func naiveLinkage(dist []float64, n int, method Method) []Merge {
	d := append([]float64(nil), dist...)
	idMap := make([]int, n)
	for i := range idMap {
		idMap[i] = i
	}
	z := make([]Merge, n-1)
	idx := func(i, j int) int {
		if i > j {
			i, j = j, i
		}
		return n*i - i*(i+1)/2 + j - i - 1
	}
	sizeOf := func(id int) int {
		if id < n {
			return 1
		}
		return z[id-n].Size
	}
	for k := range n - 1 {
		cur := math.Inf(1)
		x, y := 0, 0
		for i := range n - 1 {
			if idMap[i] == -1 {
				continue
			}
			for j := i + 1; j < n; j++ {
				if v := d[idx(i, j)]; v < cur {
					cur, x, y = v, i, j
				}
			}
		}
		idx0, idy := idMap[x], idMap[y]
		nx, ny := sizeOf(idx0), sizeOf(idy)
		z[k] = Merge{A: min(idx0, idy), B: max(idx0, idy), Height: cur, Size: nx + ny}
		idMap[x] = -1
		idMap[y] = n + k
		for i := range n {
			idi := idMap[i]
			if idi == -1 || idi == n+k {
				continue
			}
			d[idx(i, y)] = update(method, d[idx(i, x)], d[idx(i, y)], cur, nx, ny, sizeOf(idi))
			if i < x {
				d[idx(i, x)] = math.Inf(1)
			}
		}
	}
	return z
}

// isIsomorphic reports whether two labelings define the same partition.
func isIsomorphic(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if v, ok := ab[a[i]]; ok && v != b[i] {
			return false
		}
		if v, ok := ba[b[i]]; ok && v != a[i] {
			return false
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return true
}

func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b))
}

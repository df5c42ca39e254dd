package cluster

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestMinClusterSize(t *testing.T) {
	for _, c := range []struct {
		gamma float64
		n     int
		want  int
	}{
		{0.29, 100, 29}, // 0.29·100 = 28.999999999999996: the reference's floor gives 28
		{0.57, 100, 57}, // 56.99999999999999
		{0.07, 100, 7},  // 7.000000000000001: a bare ceiling gives 8
		{0.28, 100, 28}, // 28.000000000000004
		{0.8, 20, 16},
		{0.8, 10, 8},
		{0.5, 10, 5},
		{0.75, 10, 8}, // 7.5 rounds up
		{0.9, 10, 9},
		{1, 7, 7},
		{1e-12, 10, 1},
		{0.1, 3, 1},
	} {
		got, err := MinClusterSize(c.gamma, c.n)
		if err != nil || got != c.want {
			t.Errorf("MinClusterSize(%v, %d) = %d, %v; want %d", c.gamma, c.n, got, err, c.want)
		}
	}
	for _, c := range []struct {
		gamma float64
		n     int
	}{{0, 10}, {-0.1, 10}, {1.5, 10}, {math.NaN(), 10}, {0.5, 0}} {
		if _, err := MinClusterSize(c.gamma, c.n); err == nil {
			t.Errorf("MinClusterSize(%v, %d) accepted", c.gamma, c.n)
		}
	}
}

func TestGroups(t *testing.T) {
	g := Groups([]int{2, 0, 2, 1, 0})
	want := [][]int{{1, 4}, {3}, {0, 2}}
	if len(g) != len(want) {
		t.Fatalf("%v", g)
	}
	for i := range want {
		if !slices.Equal(g[i], want[i]) {
			t.Fatalf("Groups = %v, want %v", g, want)
		}
	}
}

func TestMedianAndSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for n := 1; n < 60; n++ {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(rng.IntN(10)) // many ties
		}
		s := slices.Clone(v)
		slices.Sort(s)
		want := s[n/2]
		if n%2 == 0 {
			want = 0.5 * (s[n/2-1] + s[n/2])
		}
		if got := median(slices.Clone(v)); got != want {
			t.Fatalf("median(%v) = %v, want %v", v, got, want)
		}
	}
}

func TestFilter(t *testing.T) {
	x := mat.NewDense(8, 3, []float64{
		// cluster 0: tightly aligned, 3 members
		1, 0, 0,
		1, 0.01, 0,
		1, 0, 0.01,
		// cluster 1: wide angles, 3 members
		1, 0, 0,
		0, 1, 0,
		0, 0, 1,
		// cluster 2: a zero vector with an aligned partner
		0, 0, 0,
		1, 1, 1,
	})
	labels := []int{0, 0, 0, 1, 1, 1, 2, 2}
	rep, err := Filter(x, labels, &FilterSettings{MinSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep) != 3 {
		t.Fatalf("%d reports", len(rep))
	}
	if !rep[0].Kept() || rep[0].MedianCosine > 1e-3 || rep[0].Spread <= 0 {
		t.Errorf("cluster 0: %+v", rep[0])
	}
	if rep[1].Aligned || rep[1].MedianCosine != 1 {
		t.Errorf("cluster 1: %+v", rep[1])
	}
	if rep[2].Aligned || !math.IsInf(rep[2].MedianCosine, 1) || rep[2].Kept() {
		t.Errorf("cluster 2 with a zero member: %+v", rep[2])
	}
	// Size filter.
	rep, _ = Filter(x, labels, &FilterSettings{MinSize: 4, Beta: math.Pi})
	for _, r := range rep {
		if r.BigEnough || r.Kept() {
			t.Errorf("cluster %d kept with MinSize 4", r.Label)
		}
	}
	// β = π disables alignment, but never for a zero member.
	rep, _ = Filter(x, labels, &FilterSettings{Beta: math.Pi})
	if !rep[1].Aligned || rep[2].Aligned {
		t.Errorf("β = π: %+v %+v", rep[1], rep[2])
	}
	// Sign invariance.
	y := mat.NewDense(2, 2, []float64{1, 1, -1, -1.001})
	rep, _ = Filter(y, []int{0, 0}, &FilterSettings{SignInvariant: true})
	if !rep[0].Aligned {
		t.Errorf("sign-invariant: %+v", rep[0])
	}
	rep, _ = Filter(y, []int{0, 0}, nil)
	if rep[0].Aligned {
		t.Errorf("opposite vectors aligned: %+v", rep[0])
	}
	if got := MedianCosineDistance(x, []int{0}); got != 0 {
		t.Errorf("singleton median %v", got)
	}
	// Errors.
	for _, c := range []struct {
		labels []int
		s      *FilterSettings
	}{
		{labels[:3], nil},
		{[]int{0, 0, 0, -1, 1, 1, 2, 2}, nil},
		{labels, &FilterSettings{MinSize: -1}},
		{labels, &FilterSettings{Beta: -1}},
	} {
		if _, err := Filter(x, c.labels, c.s); err == nil {
			t.Errorf("Filter accepted %v %+v", c.labels, c.s)
		}
	}
}

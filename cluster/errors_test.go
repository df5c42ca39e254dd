package cluster

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestLinkageErrors(t *testing.T) {
	x := mat.NewDense(3, 2, []float64{0, 1, 2, 3, 4, 5})
	for _, c := range []struct {
		name   string
		x      *mat.Dense
		method Method
		metric Metric
		want   string
	}{
		{"ward cosine", x, Ward, Cosine, "ward linkage needs the Euclidean metric"},
		{"centroid sign", x, Centroid, SignInvariantEuclidean, "centroid linkage needs the Euclidean metric"},
		{"median cosine", x, Median, Cosine, "median linkage needs"},
		{"method", x, Method(42), Euclidean, "unknown linkage method"},
		{"metric", x, Average, Metric(-1), "unknown metric"},
		{"one point", mat.NewDense(1, 3, nil), Average, Euclidean, "at least 2 points"},
		{"nan", mat.NewDense(2, 1, []float64{math.NaN(), 0}), Average, Euclidean, "non-finite"},
		{"inf", mat.NewDense(2, 1, []float64{1, math.Inf(1)}), Single, Euclidean, "non-finite"},
		{"empty", &mat.Dense{}, Single, Euclidean, "no points"},
	} {
		_, err := Linkage(c.x, c.method, c.metric)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	for _, c := range []struct {
		name string
		d    []float64
		want string
	}{
		{"empty", nil, "at least 2 points"},
		{"not triangular", []float64{1, 2}, "not n(n-1)/2"},
		{"nan", []float64{1, math.NaN(), 2}, "points 0 and 2 is NaN"},
		{"inf", []float64{1, 2, math.Inf(1)}, "points 1 and 2 is +Inf"},
		{"negative", []float64{1, -2, 3}, "points 0 and 2 is -2"},
	} {
		_, err := LinkageCondensed(c.d, Average)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("condensed %s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := LinkageCondensed([]float64{1}, Method(9)); err == nil {
		t.Error("unknown method accepted")
	}
}

func TestNewTree(t *testing.T) {
	good := []Merge{{0, 1, 1, 2}, {2, 3, 2, 3}}
	tr, err := NewTree(3, good)
	if err != nil || !tr.Monotone() || tr.Len() != 3 {
		t.Fatalf("NewTree: %v", err)
	}
	inv, err := NewTree(3, []Merge{{0, 1, 2, 2}, {2, 3, 1, 3}})
	if err != nil || inv.Monotone() {
		t.Fatalf("inversion: %v monotone=%v", err, inv.Monotone())
	}
	for _, bad := range [][]Merge{
		{{0, 1, 1, 2}},                        // too few
		{{0, 1, 1, 2}, {0, 2, 2, 3}},          // reuse
		{{0, 1, 1, 2}, {3, 2, 2, 3}},          // order
		{{0, 1, 1, 2}, {2, 3, 2, 4}},          // size
		{{0, 1, 1, 2}, {2, 4, 2, 3}},          // future id
		{{0, 1, math.NaN(), 2}, {2, 3, 2, 3}}, // height
	} {
		if _, err := NewTree(3, bad); err == nil {
			t.Errorf("NewTree accepted %v", bad)
		}
	}
	if _, err := NewTree(1, nil); err == nil {
		t.Error("NewTree accepted 1 point")
	}
}

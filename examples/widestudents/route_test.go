package main

import (
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

func TestRoutes(t *testing.T) {
	for _, tc := range []struct {
		route string
		base  string
		probe probeOption
		ok    bool
	}{
		{"gn", "gn", probeOption{}, true},
		{"adam", "adam", probeOption{}, true},
		{"gn+noise0.3", "gn", probeOption{Noise: 0.3}, true},
		{"adam+noise0.1", "adam", probeOption{Noise: 0.1}, true},
		{"gn+iso1", "gn", probeOption{Iso: 1}, true},
		{"adam+iso0.5", "adam", probeOption{Iso: 0.5}, true},
		{"gn+iso0", "", probeOption{}, false},
		{"gn+iso1+noise0.3", "", probeOption{}, false},
		{"gn+bt+ekfac+cg20", "gn+bt+ekfac+cg20", probeOption{}, true},
		{"gn+noise-1", "", probeOption{}, false},
		{"gn+noise", "", probeOption{}, false},
		{"gn+cg0", "", probeOption{}, false},
		{"gn+curv20000", "gn+curv20000", probeOption{}, true},
		{"gn+curv0", "", probeOption{}, false},
		{"gn+curvx", "", probeOption{}, false},
		{"gn+fast", "", probeOption{}, false},
		{"sgd", "", probeOption{}, false},
	} {
		err := checkRoute(tc.route)
		if (err == nil) != tc.ok {
			t.Errorf("checkRoute(%q) = %v, want ok %v", tc.route, err, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		base, probe, err := splitProbes(tc.route)
		if err != nil || base != tc.base || probe != tc.probe {
			t.Errorf("splitProbes(%q) = %q, %+v, %v; want %q, %+v", tc.route, base, probe, err, tc.base, tc.probe)
		}
	}
	gn, err := gnVariant("gn+bt+ekfac+cg20")
	if err != nil || !gn.Backtrack || !gn.EigenCorrection || gn.MaxCG != 20 {
		t.Errorf("gnVariant(gn+bt+ekfac+cg20) = %+v, %v", gn, err)
	}
	if gn, err := gnVariant("gn+curv20000"); err != nil || gn.CurvatureRows != 20000 {
		t.Errorf("gnVariant(gn+curv20000) = %+v, %v", gn, err)
	}
}

// TestIsoProbes: +iso queries are -probe in number whatever the images
// count, and a longer set starts with the shorter one (same seed), so the
// committed curves' queries are the first rows of any larger set.
func TestIsoProbes(t *testing.T) {
	teacher, err := mlp.New(mlp.Spec{Sizes: []int{4, 2, 1}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	images := mat.NewDense(3, 4, nil)
	o := options{probe: 5}
	if n := probeCount("gn+iso1", images, o); n != 5 {
		t.Fatalf("probeCount(gn+iso1) = %d, want -probe 5", n)
	}
	if n := probeCount("gn+noise0.3", images, o); n != 3 {
		t.Fatalf("probeCount(gn+noise0.3) = %d, want the 3 images", n)
	}
	long, y, err := otherProbes(teacher, images, 5, probeOption{Iso: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r, c := long.Dims(); r != 5 || c != 4 || y.RawMatrix().Rows != 5 {
		t.Fatalf("5 iso queries: x %d×%d, y %d rows", r, c, y.RawMatrix().Rows)
	}
	short, _, err := otherProbes(teacher, images, 3, probeOption{Iso: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(short, long.Slice(0, 3, 0, 4)) {
		t.Error("the 3 iso queries are not the first 3 of the 5")
	}
}

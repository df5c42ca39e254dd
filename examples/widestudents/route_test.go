package main

import "testing"

func TestRoutes(t *testing.T) {
	for _, tc := range []struct {
		route string
		base  string
		sigma float64
		ok    bool
	}{
		{"gn", "gn", 0, true},
		{"adam", "adam", 0, true},
		{"gn+noise0.3", "gn", 0.3, true},
		{"adam+noise0.1", "adam", 0.1, true},
		{"gn+bt+ekfac+cg20", "gn+bt+ekfac+cg20", 0, true},
		{"gn+noise-1", "", 0, false},
		{"gn+noise", "", 0, false},
		{"gn+cg0", "", 0, false},
		{"gn+curv20000", "gn+curv20000", 0, true},
		{"gn+curv0", "", 0, false},
		{"gn+curvx", "", 0, false},
		{"gn+fast", "", 0, false},
		{"sgd", "", 0, false},
	} {
		err := checkRoute(tc.route)
		if (err == nil) != tc.ok {
			t.Errorf("checkRoute(%q) = %v, want ok %v", tc.route, err, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		base, sigma, err := splitNoise(tc.route)
		if err != nil || base != tc.base || sigma != tc.sigma {
			t.Errorf("splitNoise(%q) = %q, %g, %v; want %q, %g", tc.route, base, sigma, err, tc.base, tc.sigma)
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

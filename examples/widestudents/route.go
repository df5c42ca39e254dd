package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paramrecovery/expandcluster/train"
)

// gnVariant returns the GaussNewton a route names: "gn" is the default
// (train.WidePhases), and "gn+opt+opt…" changes it, so variants can be
// measured side by side on the same students. Options: cgN (MaxCG N),
// geodesic (geodesic acceleration), proj (GaussNewton.Projection: the
// output layer projected out of the CG system), noproj (without it, the
// default), keepout (no output solve at all).
func gnVariant(route string) (*train.GaussNewton, error) {
	parts := strings.Split(route, "+")
	if parts[0] != "gn" {
		return nil, fmt.Errorf("route %q: not a Gauss–Newton route", route)
	}
	gn, ok := train.WidePhases()[0].Optimizer.(*train.GaussNewton)
	if !ok {
		return nil, fmt.Errorf("train.WidePhases no longer starts with GaussNewton")
	}
	v := *gn
	for _, p := range parts[1:] {
		switch {
		case p == "geodesic":
			v.Geodesic = true
		case p == "proj":
			v.Projection = true
		case p == "noproj":
			// The default since the projection became opt-in; kept so
			// that the committed ablation's route names still parse.
			v.Projection = false
		case p == "keepout":
			v.KeepOutput = true
		case strings.HasPrefix(p, "cg"):
			n, err := strconv.Atoi(p[2:])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("route %q: %q is not cg<iterations>", route, p)
			}
			v.MaxCG = n
		default:
			return nil, fmt.Errorf("route %q: unknown option %q (want cgN, geodesic, proj, noproj or keepout)", route, p)
		}
	}
	return &v, nil
}

// checkRoute reports whether r is adam or a valid Gauss–Newton route.
func checkRoute(r string) error {
	if r == "adam" {
		return nil
	}
	_, err := gnVariant(r)
	return err
}

package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paramrecovery/expandcluster/train"
)

// gnVariant returns the GaussNewton a route names: "gn" is the default
// (train.WidePhases), and "gn+opt+opt…" changes it, so variants can be
// measured side by side on the same students. Options: cgN (MaxCG N),
// curvN (GaussNewton.CurvatureRows N: CG products on N of the samples),
// geodesic (geodesic acceleration), proj (GaussNewton.Projection: the
// output layer projected out of the CG system), noproj (without it, the
// default), noise<σ> and iso<σ> (other probes; see splitProbes), ekfac (GaussNewton.EigenCorrection), bt (GaussNewton.Backtrack), keepout (no output solve at all), warm (a first phase of
// cheap steps — Projection, at most 15 CG iterations — down to 1e-3 of
// the output variance, then the variant; see warmPhase).
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
		case p == "bt":
			v.Backtrack = true
		case p == "ekfac":
			v.EigenCorrection = true
		case p == "keepout":
			v.KeepOutput = true
		case p == "warm":
			// A phase before this one; see warmPhase.
		case strings.HasPrefix(p, "curv"):
			n, err := strconv.Atoi(p[4:])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("route %q: %q is not curv<samples>", route, p)
			}
			v.CurvatureRows = n
		case strings.HasPrefix(p, "cg"):
			n, err := strconv.Atoi(p[2:])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("route %q: %q is not cg<iterations>", route, p)
			}
			v.MaxCG = n
		default:
			return nil, fmt.Errorf("route %q: unknown option %q (want cgN, curvN, geodesic, proj, noproj, ekfac, bt, keepout or warm)", route, p)
		}
	}
	return &v, nil
}

// checkRoute reports whether r is adam or a valid Gauss–Newton route,
// either with a probe option.
func checkRoute(r string) error {
	r, _, err := splitProbes(r)
	if err != nil || r == "adam" {
		return err
	}
	_, err = gnVariant(r)
	return err
}

// probeOption is what a route's probe option asks for: pixel noise of
// standard deviation Noise on the images ("+noise<σ>", what a user with
// query access can do near the data), or, replacing the images,
// isotropic Gaussian queries of standard deviation Iso ("+iso<σ>", the
// black-box setting of examples/blackbox). Both zero: the images.
type probeOption struct{ Noise, Iso float64 }

// splitProbes takes the probe options "+noise<σ>" and "+iso<σ>" out of a
// route and returns the route without them.
func splitProbes(route string) (string, probeOption, error) {
	var kept []string
	var opt probeOption
	for _, p := range strings.Split(route, "+") {
		target := &opt.Noise
		v, ok := strings.CutPrefix(p, "noise")
		if !ok {
			target = &opt.Iso
			v, ok = strings.CutPrefix(p, "iso")
		}
		if !ok {
			kept = append(kept, p)
			continue
		}
		s, err := strconv.ParseFloat(v, 64)
		if err != nil || !(s > 0) || math.IsInf(s, 0) {
			return "", probeOption{}, fmt.Errorf("route %q: %q is not noise<σ> or iso<σ> with σ > 0", route, p)
		}
		*target = s
	}
	if opt.Noise > 0 && opt.Iso > 0 {
		return "", probeOption{}, fmt.Errorf("route %q: noise and iso both replace the probes; choose one", route)
	}
	return strings.Join(kept, "+"), opt, nil
}

// warmStartLoss is where the warm phase of a "+warm" route hands over,
// relative to the output variance: cheap steps reach it about twice as
// fast and are overtaken soon after (results/widestudents-ablation).
const warmStartLoss = 1e-3

// warmPhase returns the first phase of a "+warm" route, or false.
func warmPhase(route string, variance float64, trace func(*train.GNStep)) (train.Phase, bool) {
	if !slices.Contains(strings.Split(route, "+"), "warm") {
		return train.Phase{}, false
	}
	gn := &train.GaussNewton{Projection: true, MaxCG: 15, Trace: trace}
	return train.Phase{Name: "warm", Optimizer: gn,
		Stop: train.StopRules{MaxIter: -1, Loss: warmStartLoss * variance}}, true
}

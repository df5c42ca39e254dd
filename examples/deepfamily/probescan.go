package main

import (
	"fmt"
	"io"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/synth"
)

// scanSettings are the probe counts and standard deviations probeScan
// tries: the family's 3000 standard Gaussian inputs scaled wider, and
// drawn in greater number.
var scanSettings = []struct {
	samples int
	std     float64
}{
	{synth.DeepSamples, 1}, {synth.DeepSamples, 2}, {synth.DeepSamples, 4},
	{4 * synth.DeepSamples, 1}, {16 * synth.DeepSamples, 1},
}

// probeScan writes, for each problem, the displacement of identify.Determine
// at loss 1e-16 (how far a network that fits the probes to that loss may
// sit from the teacher) on its own inputs scaled to larger standard
// deviations and drawn in greater number: whether a teacher the family's
// probes leave undetermined is one wider or more queries would pin down.
func probeScan(w io.Writer, ps []synth.DeepProblem) error {
	for _, p := range ps {
		fmt.Fprintf(w, "%s: displacement at 1e-16:", p.Name)
		for _, s := range scanSettings {
			p.Samples = s.samples
			teacher, d, err := p.Dataset()
			if err != nil {
				return err
			}
			d.X.Scale(s.std, d.X)
			det, err := identify.Determine(teacher, d.X)
			if err != nil {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
			fmt.Fprintf(w, "  %d probes, std %g: %.3g", s.samples, s.std, det.Displacement(1e-16))
		}
		fmt.Fprintln(w)
	}
	return nil
}

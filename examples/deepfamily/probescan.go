package main

import (
	"fmt"
	"io"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// Probe counts and standard deviations probeScan tries, against the
// family's 3000 standard Gaussian inputs.
var (
	scanSamples = []int{synth.DeepSamples, 4 * synth.DeepSamples, 16 * synth.DeepSamples}
	scanStds    = []float64{1, 2, 4}
)

// probeScan writes, for each problem, the displacement of identify.Determine
// at loss 1e-16 (how far a network that fits the probes to that loss may
// sit from the teacher) on its own inputs drawn in greater number and on
// its inputs scaled to larger standard deviations: whether a teacher the
// family's probes leave undetermined is one more or wider queries would
// pin down.
func probeScan(w io.Writer, ps []synth.DeepProblem) error {
	for _, p := range ps {
		fmt.Fprintf(w, "%s: displacement at 1e-16:", p.Name)
		for _, n := range scanSamples {
			p.Samples = n
			teacher, d, err := p.Dataset()
			if err != nil {
				return err
			}
			for _, std := range scanStds {
				if std != 1 && n != synth.DeepSamples {
					continue
				}
				x := mat.DenseCopyOf(d.X)
				x.Scale(std, x)
				det, err := identify.Determine(teacher, x)
				if err != nil {
					return fmt.Errorf("%s: %w", p.Name, err)
				}
				fmt.Fprintf(w, "  %d probes, std %g: %.3g", n, std, det.Displacement(1e-16))
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

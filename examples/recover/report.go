package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/plots"
)

// formatReport is the text of report.txt: the data and settings, the
// students, each layer's clustering and, when the teacher is known, the
// comparison with it.
func formatReport(p *problem, res *identify.Result, cmp *identify.Report, stage string) string {
	var b strings.Builder
	c := res.Config
	fmt.Fprintf(&b, "Expand-and-Cluster recovery (recover %s)\n", stage)
	fmt.Fprintf(&b, "data: %s\n", p.desc)
	fmt.Fprintf(&b, "data SHA-256: %s\n", p.digest)
	fmt.Fprintf(&b, "settings: activation %s, %d hidden layer(s), student widths %v, N = %d, γ = %g, β = %.4g°, seed %d\n",
		c.Activation.Name(), c.HiddenLayers, res.StudentWidths, c.Students, c.Gamma, c.Beta*180/math.Pi, c.Seed)

	fmt.Fprintf(&b, "teacher outputs: %v; zero-loss threshold %.3g\n", res.Precision, res.ZeroLoss)
	if len(res.Trials) > 0 {
		fmt.Fprintf(&b, "ρ chosen automatically: %g (", res.Rho)
		for i, t := range res.Trials {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "ρ = %g: %d of %d trial students at zero loss", t.Rho, t.Reached, len(t.Losses))
		}
		b.WriteString(")\n")
	}

	var losses []float64
	for _, l := range res.StudentLosses {
		if !math.IsNaN(l) {
			losses = append(losses, l)
		}
	}
	fmt.Fprintf(&b, "students: %d clustered", len(losses))
	if len(losses) > 0 {
		s := slices.Clone(losses)
		slices.Sort(s)
		fmt.Fprintf(&b, ", final loss min %.3e, median %.3e, max %.3e", s[0], s[len(s)/2], s[len(s)-1])
	}
	fmt.Fprintln(&b)
	for _, f := range res.Failed {
		fmt.Fprintf(&b, "  student %d left out: %v\n", f.Student, f.Err)
	}

	for _, l := range res.Layers {
		fmt.Fprintf(&b, "layer %d: %d vectors, clusters of at least %d kept; cut at height %.4g gives %d clusters: %d kept, %d too small, %d unaligned\n",
			l.Layer, l.Vectors, l.MinSize, l.CutHeight, l.Clusters, l.Kept, l.RemovedSmall, l.RemovedUnaligned)
		for k, n := range l.Neurons {
			fmt.Fprintf(&b, "  neuron %d: %d vectors from %d students, median cosine distance %.3g, spread %.3g, representative student %d\n",
				k+1, n.Size, n.Students, n.MedianCosine, n.Spread, n.Representative)
		}
	}
	fmt.Fprintf(&b, "recovered hidden widths %v, final loss %.3e\n", res.Widths, res.FinalLoss)
	t := res.Timings
	fmt.Fprintf(&b, "time: students %s (summed over students), clustering %s, retraining %s, fine-tuning %s, this stage %s\n",
		rd(t.Students), rd(t.Cluster), rd(t.Retrain), rd(t.FineTune), rd(t.Total))
	fmt.Fprintf(&b, "verdict: %s\n", res.Verdict())
	if cmp != nil {
		fmt.Fprintf(&b, "comparison with the teacher (on %s):\n%s\n", p.freshOf, cmp.String())
		fmt.Fprintf(&b, "exact recovery (every layer's width right, cosine distance ≤ 1e-6): %v\n", cmp.Exact(1e-6))
	}
	return b.String()
}

func rd(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// renderPictures draws the clustering pictures (plots.RenderResult).
func renderPictures(dir string, res *identify.Result, cmp *identify.Report, formats []string) ([]string, error) {
	if len(formats) == 0 {
		return nil, nil
	}
	var fs []plots.Format
	for _, f := range formats {
		switch f {
		case "png":
			fs = append(fs, plots.PNG)
		case "svg":
			fs = append(fs, plots.SVG)
		}
	}
	return plots.RenderResult(dir, res, cmp, fs...)
}

package identify

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/paramrecovery/expandcluster/synth"
)

func TestDebugFamily(t *testing.T) {
	name := os.Getenv("PROB")
	gain, _ := strconv.ParseFloat(os.Getenv("GAIN"), 64)
	restarts, _ := strconv.Atoi(os.Getenv("RESTARTS"))
	for _, p := range synth.DeepFamily(synth.DeepFamilyOptions{}) {
		if p.Name != name {
			continue
		}
		teacher, d, _ := p.Dataset()
		_ = teacher
		widths := make([]int, len(p.Hidden()))
		for i, h := range p.Hidden() {
			widths[i] = int(float64(h)*synth.DeepRho + 0.999999)
		}
		cfg := Config{Activation: p.Activation, HiddenLayers: len(widths), Widths: widths, Students: p.Students, Gamma: p.Gamma, Beta: p.Beta, Seed: p.Seed, Workers: 2, InitGain: gain, Restarts: restarts}
		res, err := RunData(context.Background(), d.X, d.Y, cfg)
		t.Log(err)
		if res != nil {
			t.Logf("losses %.2g", res.StudentLosses)
			for _, l := range res.Layers {
				t.Logf("layer %d: %d vectors, %d clusters, %d kept (%d small, %d unaligned)", l.Layer, l.Vectors, l.Clusters, l.Kept, l.RemovedSmall, l.RemovedUnaligned)
			}
			t.Log(res.Verdict())
		}
	}
}

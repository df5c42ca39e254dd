package main

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/stat"
)

// TestFMNISTRowsResume: the committed rows are found again by the
// settings that produced them, so rerunning a command skips them; a grown
// run is keyed by the queries it asked for first, not the count it used.
func TestFMNISTRowsResume(t *testing.T) {
	done, err := fmnistDone(filepath.Join("..", "..", "results", "blackbox", "fmnist.csv"), fmnistHeader)
	if err != nil {
		t.Fatal(err)
	}
	run4 := options{probes: "iso", std: 1, queries: 16384, budget: 1 << 18, students: 2, width: 72,
		studentTime: 13 * time.Minute, fineTuneTime: 6 * time.Minute, complete: 0.05, growTo: 65536, fineTuneLoss: train.DefaultStopLoss, studentLoss: train.DefaultStopLoss}
	if !done[fmnistKey("relu", "64", run4)] {
		t.Errorf("the grown ReLU run (run 4) is not recognised as done: key %q", fmnistKey("relu", "64", run4))
	}
	other := run4
	other.queries = 32768
	if done[fmnistKey("relu", "64", other)] {
		t.Error("a grown run from 2^15 first queries is taken for the one from 2^14")
	}
	plain := options{probes: "iso", std: 1, queries: 16384, budget: 1 << 18, students: 2, width: 72,
		studentTime: 24 * time.Minute, fineTuneTime: 5 * time.Minute, fineTuneLoss: train.DefaultStopLoss, studentLoss: train.DefaultStopLoss}
	if !done[fmnistKey("g", "64", plain)] {
		t.Errorf("the g row is not recognised as done: key %q", fmnistKey("g", "64", plain))
	}
	if done[fmnistKey("g", "32", plain)] {
		t.Error("a run on an r = 32 teacher is taken for the r = 64 one")
	}
	byIter := options{probes: "iso", std: 1, queries: 32768, budget: 1 << 18, students: 2, width: 72,
		studentTime: 20 * time.Minute, fineTuneTime: 9 * time.Minute, complete: 0.05, growTo: 65536, studentIter: 45,
		fineTuneLoss: train.DefaultStopLoss, studentLoss: train.DefaultStopLoss}
	if !done[fmnistKey("g", "64", byIter)] {
		t.Errorf("the exact g run (d, -student-iter 45) is not recognised as done: key %q", fmnistKey("g", "64", byIter))
	}
	shortFineTune := byIter
	shortFineTune.fineTuneLoss = train.DefaultZeroLoss
	if done[fmnistKey("g", "64", shortFineTune)] {
		t.Error("a run whose fine-tune stops at the zero-loss threshold is taken for run (d)")
	}
	withAdam := byIter
	withAdam.adamEpochs = 300
	if done[fmnistKey("g", "64", withAdam)] {
		t.Error("a run whose students start with Adam is taken for run (d)")
	}
	byIter.studentIter = 0
	if done[fmnistKey("g", "64", byIter)] {
		t.Error("a run cut by time alone is taken for the one cut after 45 steps")
	}
}

// TestQueryProbes: -probes names a distribution or is refused with what
// it accepts; shifted and matched need the images and say so without them.
func TestQueryProbes(t *testing.T) {
	p, err := queryProbes(options{probes: "iso", std: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	x, err := p.Sample(synth.NewRand(1), 4000)
	if err != nil {
		t.Fatal(err)
	}
	if m, sd := stat.MeanStdDev(x.RawMatrix().Data, nil); math.Abs(m) > 0.01 || math.Abs(sd-0.5) > 0.01 {
		t.Errorf("iso std 0.5: mean %.3g, std %.3g", m, sd)
	}
	if _, err := queryProbes(options{probes: "uniform", std: 1}); err == nil || !strings.Contains(err.Error(), "want iso, shifted or matched") {
		t.Errorf("unknown probes: err = %v", err)
	}
	if _, err := queryProbes(options{probes: "shifted", std: 1, dataDir: t.TempDir()}); !errors.Is(err, synth.ErrDataMissing) {
		t.Errorf("shifted without the images: err = %v, want synth.ErrDataMissing", err)
	}
}

// TestAdamFirst: -adam-epochs adds one Adam phase of that many epochs
// before the Gauss–Newton steps, none by default.
func TestAdamFirst(t *testing.T) {
	if p := adamFirst(options{}); p != nil {
		t.Errorf("no -adam-epochs: %d phases", len(p))
	}
	p := adamFirst(options{adamEpochs: 300, firstLoss: 1e-8})
	if len(p) != 1 || p[0].Stop.MaxIter != 300 || p[0].Stop.Loss != 1e-8 {
		t.Fatalf("-adam-epochs 300: %+v", p)
	}
	if _, ok := p[0].Optimizer.(*train.Adam); !ok {
		t.Errorf("-adam-epochs 300: optimiser %T", p[0].Optimizer)
	}
}

package identify

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// warningWith returns the first warning of kind k, failing the test if
// there is none.
func warningWith(t *testing.T, res *Result, k WarningKind) Warning {
	t.Helper()
	if res == nil {
		t.Fatalf("no result, want a %v warning", k)
	}
	for _, w := range res.Warnings {
		if w.Kind == k {
			return w
		}
	}
	t.Fatalf("no %v warning; verdict:\n%s", k, res.Verdict())
	return Warning{}
}

// The failure cases of issue 15: a custom tanh declared None recovered
// width 1 for a 3-neuron teacher, g declared Odd recovered neurons 1.52
// away; a Func without F panicked in a training goroutine.
func TestDeclaredSymmetryContradicted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	teacher := randomNet(t, []int{3, 3, 1}, mlp.Tanh, 1)
	x := gaussian(rng, 300, 3)
	tanhNone := &mlp.Func{ActName: "mytanh", Sym: mlp.None, F: math.Tanh, D1: func(x float64) float64 { t := math.Tanh(x); return 1 - t*t }}
	gOdd := &mlp.Func{ActName: "myg", Sym: mlp.Odd, F: mlp.G.Eval, D1: mlp.G.Deriv}
	for _, a := range []mlp.Activation{tanhNone, gOdd} {
		_, err := Run(context.Background(), teacher, x, Config{Activation: a, BaseWidth: 3, Rho: 2, Students: 4})
		if err == nil || !strings.Contains(err.Error(), "declares symmetry") || !strings.Contains(err.Error(), "remedy: declare Sym: mlp.") {
			t.Errorf("%s: error %v, want the contradicted symmetry named with its remedy", a.Name(), err)
		}
		if _, err := TrainStudent(context.Background(), x, mustPredict(t, teacher, x), Config{Activation: a, BaseWidth: 3, Rho: 2, Students: 4}, 0); err == nil {
			t.Errorf("%s: TrainStudent accepted it", a.Name())
		}
	}
	noF := &mlp.Func{ActName: "nof", Sym: mlp.Odd, D1: math.Cos}
	if _, err := Run(context.Background(), teacher, x, Config{Activation: noF, BaseWidth: 3, Rho: 2, Students: 4}); err == nil || !strings.Contains(err.Error(), "needs both F and D1") {
		t.Errorf("Func without F: error %v", err)
	}
}

func TestTrustDeclaredSymmetryWarns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	teacher := randomNet(t, []int{2, 2, 1}, mlp.Tanh, 1)
	x := gaussian(rng, 200, 2)
	tanhNone := &mlp.Func{ActName: "mytanh", Sym: mlp.None, F: math.Tanh, D1: func(x float64) float64 { t := math.Tanh(x); return 1 - t*t }}
	res, _ := Run(context.Background(), teacher, x, Config{Activation: tanhNone, BaseWidth: 2, Rho: 2, Students: 4, Restarts: -1, TrustDeclaredSymmetry: true})
	w := warningWith(t, res, SymmetryContradicted)
	if !strings.Contains(w.Evidence, "declares symmetry None") || !strings.Contains(w.Evidence, "Odd") {
		t.Errorf("evidence %q does not name both classes", w.Evidence)
	}
}

// A sound run has no warnings; Recover from 2 of its 20 students warns that
// too few students are at the floor and says to train the missing ones.
func TestVerdictSoundRunAndMissingStudents(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 20 students")
	}
	rng := rand.New(rand.NewPCG(2, 2))
	teacher := randomNet(t, []int{3, 2, 1}, mlp.Tanh, 3)
	x := gaussian(rng, 500, 3)
	cfg := Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 20, Seed: 4}
	res, err := Run(context.Background(), teacher, x, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 0 {
		t.Fatalf("a sound recovery has warnings:\n%s", res.Verdict())
	}
	if res.Verdict() != "no warnings" {
		t.Fatalf("verdict %q", res.Verdict())
	}
	part, _ := Recover(context.Background(), x, mustPredict(t, teacher, x), res.Students[:2], cfg)
	w := warningWith(t, part, FewStudentsAtFloor)
	if !strings.Contains(w.Evidence, "2 of 20 students") || !strings.Contains(w.Evidence, "18 students missing") || !strings.Contains(w.Remedy, "train the missing students") {
		t.Errorf("warning %v", w)
	}
}

// Issue 15: the wrong activation (g for a tanh teacher) and HiddenLayers 2
// for a one-layer teacher returned confident networks. The students cannot
// reach the floor, and the remedy says to check the activation and depth.
func TestVerdictStudentsCannotRepresentTeacher(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 2×5 students")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	teacher := randomNet(t, []int{4, 3, 1}, mlp.Tanh, 5)
	x := gaussian(rng, 500, 4)
	for _, cfg := range []Config{
		{Activation: mlp.G, BaseWidth: 3, Rho: 2, Students: 5, Seed: 1, Restarts: -1},
		{Activation: mlp.Tanh, HiddenLayers: 2, BaseWidth: 3, Rho: 2, Students: 5, Seed: 1, Restarts: -1},
	} {
		res, err := Run(context.Background(), teacher, x, cfg)
		if cfg.HiddenLayers == 2 {
			// Two tanh layers can fit a one-layer tanh teacher to below
			// the deep floor (5e-13 since the deep recipe's geodesic
			// acceleration), so FewStudentsAtFloor need not appear; what
			// must not come back is a confident answer. The error then
			// points at the depth.
			if err == nil && len(res.Warnings) == 0 {
				t.Errorf("wrong depth: a network came back without a warning:\n%s", res.Verdict())
			}
			if err != nil && (res == nil || !res.Has(FewStudentsAtFloor)) && !strings.Contains(err.Error(), "Config.HiddenLayers = 2") {
				t.Errorf("wrong depth: error %v names neither FewStudentsAtFloor nor the depth", err)
			}
			continue
		}
		w := warningWith(t, res, FewStudentsAtFloor)
		// For the wrong activation the warning must name the cause.
		if !strings.Contains(w.Remedy, "cannot represent the teacher") || !strings.Contains(w.Remedy, "Config.HiddenLayers") {
			t.Errorf("%s, %d layers: remedy %q (evidence %s)", cfg.Activation.Name(), cfg.HiddenLayers, w.Remedy, w.Evidence)
		}
		if err == nil && !res.Has(RecoveredLossHigh) {
			t.Errorf("%s, %d layers: a network came back without RecoveredLossHigh:\n%s", cfg.Activation.Name(), cfg.HiddenLayers, res.Verdict())
		}
	}
}

// Issue 15: with 10 or 40 probes the error advised training longer; the
// cause is too little data.
func TestVerdictTooFewProbes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	teacher := randomNet(t, []int{4, 3, 1}, mlp.Tanh, 5)
	for _, n := range []int{10, 40} {
		x := gaussian(rng, n, 4)
		res, err := Run(context.Background(), teacher, x, Config{Activation: mlp.Tanh, BaseWidth: 3, Rho: 4, Students: 6, Seed: 1, Restarts: -1})
		w := warningWith(t, res, TooFewProbes)
		if !strings.Contains(w.Evidence, "for 73 parameters per student") || !strings.Contains(w.Remedy, "at least 730 probes") {
			t.Errorf("%d probes: warning %v", n, w)
		}
		if err != nil && errors.Is(err, ErrNoNeurons) && !strings.Contains(err.Error(), "likely cause: TooFewProbes") {
			t.Errorf("%d probes: error %v does not name the cause", n, err)
		}
	}
}

func TestVerdictRecoveredLossHigh(t *testing.T) {
	res := &Result{Network: &mlp.Network{}, StudentLosses: []float64{1e-20, 2e-20, math.NaN()}, FinalLoss: 1e-6, Widths: []int{2},
		Config: Config{ZeroLoss: 1e-14}}
	w := recoveredLossHigh(res)
	if w == nil || !strings.Contains(w.Evidence, "loss 1e-06") {
		t.Fatalf("warning %v", w)
	}
	res.FinalLoss = 1e-13 // within 100× of the threshold: fine
	if w := recoveredLossHigh(res); w != nil {
		t.Fatalf("unexpected warning %v", w)
	}
}

func TestVerdictMarginalClusters(t *testing.T) {
	c := &Config{Students: 20, Beta: math.Pi / 24}
	layers := []LayerReport{{Layer: 1, MinSize: 16, Students: 20, Neurons: []NeuronReport{
		{Size: 20, Students: 20, MedianCosine: 1e-12},
		{Size: 16, Students: 16, MedianCosine: 1e-12},
		{Size: 19, Students: 19, MedianCosine: 0.8 * (1 - math.Cos(math.Pi/24))},
	}}}
	ws := marginalClusters(c, layers)
	if len(ws) != 2 || !strings.Contains(ws[0].Evidence, "neuron 1: 16 students (need 16 of 20)") || !strings.Contains(ws[1].Evidence, "neuron 2: median cosine") {
		t.Fatalf("warnings %v", ws)
	}
	layers[0].Neurons = layers[0].Neurons[:1]
	if ws := marginalClusters(c, layers); len(ws) != 0 {
		t.Fatalf("a full, tight cluster warned: %v", ws)
	}
	// A deep layer clustered over the 4 students at the floor counts γ
	// over those 4, not over N = 20.
	pool := []LayerReport{{Layer: 1, MinSize: 4, Students: 5, Neurons: []NeuronReport{{Size: 4, Students: 4, MedianCosine: 1e-12}}}}
	if ws := marginalClusters(c, pool); len(ws) != 1 || !strings.Contains(ws[0].Evidence, "need 4 of 5") {
		t.Fatalf("warnings %v", ws)
	}
}

// TestFewAtFloorRecoveredAtFloor: students above the floor whose recovered
// network reached it were stopped early; they could represent the teacher,
// so the remedy must not say they cannot (a g Fashion-MNIST recovery
// through queries, students at 6e-4, was fine-tuned to 8e-15 and exact).
func TestFewAtFloorRecoveredAtFloor(t *testing.T) {
	c := Config{Activation: mlp.G, Widths: []int{3}, Students: 2, Gamma: 1}
	net := randomNet(t, []int{2, 3, 1}, mlp.G, 1)
	res := &Result{StudentLosses: []float64{6e-4, 8e-4}, ZeroLoss: 1e-14, Network: net}
	for _, final := range []float64{8e-15, 1e-6} {
		res.FinalLoss = final
		w := fewAtFloor(&c, res)
		if w == nil {
			t.Fatalf("final loss %g: no FewStudentsAtFloor warning", final)
		}
		early := strings.Contains(w.Remedy, "stopped early")
		if cannot := strings.Contains(w.Remedy, "cannot represent"); early == cannot || early != (final <= 1e-14) {
			t.Errorf("final loss %g: remedy %q", final, w.Remedy)
		}
	}
}

// A deep ReLU run whose students stalled is pointed to Config.Continuation,
// and only while it is off.
func TestFewAtFloorSuggestsContinuation(t *testing.T) {
	res := &Result{StudentLosses: []float64{2e-5, 8e-4, 1e-4}, ZeroLoss: 1e-14}
	for _, tc := range []struct {
		act          mlp.Activation
		layers       int
		continuation bool
		want         bool
	}{
		{mlp.ReLU, 2, false, true},
		{mlp.LeakyReLU(0.01), 3, false, true},
		{mlp.ReLU, 2, true, false},
		{mlp.ReLU, 1, false, false},
		{mlp.Tanh, 2, false, false},
	} {
		c := Config{Activation: tc.act, HiddenLayers: tc.layers, Students: 3, Gamma: 1, Continuation: tc.continuation}
		w := fewAtFloor(&c, res)
		if w == nil {
			t.Fatalf("%s, %d layers: no FewStudentsAtFloor warning", tc.act.Name(), tc.layers)
		}
		if got := strings.Contains(w.Remedy, "Config.Continuation"); got != tc.want {
			t.Errorf("%s, %d layers, continuation %v: remedy %q", tc.act.Name(), tc.layers, tc.continuation, w.Remedy)
		}
	}
}

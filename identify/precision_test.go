package identify

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"

	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

func TestMeasurePrecision(t *testing.T) {
	vals := []float64{0.3, -1.7, 2.9e-3, 12.5, 0, math.Pi}
	y64 := mat.NewDense(3, 2, append([]float64(nil), vals...))
	y32 := mat.NewDense(3, 2, nil)
	for i, v := range vals {
		y32.RawMatrix().Data[i] = float64(float32(v))
	}
	p64, p32 := MeasurePrecision(y64, 0), MeasurePrecision(y32, 0)
	if p64.Bits != 53 || p64.NoiseLoss != 0 {
		t.Errorf("float64 outputs: %v", p64)
	}
	if p32.Bits != 24 || !strings.Contains(p32.String(), "(float32)") {
		t.Errorf("float32 outputs: %v", p32)
	}
	// The estimated noise loss matches the actual rounding error's mean
	// square to within the spread of a uniform error over six values.
	sq := 0.0
	for i, v := range vals {
		d := y32.RawMatrix().Data[i] - v
		sq += d * d
	}
	sq /= float64(len(vals))
	if !(p32.NoiseLoss > sq/20 && p32.NoiseLoss < 20*sq) {
		t.Errorf("noise loss %.3g, actual mean squared rounding error %.3g", p32.NoiseLoss, sq)
	}
	if p := MeasurePrecision(y64, 1e-3); math.Abs(p.NoiseLoss-1e-6) > 1e-12 {
		t.Errorf("additive noise 1e-3: noise loss %v, want 1e-6", p.NoiseLoss)
	}
	if mantissaBits(1) != 1 || mantissaBits(0.75) != 2 || mantissaBits(math.Nextafter(1, 2)) != 53 || mantissaBits(5e-324) != 1 {
		t.Error("mantissaBits")
	}
}

func TestApplyPrecision(t *testing.T) {
	c := Config{ZeroLoss: 1e-14}
	applyPrecision(&c, Precision{Bits: 53})
	if c.ZeroLoss != 1e-14 || c.restartLoss != 0 || c.Train.Phases != nil {
		t.Fatalf("float64 outputs changed the thresholds: %+v", c)
	}
	applyPrecision(&c, Precision{Bits: 24, NoiseLoss: 1e-13})
	if c.ZeroLoss != 1e-12 || c.restartLoss != 1e-12 || c.Train.Phases == nil || c.Train.Phases[0].Gate != 1e-12 {
		t.Fatalf("float32 outputs: zero %v, restart %v", c.ZeroLoss, c.restartLoss)
	}
	if train.DefaultPhases()[0].Gate != train.DefaultRestartLoss {
		t.Fatal("the default phases were modified")
	}
}

// Issue 15: float32 outputs made every student burn all its restarts at a
// loss near 1e-15. With the noise-aware floors the run recovers the teacher
// exactly and the students count as at zero loss.
func TestRunFloat32Outputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	teacher := randomNet(t, []int{3, 2, 1}, mlp.Tanh, 2)
	x := gaussian(rng, 500, 3)
	y := mustPredict(t, teacher, x)
	for i, v := range y.RawMatrix().Data {
		y.RawMatrix().Data[i] = float64(float32(v))
	}
	res, err := RunData(context.Background(), x, y, Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Precision.Bits != 24 || !(res.ZeroLoss > 1e-14) {
		t.Fatalf("precision %v, zero-loss threshold %v", res.Precision, res.ZeroLoss)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings on a sound float32 run:\n%s", res.Verdict())
	}
	rep, err := Compare(teacher, res.Network, gaussian(rng, 1000, 3))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Exact(1e-6) {
		t.Errorf("not exact:\n%v", rep)
	}
}

package identify

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// Precision describes how precisely the teacher's outputs are known, and so
// how low a student's loss can go. Outputs saved in float32 (PyTorch's
// default) carry rounding errors of about 6e-8 relative: a student that
// is exactly the teacher still has a loss near 1e-15 on them, and losses
// far below that are not reachable.
type Precision struct {
	// Bits is the number of significant bits the outputs use: 53 for
	// float64 values, 24 (or fewer) for values rounded to float32. It is
	// read from the values themselves: the largest number of mantissa
	// bits any output needs. Rounding to decimal digits (outputs written
	// as text) leaves no such trace: give Config.OutputNoise for it, about
	// 0.3 units of the last digit kept.
	Bits int
	// NoiseLoss is the loss a student equal to the teacher has on these
	// outputs: the mean squared rounding error (ulp²/12 per value, for
	// Bits < 53) plus Config.OutputNoise².
	NoiseLoss float64
}

// String describes the precision, for example "24-bit outputs (float32),
// noise loss 1.2e-15".
func (p Precision) String() string {
	kind := ""
	switch {
	case p.Bits >= 53:
		kind = " (float64)"
	case p.Bits == 24:
		kind = " (float32)"
	}
	return fmt.Sprintf("%d-bit outputs%s, noise loss %.3g", p.Bits, kind, p.NoiseLoss)
}

// Noise-aware thresholds: a student at the noise floor has a loss close to
// NoiseLoss (a little below it, having fitted some of the noise), a
// student in a poor local minimum one far above it.
const (
	// noiseMargin: the zero-loss threshold and the restart threshold are
	// at least noiseMargin × NoiseLoss.
	noiseMargin = 10
	// stopMargin: the default training phases stop at stopMargin ×
	// NoiseLoss. A student at the floor fits a fraction P/(samples ×
	// outputs) of the noise and ends a little below NoiseLoss; the margin
	// covers the estimate's error, so that phases end there instead of
	// waiting out their patience for an improvement that cannot come.
	stopMargin = 1.5
	// fullPrecisionBits: at this many bits the rounding error is below
	// every default threshold and is ignored.
	fullPrecisionBits = 50
)

// MeasurePrecision estimates the precision of outputs y, with additive
// noise of standard deviation noise (0 if unknown or absent).
func MeasurePrecision(y *mat.Dense, noise float64) Precision {
	raw := y.RawMatrix()
	p := Precision{}
	for i := 0; i < raw.Rows; i++ {
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			p.Bits = max(p.Bits, mantissaBits(v))
		}
	}
	if p.Bits < fullPrecisionBits {
		sum, n := 0.0, 0
		for i := 0; i < raw.Rows; i++ {
			for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
				u := ulp(v, p.Bits)
				sum += u * u / 12
				n++
			}
		}
		p.NoiseLoss = sum / float64(n)
	}
	p.NoiseLoss += noise * noise
	return p
}

// mantissaBits is the number of significant bits of v: 1 plus the position
// of the lowest set bit of the fraction, counted from the top (0 for 0).
func mantissaBits(v float64) int {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	b := math.Float64bits(v)
	frac := b & (1<<52 - 1)
	if b>>52&0x7ff == 0 { // subnormal: as many bits as it has
		return 64 - bits.LeadingZeros64(frac) - bits.TrailingZeros64(frac)
	}
	if frac == 0 {
		return 1
	}
	return 53 - bits.TrailingZeros64(frac)
}

// ulp is the spacing of p-bit numbers at v: the rounding step of a value
// stored with p significant bits.
func ulp(v float64, p int) float64 {
	if v == 0 {
		return 0
	}
	_, e := math.Frexp(v) // |v| = f·2^e, 0.5 ≤ f < 1
	return math.Ldexp(1, e-p)
}

// applyPrecision raises the zero-loss threshold and the restart threshold
// of c to the outputs' noise floor, so that students at the floor count as
// at zero loss and are not restarted in a vain search for a lower loss.
// It changes nothing for float64 outputs without noise.
func applyPrecision(c *Config, p Precision) {
	floor := noiseMargin * p.NoiseLoss
	if floor > c.ZeroLoss {
		c.ZeroLoss = floor
	}
	if floor > train.DefaultRestartLoss {
		c.restartLoss = floor
		if c.Train.Phases == nil {
			// The default phases skip the full-data polishing of a
			// student whose subset loss is above the restart
			// threshold (at the noise floor every student's is),
			// and stop at a loss that noise makes unreachable.
			phases := train.DefaultPhases()
			for i := range phases {
				if phases[i].Gate > 0 {
					phases[i].Gate = max(phases[i].Gate, floor)
				}
				phases[i].Stop.Loss = max(phases[i].Stop.Loss, stopMargin*p.NoiseLoss)
			}
			c.Train.Phases = phases
		}
	}
}

package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/paramrecovery/expandcluster/mlp"
)

// Channel is a pair of hidden neurons of one layer caught in a "flat
// channel to infinity" (Martinelli et al., NeurIPS 2025): their incoming
// vectors v_i = (w_i, b_i) and v_j have (nearly) merged while their
// outgoing weights a_i and a_j point in opposite directions. Such a pair
// computes
//
//	a_i·σ(v_i·x̃) + a_j·σ(v_j·x̃) ≈ (a_i + a_j)·σ(v·x̃) + a_i·((v_i − v_j)·x̃)·σ'(v·x̃),
//
// one neuron plus the derivative of σ along v, and gradient training can
// only reach the derivative term in the limit v_i − v_j → 0, |a_i| → ∞,
// with the loss falling like a power of the iteration count.
type Channel struct {
	// Layer is the hidden layer (0 is the first) and I < J the neurons.
	Layer, I, J int
	// CosineDistance is 1 − cos between the incoming vectors (weights and
	// bias) of I and J.
	CosineDistance float64
	// Gap is ‖v_i − v_j‖, the Euclidean distance of the incoming vectors.
	Gap float64
	// OutI and OutJ are the Euclidean norms of the outgoing weights of I
	// and J (their columns in the next layer's weight matrix).
	OutI, OutJ float64
	// Cancellation is ‖a_i + a_j‖ / (‖a_i‖ + ‖a_j‖): 0 when the outgoing
	// weights cancel exactly, 1 when they are parallel.
	Cancellation float64
	// Derivative is min(‖a_i‖, ‖a_j‖)·Gap, the size of the derivative term
	// the pair computes on top of one neuron.
	Derivative float64
	// PrevGap and PrevOut are Gap and max(OutI, OutJ) of the same pair in
	// ChannelConfig.Previous (NaN without one).
	PrevGap, PrevOut float64
}

// Diverging reports whether the pair moved along the channel since
// ChannelConfig.Previous: its incoming vectors came closer while its
// largest outgoing weight grew. It is false without a previous snapshot.
func (c Channel) Diverging() bool {
	return c.Gap < c.PrevGap && math.Max(c.OutI, c.OutJ) > c.PrevOut
}

func (c Channel) String() string {
	return fmt.Sprintf("layer %d neurons %d,%d: cosine distance %.3g, gap %.3g, |a| %.4g/%.4g, cancellation %.3g",
		c.Layer, c.I, c.J, c.CosineDistance, c.Gap, c.OutI, c.OutJ, c.Cancellation)
}

// ChannelConfig sets the thresholds of DetectChannels. The zero value uses
// the defaults below.
type ChannelConfig struct {
	// MaxCosine is the largest cosine distance between the incoming
	// vectors of a channel's neurons; zero means DefaultChannelCosine.
	MaxCosine float64
	// MaxCancellation is the largest ‖a_i + a_j‖ / (‖a_i‖ + ‖a_j‖); zero
	// means DefaultChannelCancellation.
	MaxCancellation float64
	// MinOut leaves out neurons whose outgoing weights have a norm below
	// it (silent neurons); zero means 1e-8.
	MinOut float64
	// Previous, if not nil, is an earlier snapshot of the same network
	// (same architecture): each channel's PrevGap and PrevOut are read from
	// it, so that Channel.Diverging can tell a pair moving along the
	// channel from one resting in it.
	Previous *mlp.Network
}

// Defaults of ChannelConfig.
const (
	// DefaultChannelCosine: a pair whose incoming vectors are closer than
	// this in cosine distance is treated as merged.
	DefaultChannelCosine = 1e-3
	// DefaultChannelCancellation: outgoing weights that cancel to less than
	// half their summed size.
	DefaultChannelCancellation = 0.5
)

// DetectChannels returns the pairs of hidden neurons of net that look like
// a flat channel: in the same hidden layer, incoming vectors (w, b)
// within cfg.MaxCosine in cosine distance, outgoing weight vectors in
// opposite directions cancelling to cfg.MaxCancellation or less, neither
// neuron silent. Pairs are sorted by decreasing Derivative (the strongest
// channel first); a neuron can be in several pairs.
//
// A snapshot cannot say whether the outgoing weights are growing: give
// cfg.Previous (an earlier snapshot of the same student) and test
// Channel.Diverging, and fit the loss history with FitPowerLaw, whose
// power-law decay is the channel's other signature.
func DetectChannels(net *mlp.Network, cfg ChannelConfig) []Channel {
	maxCos, maxCancel, minOut := cfg.MaxCosine, cfg.MaxCancellation, cfg.MinOut
	if maxCos == 0 {
		maxCos = DefaultChannelCosine
	}
	if maxCancel == 0 {
		maxCancel = DefaultChannelCancellation
	}
	if minOut == 0 {
		minOut = 1e-8
	}
	prev := cfg.Previous
	if prev != nil && !chSameShape(prev, net) {
		prev = nil
	}
	var out []Channel
	for l := 0; l+1 < net.NumLayers(); l++ {
		L, next := net.Layer(l), net.Layer(l+1)
		for i := 0; i < L.Out; i++ {
			ai := chOutgoing(next, i)
			ni := chNorm(ai)
			if ni < minOut {
				continue
			}
			vi := chIncoming(L, i)
			for j := i + 1; j < L.Out; j++ {
				aj := chOutgoing(next, j)
				nj := chNorm(aj)
				if nj < minOut || chDot(ai, aj) >= 0 {
					continue
				}
				vj := chIncoming(L, j)
				cd := chCosDist(vi, vj)
				if !(cd <= maxCos) {
					continue
				}
				cancel := chNorm(chAdd(ai, aj)) / (ni + nj)
				if cancel > maxCancel {
					continue
				}
				gap := chDistance(vi, vj)
				c := Channel{Layer: l, I: i, J: j, CosineDistance: cd, Gap: gap, OutI: ni, OutJ: nj,
					Cancellation: cancel, Derivative: math.Min(ni, nj) * gap, PrevGap: math.NaN(), PrevOut: math.NaN()}
				if prev != nil {
					pl, pn := prev.Layer(l), prev.Layer(l+1)
					c.PrevGap = chDistance(chIncoming(pl, i), chIncoming(pl, j))
					c.PrevOut = math.Max(chNorm(chOutgoing(pn, i)), chNorm(chOutgoing(pn, j)))
				}
				out = append(out, c)
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Derivative > out[b].Derivative })
	return out
}

// CollapseChannels replaces each channel's pair by one neuron and frees
// the other: neuron I gets the outgoing weights a_i + a_j and the incoming
// vector that keeps the pair's first-order term, (a_i·v_i + a_j·v_j)/(a_i
// + a_j) (for vector outputs with the scalar weights projected on
// a_i + a_j), or the midpoint when that point lies more than five gaps
// away from the pair (the derivative term dominates: the pair cannot be
// one neuron). Neuron J is re-initialised with Glorot-normal incoming
// weights times gain drawn from rng, a zero bias and zero outgoing
// weights, so that the network's function changes only by the dropped
// higher-order terms. Channels that share a neuron with an earlier
// (stronger) one are skipped. It returns the number of pairs collapsed.
//
// Measured on the synthetic family's hard corner (d_in = 2, r = 8, ρ = 4):
// collapsing the channels of five trapped students and retraining with LM
// brought none of them to the loss floor (neither did 600 more LM
// iterations); solving the output layer exactly (VarPro) brought two
// (results/paper/hardcorner-varpro/README.md).
func CollapseChannels(net *mlp.Network, chans []Channel, gain float64, rng *rand.Rand) int {
	used := map[[2]int]bool{}
	n := 0
	for _, c := range chans {
		if c.Layer < 0 || c.Layer+1 >= net.NumLayers() || used[[2]int{c.Layer, c.I}] || used[[2]int{c.Layer, c.J}] {
			continue
		}
		L, next := net.Layer(c.Layer), net.Layer(c.Layer+1)
		if c.I >= L.Out || c.J >= L.Out || c.I == c.J {
			continue
		}
		used[[2]int{c.Layer, c.I}], used[[2]int{c.Layer, c.J}] = true, true
		ai, aj := chOutgoing(next, c.I), chOutgoing(next, c.J)
		vi, vj := chIncoming(L, c.I), chIncoming(L, c.J)
		s := chAdd(ai, aj)
		ss := chDot(s, s)
		v := make([]float64, len(vi))
		mid := make([]float64, len(vi))
		for k := range vi {
			mid[k] = (vi[k] + vj[k]) / 2
		}
		copy(v, mid)
		if ss > 0 {
			// Scalar weights of the two neurons along the summed direction.
			pi, pj := chDot(ai, s)/ss, chDot(aj, s)/ss
			for k := range v {
				v[k] = pi*vi[k] + pj*vj[k]
			}
			if chDistance(v, mid) > 5*chDistance(vi, vj) {
				copy(v, mid)
			}
		}
		chSetIncoming(L, c.I, v)
		for o := range s {
			next.W.Set(o, c.I, s[o])
		}
		sd := gain * math.Sqrt(2/float64(L.In+L.Out))
		for k := 0; k < L.In; k++ {
			L.W.Set(c.J, k, sd*rng.NormFloat64())
		}
		if L.B != nil {
			L.B[c.J] = 0
		}
		for o := 0; o < next.Out; o++ {
			next.W.Set(o, c.J, 0)
		}
		n++
	}
	return n
}

// PowerLaw is a fit of a loss history by loss ≈ C·iter^(−Exponent).
type PowerLaw struct {
	// Exponent is the fitted decay exponent p of loss ∝ iter^(−p).
	Exponent float64
	// R2 is the coefficient of determination of the fit of log loss on
	// log iter, and ExpR2 that of log loss on iter (an exponential,
	// linearly converging decay).
	R2, ExpR2 float64
	// Points is the number of (iter, loss) pairs used.
	Points int
}

// PowerLike reports whether the history decays like a power of the
// iteration count rather than geometrically: the log–log fit explains it
// (R² ≥ 0.95) better than the exponential one, with a positive exponent.
// A student in a flat channel does; one converging to an isolated
// minimum (Levenberg–Marquardt's fast local convergence) does not.
func (p PowerLaw) PowerLike() bool {
	return p.Points >= 4 && p.Exponent > 0 && p.R2 >= 0.95 && p.R2 > p.ExpR2
}

// FitPowerLaw fits loss ≈ C·iter^(−p) by least squares on log loss against
// log iter, over the pairs with iter ≥ 1 and a positive finite loss (give
// the tail of a history to judge its late behaviour).
func FitPowerLaw(iters []int, losses []float64) PowerLaw {
	var lx, tx, ly []float64
	for k := range iters {
		if k >= len(losses) || iters[k] < 1 || !(losses[k] > 0) || math.IsInf(losses[k], 0) {
			continue
		}
		lx = append(lx, math.Log(float64(iters[k])))
		tx = append(tx, float64(iters[k]))
		ly = append(ly, math.Log(losses[k]))
	}
	pl := PowerLaw{Points: len(ly), Exponent: math.NaN(), R2: math.NaN(), ExpR2: math.NaN()}
	if len(ly) < 2 {
		return pl
	}
	slope, r2 := chLinFit(lx, ly)
	_, er2 := chLinFit(tx, ly)
	pl.Exponent, pl.R2, pl.ExpR2 = -slope, r2, er2
	return pl
}

// chLinFit returns the least-squares slope of y on x and the R² of the fit.
func chLinFit(x, y []float64) (slope, r2 float64) {
	n := float64(len(x))
	var mx, my float64
	for k := range x {
		mx += x[k]
		my += y[k]
	}
	mx, my = mx/n, my/n
	var sxx, sxy, syy float64
	for k := range x {
		dx, dy := x[k]-mx, y[k]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return math.NaN(), math.NaN()
	}
	slope = sxy / sxx
	if syy == 0 {
		return slope, 1
	}
	return slope, sxy * sxy / (sxx * syy)
}

// LossTrace is a Recorder that keeps every iteration's (phase, iteration,
// loss) of one student, for FitPowerLaw. It is not safe for concurrent use:
// give each student its own.
type LossTrace struct {
	Phase  []int
	Iter   []int
	Loss   []float64
	Inner  Recorder // also receives every event, if not nil
	offset int
	last   int
}

// Record keeps e (iterations are counted across phases) and passes it on.
func (t *LossTrace) Record(e Event) error {
	if e.PhaseIndex != t.last {
		t.offset += t.lastIter()
		t.last = e.PhaseIndex
	}
	if !e.Done && e.Iter > 0 {
		t.Phase = append(t.Phase, e.PhaseIndex)
		t.Iter = append(t.Iter, t.offset+e.Iter)
		t.Loss = append(t.Loss, e.Loss)
	}
	if t.Inner != nil {
		return t.Inner.Record(e)
	}
	return nil
}

func (t *LossTrace) lastIter() int {
	if len(t.Iter) == 0 {
		return 0
	}
	return t.Iter[len(t.Iter)-1] - t.offset
}

func chSameShape(a, b *mlp.Network) bool {
	sa, sb := a.Sizes(), b.Sizes()
	if len(sa) != len(sb) {
		return false
	}
	for k := range sa {
		if sa[k] != sb[k] {
			return false
		}
	}
	return true
}

// chIncoming returns neuron i's incoming weights followed by its bias.
func chIncoming(L *mlp.Layer, i int) []float64 {
	v := make([]float64, L.In, L.In+1)
	for k := range v {
		v[k] = L.W.At(i, k)
	}
	if L.B != nil {
		v = append(v, L.B[i])
	}
	return v
}

func chSetIncoming(L *mlp.Layer, i int, v []float64) {
	for k := 0; k < L.In; k++ {
		L.W.Set(i, k, v[k])
	}
	if L.B != nil {
		L.B[i] = v[L.In]
	}
}

// chOutgoing returns neuron i's column of the next layer's weights.
func chOutgoing(next *mlp.Layer, i int) []float64 {
	a := make([]float64, next.Out)
	for o := range a {
		a[o] = next.W.At(o, i)
	}
	return a
}

func chDot(a, b []float64) float64 {
	s := 0.0
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}

func chNorm(a []float64) float64 { return math.Sqrt(chDot(a, a)) }

func chAdd(a, b []float64) []float64 {
	s := make([]float64, len(a))
	for k := range a {
		s[k] = a[k] + b[k]
	}
	return s
}

func chDistance(a, b []float64) float64 {
	s := 0.0
	for k := range a {
		d := a[k] - b[k]
		s += d * d
	}
	return math.Sqrt(s)
}

func chCosDist(a, b []float64) float64 {
	na, nb := chNorm(a), chNorm(b)
	if na == 0 || nb == 0 {
		return 1
	}
	return 1 - chDot(a, b)/(na*nb)
}

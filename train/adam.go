package train

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Adam is the Adam optimiser (Kingma & Ba), full batch or minibatch, with
// an optional reduce-on-plateau learning-rate schedule.
//
// Full batch (BatchSize 0 or ≥ samples), one iteration is one step and its
// loss is exact. Minibatch, one iteration is one epoch over a fresh
// shuffle of the samples (drawn from the student's random stream; the last
// batch may be smaller) and the loss reported is the mean of the minibatch
// losses of the epoch, as deep-learning frameworks report it, unless
// ExactLoss is set. The best point kept by Train is then the end of the
// epoch with the lowest reported loss.
//
// The zero value is full-batch Adam with learning rate 1e-3.
type Adam struct {
	// LR is the learning rate; zero means 1e-3. Negative, NaN or
	// infinite is an error.
	LR float64
	// Beta1, Beta2 and Eps are the moment decay rates and the
	// denominator offset; zero means 0.9, 0.999 and 1e-8.
	Beta1, Beta2, Eps float64
	// BatchSize is the minibatch size; zero means full batch.
	BatchSize int
	// ExactLoss evaluates the loss on all the phase's data after every
	// epoch (one extra forward pass) instead of reporting the mean
	// minibatch loss.
	ExactLoss bool
	// Plateau, if not nil, reduces the learning rate when the loss stops
	// improving.
	Plateau *Plateau
}

// Plateau is a reduce-on-plateau schedule, as PyTorch's ReduceLROnPlateau
// in relative mode: after Patience iterations in which the loss has not
// gone below best·(1 − Threshold), the rate is multiplied by Factor (not
// below MinLR) and the count restarts. The zero value means Patience 10,
// Factor 1/√10, Threshold 1e-4 and MinLR 1e-6.
type Plateau struct {
	Patience  int
	Factor    float64
	Threshold float64
	MinLR     float64
}

// Name returns "Adam" or "Adam-minibatch".
func (o *Adam) Name() string {
	if o.BatchSize > 0 {
		return "Adam-minibatch"
	}
	return "Adam"
}

func (o *Adam) validate() error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case bad(o.LR) || o.LR < 0:
		return fmt.Errorf("Adam learning rate %v must be > 0 (0 means the default 1e-3)", o.LR)
	case bad(o.Beta1) || o.Beta1 < 0 || o.Beta1 >= 1, bad(o.Beta2) || o.Beta2 < 0 || o.Beta2 >= 1:
		return fmt.Errorf("Adam betas (%v, %v) must be in [0, 1)", o.Beta1, o.Beta2)
	case bad(o.Eps) || o.Eps < 0:
		return fmt.Errorf("Adam epsilon %v must be ≥ 0", o.Eps)
	case o.BatchSize < 0:
		return fmt.Errorf("Adam batch size %d must be ≥ 0", o.BatchSize)
	}
	if q := o.Plateau; q != nil {
		switch {
		case q.Patience < 0:
			return fmt.Errorf("Plateau.Patience %d must be ≥ 0", q.Patience)
		case bad(q.Factor) || q.Factor < 0 || q.Factor >= 1:
			return fmt.Errorf("Plateau.Factor %v must be in (0, 1)", q.Factor)
		case bad(q.Threshold) || q.Threshold < 0 || q.Threshold >= 1:
			return fmt.Errorf("Plateau.Threshold %v must be in [0, 1)", q.Threshold)
		case bad(q.MinLR) || q.MinLR < 0:
			return fmt.Errorf("Plateau.MinLR %v must be ≥ 0", q.MinLR)
		}
	}
	return nil
}

// plateau is the running state of a Plateau schedule.
type plateau struct {
	Plateau
	best float64
	bad  int
}

func newPlateau(q *Plateau) *plateau {
	if q == nil {
		return nil
	}
	s := &plateau{Plateau: *q, best: math.Inf(1)}
	if s.Patience == 0 {
		s.Patience = 10
	}
	if s.Factor == 0 {
		s.Factor = 1 / math.Sqrt(10)
	}
	if s.Threshold == 0 {
		s.Threshold = 1e-4
	}
	if s.MinLR == 0 {
		s.MinLR = 1e-6
	}
	return s
}

// step returns the learning rate to use after seeing loss.
func (s *plateau) step(loss, lr float64) float64 {
	if s == nil {
		return lr
	}
	if loss < s.best*(1-s.Threshold) {
		s.best, s.bad = loss, 0
		return lr
	}
	if s.bad++; s.bad > s.Patience {
		s.bad = 0
		return max(lr*s.Factor, min(lr, s.MinLR))
	}
	return lr
}

// hyper returns the step size and moment settings with defaults filled in.
func (o *Adam) hyper() (lr, b1, b2, eps float64) {
	lr, b1, b2, eps = o.LR, o.Beta1, o.Beta2, o.Eps
	if lr == 0 {
		lr = 1e-3
	}
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	return lr, b1, b2, eps
}

// Run minimises the loss of p by Adam.
func (o *Adam) Run(ctx context.Context, p *Problem, m *Monitor) error {
	lr, b1, b2, eps := o.hyper()
	sched := newPlateau(o.Plateau)
	k := p.Dim()
	x := make([]float64, k)
	g := make([]float64, k)
	mom := make([]float64, k)
	vel := make([]float64, k)
	p.Gather(x)
	var t float64
	update := func() {
		t++
		c1 := 1 / (1 - math.Pow(b1, t))
		c2 := 1 / (1 - math.Pow(b2, t))
		for i, gi := range g {
			mom[i] = b1*mom[i] + (1-b1)*gi
			vel[i] = b2*vel[i] + (1-b2)*gi*gi
			x[i] -= lr * (mom[i] * c1) / (math.Sqrt(vel[i]*c2) + eps)
		}
		p.Scatter(x)
	}
	n, _ := p.X.Dims()
	bs := o.BatchSize
	if bs <= 0 || bs >= n {
		// Full batch: the gradient at the start was evaluated by Train;
		// evaluate it again here (cheap next to the run).
		if _, err := p.LossGrad(g, nil, nil); err != nil {
			return err
		}
		for {
			update()
			loss, err := p.LossGrad(g, nil, nil)
			if err != nil {
				return err
			}
			if m.Iterate(loss, infNorm(g)) {
				return nil
			}
			lr = sched.step(loss, lr)
		}
	}
	// Minibatch.
	_, cx := p.X.Dims()
	_, cy := p.Y.Dims()
	xb, yb := mat.NewDense(bs, cx, nil), mat.NewDense(bs, cy, nil)
	var xr, yr *mat.Dense
	if rem := n % bs; rem > 0 {
		xr, yr = xb.Slice(0, rem, 0, cx).(*mat.Dense), yb.Slice(0, rem, 0, cy).(*mat.Dense)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	gfull := make([]float64, k)
	for {
		p.RNG.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var sum float64
		for s := 0; s < n; s += bs {
			if m.Stopped() {
				return nil
			}
			e := min(s+bs, n)
			bx, by := xb, yb
			if e-s < bs {
				bx, by = xr, yr
			}
			gatherRows(bx, p.X, perm[s:e])
			gatherRows(by, p.Y, perm[s:e])
			loss, err := p.LossGrad(g, bx, by)
			if err != nil {
				return err
			}
			sum += loss * float64(e-s)
			update()
		}
		loss, gn := sum/float64(n), math.NaN()
		if o.ExactLoss {
			var err error
			if loss, err = p.LossGrad(gfull, nil, nil); err != nil {
				return err
			}
			gn = infNorm(gfull)
		}
		if m.Iterate(loss, gn) {
			return nil
		}
		lr = sched.step(loss, lr)
	}
}

// Command deepattempts measures how often a deep student, trained from a
// fresh random start, reaches a loss threshold on a deep family teacher,
// and what an attempt costs: the quantity that decides how many restarts
// (and how much time) a deep recovery needs.
//
//	go run ./bench/deepattempts -problem deep-g-4x5x3x1 -widths 15,9 -attempts 20
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
)

func main() {
	log.SetFlags(0)
	name := flag.String("problem", "deep-g-4x5x3x1", "deep family problem")
	widthsFlag := flag.String("widths", "", "student hidden widths (default ⌈ρ·teacher⌉)")
	rho := flag.Float64("rho", 3, "expansion factor when -widths is empty")
	gain := flag.Float64("gain", 3, "Glorot gain of the initial weights")
	attempts := flag.Int("attempts", 20, "fresh starts")
	iters := flag.Int("iter", 400, "LM iterations")
	subset := flag.Int("subset", 5, "samples per parameter of the LM phase (0: all)")
	target := flag.Float64("target", 1e-10, "success threshold")
	seed := flag.Uint64("seed", 1, "seed of the attempts")
	scouts := flag.Int("scouts", 0, "seed the attempts' first layer with the consensus of this many short scout runs (0: none)")
	scoutIter := flag.Int("scout-iter", 150, "LM iterations of a scout")
	scoutDeg := flag.Float64("scout-deg", 3, "angle in degrees within which scout neurons agree")
	scoutMin := flag.Int("scout-min", 3, "scouts that must agree on a seeded neuron")
	opt := flag.String("opt", "lm", "optimizer: lm or varpro")
	second := flag.Int("varpro", 0, "iterations of a second phase of variable projection (train.VarPro) for attempts left above -target")
	fix1 := flag.Bool("fix1", false, "give the students the teacher's first layer, frozen (first width = the teacher's), and report layer-2 angles")
	samples := flag.Int("samples", 0, "training inputs (0: the problem's default)")
	rounds := flag.Int("crossover", 0, "rounds of inserting another student's first-layer neuron into every trapped student")
	roundIter := flag.Int("round-iter", 200, "LM iterations after an insertion")
	minImprove := flag.Float64("min-improve", 0.01, "relative loss decrease that LM must make every 40 iterations (patience rule)")
	geodesic := flag.Bool("geodesic", false, "Levenberg–Marquardt with geodesic acceleration (train.LM.Geodesic)")
	trace := flag.Bool("trace", false, "print each attempt's loss (on its phase's data) at iterations 25, 50, 100, 150, 200 and 300")
	flag.Parse()
	p, err := synth.DeepFamilyProblem(*name, synth.DeepFamilyOptions{Samples: *samples})
	if err != nil {
		log.Fatal(err)
	}
	teacher, data, err := p.Dataset()
	if err != nil {
		log.Fatal(err)
	}
	widths := []int{}
	if *widthsFlag != "" {
		for _, f := range strings.Split(*widthsFlag, ",") {
			w, err := strconv.Atoi(f)
			if err != nil {
				log.Fatal(err)
			}
			widths = append(widths, w)
		}
	} else {
		for _, w := range p.Hidden() {
			widths = append(widths, int(*rho*float64(w)+0.999))
		}
	}
	if *fix1 {
		widths[0] = p.Sizes[1]
	}
	sizes := append(append([]int{p.Sizes[0]}, widths...), p.Sizes[len(p.Sizes)-1])
	var seeds [][]float64
	newNet := func(rng *rand.Rand) *mlp.Network {
		net, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: p.Activation, Output: mlp.Identity})
		if err != nil {
			log.Fatal(err)
		}
		net.InitGlorotGain(rng, *gain)
		L := net.Layer(0)
		if *fix1 {
			L.W.Copy(teacher.Layer(0).W)
			copy(L.B, teacher.Layer(0).B)
		}
		for j, v := range seeds {
			if j < L.Out {
				copy(L.W.RawRowView(j), v[:L.In])
				L.B[j] = v[L.In]
			}
		}
		return net
	}
	var optimizer train.Optimizer = &train.LM{Geodesic: *geodesic}
	if *opt == "varpro" {
		optimizer = &train.VarPro{}
	}
	if *scouts > 0 {
		t0 := time.Now()
		var nets []*mlp.Network
		for a := 0; a < *scouts; a++ {
			rng := train.StudentRNG(*seed+1000, a)
			net := newNet(rng)
			cfg := train.Config{RNG: rng, Phases: []train.Phase{{Name: "lm", Optimizer: &train.LM{},
				Stop: train.StopRules{Loss: *target / 10, MaxIter: *scoutIter, Patience: 40, MinRelImprove: 0.01}}}}
			train.Train(context.Background(), net, data.X, data.Y, cfg)
			nets = append(nets, net)
		}
		seeds = consensus(nets, *scoutDeg, *scoutMin)
		fmt.Printf("%d scouts in %.1fs: %d seeded neurons\n", *scouts, time.Since(t0).Seconds(), len(seeds))
		for _, v := range seeds {
			fmt.Printf("  seed angle to teacher %.3g°\n", nearest(layerVectors(teacher, 0), v))
		}
	}
	var losses []float64
	var nets []*mlp.Network
	ok := 0
	var total time.Duration
	for a := 0; a < *attempts; a++ {
		rng := train.StudentRNG(*seed, a)
		net := newNet(rng)
		cfg := train.Config{RNG: rng, Phases: []train.Phase{{Name: "lm", Optimizer: optimizer, SubsetPerParam: *subset,
			Stop: train.StopRules{Loss: *target / 10, MaxIter: *iters, Patience: 40, MinRelImprove: *minImprove}}}}
		if *fix1 {
			_, end := net.LayerParams(0)
			cfg.Trainable, _ = train.FrozenMask(net.NumParams(), train.Range{Start: 0, End: end})
		}
		var marks []string
		if *trace {
			cfg.Recorder = train.RecorderFunc(func(e train.Event) error {
				switch e.Iter {
				case 25, 50, 100, 150, 200, 300:
					if !e.Done {
						marks = append(marks, fmt.Sprintf("%d:%.1e", e.Iter, e.Loss))
					}
				}
				return nil
			})
		}
		t0 := time.Now()
		res, err := train.Train(context.Background(), net, data.X, data.Y, cfg)
		if l, _ := net.Loss(nil, data.X, data.Y); err == nil && *second > 0 && l > *target {
			cfg.Phases = []train.Phase{{Name: "varpro", Optimizer: &train.VarPro{},
				Stop: train.StopRules{Loss: *target / 10, MaxIter: *second, Patience: 40, MinRelImprove: 0.01}}}
			var r2 train.Result
			r2, err = train.Train(context.Background(), net, data.X, data.Y, cfg)
			res.Phases = append(res.Phases, r2.Phases...)
		}
		dt := time.Since(t0)
		total += dt
		loss, _ := net.Loss(nil, data.X, data.Y)
		if err != nil {
			log.Printf("attempt %d: %v", a, err)
		}
		if loss <= *target {
			ok++
		}
		losses = append(losses, loss)
		nets = append(nets, net)
		fmt.Printf("attempt %2d: loss %.3g after %d iterations, %.2fs, teacher layer-1 angles %s\n", a, loss, res.Iter(), dt.Seconds(), angles(teacher, net))
		if *trace {
			fmt.Printf("  trace %s\n", strings.Join(marks, " "))
		}
	}
	if *rounds > 0 {
		crossover(nets, losses, data.X, data.Y, *rounds, *roundIter, *target, teacher, &total, &ok)
	}
	sort.Float64s(losses)
	fmt.Printf("%s students %v gain %g: %d/%d ≤ %g, median loss %.3g, %.2fs per attempt, %.1fs per success\n",
		p.Name, sizes, *gain, ok, *attempts, *target, losses[len(losses)/2], total.Seconds()/float64(*attempts), total.Seconds()/float64(max(ok, 1)))
}

// angles returns, for every first-layer neuron of the teacher, the smallest
// angle in degrees between its incoming vector (weights and bias) and a
// student's, ± either way.
func angles(teacher, student *mlp.Network) string {
	s := anglesAt(teacher, student, 0)
	if teacher.Layer(0).Out == student.Layer(0).Out {
		s += " | layer 2: " + anglesAt(teacher, student, 1)
	}
	return s
}

// anglesAt returns, for every neuron of layer l of the teacher, the
// smallest angle to a student neuron's incoming vector.
func anglesAt(teacher, student *mlp.Network, l int) string {
	sv := layerVectors(student, l)
	var out []string
	for _, u := range layerVectors(teacher, l) {
		out = append(out, fmt.Sprintf("%.2g", nearest(sv, u)))
	}
	return strings.Join(out, " ")
}

// layerVectors returns the incoming vectors (weights, then bias) of
// layer l's neurons.
func layerVectors(n *mlp.Network, l int) [][]float64 {
	L := n.Layer(l)
	vs := make([][]float64, L.Out)
	for j := range vs {
		vs[j] = append(append([]float64(nil), L.W.RawRowView(j)...), L.B[j])
	}
	return vs
}

// cosine returns the cosine of the angle between u and v.
func cosine(u, v []float64) float64 {
	var dot, nu, nv float64
	for i := range u {
		dot += u[i] * v[i]
		nu += u[i] * u[i]
		nv += v[i] * v[i]
	}
	return dot / math.Sqrt(nu*nv)
}

// nearest returns the smallest angle in degrees, sign ignored, between v
// and a vector of vs.
func nearest(vs [][]float64, v []float64) float64 {
	best := 180.0
	for _, u := range vs {
		c := math.Abs(cosine(u, v))
		best = math.Min(best, math.Acos(math.Min(c, 1))*180/math.Pi)
	}
	return best
}

// consensus greedily groups the first-layer vectors of nets (sign-free
// angle ≤ deg) and returns the mean of every group that spans at least
// minNets nets, largest groups first.
func consensus(nets []*mlp.Network, deg float64, minNets int) [][]float64 {
	type vec struct {
		v   []float64
		net int
	}
	var all []vec
	for i, n := range nets {
		in := layerVectors(n, 0)
		// only neurons with non-negligible outgoing weight
		W := n.Layer(1).W
		var maxOut float64
		norms := make([]float64, n.Layer(0).Out)
		for j := range norms {
			var s float64
			for o := 0; o < W.RawMatrix().Rows; o++ {
				s += W.At(o, j) * W.At(o, j)
			}
			norms[j] = math.Sqrt(s)
			maxOut = math.Max(maxOut, norms[j])
		}
		for j := range norms {
			if norms[j] > 1e-3*maxOut {
				all = append(all, vec{in[j], i})
			}
		}
	}
	cmin := math.Cos(deg * math.Pi / 180)
	used := make([]bool, len(all))
	type group struct{ members []int }
	var groups []group
	for i := range all {
		if used[i] {
			continue
		}
		// the neighbours of i
		var m []int
		owners := map[int]bool{}
		for j := range all {
			if !used[j] && math.Abs(cosine(all[i].v, all[j].v)) >= cmin {
				m = append(m, j)
				owners[all[j].net] = true
			}
		}
		if len(owners) >= minNets {
			for _, j := range m {
				used[j] = true
			}
			groups = append(groups, group{m})
		}
	}
	sort.Slice(groups, func(a, b int) bool { return len(groups[a].members) > len(groups[b].members) })
	var out [][]float64
	for _, g := range groups {
		ref := all[g.members[0]].v
		mean := make([]float64, len(ref))
		for _, j := range g.members {
			s := 1.0
			if cosine(ref, all[j].v) < 0 {
				s = -1
			}
			for k, x := range all[j].v {
				mean[k] += s * x / float64(len(g.members))
			}
		}
		out = append(out, mean)
	}
	return out
}

// crossover repeatedly gives every trapped student the first-layer neuron
// of another student that best explains its residual (to first order, with
// outgoing weights fitted by least squares), in place of its own neuron of
// least first-order contribution, and retrains it.
func crossover(nets []*mlp.Network, losses []float64, x, y *mat.Dense, rounds, iters int, target float64, teacher *mlp.Network, total *time.Duration, ok *int) {
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		for i, net := range nets {
			if losses[i] <= target {
				continue
			}
			var cands [][]float64
			for k, o := range nets {
				if k == i {
					continue
				}
				cands = append(cands, layerVectors(o, 0)...)
			}
			before := losses[i]
			angle := math.NaN()
			if v := insertBest(net, cands, x, y); v != nil {
				angle = nearest(layerVectors(teacher, 0), v)
			}
			cfg := train.Config{RNG: train.StudentRNG(99, i), Phases: []train.Phase{{Name: "lm", Optimizer: &train.LM{},
				Stop: train.StopRules{Loss: target / 10, MaxIter: iters, Patience: 40, MinRelImprove: 0.01}}}}
			res, _ := train.Train(context.Background(), net, x, y, cfg)
			losses[i], _ = net.Loss(nil, x, y)
			if losses[i] <= target {
				*ok++
			}
			fmt.Printf("round %d student %d: %.3g -> %.3g in %d iterations (inserted at %.3g° from a teacher neuron), angles %s\n", r, i, before, losses[i], res.Iter(), angle, angles(teacher, net))
		}
		*total += time.Since(t0)
		fmt.Printf("after round %d: %d/%d, %.1fs in all\n", r, *ok, len(nets), total.Seconds())
	}
}

// insertBest replaces net's first-layer neuron of least first-order
// contribution with the candidate incoming vector that explains most of
// the residual (outgoing weights from the least-squares fit of the
// residual on the candidate's first-order effect), and returns it (nil if
// no candidate could be fitted).
func insertBest(net *mlp.Network, cands [][]float64, x, y *mat.Dense) []float64 {
	n, _ := x.Dims()
	m := net.OutputDim()
	L0, L1 := net.Layer(0), net.Layer(1)
	var jac mat.Dense
	r := make([]float64, n*m)
	var h mat.Dense
	net.Hidden(nil, &h, x, 0)
	net.Jacobian(nil, &jac, r, x, y)
	_, b1end := net.LayerParams(1)
	r2 := L1.Out
	// contribution of neuron j: sum_k W2[k,j] * G_k(x) * h_j(x)
	worst, worstNorm := 0, math.Inf(1)
	for j := 0; j < L0.Out; j++ {
		var s float64
		for row := 0; row < n*m; row++ {
			var c float64
			for k := 0; k < r2; k++ {
				c += L1.W.At(k, j) * jac.At(row, b1end-r2+k)
			}
			c *= h.At(row/m, j)
			s += c * c
		}
		if s < worstNorm {
			worst, worstNorm = j, s
		}
	}
	// remove it, recompute the sensitivities
	for k := 0; k < r2; k++ {
		L1.W.Set(k, worst, 0)
	}
	net.Jacobian(nil, &jac, r, x, y)
	G := jac.Slice(0, n*m, b1end-r2, b1end).(*mat.Dense)
	rv := mat.NewVecDense(n*m, nil)
	for i := range r {
		rv.SetVec(i, -r[i])
	}
	act := net.Spec().Acts[0]
	best, bestGain := -1, 0.0
	var bestA mat.VecDense
	D := mat.NewDense(n*m, r2, nil)
	for c, v := range cands {
		for row := 0; row < n*m; row++ {
			xr := x.RawRowView(row / m)
			z := v[len(v)-1]
			for i, xi := range xr {
				z += v[i] * xi
			}
			phi := act.Eval(z)
			for k := 0; k < r2; k++ {
				D.Set(row, k, G.At(row, k)*phi)
			}
		}
		var a, fit mat.VecDense
		if err := a.SolveVec(D, rv); err != nil {
			continue
		}
		fit.MulVec(D, &a)
		gain := mat.Dot(&fit, &fit)
		if gain > bestGain {
			best, bestGain = c, gain
			bestA.CloneFromVec(&a)
		}
	}
	if best < 0 {
		return nil
	}
	v := cands[best]
	copy(L0.W.RawRowView(worst), v[:L0.In])
	L0.B[worst] = v[L0.In]
	for k := 0; k < r2; k++ {
		L1.W.Set(k, worst, bestA.AtVec(k))
	}
	return v
}

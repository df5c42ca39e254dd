// Command gntrace traces train.GaussNewton on a wide Fashion-MNIST student
// step by step: thread CPU-seconds, loss relative to the output variance,
// damping λ (relative to the curvature scale), CG iterations, ρ, step
// norm. It is the diagnostic behind the README's notes on where the slow
// phase of wide students comes from; examples/widestudents measures the
// curves themselves.
//
//	go run ./bench/gntrace -budget 300                 # the default route
//	go run ./bench/gntrace -proj -maxcg 15             # a variant
//	go run ./bench/gntrace -save /tmp/s                # snapshots every 10 steps
//	go run ./bench/gntrace -init /tmp/s-060.json       # warm start from one
//	go run ./bench/gntrace -noise 0.1                  # probes = images + N(0, 0.1²)
//	go run ./bench/gntrace -perturb 0.1 -maxcg 500     # from the teacher, 10 % off
//	go run ./bench/gntrace -gauss 1 -probe 32768 -w 72 # 2^15 N(0, 1) queries, not images
//
// With -noise, every fifth line also gives the loss on the clean images;
// with -gauss, on 10 000 fresh queries of the same distribution (a
// student that fits its queries far better than fresh ones is fitting
// them without the teacher).
// Snapshots can be compared with the teacher by bench/student_alignment.py.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"

	"gonum.org/v1/gonum/floats"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/cputime"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

type options struct {
	probe, width, maxCG, seed    int
	budget, noise, perturb       float64
	gauss, tau                   float64
	proj, geodesic, skip, single bool
	save, init, teacher          string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("gntrace: ")
	var o options
	flag.IntVar(&o.probe, "probe", 20000, "training images used as probes")
	flag.IntVar(&o.width, "w", 128, "student width")
	flag.Float64Var(&o.budget, "budget", 300, "thread CPU-seconds")
	flag.IntVar(&o.maxCG, "maxcg", 0, "GaussNewton.MaxCG (0: its default)")
	flag.IntVar(&o.seed, "seed", 1, "student seed")
	flag.BoolVar(&o.proj, "proj", false, "GaussNewton.Projection")
	flag.BoolVar(&o.geodesic, "geodesic", false, "GaussNewton.Geodesic")
	flag.BoolVar(&o.single, "single", false, "GaussNewton.SingleCurvature: the CG products in float32")
	flag.Float64Var(&o.tau, "tau", 0, "GaussNewton.Tau, the initial damping relative to the curvature scale (0: its default)")
	flag.BoolVar(&o.skip, "skip", false, "give the student a linear path from the input to the output (mlp.Spec.Skip)")
	flag.Float64Var(&o.noise, "noise", 0, "standard deviation of Gaussian noise added to the probe images")
	flag.Float64Var(&o.gauss, "gauss", 0, "probes: -probe isotropic Gaussian queries of this standard deviation instead of images (0: images)")
	flag.StringVar(&o.save, "save", "", "save the student every 10 steps to PREFIX-NNN.json")
	flag.Float64Var(&o.perturb, "perturb", 0, "start from the teacher with every weight perturbed by this relative amount (width = the teacher's)")
	flag.StringVar(&o.init, "init", "", "start from this saved student instead of a Glorot one")
	flag.StringVar(&o.teacher, "teacher", "results/fashionmnist/r64/teacher-g-e10-s1.json", "teacher network JSON")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	teacher, err := mlp.LoadFile(o.teacher)
	if err != nil {
		return err
	}
	x0, err := probes(o)
	if err != nil {
		return err
	}
	xClean := x0
	yClean, err := synth.Label(teacher, xClean)
	if err != nil {
		return err
	}
	if o.gauss > 0 { // the "clean" set is then fresh queries
		if xClean, err = gaussian(o.gauss, 10000, 8); err != nil {
			return err
		}
		if yClean, err = synth.Label(teacher, xClean); err != nil {
			return err
		}
	}
	x := mat.DenseCopyOf(x0)
	if o.noise > 0 {
		rng := rand.New(rand.NewPCG(7, 7))
		raw := x.RawMatrix()
		for i := range raw.Data {
			raw.Data[i] += o.noise * rng.NormFloat64()
		}
	}
	y, err := synth.Label(teacher, x)
	if err != nil {
		return err
	}
	net, err := student(o, teacher)
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	v, vClean := synth.OutputVariance(y), synth.OutputVariance(yClean)
	c0 := cputime.Thread().Seconds()
	gn := &train.GaussNewton{MaxCG: o.maxCG, Projection: o.proj, Geodesic: o.geodesic, Tau: o.tau, SingleCurvature: o.single}
	k := 0
	cleanName := "clean"
	if o.gauss > 0 {
		cleanName = "fresh"
	}
	var saveErr error
	gn.Trace = func(s *train.GNStep) {
		k++
		if k%10 == 0 && o.save != "" && saveErr == nil {
			saveErr = net.SaveFile(fmt.Sprintf("%s-%03d.json", o.save, k))
		}
		clean := ""
		if (o.noise > 0 || o.gauss > 0) && k%5 == 0 {
			if l, err := net.Loss(nil, xClean, yClean); err == nil {
				clean = fmt.Sprintf("  %s %.3e", cleanName, l/vClean)
			}
			clean += "  " + rowNorms(net)
		}
		fmt.Printf("%4d  cpu %7.1f s  loss %.3e  λ %.2e  CG %3d  ρ %7.3f  accepted %v  step %.3g  ‖δ‖ %.3g  geodesic %.3g%s\n",
			k, cputime.Thread().Seconds()-c0, s.Loss/v, s.Lambda, s.CG, s.Rho, s.Accepted, s.StepLength, s.StepNorm, s.Acceleration, clean)
	}
	errBudget := errors.New("CPU budget spent")
	rec := train.RecorderFunc(func(train.Event) error {
		if cputime.Thread().Seconds()-c0 > o.budget {
			return errBudget
		}
		return saveErr
	})
	phase := train.Phase{Name: "gn", Optimizer: gn, Stop: train.StopRules{MaxIter: -1, Loss: train.DefaultStopLoss}}
	_, err = train.Train(context.Background(), net, x, y, train.Config{Recorder: rec, Phases: []train.Phase{phase}})
	if errors.Is(err, errBudget) {
		return nil
	}
	return err
}

// rowNorms summarises the first-layer weight norms of net (median and
// largest): students that fit the probes with saturated, step-like
// neurons show it as norms far above the teacher's.
func rowNorms(net *mlp.Network) string {
	L := net.Layer(0)
	n := make([]float64, L.Out)
	for j := range n {
		n[j] = floats.Norm(L.W.RawRowView(j), 2)
	}
	slices.Sort(n)
	return fmt.Sprintf("‖w‖ median %.3g max %.3g", n[len(n)/2], n[len(n)-1])
}

// probes returns the first -probe training images, or -probe Gaussian
// queries with -gauss.
func probes(o options) (*mat.Dense, error) {
	if o.gauss > 0 {
		return gaussian(o.gauss, o.probe, 7)
	}
	trainSet, _, err := synth.FashionMNIST(synth.FashionMNISTDir)
	if err != nil {
		return nil, err
	}
	synth.ScalePixels(trainSet.X)
	return mat.DenseCopyOf(trainSet.X.Slice(0, o.probe, 0, 784)), nil
}

// gaussian draws n isotropic Gaussian queries of standard deviation std.
func gaussian(std float64, n int, seed uint64) (*mat.Dense, error) {
	p, err := identify.IsotropicGaussian(784, std)
	if err != nil {
		return nil, err
	}
	return p.Sample(synth.NewRand(seed), n)
}

func student(o options, teacher *mlp.Network) (*mlp.Network, error) {
	if o.init != "" {
		return mlp.LoadFile(o.init)
	}
	if o.perturb > 0 {
		return perturbed(teacher, o.perturb, uint64(o.seed)), nil
	}
	net, err := mlp.New(mlp.Spec{Sizes: []int{784, o.width, 10}, Hidden: teacher.Layer(0).Act, Skip: o.skip})
	if err != nil {
		return nil, err
	}
	net.InitGlorotGain(train.StudentRNG(uint64(o.seed), 0), 1)
	return net, nil
}

// perturbed returns a copy of the teacher whose first-layer rows each get
// Gaussian noise of eps times their norm (spread over the inputs) and
// whose other parameters get noise of eps times their mean magnitude.
func perturbed(teacher *mlp.Network, eps float64, seed uint64) *mlp.Network {
	net := teacher.Clone()
	rng := rand.New(rand.NewPCG(seed, 11))
	L := net.Layer(0)
	for j := 0; j < L.Out; j++ {
		row := L.W.RawRowView(j)
		s := eps * floats.Norm(row, 2) / math.Sqrt(float64(len(row)))
		for i := range row {
			row[i] += s * rng.NormFloat64()
		}
	}
	_, end := net.LayerParams(0)
	rest := net.Params()[end-L.Out:]
	var mean float64
	for _, v := range rest {
		mean += math.Abs(v)
	}
	mean /= float64(len(rest))
	for i := range rest {
		rest[i] += eps * mean * rng.NormFloat64()
	}
	return net
}

// Command gnvariants fine-tunes one stage's network of the deep
// Fashion-MNIST chain on the × 4 span queries with variants of the
// chain's Gauss–Newton optimiser, each from the same start for the same
// number of steps, and prints every step (damping, CG iterations, actual
// over predicted decrease, the model's predicted decrease) and each
// variant's loss: which change, if any, makes the fine-tunes that stall
// near 5e-5 of the output variance go on down.
//
//	go run ./results/fashionmnist-deep/gnvariants -base results/fashionmnist-deep/one-command-steps/2-layer1-knee.json -steps 30
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/internal/deepstitch"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
)

// variants are the changes tried, each to the chain's fine-tuner.
var variants = map[string]func(*train.GaussNewton){
	"chain":      func(*train.GaussNewton) {},
	"float64":    func(g *train.GaussNewton) { g.SingleCurvature = false },
	"cg2000":     func(g *train.GaussNewton) { g.MaxCG = 2000 },
	"geodesic":   func(g *train.GaussNewton) { g.Geodesic = true },
	"projection": func(g *train.GaussNewton) { g.Projection = true },
	"ekfac":      func(g *train.GaussNewton) { g.EigenCorrection = true },
}

func main() {
	base := flag.String("base", "", "the stage's network file")
	steps := flag.Int("steps", 30, "Gauss–Newton steps of each variant")
	threads := flag.Int("threads", 2, "threads of each step's products")
	which := flag.String("variants", "chain,float64,cg2000,geodesic,projection,ekfac", "comma-separated variants to run, in order")
	flag.Parse()
	ctx := context.Background()
	d, err := deepstitch.Setup(ctx, span.TeacherPath, 4, 30000)
	if err != nil {
		log.Fatal(err)
	}
	v := synth.OutputVariance(d.Y)
	for _, name := range strings.Split(*which, ",") {
		change, ok := variants[name]
		if !ok {
			log.Fatalf("gnvariants: no variant %q", name)
		}
		net, err := deepstitch.Base(d, *base)
		if err != nil {
			log.Fatal(err)
		}
		gn := deepstitch.FineTuner(*threads)
		change(gn)
		cg := 0
		gn.Trace = func(s *train.GNStep) {
			cg += s.CG
			fmt.Printf("%-10s loss %.4e rel %.4e  lambda %.2e  cg %4d  rho %.3f  predicted %.2e  accepted %v  length %.3g  |step| %.3g\n",
				name, s.Loss, s.Loss/v, s.Lambda, s.CG, s.Rho, s.Predicted, s.Accepted, s.StepLength, s.StepNorm)
		}
		cfg := train.Config{Phases: []train.Phase{{Name: name, Optimizer: gn, Stop: train.StopRules{MaxIter: *steps}}}}
		r, err := train.Train(ctx, net, d.Z, d.Y, cfg)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("== %-10s %d steps: loss %.4e (rel %.4e), %d CG iterations, %s\n", name, r.Iter(), r.Loss, r.Loss/v, cg, r.Elapsed.Round(time.Second))
	}
}

// Command quickstart recovers a random 4→4→1 teacher with activation g from
// its input–output behaviour, by Expand-and-Cluster, and compares the result
// with the teacher.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

func main() {
	start := time.Now()
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{4, 4, 1}, Hidden: mlp.G}, 1)
	if err != nil {
		log.Fatal(err)
	}
	rng := synth.NewRand(2)
	probe, _ := synth.Gaussian{D: 4}.Sample(rng, 2000)
	fresh, _ := synth.Gaussian{D: 4}.Sample(rng, 10000)

	res, err := identify.Run(context.Background(), teacher, probe,
		identify.Config{Activation: mlp.G, BaseWidth: 4, Rho: 4, Seed: 3})
	if err != nil {
		log.Fatal(err)
	}
	report, err := identify.Compare(teacher, res.Network, fresh)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("teacher widths %v, recovered widths %v\n", teacher.Sizes()[1:2], res.Widths)
	fmt.Println(report)
	fmt.Println("verdict:", res.Verdict())
	fmt.Printf("exact recovery (cosine distance < 1e-6): %v; time %.1fs\n", report.Exact(1e-6), time.Since(start).Seconds())
}

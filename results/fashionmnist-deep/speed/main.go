// Command speed fine-tunes a stage's network of the deep Fashion-MNIST
// chain on the × 4 span queries for a few Gauss–Newton steps (one thread)
// and prints their CG iterations and time: what a step costs at that
// network.
//
//	go run ./results/fashionmnist-deep/speed -base results/fashionmnist-deep/stitch/n8-base-prune10-ft30m.json -steps 4
package main

import (
	"context"
	"flag"
	"log"
	"time"

	"github.com/paramrecovery/expandcluster/internal/deepstitch"
	"github.com/paramrecovery/expandcluster/internal/span"
)

func main() {
	base := flag.String("base", "", "the stage's network file")
	steps := flag.Int("steps", 4, "Gauss–Newton steps")
	flag.Parse()
	ctx := context.Background()
	d, err := deepstitch.Setup(ctx, span.TeacherPath, 4, 30000)
	if err != nil {
		log.Fatal(err)
	}
	o := deepstitch.Defaults()
	o.Spread, o.Queries, o.Base, o.FineTune, o.FineTuneSteps, o.Threads = 4, 30000, *base, time.Hour, *steps, 1
	if _, err := deepstitch.Run(ctx, d, o); err != nil {
		log.Fatal(err)
	}
}

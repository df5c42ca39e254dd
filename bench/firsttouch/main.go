// Command firsttouch times cluster.Distances on n random 33-dimensional
// points with one worker and splits its processor time into user and
// system time, with the page faults taken: on a virtual machine the
// system's first touch of the fresh condensed matrix can cost more than
// the distances themselves (results/cluster/README.md).
//
//	GOMAXPROCS=1 go run ./bench/firsttouch 40000
package main

import (
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/paramrecovery/expandcluster/cluster"
	"gonum.org/v1/gonum/mat"
)

func usage() (user, sys time.Duration, faults int64) {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		log.Fatal(err)
	}
	return time.Duration(r.Utime.Nano()), time.Duration(r.Stime.Nano()), r.Minflt + r.Majflt
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: firsttouch N")
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 2 {
		log.Fatalf("firsttouch: N = %q must be an integer ≥ 2", os.Args[1])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(n, 33, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.NormFloat64()
	}
	u0, s0, f0 := usage()
	t0 := time.Now()
	if _, err := cluster.Distances(x, cluster.Euclidean, &cluster.DistanceSettings{Workers: 1}); err != nil {
		log.Fatal(err)
	}
	wall := time.Since(t0)
	u1, s1, f1 := usage()
	pairs := float64(n) * float64(n-1) / 2
	fmt.Printf("n %d: wall %.2fs, user %.2fs, system %.2fs, page faults %d, %.2f ns per pair (user)\n",
		n, wall.Seconds(), (u1 - u0).Seconds(), (s1 - s0).Seconds(), f1-f0, float64(u1-u0)/pairs)
}

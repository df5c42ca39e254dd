// Command cluster_compare is the Go side of bench/cluster_compare.py, which
// times package cluster against scipy and fastcluster on the same inputs.
//
//	cluster_compare -gen -n 40000 -d 33 -x x.npy
//	    writes n synthetic student vectors of dimension d (60 % near-copies
//	    of 16 teacher vectors, as in Expand-and-Cluster) to x.npy;
//	cluster_compare -x x.npy -z z.npy -reps 3
//	    times Distances + average linkage of x.npy on one core and writes the
//	    last linkage matrix (scipy's layout) to z.npy;
//	cluster_compare -dist d.npy -z z.npy -reps 3
//	    times average linkage alone on the condensed matrix d.npy.
//
// Timings go to standard output as one JSON object of per-repetition
// seconds.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/internal/cputime"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

func main() {
	gen := flag.Bool("gen", false, "write synthetic vectors to -x and exit")
	n := flag.Int("n", 10000, "number of vectors (with -gen)")
	d := flag.Int("d", 33, "dimension (with -gen)")
	seed := flag.Uint64("seed", 1, "random seed (with -gen)")
	xPath := flag.String("x", "", "vectors (.npy, n×d)")
	dPath := flag.String("dist", "", "condensed distances (.npy); times linkage alone")
	zPath := flag.String("z", "", "where to write the linkage matrix (.npy)")
	reps := flag.Int("reps", 3, "repetitions")
	linkOnly := flag.Bool("linkonly", false, "with -x: compute the distances once, time linkage alone")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cluster_compare:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*gen, *linkOnly, *n, *d, *seed, *xPath, *dPath, *zPath, *reps); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "cluster_compare:", err)
		os.Exit(1)
	}
}

func run(gen, linkOnly bool, n, d int, seed uint64, xPath, dPath, zPath string, reps int) error {
	runtime.GOMAXPROCS(1)
	switch {
	case gen:
		if xPath == "" {
			return fmt.Errorf("-gen needs -x")
		}
		return synth.WriteNPYFile(xPath, synth.MatrixArray(studentVectors(seed, n, 16, d), synth.Float64))
	case xPath != "":
		x, err := synth.ReadNPYMatrix(xPath)
		if err != nil {
			return err
		}
		if linkOnly {
			d, err := cluster.Distances(x, cluster.Euclidean, nil)
			if err != nil {
				return err
			}
			return timeLinkage(d.Data, zPath, reps)
		}
		return timeAll(x, zPath, reps)
	case dPath != "":
		a, err := synth.ReadNPYFile(dPath)
		if err != nil {
			return err
		}
		return timeLinkage(a.Data, zPath, reps)
	}
	return fmt.Errorf("give -gen, -x or -dist")
}

// studentVectors mimics the first-layer vectors of Expand-and-Cluster: about
// 60 % are near-copies (noise 1e-6) of one of `teachers` random vectors, the
// rest random, all of norm about 1.
func studentVectors(seed uint64, n, teachers, dim int) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 99))
	t := make([]float64, teachers*dim)
	for i := range t {
		t[i] = rng.NormFloat64() / math.Sqrt(float64(dim))
	}
	x := mat.NewDense(n, dim, nil)
	for i := range n {
		row := x.RawRowView(i)
		if rng.Float64() < 0.6 {
			k := rng.IntN(teachers)
			for j := range row {
				row[j] = t[k*dim+j] + 1e-6*rng.NormFloat64()
			}
		} else {
			for j := range row {
				row[j] = rng.NormFloat64() / math.Sqrt(float64(dim))
			}
		}
	}
	return x
}

// timings holds wall-clock and CPU (user + system) seconds per repetition;
// on a shared machine the CPU time is the steadier measure of one core's work.
type timings struct {
	Dist    []float64 `json:"dist,omitempty"`
	Link    []float64 `json:"link"`
	DistCPU []float64 `json:"dist_cpu,omitempty"`
	LinkCPU []float64 `json:"link_cpu"`
	// MaxRSS is the process's peak resident set, in MB (input, matrix and
	// everything else).
	MaxRSS float64 `json:"max_rss_mb"`
}

func timeAll(x *mat.Dense, zPath string, reps int) error {
	var t timings
	var tree *cluster.Tree
	for range reps {
		freeMemory()
		c0, t0 := cputime.Process().Seconds(), time.Now()
		d, err := cluster.Distances(x, cluster.Euclidean, &cluster.DistanceSettings{Workers: 1})
		if err != nil {
			return err
		}
		c1, t1 := cputime.Process().Seconds(), time.Now()
		tree, err = cluster.LinkageCondensed(d.Data, cluster.Average)
		if err != nil {
			return err
		}
		c2, t2 := cputime.Process().Seconds(), time.Now()
		t.Dist = append(t.Dist, t1.Sub(t0).Seconds())
		t.Link = append(t.Link, t2.Sub(t1).Seconds())
		t.DistCPU = append(t.DistCPU, c1-c0)
		t.LinkCPU = append(t.LinkCPU, c2-c1)
	}
	return report(t, tree, zPath)
}

func timeLinkage(d []float64, zPath string, reps int) error {
	var t timings
	var tree *cluster.Tree
	n := int(math.Round((1 + math.Sqrt(1+8*float64(len(d)))) / 2))
	work := cluster.NewCondensed(n).Data // as Distances allocates it
	if len(work) != len(d) {
		return fmt.Errorf("%d distances is not n(n-1)/2 for any n", len(d))
	}
	for range reps {
		copy(work, d)
		freeMemory()
		c0, t0 := cputime.Process().Seconds(), time.Now()
		var err error
		tree, err = cluster.LinkageCondensed(work, cluster.Average)
		if err != nil {
			return err
		}
		t.Link = append(t.Link, time.Since(t0).Seconds())
		t.LinkCPU = append(t.LinkCPU, cputime.Process().Seconds()-c0)
	}
	return report(t, tree, zPath)
}

func freeMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}

func report(t timings, tree *cluster.Tree, zPath string) error {
	if zPath != "" {
		ms := tree.Merges()
		z := &synth.Array{Shape: []int{len(ms), 4}, DType: synth.Float64}
		for _, m := range ms {
			z.Data = append(z.Data, float64(m.A), float64(m.B), m.Height, float64(m.Size))
		}
		if err := synth.WriteNPYFile(zPath, z); err != nil {
			return err
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		t.MaxRSS = float64(ru.Maxrss) / 1024 // ru_maxrss is in KB on Linux
	}
	return json.NewEncoder(os.Stdout).Encode(t)
}

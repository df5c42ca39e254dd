package cluster

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/paramrecovery/expandcluster/internal/cputime"
	"gonum.org/v1/gonum/mat"
)

// studentVectors mimics the first-layer vectors of Expand-and-Cluster:
// `students` students with `width` neurons of dimension dim each, where
// about 60% of each student's neurons are near-copies (noise 1e-6) of one of
// `teacher` teacher neurons, possibly sign-flipped, and the rest are random.
func studentVectors(seed uint64, students, width, teacher, dim int) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 99))
	t := make([]float64, teacher*dim)
	for i := range t {
		t[i] = rng.NormFloat64() / math.Sqrt(float64(dim))
	}
	n := students * width
	x := mat.NewDense(n, dim, nil)
	for i := range n {
		row := x.RawRowView(i)
		if rng.Float64() < 0.6 {
			k := rng.IntN(teacher)
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

// largeSelected reports whether the -bench pattern names large benchmarks
// explicitly, so `go test -bench .` stays fast.
func largeSelected() bool {
	f := flag.Lookup("test.bench")
	return f != nil && strings.Contains(f.Value.String(), "Large")
}

// benchmarkPipeline runs distances + linkage + the Expand-and-Cluster cut
// and reports the time of each phase.
func benchmarkPipeline(b *testing.B, x *mat.Dense, method Method, minSize int) {
	n, _ := x.Dims()
	var dist, link, cut time.Duration
	runtime.GC()
	debug.FreeOSMemory()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		d, err := Distances(x, Euclidean, nil)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		tree := linkageCondensed(d.Data, n, method)
		t2 := time.Now()
		if _, err := tree.MaxClustersCut(minSize); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		dist += t1.Sub(t0)
		link += t2.Sub(t1)
		cut += t3.Sub(t2)
		d.Data = nil
		runtime.GC()
	}
	k := float64(b.N)
	b.ReportMetric(dist.Seconds()/k, "dist-s/op")
	b.ReportMetric(link.Seconds()/k, "link-s/op")
	b.ReportMetric(cut.Seconds()/k, "cut-s/op")
}

// BenchmarkLargeMNIST is the target case: 10 students × 1000
// neurons of dimension 785. Run with
//
//	go test -run XXX -bench Large -benchtime 1x ./cluster/
func BenchmarkLargeMNIST(b *testing.B) {
	if testing.Short() || !largeSelected() {
		b.Skip("large benchmark: select it with -bench Large")
	}
	x := studentVectors(1, 10, 1000, 100, 785)
	benchmarkPipeline(b, x, Average, 5)
}

// BenchmarkLarge40k is 40 000 vectors of dimension 33 (6.4 GB condensed).
func BenchmarkLarge40k(b *testing.B) {
	if testing.Short() || !largeSelected() {
		b.Skip("large benchmark: select it with -bench Large")
	}
	x := studentVectors(2, 20, 2000, 16, 33)
	benchmarkPipeline(b, x, Average, 16)
}

// BenchmarkLargeLinkage10k is average linkage alone on 10 000 vectors of
// dimension 33 (400 MB condensed), the case issue 17 compares with
// fastcluster (bench/cluster_compare.py --linkage-only). cpu-s/op is the
// process's CPU time during the linkage calls (run it with -cpu 1).
func BenchmarkLargeLinkage10k(b *testing.B) {
	if testing.Short() || !largeSelected() {
		b.Skip("large benchmark: select it with -bench Large")
	}
	x := studentVectors(1, 10, 1000, 16, 33)
	d, err := Distances(x, Euclidean, nil)
	if err != nil {
		b.Fatal(err)
	}
	work := NewCondensed(d.N)
	var cpu time.Duration
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		copy(work.Data, d.Data)
		b.StartTimer()
		c0 := cputime.Process()
		linkageCondensed(work.Data, d.N, Average)
		cpu += cputime.Process() - c0
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

func BenchmarkPipeline(b *testing.B) {
	for _, c := range []struct{ students, width, dim int }{{10, 200, 785}, {10, 300, 33}} {
		x := studentVectors(3, c.students, c.width, 20, c.dim)
		b.Run(fmt.Sprintf("n=%d,d=%d", c.students*c.width, c.dim), func(b *testing.B) {
			benchmarkPipeline(b, x, Average, 5)
		})
	}
}

func BenchmarkDistances(b *testing.B) {
	for _, dim := range []int{33, 785} {
		x := studentVectors(4, 10, 200, 20, dim)
		n, _ := x.Dims()
		dst := NewCondensed(n)
		for _, metric := range []Metric{Euclidean, SignInvariantEuclidean, Cosine} {
			b.Run(fmt.Sprintf("%v/n=%d,d=%d", metric, n, dim), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := DistancesTo(dst, x, metric, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkLinkage(b *testing.B) {
	x := studentVectors(5, 10, 200, 20, 16)
	d, err := Distances(x, Euclidean, nil)
	if err != nil {
		b.Fatal(err)
	}
	work := make([]float64, len(d.Data))
	for m := Single; m <= Median; m++ {
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				copy(work, d.Data)
				b.StartTimer()
				linkageCondensed(work, d.N, m)
			}
		})
	}
}

func BenchmarkMaxClustersCut(b *testing.B) {
	x := studentVectors(6, 10, 300, 20, 8)
	tree, err := Linkage(x, Average, Euclidean)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.MaxClustersCut(8); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCutHeight(b *testing.B) {
	x := studentVectors(6, 10, 300, 20, 8)
	tree, err := Linkage(x, Average, Euclidean)
	if err != nil {
		b.Fatal(err)
	}
	h := tree.merges[len(tree.merges)/2].Height
	b.ReportAllocs()
	for b.Loop() {
		tree.CutHeight(h)
	}
}

package cputime

import (
	"math"
	"runtime"
	"testing"
)

// BenchmarkSpin checks that cpu-ns/op is reported and close to ns/op for a
// loop that only computes.
func BenchmarkSpin(b *testing.B) {
	b.ReportAllocs()
	t := Start()
	x := 0.0
	for i := 0; i < b.N; i++ {
		for j := 0; j < 1000; j++ {
			x += math.Sqrt(float64(j))
		}
	}
	t.Report(b)
	if x < 0 {
		b.Fatal(x)
	}
}

func TestProcessAdvances(t *testing.T) {
	t0, ok := process()
	if !ok {
		t.Skip("CPU time not measured on this platform")
	}
	x := burn()
	t1, _ := process()
	if t1 <= t0 || x < 0 {
		t.Errorf("process CPU time did not advance over 2e7 square roots: %v → %v", t0, t1)
	}
}

func TestThreadAdvances(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0, ok := thread()
	if !ok {
		t.Skip("CPU time not measured on this platform")
	}
	x := burn()
	if t1 := Thread(); t1 <= t0 || x < 0 {
		t.Errorf("thread CPU time did not advance over 2e7 square roots: %v → %v", t0, t1)
	}
	if Process() < Thread() {
		t.Errorf("process CPU time %v below this thread's %v", Process(), Thread())
	}
}

// burn spends a measurable amount of CPU time (2e7 square roots) and
// returns a value the compiler cannot drop.
func burn() float64 {
	x := 0.0
	for i := 0; i < 20_000_000; i++ {
		x += math.Sqrt(float64(i))
	}
	return x
}

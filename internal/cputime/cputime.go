// Package cputime measures CPU time: of benchmark loops (Start, Report),
// of the process (Process) and of one OS thread (Thread). On a shared,
// loaded machine the wall time of a benchmark grows with the load while
// its CPU time hardly does, so benchmarks report both: ns/op from the
// testing package and cpu-ns/op from here; the examples' long runs record
// and budget their own CPU time with Process and Thread.
package cputime

import (
	"testing"
	"time"
)

// Timer measures the process's CPU time from Start to Report. With -cpu 1
// nothing else runs in the process but the runtime, whose work (the
// garbage collector, goroutines a kernel starts) belongs to the benchmark.
type Timer struct {
	t0 time.Duration
	ok bool
}

// Start starts a timer; call it just before the benchmark loop.
func Start() Timer {
	t, ok := process()
	return Timer{t0: t, ok: ok}
}

// Report adds cpu-ns/op to b's results, where the platform can measure it.
func (t Timer) Report(b *testing.B) {
	now, ok := process()
	if !ok || !t.ok {
		return
	}
	b.ReportMetric(float64((now-t.t0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// Process returns the CPU time (user + system) the process has used, or 0
// where the platform cannot measure it (only Linux can).
func Process() time.Duration {
	t, _ := process()
	return t
}

// Thread returns the CPU time (user + system) of the calling OS thread, or
// 0 where the platform cannot measure it (only Linux can). The caller
// should hold its thread (runtime.LockOSThread) for the difference of two
// readings to mean anything.
func Thread() time.Duration {
	t, _ := thread()
	return t
}

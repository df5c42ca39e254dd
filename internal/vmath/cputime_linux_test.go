package vmath

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the CPU time of the process (RUSAGE_SELF): with
// -cpu 1 nothing else runs in it but the runtime, whose work (the garbage
// collector, goroutines a kernel starts) belongs to the benchmark.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTimer measures the CPU time of a benchmark's loop, which a loaded
// machine inflates much less than the wall time: start it before the loop
// and report after.
type cpuTimer struct{ t0 time.Duration }

func startCPU() cpuTimer { return cpuTimer{processCPU()} }

// report adds cpu-ns/op to b's results.
func (c cpuTimer) report(b *testing.B) {
	d := processCPU() - c.t0
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

package mlp

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// threadCPU returns the CPU time of the calling OS thread (RUSAGE_THREAD).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTimer measures the CPU time of a benchmark's loop on its OS thread,
// which a loaded machine inflates much less than the wall time: start it
// before the loop and report after.
type cpuTimer struct{ t0 time.Duration }

func startCPU() cpuTimer {
	runtime.LockOSThread()
	return cpuTimer{threadCPU()}
}

// report adds cpu-ns/op to b's results.
func (c cpuTimer) report(b *testing.B) {
	d := threadCPU() - c.t0
	runtime.UnlockOSThread()
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

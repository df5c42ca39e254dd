package cluster

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time of the process (RUSAGE_SELF), which a
// loaded machine inflates much less than the wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

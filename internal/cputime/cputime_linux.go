package cputime

import (
	"syscall"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD, which package syscall lacks.
const rusageThread = 1

// process returns the CPU time (user + system) of the process.
func process() (time.Duration, bool) { return usage(syscall.RUSAGE_SELF) }

// thread returns the CPU time (user + system) of the calling OS thread.
func thread() (time.Duration, bool) { return usage(rusageThread) }

func usage(who int) (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

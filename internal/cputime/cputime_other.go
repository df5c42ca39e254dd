//go:build !linux

package cputime

import "time"

// process reports that the CPU time is not measured here.
func process() (time.Duration, bool) { return 0, false }

// thread reports that the CPU time is not measured here.
func thread() (time.Duration, bool) { return 0, false }

//go:build !linux

package cluster

import "time"

// processCPU is unavailable outside Linux; cpu-s/op then reads 0.
func processCPU() time.Duration { return 0 }

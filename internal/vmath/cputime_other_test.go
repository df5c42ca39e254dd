//go:build !linux

package vmath

import "testing"

// cpuTimer reports nothing where RUSAGE_THREAD is missing.
type cpuTimer struct{}

func startCPU() cpuTimer           { return cpuTimer{} }
func (cpuTimer) report(*testing.B) {}

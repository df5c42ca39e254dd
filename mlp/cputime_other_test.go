//go:build !linux

package mlp

import "testing"

// cpuTimer reports nothing where RUSAGE_THREAD is missing.
type cpuTimer struct{}

func startCPU() cpuTimer           { return cpuTimer{} }
func (cpuTimer) report(*testing.B) {}

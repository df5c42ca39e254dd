//go:build !linux

package cluster

// adviseHugePages is a no-op outside Linux.
func adviseHugePages([]float64) {}

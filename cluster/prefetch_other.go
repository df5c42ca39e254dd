//go:build !amd64

package cluster

// prefetchColumns is a no-op where there is no prefetch instruction wrapper.
func prefetchColumns(d *float64, off *int, idx *int32, n int, c1, c2 int) {}

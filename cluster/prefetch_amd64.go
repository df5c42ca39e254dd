package cluster

// prefetchColumns asks the CPU to start loading d[off[i]+c1] and
// d[off[i]+c2] for each i in idx. Column reads of the condensed matrix hit
// one cache line per element, in a different page for every row; issued
// ahead of the loop that uses them, the loads overlap instead of waiting
// one behind the other for the out-of-order window.
//
//go:noescape
func prefetchColumns(d *float64, off *int, idx *int32, n int, c1, c2 int)

package cluster

import (
	"syscall"
	"unsafe"
)

// adviseHugePages asks Linux to back d with transparent huge pages (2 MiB)
// where the system leaves that to the program (the "madvise" setting). The
// linkage loops read columns of the condensed matrix, one element per row,
// so with 4 KiB pages nearly every read of a large matrix also misses the
// TLB; with huge pages a 400 MB matrix fits the TLB's reach, and filling a
// fresh matrix takes 512 times fewer page faults. Advice only: errors are
// ignored.
func adviseHugePages(d []float64) {
	const page = 2 << 20
	if len(d)*8 < 4*page {
		return
	}
	start := uintptr(unsafe.Pointer(&d[0]))
	end := start + uintptr(len(d))*8
	a := (start + page - 1) &^ (page - 1)
	b := end &^ (page - 1)
	if b <= a {
		return
	}
	region := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(&d[0]), a-start)), b-a)
	_ = syscall.Madvise(region, 14) // MADV_HUGEPAGE
}

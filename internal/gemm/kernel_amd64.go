package gemm

import "golang.org/x/sys/cpu"

var asmAvailable = cpu.X86.HasAVX2 && cpu.X86.HasFMA

var asmKernel = kernel{mr: 6, nr: 8, tile: tileAVX2}

// kern6x8 is tileGo for a 6×8 tile in AVX2+FMA: twelve 4-wide
// accumulators, one broadcast of A times two vectors of B per step.
//
//go:noescape
func kern6x8(kb int, a, b, c *float64, ldc int, overwrite bool)

func tileAVX2(kb int, a, b, c []float64, ldc int, overwrite bool) {
	_, _, _ = a[kb*6-1], b[kb*8-1], c[5*ldc+7]
	kern6x8(kb, &a[0], &b[0], &c[0], ldc, overwrite)
}

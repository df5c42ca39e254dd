package gemm

import "golang.org/x/sys/cpu"

// asmKernels are the assembly micro-kernels this CPU (and OS) support.
// The AVX-512 one does twice the work per instruction; on CPUs that split
// 512-bit operations in two it is no faster, but no slower either.
var asmKernels = func() []kernel {
	var ks []kernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, kernel{mr: 12, nr: 16, cost: 0.5, tile: tileAVX512})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel{mr: 6, nr: 8, cost: 1, tile: tileAVX2})
	}
	return ks
}()

// asmKernels32 are the float32 micro-kernels (Mul32) this CPU supports.
var asmKernels32 = func() []kernelOf[float32] {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return []kernelOf[float32]{{mr: 6, nr: 16, cost: 1, tile: tileAVX2f32}}
	}
	return nil
}()

// kern6x16f32 is tileGo32 in AVX2+FMA: twelve 8-wide float32
// accumulators, converted to float64 when stored.
//
//go:noescape
func kern6x16f32(kb int, a, b *float32, c *float64, ldc int, overwrite bool)

func tileAVX2f32(kb int, a, b []float32, c []float64, ldc int, overwrite bool) {
	_, _, _ = a[kb*6-1], b[kb*16-1], c[5*ldc+15]
	kern6x16f32(kb, &a[0], &b[0], &c[0], ldc, overwrite)
}

// kern6x8 is tileGo in AVX2+FMA: twelve 4-wide accumulators, one
// broadcast of A times two vectors of B per step.
//
//go:noescape
func kern6x8(kb int, a, b, c *float64, ldc int, overwrite bool)

// kern12x16 is the 12×16 tile in AVX-512: twenty-four 8-wide accumulators.
//
//go:noescape
func kern12x16(kb int, a, b, c *float64, ldc int, overwrite bool)

func tileAVX2(kb int, a, b, c []float64, ldc int, overwrite bool) {
	_, _, _ = a[kb*6-1], b[kb*8-1], c[5*ldc+7]
	kern6x8(kb, &a[0], &b[0], &c[0], ldc, overwrite)
}

func tileAVX512(kb int, a, b, c []float64, ldc int, overwrite bool) {
	_, _, _ = a[kb*12-1], b[kb*16-1], c[11*ldc+15]
	kern12x16(kb, &a[0], &b[0], &c[0], ldc, overwrite)
}

package gram

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

//go:noescape
func dot4x2(a0, a1, a2, a3, b0, b1 *float64, k int, out *[32]float64)

// hasKernel reports whether the AVX2+FMA Gram kernel can run: the CPU has
// AVX2 and FMA and the OS saves the YMM registers.
var hasKernel = detectAVX2FMA()

// kernelAvailable is what the CPU offers; UseKernel can only turn the
// kernel off.
var kernelAvailable = hasKernel

func detectAVX2FMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if c1&fma == 0 || c1&osxsave == 0 || c1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state enabled
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0 // AVX2
}

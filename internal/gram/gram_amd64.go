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

// hasAVX512 reports whether the AVX-512 distance kernel can run: the CPU
// has AVX-512F and the OS saves the opmask and ZMM registers. The kernel
// gives the same results as the AVX2 one, faster where the vector units
// are 512 bits wide.
var hasAVX512 = hasKernel && detectAVX512()

func detectAVX512() bool {
	_, b7, _, _ := cpuid(7, 0)
	if b7&(1<<16) == 0 { // AVX512F
		return false
	}
	xcr0, _ := xgetbv()
	return xcr0&0xe6 == 0xe6 // XMM, YMM, opmask, ZMM_Hi256, Hi16_ZMM
}

//go:noescape
func sqDist4x8(a, b *float64, d, groups int, o0, o1, o2, o3 *float64, root int)

//go:noescape
func sqDist4x8z(a, b *float64, d, groups int, o0, o1, o2, o3 *float64, root int)

//go:noescape
func sqDistSignless4x4(a, b *float64, d, panels int, o0, o1, o2, o3 *float64)

// kernelDists runs the assembly kernels over the columns [j0, j1) of
// SqDists and returns j1. Columns that do not fill a whole group of the
// kernel go through a scratch block; the panels' padding makes reading
// past j1 safe.
func (p *Panels) kernelDists(out *[4][]float64, i, j0, j1 int, kind Kind) int {
	if j1 <= j0 {
		return j0
	}
	for r := range out {
		if out[r] == nil {
			// Only the last rows lack outputs, and they have no column
			// beyond their own block.
			panic("gram: SqDists: missing output row")
		}
	}
	a := &p.panel(i)[0]
	width := 8
	if kind == RootSignless {
		width = 4
	}
	full := (j1 - j0) / width * width
	if full > 0 {
		p.callKernel(a, j0, full/width, kind, &out[0][0], &out[1][0], &out[2][0], &out[3][0])
	}
	if rest := j1 - j0 - full; rest > 0 {
		var tmp [4][8]float64
		p.callKernel(a, j0+full, 1, kind, &tmp[0][0], &tmp[1][0], &tmp[2][0], &tmp[3][0])
		for r := range out {
			copy(out[r][full:j1-j0], tmp[r][:rest])
		}
	}
	return j1
}

func (p *Panels) callKernel(a *float64, j, groups int, kind Kind, o0, o1, o2, o3 *float64) {
	b := &p.panel(j)[0]
	switch kind {
	case SumSq, Root:
		root := 0
		if kind == Root {
			root = 1
		}
		if hasAVX512 {
			sqDist4x8z(a, b, p.d, groups, o0, o1, o2, o3, root)
		} else {
			sqDist4x8(a, b, p.d, groups, o0, o1, o2, o3, root)
		}
	case RootSignless:
		sqDistSignless4x4(a, b, p.d, groups, o0, o1, o2, o3)
	}
}

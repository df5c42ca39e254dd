package gemm

import "math"

// maxMR and maxNR bound the tile of any micro-kernel.
const (
	maxMR = 12
	maxNR = 16
)

// kernelOf is a micro-kernel: tile computes the mr×nr product of an A
// panel (kb steps of mr values) and a B panel (kb steps of nr values), each
// element accumulated from 0 in order of k with fused multiply-adds (in E's
// precision), and stores it into c (row stride ldc) if overwrite, else
// adds it. cost is its time per tile element and step of k, relative to
// the AVX2 float64 kernel.
type kernelOf[E elem] struct {
	mr, nr int
	cost   float64
	tile   func(kb int, a, b []E, c []float64, ldc int, overwrite bool)
}

type kernel = kernelOf[float64]

var (
	goKernel   = kernel{mr: 6, nr: 8, cost: 1, tile: tileGo}
	goKernel32 = kernelOf[float32]{mr: 6, nr: 16, cost: 1, tile: tileGo32}
)

// kernels and kernels32 are the micro-kernels in use: the assembly ones
// the CPU has, or the Go ones.
var (
	kernels   []kernel
	kernels32 []kernelOf[float32]
)

func init() { UseAsm(true) }

// UseAsm turns the assembly micro-kernels on or off (if the CPU has them)
// and returns the previous setting; tests use it to compare the paths.
func UseAsm(on bool) (was bool) {
	was = kernels != nil && kernels[0].mr != goKernel.mr || len(kernels) > 1
	kernels, kernels32 = []kernel{goKernel}, []kernelOf[float32]{goKernel32}
	if on && len(asmKernels) > 0 {
		kernels = asmKernels
	}
	if on && len(asmKernels32) > 0 {
		kernels32 = asmKernels32
	}
	return was
}

// pick returns the kernel that computes an m×n product fastest, counting
// the zero padding of edge tiles.
func pick[E elem](ks []kernelOf[E], m, n int) *kernelOf[E] {
	best, bestCost := &ks[0], math.Inf(1)
	for i := range ks {
		k := &ks[i]
		padded := float64((m+k.mr-1)/k.mr*k.mr) * float64((n+k.nr-1)/k.nr*k.nr)
		if c := padded * k.cost; c < bestCost {
			best, bestCost = k, c
		}
	}
	return best
}

// tileGo is the portable 6×8 micro-kernel.
func tileGo(kb int, a, b, c []float64, ldc int, overwrite bool) {
	const mr, nr = 6, 8
	var acc [mr * nr]float64
	a, b = a[:kb*mr], b[:kb*nr]
	for p := 0; p < kb; p++ {
		ap, bp := a[p*mr:p*mr+mr], b[p*nr:p*nr+nr]
		for i, av := range ap {
			row := acc[i*nr : i*nr+nr]
			for j, bv := range bp {
				row[j] = math.FMA(av, bv, row[j])
			}
		}
	}
	store(c, ldc, acc[:], nr, overwrite)
}

// tileGo32 is the portable 6×16 float32 micro-kernel: the same roundings
// as the assembly one (fma32 is a single-rounding float32 FMA).
func tileGo32(kb int, a, b []float32, c []float64, ldc int, overwrite bool) {
	const mr, nr = 6, 16
	var acc [mr * nr]float32
	a, b = a[:kb*mr], b[:kb*nr]
	for p := 0; p < kb; p++ {
		ap, bp := a[p*mr:p*mr+mr], b[p*nr:p*nr+nr]
		for i, av := range ap {
			row := acc[i*nr : i*nr+nr]
			for j, bv := range bp {
				row[j] = fma32(av, bv, row[j])
			}
		}
	}
	store(c, ldc, acc[:], nr, overwrite)
}

// store writes the mr×nr accumulators acc (row-major, mr = len(acc)/nr)
// into c, or adds them.
func store[E elem](c []float64, ldc int, acc []E, nr int, overwrite bool) {
	for i := 0; i < len(acc)/nr; i++ {
		crow := c[i*ldc : i*ldc+nr]
		arow := acc[i*nr : i*nr+nr]
		for j := range crow {
			if overwrite {
				crow[j] = float64(arow[j])
			} else {
				crow[j] += float64(arow[j])
			}
		}
	}
}

// fma32 returns a·b + c rounded once to float32, as VFMADD…PS does. In
// float64 the product is exact (48 bits) and the sum s is rounded once;
// rounding s again to float32 is then wrong only when s lands exactly
// halfway between two float32 values while the exact sum does not (the
// error e of s, from Knuth's TwoSum, is not zero): then the exact sum lies
// on e's side of the halfway point. (Float32 subnormal results are not
// treated specially.)
func fma32(a, b, c float32) float32 {
	p, cc := float64(a)*float64(b), float64(c)
	s := p + cc
	bv := s - p
	e := (p - (s - bv)) + (cc - bv)
	const low = 1<<29 - 1 // the float64 significand bits below float32's
	bits := math.Float64bits(s)
	if e == 0 || bits&low != 1<<28 || math.IsInf(s, 0) {
		return float32(s)
	}
	toZero := float32(math.Float64frombits(bits &^ low)) // exact
	away := math.Nextafter32(toZero, float32(math.Copysign(math.Inf(1), s)))
	if (e > 0) == (s > 0) {
		return away
	}
	return toZero
}

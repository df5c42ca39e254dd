package vmath

import "golang.org/x/sys/cpu"

// hasAsm reports whether the CPU (and the OS) support AVX2 and FMA.
var hasAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly kernels take n, a positive multiple of 4, values.

//go:noescape
func expAVX(y, x *float64, n int)

//go:noescape
func sigmoidAVX(y, dy, x *float64, n int)

//go:noescape
func siluAVX(y, dy, x *float64, n int)

//go:noescape
func softplusAVX(y, dy, x *float64, n int)

//go:noescape
func gAVX(y, dy, x *float64, n int)

//go:noescape
func tanhAVX(y, dy, x *float64, n int)

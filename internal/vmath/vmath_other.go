//go:build !amd64

package vmath

const hasAsm, has512 = false, false

func noAsm() { panic("vmath: no assembly kernels on this architecture") }

func expAVX(y, x *float64, n int)             { noAsm() }
func sigmoidAVX(y, dy, x *float64, n int)     { noAsm() }
func siluAVX(y, dy, x *float64, n int)        { noAsm() }
func softplusAVX(y, dy, x *float64, n int)    { noAsm() }
func gAVX(y, dy, x *float64, n int)           { noAsm() }
func tanhAVX(y, dy, x *float64, n int)        { noAsm() }
func expAVX512(y, x *float64, n int)          { noAsm() }
func sigmoidAVX512(y, dy, x *float64, n int)  { noAsm() }
func siluAVX512(y, dy, x *float64, n int)     { noAsm() }
func softplusAVX512(y, dy, x *float64, n int) { noAsm() }
func gAVX512(y, dy, x *float64, n int)        { noAsm() }
func tanhAVX512(y, dy, x *float64, n int)     { noAsm() }

func geluAVX(y, dy, x *float64, n int)          { noAsm() }
func erfSqrt2AVX(y, dy, x *float64, n int)      { noAsm() }
func geluDeriv2AVX(y, x *float64, n int)        { noAsm() }
func erfSqrt2Deriv2AVX(y, x *float64, n int)    { noAsm() }
func geluAVX512(y, dy, x *float64, n int)       { noAsm() }
func erfSqrt2AVX512(y, dy, x *float64, n int)   { noAsm() }
func geluDeriv2AVX512(y, x *float64, n int)     { noAsm() }
func erfSqrt2Deriv2AVX512(y, x *float64, n int) { noAsm() }

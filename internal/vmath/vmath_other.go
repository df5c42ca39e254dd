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

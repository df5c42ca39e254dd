//go:build !amd64

package vmath

const hasAsm = false

func noAsm() { panic("vmath: no assembly kernels on this architecture") }

func expAVX(y, x *float64, n int)          { noAsm() }
func sigmoidAVX(y, dy, x *float64, n int)  { noAsm() }
func siluAVX(y, dy, x *float64, n int)     { noAsm() }
func softplusAVX(y, dy, x *float64, n int) { noAsm() }
func gAVX(y, dy, x *float64, n int)        { noAsm() }
func tanhAVX(y, dy, x *float64, n int)     { noAsm() }

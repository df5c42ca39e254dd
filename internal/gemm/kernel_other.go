//go:build !amd64

package gemm

var asmKernels []kernel

var asmKernels32 []kernelOf[float32]

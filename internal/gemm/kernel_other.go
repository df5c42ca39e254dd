//go:build !amd64

package gemm

var asmKernels []kernel

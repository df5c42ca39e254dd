//go:build !amd64

package gemm

const asmAvailable = false

var asmKernel = goKernel

#include "textflag.h"

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func dot4x2(a0, a1, a2, a3, b0, b1 *float64, k int, out *[32]float64)
//
// For the rows a_i and b_j, stores in out[4(2i+j):4(2i+j)+4] the four lane
// sums of a_i·b_j over the first k elements (k a multiple of 4): lane l
// holds the sum over m ≡ l (mod 4) of a_i[m]·b_j[m], accumulated in order
// of m with fused multiply-adds.
TEXT ·dot4x2(SB), NOSPLIT, $0-64
	MOVQ a0+0(FP), SI
	MOVQ a1+8(FP), R8
	MOVQ a2+16(FP), R9
	MOVQ a3+24(FP), R10
	MOVQ b0+32(FP), DI
	MOVQ b1+40(FP), R11
	MOVQ k+48(FP), CX
	MOVQ out+56(FP), DX
	SHLQ $3, CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ R12, R12

loop:
	CMPQ R12, CX
	JGE  done
	VMOVUPD (DI)(R12*1), Y12
	VMOVUPD (R11)(R12*1), Y13
	VMOVUPD (SI)(R12*1), Y8
	VFMADD231PD Y8, Y12, Y0
	VFMADD231PD Y8, Y13, Y1
	VMOVUPD (R8)(R12*1), Y9
	VFMADD231PD Y9, Y12, Y2
	VFMADD231PD Y9, Y13, Y3
	VMOVUPD (R9)(R12*1), Y10
	VFMADD231PD Y10, Y12, Y4
	VFMADD231PD Y10, Y13, Y5
	VMOVUPD (R10)(R12*1), Y11
	VFMADD231PD Y11, Y12, Y6
	VFMADD231PD Y11, Y13, Y7
	ADDQ $32, R12
	JMP  loop

done:
	VMOVUPD Y0, 0(DX)
	VMOVUPD Y1, 32(DX)
	VMOVUPD Y2, 64(DX)
	VMOVUPD Y3, 96(DX)
	VMOVUPD Y4, 128(DX)
	VMOVUPD Y5, 160(DX)
	VMOVUPD Y6, 192(DX)
	VMOVUPD Y7, 224(DX)
	VZEROUPPER
	RET

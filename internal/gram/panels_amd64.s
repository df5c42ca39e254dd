#include "textflag.h"

// func sqDist4x8(a, b *float64, d, groups int, o0, o1, o2, o3 *float64, root int)
//
// a and b point into Panels data: a at the panel of rows i…i+3, b at the
// panel of column j (two consecutive panels, eight columns, per group). For
// each group stores, for r = 0…3, eight values at or: Σ_k (a_r[k] − b_c[k])²
// accumulated in order of k with fused multiply-adds from zero, or its
// square root if root ≠ 0; then advances b by two panels and each or by 8.
TEXT ·sqDist4x8(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ d+16(FP), DX
	MOVQ groups+24(FP), BX
	MOVQ o0+32(FP), R8
	MOVQ o1+40(FP), R9
	MOVQ o2+48(FP), R10
	MOVQ o3+56(FP), R11
	MOVQ root+64(FP), R12
	SHLQ $5, DX // bytes per panel
	TESTQ BX, BX
	JZ   done8

group8:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	LEAQ (DI)(DX*1), AX
	XORQ CX, CX

k8:
	VMOVUPD (DI)(CX*1), Y8
	VMOVUPD (AX)(CX*1), Y9
	VBROADCASTSD 0(SI)(CX*1), Y10
	VSUBPD Y8, Y10, Y11
	VSUBPD Y9, Y10, Y12
	VFMADD231PD Y11, Y11, Y0
	VFMADD231PD Y12, Y12, Y1
	VBROADCASTSD 8(SI)(CX*1), Y13
	VSUBPD Y8, Y13, Y14
	VSUBPD Y9, Y13, Y15
	VFMADD231PD Y14, Y14, Y2
	VFMADD231PD Y15, Y15, Y3
	VBROADCASTSD 16(SI)(CX*1), Y10
	VSUBPD Y8, Y10, Y11
	VSUBPD Y9, Y10, Y12
	VFMADD231PD Y11, Y11, Y4
	VFMADD231PD Y12, Y12, Y5
	VBROADCASTSD 24(SI)(CX*1), Y13
	VSUBPD Y8, Y13, Y14
	VSUBPD Y9, Y13, Y15
	VFMADD231PD Y14, Y14, Y6
	VFMADD231PD Y15, Y15, Y7
	ADDQ $32, CX
	CMPQ CX, DX
	JLT  k8

	TESTQ R12, R12
	JZ    store8
	VSQRTPD Y0, Y0
	VSQRTPD Y1, Y1
	VSQRTPD Y2, Y2
	VSQRTPD Y3, Y3
	VSQRTPD Y4, Y4
	VSQRTPD Y5, Y5
	VSQRTPD Y6, Y6
	VSQRTPD Y7, Y7

store8:
	VMOVUPD Y0, (R8)
	VMOVUPD Y1, 32(R8)
	ADDQ $64, R8
	VMOVUPD Y2, (R9)
	VMOVUPD Y3, 32(R9)
	ADDQ $64, R9
	VMOVUPD Y4, (R10)
	VMOVUPD Y5, 32(R10)
	ADDQ $64, R10
	VMOVUPD Y6, (R11)
	VMOVUPD Y7, 32(R11)
	ADDQ $64, R11
	LEAQ (DI)(DX*2), DI
	DECQ BX
	JNZ  group8

done8:
	VZEROUPPER
	RET

// func sqDistSignless4x4(a, b *float64, d, panels int, o0, o1, o2, o3 *float64)
//
// Like sqDist4x8 for one panel (four columns) per step, storing
// √min(Σ_k (a_r[k] − b_c[k])², Σ_k (a_r[k] + b_c[k])²).
TEXT ·sqDistSignless4x4(SB), NOSPLIT, $0-64
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ d+16(FP), DX
	MOVQ panels+24(FP), BX
	MOVQ o0+32(FP), R8
	MOVQ o1+40(FP), R9
	MOVQ o2+48(FP), R10
	MOVQ o3+56(FP), R11
	SHLQ $5, DX
	TESTQ BX, BX
	JZ   done4

group4:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ CX, CX

k4:
	VMOVUPD (DI)(CX*1), Y8
	VBROADCASTSD 0(SI)(CX*1), Y9
	VSUBPD Y8, Y9, Y10
	VADDPD Y8, Y9, Y11
	VFMADD231PD Y10, Y10, Y0
	VFMADD231PD Y11, Y11, Y4
	VBROADCASTSD 8(SI)(CX*1), Y12
	VSUBPD Y8, Y12, Y13
	VADDPD Y8, Y12, Y14
	VFMADD231PD Y13, Y13, Y1
	VFMADD231PD Y14, Y14, Y5
	VBROADCASTSD 16(SI)(CX*1), Y9
	VSUBPD Y8, Y9, Y10
	VADDPD Y8, Y9, Y11
	VFMADD231PD Y10, Y10, Y2
	VFMADD231PD Y11, Y11, Y6
	VBROADCASTSD 24(SI)(CX*1), Y12
	VSUBPD Y8, Y12, Y13
	VADDPD Y8, Y12, Y14
	VFMADD231PD Y13, Y13, Y3
	VFMADD231PD Y14, Y14, Y7
	ADDQ $32, CX
	CMPQ CX, DX
	JLT  k4

	VMINPD Y4, Y0, Y0
	VSQRTPD Y0, Y0
	VMOVUPD Y0, (R8)
	ADDQ $32, R8
	VMINPD Y5, Y1, Y1
	VSQRTPD Y1, Y1
	VMOVUPD Y1, (R9)
	ADDQ $32, R9
	VMINPD Y6, Y2, Y2
	VSQRTPD Y2, Y2
	VMOVUPD Y2, (R10)
	ADDQ $32, R10
	VMINPD Y7, Y3, Y3
	VSQRTPD Y3, Y3
	VMOVUPD Y3, (R11)
	ADDQ $32, R11
	ADDQ DX, DI
	DECQ BX
	JNZ  group4

done4:
	VZEROUPPER
	RET

// func sqDist4x8z(a, b *float64, d, groups int, o0, o1, o2, o3 *float64, root int)
//
// sqDist4x8 with AVX-512: the two panels of a group are joined into one
// 8-wide register, so each row takes one subtraction and one fused
// multiply-add per coordinate. Same arithmetic, same results.
TEXT ·sqDist4x8z(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ d+16(FP), DX
	MOVQ groups+24(FP), BX
	MOVQ o0+32(FP), R8
	MOVQ o1+40(FP), R9
	MOVQ o2+48(FP), R10
	MOVQ o3+56(FP), R11
	MOVQ root+64(FP), R12
	SHLQ $5, DX // bytes per panel
	TESTQ BX, BX
	JZ   donez

groupz:
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	LEAQ (DI)(DX*1), AX
	XORQ CX, CX

kz:
	VMOVUPD (DI)(CX*1), Y8
	VINSERTF64X4 $1, (AX)(CX*1), Z8, Z8
	VBROADCASTSD 0(SI)(CX*1), Z10
	VBROADCASTSD 8(SI)(CX*1), Z11
	VBROADCASTSD 16(SI)(CX*1), Z12
	VBROADCASTSD 24(SI)(CX*1), Z13
	VSUBPD Z8, Z10, Z10
	VSUBPD Z8, Z11, Z11
	VSUBPD Z8, Z12, Z12
	VSUBPD Z8, Z13, Z13
	VFMADD231PD Z10, Z10, Z0
	VFMADD231PD Z11, Z11, Z1
	VFMADD231PD Z12, Z12, Z2
	VFMADD231PD Z13, Z13, Z3
	ADDQ $32, CX
	CMPQ CX, DX
	JLT  kz

	TESTQ R12, R12
	JZ    storez
	VSQRTPD Z0, Z0
	VSQRTPD Z1, Z1
	VSQRTPD Z2, Z2
	VSQRTPD Z3, Z3

storez:
	VMOVUPD Z0, (R8)
	VMOVUPD Z1, (R9)
	VMOVUPD Z2, (R10)
	VMOVUPD Z3, (R11)
	ADDQ $64, R8
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $64, R11
	LEAQ (DI)(DX*2), DI
	DECQ BX
	JNZ  groupz

donez:
	VZEROUPPER
	RET

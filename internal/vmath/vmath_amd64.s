#include "textflag.h"

// Four-wide AVX2+FMA versions of the scalar functions in vmath.go. Each
// instruction mirrors one operation there, in the same order, so that both
// paths give the same bits. Constants are 64-byte vectors of one value
// (the AVX2 code reads their first half). The AVX-512 versions at the end
// run the same macros on Z registers, eight values at a time, with mask
// registers where AVX2 blends on sign bits.

#define VEC(name, bits) DATA name+0(SB)/8, bits; DATA name+8(SB)/8, bits; DATA name+16(SB)/8, bits; DATA name+24(SB)/8, bits; DATA name+32(SB)/8, bits; DATA name+40(SB)/8, bits; DATA name+48(SB)/8, bits; DATA name+56(SB)/8, bits; GLOBL name(SB), RODATA|NOPTR, $64

VEC(one<>, $0x3ff0000000000000)
VEC(two<>, $0x4000000000000000)
VEC(four<>, $0x4010000000000000)
VEC(half<>, $0x3fe0000000000000)
VEC(mtwo<>, $0xc000000000000000)
VEC(explo<>, $0xc087700000000000)
VEC(exphi<>, $0x4086300000000000)
VEC(log2e<>, $0x3ff71547652b82fe)
VEC(shift<>, $0x4338000000000000)
VEC(ln2hi<>, $0x3fe62e42fee00000)
VEC(ln2lo<>, $0x3dea39ef35793c76)
VEC(c13<>, $0x3de6124613a86d09)
VEC(c12<>, $0x3e21eed8eff8d898)
VEC(c11<>, $0x3e5ae64567f544e4)
VEC(c10<>, $0x3e927e4fb7789f5c)
VEC(c9<>, $0x3ec71de3a556c734)
VEC(c8<>, $0x3efa01a01a01a01a)
VEC(c7<>, $0x3f2a01a01a01a01a)
VEC(c6<>, $0x3f56c16c16c16c17)
VEC(c5<>, $0x3f81111111111111)
VEC(c4<>, $0x3fa5555555555555)
VEC(c3<>, $0x3fc5555555555555)
VEC(c2<>, $0x3fe0000000000000)
VEC(split<>, $0x3fda827999fcef32)
VEC(lgl1<>, $0x3fe5555555555593)
VEC(lgl2<>, $0x3fd999999997fa04)
VEC(lgl3<>, $0x3fd2492494229359)
VEC(lgl4<>, $0x3fcc71c51d8e78af)
VEC(lgl5<>, $0x3fc7466496cb03de)
VEC(lgl6<>, $0x3fc39a09d078c69f)
VEC(lgl7<>, $0x3fc2f112df3e5244)
VEC(absmask<>, $0x7fffffffffffffff)
VEC(signmask<>, $0x8000000000000000)
VEC(bias<>, $1023)

// EXPQ sets P = e^r − 1 and T = shift + k for A = k·ln2 + r, using K,
// E1, E2, E3 and clobbering A (see expReduce; K holds r², E3 r⁴ and r⁸).
#define EXPQ(A, T, K, P, E1, E2, E3) \
	VMOVUPD shift<>(SB), T; \
	VFMADD231PD log2e<>(SB), A, T; \
	VSUBPD shift<>(SB), T, K; \
	VFNMADD231PD ln2hi<>(SB), K, A; \
	VFNMADD231PD ln2lo<>(SB), K, A; \
	VMULPD A, A, K; \
	VMOVUPD c3<>(SB), P; \
	VFMADD213PD c2<>(SB), A, P; \
	VMOVUPD c5<>(SB), E1; \
	VFMADD213PD c4<>(SB), A, E1; \
	VFMADD231PD E1, K, P; \
	VMOVUPD c7<>(SB), E1; \
	VFMADD213PD c6<>(SB), A, E1; \
	VMOVUPD c9<>(SB), E2; \
	VFMADD213PD c8<>(SB), A, E2; \
	VFMADD231PD E2, K, E1; \
	VMOVUPD c11<>(SB), E2; \
	VFMADD213PD c10<>(SB), A, E2; \
	VMOVUPD c13<>(SB), E3; \
	VFMADD213PD c12<>(SB), A, E3; \
	VFMADD231PD E3, K, E2; \
	VMULPD K, K, E3; \
	VFMADD231PD E1, E3, P; \
	VMULPD E3, E3, E3; \
	VFMADD231PD E2, E3, P; \
	VFMADD213PD A, K, P

// SCALE sets P = P·2^⌊k/2⌋·2^(k−⌊k/2⌋) for T = shift + k, clobbering T, K.
#define SCALE(P, T, K) \
	VPSRLQ $1, T, K; \
	VPSUBQ K, T, T; \
	VPADDQ bias<>(SB), K, K; \
	VPADDQ bias<>(SB), T, T; \
	VPSLLQ $52, K, K; \
	VPSLLQ $52, T, T; \
	VMULPD K, P, P; \
	VMULPD T, P, P

// SIGMOID takes A = −|y| and X with the sign of y and sets P = e^−|y|,
// S = σ(y) and T = σ'(y), clobbering A, K, Q, E3 (see sigmoidParts).
#define SIGMOID(X, A, T, K, P, Q, S, E3) \
	VMOVUPD explo<>(SB), T; \
	VMAXPD A, T, A; \
	EXPQ(A, T, K, P, Q, S, E3); \
	VADDPD one<>(SB), P, P; \
	SCALE(P, T, K); \
	VADDPD one<>(SB), P, K; \
	VMOVUPD one<>(SB), Q; \
	VDIVPD K, Q, Q; \
	VMOVUPD one<>(SB), S; \
	VBLENDVPD X, P, S, S; \
	VMULPD S, Q, S; \
	VMULPD Q, P, T; \
	VMULPD Q, T, T

// NEGABS sets A = −|X|.
#define NEGABS(X, A) \
	VANDPD absmask<>(SB), X, A; \
	VXORPD signmask<>(SB), A, A

// LOG1P sets Y9 = log(1+e) for 0 ≤ e ≤ 1 in Y6, clobbering Y3–Y5, Y7,
// Y8, Y10, Y11 (see log1pUnit).
#define LOG1P \
	VCMPPD $0x1d, split<>(SB), Y6, Y3; \
	VSUBPD one<>(SB), Y6, Y4; \
	VMULPD half<>(SB), Y4, Y4; \
	VBLENDVPD Y3, Y4, Y6, Y4; \
	VANDPD one<>(SB), Y3, Y3; \
	VADDPD two<>(SB), Y4, Y5; \
	VDIVPD Y5, Y4, Y5; \
	VMULPD Y5, Y5, Y7; \
	VMULPD Y7, Y7, Y8; \
	VMOVUPD lgl7<>(SB), Y9; \
	VFMADD213PD lgl5<>(SB), Y8, Y9; \
	VFMADD213PD lgl3<>(SB), Y8, Y9; \
	VFMADD213PD lgl1<>(SB), Y8, Y9; \
	VMULPD Y7, Y9, Y9; \
	VMOVUPD lgl6<>(SB), Y10; \
	VFMADD213PD lgl4<>(SB), Y8, Y10; \
	VFMADD213PD lgl2<>(SB), Y8, Y10; \
	VMULPD Y8, Y10, Y10; \
	VADDPD Y10, Y9, Y9; \
	VMULPD half<>(SB), Y4, Y11; \
	VMULPD Y4, Y11, Y11; \
	VADDPD Y11, Y9, Y9; \
	VMULPD Y5, Y9, Y9; \
	VMULPD ln2lo<>(SB), Y3, Y10; \
	VADDPD Y10, Y9, Y9; \
	VSUBPD Y9, Y11, Y9; \
	VSUBPD Y4, Y9, Y9; \
	VMULPD ln2hi<>(SB), Y3, Y3; \
	VSUBPD Y9, Y3, Y9

// SIGMOID512 is SIGMOID on Z registers (K1 holds the signs of X).
#define SIGMOID512(X, A, T, K, P, Q, S, E3) \
	VMOVUPD explo<>(SB), T; \
	VMAXPD A, T, A; \
	EXPQ(A, T, K, P, Q, S, E3); \
	VADDPD one<>(SB), P, P; \
	SCALE(P, T, K); \
	VADDPD one<>(SB), P, K; \
	VMOVUPD one<>(SB), Q; \
	VDIVPD K, Q, Q; \
	VMOVUPD one<>(SB), S; \
	VPMOVQ2M X, K1; \
	VBLENDMPD P, S, K1, S; \
	VMULPD S, Q, S; \
	VMULPD Q, P, T; \
	VMULPD Q, T, T

#define NEGABS512(X, A) \
	VPANDQ absmask<>(SB), X, A; \
	VPXORQ signmask<>(SB), A, A

// LOG1P512 is LOG1P on Z registers, with K2 for the comparison.
#define LOG1P512 \
	VCMPPD $0x1d, split<>(SB), Z6, K2; \
	VSUBPD one<>(SB), Z6, Z4; \
	VMULPD half<>(SB), Z4, Z4; \
	VBLENDMPD Z4, Z6, K2, Z4; \
	VMOVUPD.Z one<>(SB), K2, Z3; \
	VADDPD two<>(SB), Z4, Z5; \
	VDIVPD Z5, Z4, Z5; \
	VMULPD Z5, Z5, Z7; \
	VMULPD Z7, Z7, Z8; \
	VMOVUPD lgl7<>(SB), Z9; \
	VFMADD213PD lgl5<>(SB), Z8, Z9; \
	VFMADD213PD lgl3<>(SB), Z8, Z9; \
	VFMADD213PD lgl1<>(SB), Z8, Z9; \
	VMULPD Z7, Z9, Z9; \
	VMOVUPD lgl6<>(SB), Z10; \
	VFMADD213PD lgl4<>(SB), Z8, Z10; \
	VFMADD213PD lgl2<>(SB), Z8, Z10; \
	VMULPD Z8, Z10, Z10; \
	VADDPD Z10, Z9, Z9; \
	VMULPD half<>(SB), Z4, Z11; \
	VMULPD Z4, Z11, Z11; \
	VADDPD Z11, Z9, Z9; \
	VMULPD Z5, Z9, Z9; \
	VMULPD ln2lo<>(SB), Z3, Z10; \
	VADDPD Z10, Z9, Z9; \
	VSUBPD Z9, Z11, Z9; \
	VSUBPD Z4, Z9, Z9; \
	VMULPD ln2hi<>(SB), Z3, Z3; \
	VSUBPD Z9, Z3, Z9

#define NEXT512(label) \
	ADDQ $64, AX; \
	CMPQ AX, CX; \
	JLT  label; \
	VZEROUPPER; \
	RET

// Every kernel: func(y, dy, x *float64, n int), n a positive multiple of 4.
#define PROLOGUE \
	MOVQ y+0(FP), DI; \
	MOVQ dy+8(FP), DX; \
	MOVQ x+16(FP), SI; \
	MOVQ n+24(FP), CX; \
	SHLQ $3, CX; \
	XORQ AX, AX

#define PARTPROLOGUE \
	MOVQ y+0(FP), DI; \
	MOVQ dy+8(FP), DX; \
	MOVQ e+16(FP), BX; \
	MOVQ x+24(FP), SI; \
	MOVQ n+32(FP), CX; \
	SHLQ $3, CX; \
	XORQ AX, AX

#define NEXT(label) \
	ADDQ $32, AX; \
	CMPQ AX, CX; \
	JLT  label; \
	VZEROUPPER; \
	RET

// func expAVX(y, x *float64, n int)
TEXT ·expAVX(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
exploop:
	VMOVUPD (SI)(AX*1), Y3
	VMOVUPD explo<>(SB), Y4
	VMAXPD Y3, Y4, Y3
	VMOVUPD exphi<>(SB), Y4
	VMINPD Y3, Y4, Y3
	EXPQ(Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VADDPD one<>(SB), Y6, Y6
	SCALE(Y6, Y4, Y5)
	VMOVUPD Y6, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  exploop
	VZEROUPPER
	RET

// func sigmoidAVX(y, dy, x *float64, n int)
TEXT ·sigmoidAVX(SB), NOSPLIT, $0-32
	PROLOGUE
sigloop:
	VMOVUPD (SI)(AX*1), Y0
	NEGABS(Y0, Y3)
	SIGMOID(Y0, Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VMOVUPD Y8, (DI)(AX*1)
	VMOVUPD Y4, (DX)(AX*1)
	NEXT(sigloop)

// func siluAVX(y, dy, x *float64, n int)
TEXT ·siluAVX(SB), NOSPLIT, $0-32
	PROLOGUE
siluloop:
	VMOVUPD (SI)(AX*1), Y0
	NEGABS(Y0, Y3)
	SIGMOID(Y0, Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VFMADD213PD Y8, Y0, Y4
	VMULPD Y0, Y8, Y8
	VMOVUPD Y8, (DI)(AX*1)
	VMOVUPD Y4, (DX)(AX*1)
	NEXT(siluloop)

// The log1p of softplus and g runs as a second pass over a block (see
// logPass): one long dependency chain per value limits how many values
// the CPU overlaps, and two shorter ones overlap better.

// func softplusPartAVX(y, dy, e, x *float64, n int)
TEXT ·softplusPartAVX(SB), NOSPLIT, $0-40
	PARTPROLOGUE
sploop:
	VMOVUPD (SI)(AX*1), Y0
	NEGABS(Y0, Y3)
	SIGMOID(Y0, Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VMOVUPD Y8, (DX)(AX*1)
	VMOVUPD Y6, (BX)(AX*1)
	VXORPD Y1, Y1, Y1
	VMAXPD Y1, Y0, Y1
	VMOVUPD Y1, (DI)(AX*1)
	NEXT(sploop)

// func gPartAVX(y, dy, e, x *float64, n int)
TEXT ·gPartAVX(SB), NOSPLIT, $0-40
	PARTPROLOGUE
gloop:
	VMOVUPD (SI)(AX*1), Y0
	VMULPD four<>(SB), Y0, Y3
	NEGABS(Y3, Y3)
	SIGMOID(Y0, Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VMOVAPD Y8, Y1
	VMULPD four<>(SB), Y4, Y2
	NEGABS(Y0, Y3)
	SIGMOID(Y0, Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VADDPD Y8, Y2, Y2
	VMOVUPD Y2, (DX)(AX*1)
	VMOVUPD Y6, (BX)(AX*1)
	VXORPD Y12, Y12, Y12
	VMAXPD Y12, Y0, Y12
	VADDPD Y12, Y1, Y1
	VMOVUPD Y1, (DI)(AX*1)
	NEXT(gloop)

// func log1pAddAVX(y, e *float64, n int)
TEXT ·log1pAddAVX(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ e+8(FP), BX
	MOVQ n+16(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
l1ploop:
	VMOVUPD (BX)(AX*1), Y6
	LOG1P
	VADDPD (DI)(AX*1), Y9, Y9
	VMOVUPD Y9, (DI)(AX*1)
	NEXT(l1ploop)

// func tanhAVX(y, dy, x *float64, n int)
TEXT ·tanhAVX(SB), NOSPLIT, $0-32
	PROLOGUE
tanhloop:
	VMOVUPD (SI)(AX*1), Y0
	VANDPD absmask<>(SB), Y0, Y3
	VMULPD mtwo<>(SB), Y3, Y3
	VMOVUPD explo<>(SB), Y4
	VMAXPD Y3, Y4, Y3
	EXPQ(Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VPCMPEQQ shift<>(SB), Y4, Y8
	VADDPD one<>(SB), Y6, Y7
	SCALE(Y7, Y4, Y5)
	VSUBPD one<>(SB), Y7, Y3
	VBLENDVPD Y8, Y6, Y3, Y3
	VADDPD two<>(SB), Y3, Y8
	VMOVUPD one<>(SB), Y9
	VDIVPD Y8, Y9, Y9
	VMULPD Y9, Y3, Y3
	VANDPD absmask<>(SB), Y3, Y3
	VANDPD signmask<>(SB), Y0, Y10
	VORPD Y10, Y3, Y3
	VMOVUPD Y3, (DI)(AX*1)
	VMULPD four<>(SB), Y7, Y7
	VMULPD Y9, Y7, Y7
	VMULPD Y9, Y7, Y7
	VMOVUPD Y7, (DX)(AX*1)
	NEXT(tanhloop)

// The AVX-512 kernels: the same, eight values at a time (n a multiple of 8).

// func expAVX512(y, x *float64, n int)
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
exploop512:
	VMOVUPD (SI)(AX*1), Z3
	VMOVUPD explo<>(SB), Z4
	VMAXPD Z3, Z4, Z3
	VMOVUPD exphi<>(SB), Z4
	VMINPD Z3, Z4, Z3
	EXPQ(Z3, Z4, Z5, Z6, Z7, Z8, Z9)
	VADDPD one<>(SB), Z6, Z6
	SCALE(Z6, Z4, Z5)
	VMOVUPD Z6, (DI)(AX*1)
	ADDQ $64, AX
	CMPQ AX, CX
	JLT  exploop512
	VZEROUPPER
	RET

// func sigmoidAVX512(y, dy, x *float64, n int)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-32
	PROLOGUE
sigloop512:
	VMOVUPD (SI)(AX*1), Z0
	NEGABS512(Z0, Z3)
	SIGMOID512(Z0, Z3, Z4, Z5, Z6, Z7, Z8, Z9)
	VMOVUPD Z8, (DI)(AX*1)
	VMOVUPD Z4, (DX)(AX*1)
	NEXT512(sigloop512)

// func siluAVX512(y, dy, x *float64, n int)
TEXT ·siluAVX512(SB), NOSPLIT, $0-32
	PROLOGUE
siluloop512:
	VMOVUPD (SI)(AX*1), Z0
	NEGABS512(Z0, Z3)
	SIGMOID512(Z0, Z3, Z4, Z5, Z6, Z7, Z8, Z9)
	VFMADD213PD Z8, Z0, Z4
	VMULPD Z0, Z8, Z8
	VMOVUPD Z8, (DI)(AX*1)
	VMOVUPD Z4, (DX)(AX*1)
	NEXT512(siluloop512)

// func softplusPartAVX512(y, dy, e, x *float64, n int)
TEXT ·softplusPartAVX512(SB), NOSPLIT, $0-40
	PARTPROLOGUE
sploop512:
	VMOVUPD (SI)(AX*1), Z0
	NEGABS512(Z0, Z3)
	SIGMOID512(Z0, Z3, Z4, Z5, Z6, Z7, Z8, Z9)
	VMOVUPD Z8, (DX)(AX*1)
	VMOVUPD Z6, (BX)(AX*1)
	VPXORQ Z1, Z1, Z1
	VMAXPD Z1, Z0, Z1
	VMOVUPD Z1, (DI)(AX*1)
	NEXT512(sploop512)

// func gPartAVX512(y, dy, e, x *float64, n int)
TEXT ·gPartAVX512(SB), NOSPLIT, $0-40
	PARTPROLOGUE
gloop512:
	VMOVUPD (SI)(AX*1), Z0
	VMULPD four<>(SB), Z0, Z3
	NEGABS512(Z3, Z3)
	SIGMOID512(Z0, Z3, Z4, Z5, Z6, Z7, Z8, Z9)
	VMOVAPD Z8, Z1
	VMULPD four<>(SB), Z4, Z2
	NEGABS512(Z0, Z3)
	SIGMOID512(Z0, Z3, Z4, Z5, Z6, Z7, Z8, Z9)
	VADDPD Z8, Z2, Z2
	VMOVUPD Z2, (DX)(AX*1)
	VMOVUPD Z6, (BX)(AX*1)
	VPXORQ Z12, Z12, Z12
	VMAXPD Z12, Z0, Z12
	VADDPD Z12, Z1, Z1
	VMOVUPD Z1, (DI)(AX*1)
	NEXT512(gloop512)

// func log1pAddAVX512(y, e *float64, n int)
TEXT ·log1pAddAVX512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ e+8(FP), BX
	MOVQ n+16(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
l1ploop512:
	VMOVUPD (BX)(AX*1), Z6
	LOG1P512
	VADDPD (DI)(AX*1), Z9, Z9
	VMOVUPD Z9, (DI)(AX*1)
	NEXT512(l1ploop512)

// func tanhAVX512(y, dy, x *float64, n int)
TEXT ·tanhAVX512(SB), NOSPLIT, $0-32
	PROLOGUE
tanhloop512:
	VMOVUPD (SI)(AX*1), Z0
	VPANDQ absmask<>(SB), Z0, Z3
	VMULPD mtwo<>(SB), Z3, Z3
	VMOVUPD explo<>(SB), Z4
	VMAXPD Z3, Z4, Z3
	EXPQ(Z3, Z4, Z5, Z6, Z7, Z8, Z9)
	VPCMPEQQ shift<>(SB), Z4, K3
	VADDPD one<>(SB), Z6, Z7
	SCALE(Z7, Z4, Z5)
	VSUBPD one<>(SB), Z7, Z3
	VBLENDMPD Z6, Z3, K3, Z3
	VADDPD two<>(SB), Z3, Z8
	VMOVUPD one<>(SB), Z9
	VDIVPD Z8, Z9, Z9
	VMULPD Z9, Z3, Z3
	VPANDQ absmask<>(SB), Z3, Z3
	VPANDQ signmask<>(SB), Z0, Z10
	VPORQ Z10, Z3, Z3
	VMOVUPD Z3, (DI)(AX*1)
	VMULPD four<>(SB), Z7, Z7
	VMULPD Z9, Z7, Z7
	VMULPD Z9, Z7, Z7
	VMOVUPD Z7, (DX)(AX*1)
	NEXT512(tanhloop512)

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

// The Gaussian kernels of erf.go. TAB is a four-entry table (one per
// interval of erfRatio), padded to 64 bytes for the AVX-512 permutes.

#define TAB(name, b0, b1, b2, b3) DATA name+0(SB)/8, b0; DATA name+8(SB)/8, b1; DATA name+16(SB)/8, b2; DATA name+24(SB)/8, b3; DATA name+32(SB)/8, $0; DATA name+40(SB)/8, $0; DATA name+48(SB)/8, $0; DATA name+56(SB)/8, $0; GLOBL name(SB), RODATA|NOPTR, $64

TAB(erfn0<>, $0x3fc06eba8214db68, $0xbf6359b8bef77538, $0xbf843412600d6435, $0xbf84341239e86f4a)
TAB(erfn1<>, $0xbfd4cd7d691cb913, $0x3fda8d00ad92b34d, $0xbfe63416e4ba7360, $0xbfe993ba70c285de)
TAB(erfn2<>, $0xbf9d2a51dbd7194f, $0xbfd7d240fbb8c3f1, $0xc0251e0441b0e726, $0xc031c209555f995a)
TAB(erfn3<>, $0xbf77a291236668e4, $0x3fd45fca805120e4, $0xc04f300ae4cba38d, $0xc064145d43c5ed98)
TAB(erfn4<>, $0xbef8ead6120016ac, $0xbfbc63983d3e28ec, $0xc0644cb184282266, $0xc083ec881375f228)
TAB(erfn5<>, $0x0000000000000000, $0x3fa22a36599795eb, $0xc067135cebccabb2, $0xc09004616a2e5992)
TAB(erfn6<>, $0x0000000000000000, $0xbf61bf380a96073f, $0xc054526557e4d2f2, $0xc07e384e9bdc383f)
TAB(erfn7<>, $0x0000000000000000, $0x0000000000000000, $0xc023a0efc69ac25c, $0x0000000000000000)
TAB(erfd1<>, $0x3fd97779cddadc09, $0x3fbb3e6618eee323, $0x4033a6b9bd707687, $0x403e568b261d5190)
TAB(erfd2<>, $0x3fb0a54c5536ceba, $0x3fe14af092eb6f33, $0x4061350c526ae721, $0x40745cae221b9f0a)
TAB(erfd3<>, $0x3f74d022c4d36b0f, $0x3fb2635cd99fe9a7, $0x407b290dd58a1a71, $0x409802eb189d5118)
TAB(erfd4<>, $0x3f215dc9221c1a10, $0x3fc02660e763351f, $0x40842b1921ec2868, $0x40a8ffb7688c246a)
TAB(erfd5<>, $0xbed09c4342a26120, $0x3f8bedc26b51dd1c, $0x407ad02157700314, $0x40a3f219cedf3be6)
TAB(erfd6<>, $0x0000000000000000, $0x3f888b545735151d, $0x405b28a3ee48ae2c, $0x407da874e79fe763)
TAB(erfd7<>, $0x0000000000000000, $0x0000000000000000, $0x401a47ef8e484a93, $0xc03670e242712d62)
TAB(erfd8<>, $0x0000000000000000, $0x0000000000000000, $0xbfaeeff2ee749a62, $0x0000000000000000)
VEC(gxmax<>, $0x4044000000000000)
VEC(mgxmax<>, $0xc044000000000000)
VEC(shi<>, $0x3fe6a09e667f3bcd)
VEC(slo<>, $0xbc8bdd3413b26456)
VEC(brk1<>, $0x3feb000000000000)
VEC(brk2<>, $0x3ff4000000000000)
VEC(m9o16<>, $0xbfe2000000000000)
VEC(erx<>, $0x3feb0ac160000000)
VEC(operx<>, $0x3ffd8560b0000000)
VEC(omerx<>, $0x3fc3d4fa80000000)
VEC(invsqrt2pi<>, $0x3fd9884533d43651)
VEC(sqrt2overpi<>, $0x3fe9884533d43651)
VEC(brk3<>, $0x4006DB6D00000000)
VEC(hi32<>, $0xffffffff00000000)
VEC(idxstep<>, $0x0000000200000002)
VEC(idxbase<>, $0x0000000100000000)

// EXPPOLY sets P = e^A − 1 (the polynomial of EXPQ) for |A| ≲ ln2/2,
// clobbering K, E1, E2, E3 (see expPoly).
#define EXPPOLY(A, K, P, E1, E2, E3) \
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

// EXPQ2 sets P = e^r − 1 and T = shift + k for H + L = k·ln2 + r, H
// exact (see expReduce2), clobbering H, K, E1–E3.
#define EXPQ2(H, L, T, K, P, E1, E2, E3) \
	VADDPD L, H, K; \
	VMOVUPD shift<>(SB), T; \
	VFMADD231PD log2e<>(SB), K, T; \
	VSUBPD shift<>(SB), T, K; \
	VFNMADD231PD ln2hi<>(SB), K, H; \
	VFNMADD231PD ln2lo<>(SB), K, H; \
	VADDPD L, H, H; \
	EXPPOLY(H, K, P, E1, E2, E3)

// FACTORS turns T = shift + k into S2 = 2^(k−⌊k/2⌋) and S1 = 2^⌊k/2⌋ (see
// scale: a value is scaled by multiplying by S1, then S2).
#define FACTORS(T, S1) \
	VPSRLQ $1, T, S1; \
	VPSUBQ S1, T, T; \
	VPADDQ bias<>(SB), S1, S1; \
	VPADDQ bias<>(SB), T, T; \
	VPSLLQ $52, S1, S1; \
	VPSLLQ $52, T, T

// GAUSSARG takes x in Y0 and sets Y2 = a, Y14 = aLo, Y1 = z², Y3 = lo,
// clobbering Y4, Y5 (see gaussArg).
#define GAUSSARG \
	VANDPD absmask<>(SB), Y0, Y1; \
	VMOVUPD gxmax<>(SB), Y2; \
	VMINPD Y1, Y2, Y1; \
	VMULPD shi<>(SB), Y1, Y2; \
	VMOVAPD Y2, Y14; \
	VFMSUB231PD shi<>(SB), Y1, Y14; \
	VFMADD231PD slo<>(SB), Y1, Y14; \
	VANDPD hi32<>(SB), Y2, Y1; \
	VSUBPD Y2, Y1, Y4; \
	VADDPD Y2, Y1, Y5; \
	VMULPD Y5, Y4, Y4; \
	VMULPD mtwo<>(SB), Y2, Y5; \
	VMOVAPD Y14, Y3; \
	VFMADD213PD Y4, Y5, Y3; \
	VMULPD Y1, Y1, Y1

// HORNER2 takes one step of the numerator (Y5) and denominator (Y7) in
// w = Y4 with the coefficients of each value's interval (indices in Y6).
#define HORNER2(n, d) \
	VPERMD n(SB), Y6, Y8; \
	VPERMD d(SB), Y6, Y9; \
	VFMADD213PD Y8, Y4, Y5; \
	VFMADD213PD Y9, Y4, Y7

// ERFRATIO takes a in Y2 and sets Y5 = R, clobbering Y4, Y6–Y9 (see
// erfRatio). Each lane's interval j selects the doublewords 2j, 2j+1 of
// every table.
#define ERFRATIO \
	VMULPD Y2, Y2, Y4; \
	VSUBPD one<>(SB), Y2, Y5; \
	VCMPPD $0x1d, brk1<>(SB), Y2, Y6; \
	VBLENDVPD Y6, Y5, Y4, Y5; \
	VMOVUPD one<>(SB), Y7; \
	VDIVPD Y4, Y7, Y7; \
	VCMPPD $0x1d, brk2<>(SB), Y2, Y8; \
	VBLENDVPD Y8, Y7, Y5, Y4; \
	VANDPD idxstep<>(SB), Y6, Y6; \
	VANDPD idxstep<>(SB), Y8, Y8; \
	VPADDQ Y8, Y6, Y6; \
	VCMPPD $0x1d, brk3<>(SB), Y2, Y8; \
	VANDPD idxstep<>(SB), Y8, Y8; \
	VPADDQ Y8, Y6, Y6; \
	VPADDQ idxbase<>(SB), Y6, Y6; \
	VPERMD erfn7<>(SB), Y6, Y5; \
	VPERMD erfd8<>(SB), Y6, Y7; \
	HORNER2(erfn6<>, erfd7<>); \
	HORNER2(erfn5<>, erfd6<>); \
	HORNER2(erfn4<>, erfd5<>); \
	HORNER2(erfn3<>, erfd4<>); \
	HORNER2(erfn2<>, erfd3<>); \
	HORNER2(erfn1<>, erfd2<>); \
	VPERMD erfn0<>(SB), Y6, Y8; \
	VPERMD erfd1<>(SB), Y6, Y9; \
	VFMADD213PD Y8, Y4, Y5; \
	VFMADD213PD Y9, Y4, Y7; \
	VFMADD213PD one<>(SB), Y4, Y7; \
	VDIVPD Y7, Y5, Y5

// CLAMPX sets D = x (Y0) clamped to ±gaussXMax, using E.
#define CLAMPX(D, E) \
	VMOVUPD mgxmax<>(SB), D; \
	VMAXPD Y0, D, D; \
	VMOVUPD gxmax<>(SB), E; \
	VMINPD D, E, D

// PDF sets Y9 = m and Y7 = 2^(k−⌊k/2⌋), Y8 = 2^⌊k/2⌋ with c·e^(−x²/2) =
// m·2^k, from Y1 = z² and Y3 = lo, clobbering Y1, Y3, Y10–Y12 (see
// gaussPDF).
#define PDF(c) \
	VXORPD signmask<>(SB), Y1, Y1; \
	EXPQ2(Y1, Y3, Y7, Y8, Y9, Y10, Y11, Y12); \
	VADDPD one<>(SB), Y9, Y9; \
	VMULPD c(SB), Y9, Y9; \
	FACTORS(Y7, Y8)

// Every Gaussian kernel with one output: func(y, x *float64, n int).
#define PROLOGUE1 \
	MOVQ y+0(FP), DI; \
	MOVQ x+8(FP), SI; \
	MOVQ n+16(FP), CX; \
	SHLQ $3, CX; \
	XORQ AX, AX

// func geluAVX(y, dy, x *float64, n int)
TEXT ·geluAVX(SB), NOSPLIT, $0-32
	PROLOGUE
geluloop:
	VMOVUPD (SI)(AX*1), Y0
	GAUSSARG
	ERFRATIO
	// Φ on interval 0: (½ + h) + (h·R + hLo), h + hLo = ±a/2.
	VANDPD signmask<>(SB), Y0, Y15
	VXORPD Y15, Y2, Y6
	VMULPD half<>(SB), Y6, Y6
	VXORPD Y15, Y14, Y7
	VMULPD half<>(SB), Y7, Y7
	VFMADD231PD Y6, Y5, Y7
	VADDPD half<>(SB), Y6, Y6
	VADDPD Y7, Y6, Y6
	// Φ on interval 1: ½(1 ± erx ± R).
	VXORPD Y15, Y5, Y7
	VMOVUPD operx<>(SB), Y8
	VMOVUPD omerx<>(SB), Y9
	VBLENDVPD Y0, Y9, Y8, Y8
	VADDPD Y7, Y8, Y8
	VMULPD half<>(SB), Y8, Y8
	VCMPPD $0x1d, brk1<>(SB), Y2, Y9
	VBLENDVPD Y9, Y8, Y6, Y6
	// Intervals 2 and 3: h = ½(1+q)/a, erfc(a)/2 = h·2^k.
	VMOVUPD m9o16<>(SB), Y4
	VSUBPD Y1, Y4, Y4
	VADDPD Y5, Y3, Y5
	EXPQ2(Y4, Y5, Y7, Y8, Y9, Y10, Y11, Y12)
	VADDPD one<>(SB), Y9, Y9
	VDIVPD Y2, Y9, Y9
	VMULPD half<>(SB), Y9, Y9
	FACTORS(Y7, Y8)
	VMULPD Y8, Y9, Y10
	VMULPD Y7, Y10, Y10
	VMOVUPD mgxmax<>(SB), Y11
	VMAXPD Y0, Y11, Y11
	VMULPD Y9, Y11, Y11
	VMULPD Y8, Y11, Y11
	VMULPD Y7, Y11, Y11
	VMOVUPD one<>(SB), Y12
	VSUBPD Y10, Y12, Y12
	VBLENDVPD Y0, Y10, Y12, Y12
	VCMPPD $0x1d, brk2<>(SB), Y2, Y13
	VBLENDVPD Y13, Y12, Y6, Y6
	VMULPD Y6, Y0, Y12
	VANDPD Y0, Y13, Y13
	VBLENDVPD Y13, Y11, Y12, Y12
	VMOVUPD Y12, (DI)(AX*1)
	// GELU' = (Φ + x·m·2^k) + (error of x·m)·2^k.
	PDF(invsqrt2pi<>)
	CLAMPX(Y10, Y11)
	VMULPD Y9, Y10, Y11
	VFMSUB213PD Y11, Y9, Y10
	VMULPD Y8, Y11, Y11
	VMULPD Y7, Y11, Y11
	VMULPD Y8, Y10, Y10
	VMULPD Y7, Y10, Y10
	VADDPD Y11, Y6, Y6
	VADDPD Y10, Y6, Y6
	VMOVUPD Y6, (DX)(AX*1)
	NEXT(geluloop)

// func geluDeriv2AVX(y, x *float64, n int)
TEXT ·geluDeriv2AVX(SB), NOSPLIT, $0-24
	PROLOGUE1
gelu2loop:
	VMOVUPD (SI)(AX*1), Y0
	GAUSSARG
	PDF(invsqrt2pi<>)
	CLAMPX(Y10, Y11)
	VMOVAPD Y10, Y11
	VFNMADD213PD two<>(SB), Y10, Y11
	VMULPD Y11, Y9, Y9
	VMULPD Y8, Y9, Y9
	VMULPD Y7, Y9, Y9
	VMOVUPD Y9, (DI)(AX*1)
	NEXT(gelu2loop)

// func erfSqrt2AVX(y, dy, x *float64, n int)
TEXT ·erfSqrt2AVX(SB), NOSPLIT, $0-32
	PROLOGUE
erfloop:
	VMOVUPD (SI)(AX*1), Y0
	GAUSSARG
	ERFRATIO
	// Interval 0: s + (s·R + sLo), s + sLo = ±a.
	VANDPD signmask<>(SB), Y0, Y15
	VXORPD Y15, Y2, Y6
	VXORPD Y15, Y14, Y7
	VFMADD231PD Y6, Y5, Y7
	VADDPD Y7, Y6, Y6
	// Interval 1: ±(erx + R).
	VADDPD erx<>(SB), Y5, Y8
	VANDPD absmask<>(SB), Y8, Y8
	VORPD Y15, Y8, Y8
	VCMPPD $0x1d, brk1<>(SB), Y2, Y9
	VBLENDVPD Y9, Y8, Y6, Y6
	// Intervals 2 and 3: ±(1 − (1+q)/a·2^k).
	VMOVUPD m9o16<>(SB), Y4
	VSUBPD Y1, Y4, Y4
	VADDPD Y5, Y3, Y5
	EXPQ2(Y4, Y5, Y7, Y8, Y9, Y10, Y11, Y12)
	VADDPD one<>(SB), Y9, Y9
	VDIVPD Y2, Y9, Y9
	SCALE(Y9, Y7, Y8)
	VMOVUPD one<>(SB), Y12
	VSUBPD Y9, Y12, Y12
	VANDPD absmask<>(SB), Y12, Y12
	VORPD Y15, Y12, Y12
	VCMPPD $0x1d, brk2<>(SB), Y2, Y13
	VBLENDVPD Y13, Y12, Y6, Y6
	VMOVUPD Y6, (DI)(AX*1)
	PDF(sqrt2overpi<>)
	VMULPD Y8, Y9, Y9
	VMULPD Y7, Y9, Y9
	VMOVUPD Y9, (DX)(AX*1)
	NEXT(erfloop)

// func erfSqrt2Deriv2AVX(y, x *float64, n int)
TEXT ·erfSqrt2Deriv2AVX(SB), NOSPLIT, $0-24
	PROLOGUE1
erf2loop:
	VMOVUPD (SI)(AX*1), Y0
	GAUSSARG
	PDF(sqrt2overpi<>)
	CLAMPX(Y10, Y11)
	VXORPD signmask<>(SB), Y10, Y10
	VMULPD Y9, Y10, Y9
	VMULPD Y8, Y9, Y9
	VMULPD Y7, Y9, Y9
	VMOVUPD Y9, (DI)(AX*1)
	NEXT(erf2loop)

// The AVX-512 Gaussian kernels: the same on Z registers, with K1–K3 for
// the interval comparisons and K4 for the sign of x.

#define GAUSSARG512 \
	VPANDQ absmask<>(SB), Z0, Z1; \
	VMOVUPD gxmax<>(SB), Z2; \
	VMINPD Z1, Z2, Z1; \
	VMULPD shi<>(SB), Z1, Z2; \
	VMOVAPD Z2, Z14; \
	VFMSUB231PD shi<>(SB), Z1, Z14; \
	VFMADD231PD slo<>(SB), Z1, Z14; \
	VPANDQ hi32<>(SB), Z2, Z1; \
	VSUBPD Z2, Z1, Z4; \
	VADDPD Z2, Z1, Z5; \
	VMULPD Z5, Z4, Z4; \
	VMULPD mtwo<>(SB), Z2, Z5; \
	VMOVAPD Z14, Z3; \
	VFMADD213PD Z4, Z5, Z3; \
	VMULPD Z1, Z1, Z1

#define HORNER2512(n, d) \
	VPERMD n(SB), Z6, Z8; \
	VPERMD d(SB), Z6, Z9; \
	VFMADD213PD Z8, Z4, Z5; \
	VFMADD213PD Z9, Z4, Z7

// ERFRATIO512 also leaves the interval masks in K1 (j ≥ 1) and K2 (j ≥ 2).
#define ERFRATIO512 \
	VMULPD Z2, Z2, Z4; \
	VSUBPD one<>(SB), Z2, Z5; \
	VCMPPD $0x1d, brk1<>(SB), Z2, K1; \
	VBLENDMPD Z5, Z4, K1, Z5; \
	VMOVUPD one<>(SB), Z7; \
	VDIVPD Z4, Z7, Z7; \
	VCMPPD $0x1d, brk2<>(SB), Z2, K2; \
	VBLENDMPD Z7, Z5, K2, Z4; \
	VCMPPD $0x1d, brk3<>(SB), Z2, K3; \
	VMOVUPD.Z idxstep<>(SB), K1, Z6; \
	VMOVUPD.Z idxstep<>(SB), K2, Z8; \
	VPADDQ Z8, Z6, Z6; \
	VMOVUPD.Z idxstep<>(SB), K3, Z8; \
	VPADDQ Z8, Z6, Z6; \
	VPADDQ idxbase<>(SB), Z6, Z6; \
	VPERMD erfn7<>(SB), Z6, Z5; \
	VPERMD erfd8<>(SB), Z6, Z7; \
	HORNER2512(erfn6<>, erfd7<>); \
	HORNER2512(erfn5<>, erfd6<>); \
	HORNER2512(erfn4<>, erfd5<>); \
	HORNER2512(erfn3<>, erfd4<>); \
	HORNER2512(erfn2<>, erfd3<>); \
	HORNER2512(erfn1<>, erfd2<>); \
	VPERMD erfn0<>(SB), Z6, Z8; \
	VPERMD erfd1<>(SB), Z6, Z9; \
	VFMADD213PD Z8, Z4, Z5; \
	VFMADD213PD Z9, Z4, Z7; \
	VFMADD213PD one<>(SB), Z4, Z7; \
	VDIVPD Z7, Z5, Z5

#define CLAMPX512(D, E) \
	VMOVUPD mgxmax<>(SB), D; \
	VMAXPD Z0, D, D; \
	VMOVUPD gxmax<>(SB), E; \
	VMINPD D, E, D

#define PDF512(c) \
	VPXORQ signmask<>(SB), Z1, Z1; \
	EXPQ2(Z1, Z3, Z7, Z8, Z9, Z10, Z11, Z12); \
	VADDPD one<>(SB), Z9, Z9; \
	VMULPD c(SB), Z9, Z9; \
	FACTORS(Z7, Z8)

// func geluAVX512(y, dy, x *float64, n int)
TEXT ·geluAVX512(SB), NOSPLIT, $0-32
	PROLOGUE
geluloop512:
	VMOVUPD (SI)(AX*1), Z0
	GAUSSARG512
	ERFRATIO512
	VPMOVQ2M Z0, K4
	VPANDQ signmask<>(SB), Z0, Z15
	VPXORQ Z15, Z2, Z6
	VMULPD half<>(SB), Z6, Z6
	VPXORQ Z15, Z14, Z7
	VMULPD half<>(SB), Z7, Z7
	VFMADD231PD Z6, Z5, Z7
	VADDPD half<>(SB), Z6, Z6
	VADDPD Z7, Z6, Z6
	VPXORQ Z15, Z5, Z7
	VMOVUPD operx<>(SB), Z8
	VMOVUPD omerx<>(SB), Z9
	VBLENDMPD Z9, Z8, K4, Z8
	VADDPD Z7, Z8, Z8
	VMULPD half<>(SB), Z8, Z8
	VBLENDMPD Z8, Z6, K1, Z6
	VMOVUPD m9o16<>(SB), Z4
	VSUBPD Z1, Z4, Z4
	VADDPD Z5, Z3, Z5
	EXPQ2(Z4, Z5, Z7, Z8, Z9, Z10, Z11, Z12)
	VADDPD one<>(SB), Z9, Z9
	VDIVPD Z2, Z9, Z9
	VMULPD half<>(SB), Z9, Z9
	FACTORS(Z7, Z8)
	VMULPD Z8, Z9, Z10
	VMULPD Z7, Z10, Z10
	VMOVUPD mgxmax<>(SB), Z11
	VMAXPD Z0, Z11, Z11
	VMULPD Z9, Z11, Z11
	VMULPD Z8, Z11, Z11
	VMULPD Z7, Z11, Z11
	VMOVUPD one<>(SB), Z12
	VSUBPD Z10, Z12, Z12
	VBLENDMPD Z10, Z12, K4, Z12
	VBLENDMPD Z12, Z6, K2, Z6
	VMULPD Z6, Z0, Z12
	KANDW K4, K2, K5
	VBLENDMPD Z11, Z12, K5, Z12
	VMOVUPD Z12, (DI)(AX*1)
	PDF512(invsqrt2pi<>)
	CLAMPX512(Z10, Z11)
	VMULPD Z9, Z10, Z11
	VFMSUB213PD Z11, Z9, Z10
	VMULPD Z8, Z11, Z11
	VMULPD Z7, Z11, Z11
	VMULPD Z8, Z10, Z10
	VMULPD Z7, Z10, Z10
	VADDPD Z11, Z6, Z6
	VADDPD Z10, Z6, Z6
	VMOVUPD Z6, (DX)(AX*1)
	NEXT512(geluloop512)

// func geluDeriv2AVX512(y, x *float64, n int)
TEXT ·geluDeriv2AVX512(SB), NOSPLIT, $0-24
	PROLOGUE1
gelu2loop512:
	VMOVUPD (SI)(AX*1), Z0
	GAUSSARG512
	PDF512(invsqrt2pi<>)
	CLAMPX512(Z10, Z11)
	VMOVAPD Z10, Z11
	VFNMADD213PD two<>(SB), Z10, Z11
	VMULPD Z11, Z9, Z9
	VMULPD Z8, Z9, Z9
	VMULPD Z7, Z9, Z9
	VMOVUPD Z9, (DI)(AX*1)
	NEXT512(gelu2loop512)

// func erfSqrt2AVX512(y, dy, x *float64, n int)
TEXT ·erfSqrt2AVX512(SB), NOSPLIT, $0-32
	PROLOGUE
erfloop512:
	VMOVUPD (SI)(AX*1), Z0
	GAUSSARG512
	ERFRATIO512
	VPANDQ signmask<>(SB), Z0, Z15
	VPXORQ Z15, Z2, Z6
	VPXORQ Z15, Z14, Z7
	VFMADD231PD Z6, Z5, Z7
	VADDPD Z7, Z6, Z6
	VADDPD erx<>(SB), Z5, Z8
	VPANDQ absmask<>(SB), Z8, Z8
	VPORQ Z15, Z8, Z8
	VBLENDMPD Z8, Z6, K1, Z6
	VMOVUPD m9o16<>(SB), Z4
	VSUBPD Z1, Z4, Z4
	VADDPD Z5, Z3, Z5
	EXPQ2(Z4, Z5, Z7, Z8, Z9, Z10, Z11, Z12)
	VADDPD one<>(SB), Z9, Z9
	VDIVPD Z2, Z9, Z9
	SCALE(Z9, Z7, Z8)
	VMOVUPD one<>(SB), Z12
	VSUBPD Z9, Z12, Z12
	VPANDQ absmask<>(SB), Z12, Z12
	VPORQ Z15, Z12, Z12
	VBLENDMPD Z12, Z6, K2, Z6
	VMOVUPD Z6, (DI)(AX*1)
	PDF512(sqrt2overpi<>)
	VMULPD Z8, Z9, Z9
	VMULPD Z7, Z9, Z9
	VMOVUPD Z9, (DX)(AX*1)
	NEXT512(erfloop512)

// func erfSqrt2Deriv2AVX512(y, x *float64, n int)
TEXT ·erfSqrt2Deriv2AVX512(SB), NOSPLIT, $0-24
	PROLOGUE1
erf2loop512:
	VMOVUPD (SI)(AX*1), Z0
	GAUSSARG512
	PDF512(sqrt2overpi<>)
	CLAMPX512(Z10, Z11)
	VPXORQ signmask<>(SB), Z10, Z10
	VMULPD Z9, Z10, Z9
	VMULPD Z8, Z9, Z9
	VMULPD Z7, Z9, Z9
	VMOVUPD Z9, (DI)(AX*1)
	NEXT512(erf2loop512)

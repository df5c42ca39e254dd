#include "textflag.h"

// func prefetchColumns(d *float64, off *int, idx *int32, n int, c1, c2 int)
//
// For k < n, with i = idx[k], issues PREFETCHT0 for &d[off[i]+c1] and
// &d[off[i]+c2], once per cache line: consecutive rows of a tiled layout
// share lines, and a repeated prefetch of a line in flight still costs a
// TLB look-up. A prefetch never faults and changes no state a program can
// observe, only what is in the caches.
TEXT ·prefetchColumns(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), SI
	MOVQ off+8(FP), DI
	MOVQ idx+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ c1+32(FP), DX
	MOVQ c2+40(FP), R9
	MOVQ $-1, R11 // line of the last c1 prefetch
	MOVQ $-1, R12 // line of the last c2 prefetch
	TESTQ CX, CX
	JLE done

loop:
	MOVLQSX (BX), AX
	MOVQ (DI)(AX*8), R8
	LEAQ (R8)(DX*1), R10
	LEAQ (SI)(R10*8), R10
	MOVQ R10, R13
	SHRQ $6, R13
	CMPQ R13, R11
	JEQ second
	MOVQ R13, R11
	PREFETCHT0 (R10)

second:
	ADDQ R9, R8
	LEAQ (SI)(R8*8), R8
	MOVQ R8, R13
	SHRQ $6, R13
	CMPQ R13, R12
	JEQ next
	MOVQ R13, R12
	PREFETCHT0 (R8)

next:
	ADDQ $4, BX
	DECQ CX
	JNZ loop

done:
	RET

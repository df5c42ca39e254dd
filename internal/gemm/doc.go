// Package gemm multiplies dense float64 matrices: C = A·B or C += A·B, with
// A and B given by arbitrary row and column strides, so that transposed
// operands cost nothing extra. It is the product kernel of package mlp's
// training (forward pass, weight gradients, input gradients). Upper is
// the symmetric product A·Aᵀ (upper triangle only) of the normal
// equations JᵀJ and of the blocked Cholesky factorisation of package
// chol.
//
// The algorithm is the classic blocked one (Goto, van de Geijn; BLIS):
// k is split into blocks of kc, B into column panels of nc that stay in
// the L2/L3 cache and A into row blocks of mc that stay in L2, each packed
// into contiguous micro-panels, and a register-blocked micro-kernel
// computes mr×nr tiles of C. On amd64 with AVX2 and FMA the micro-kernel is
// assembly; elsewhere it is Go.
//
// Every element of C is the sum, over the k-blocks in order, of a dot
// product accumulated from 0 in order of k with fused multiply-adds; tiles
// on the edges are computed in full on zero-padded panels. So the result
// depends only on k, not on the CPU path, the tile an element falls in or
// the rest of the shape: the same inputs give the same bits everywhere.
//
// Mul32 multiplies float32 A and B into a float64 C: each k-block's dot
// product is accumulated in float32 (eight lanes per AVX2 instruction
// instead of four), then converted exactly and added to C in float64, so
// its rounding error grows with the block length, not with k. It keeps the
// same-bits property (the portable kernel rounds each fused multiply-add
// once, as the instruction does; math/big checks it). An operand that
// takes part in many products can be packed once (PackA32, PackB32) and
// reused (MulPackedA32, MulPackedB32): repacking it on every call costs
// about a third of a float32 product. mlp uses these for the curvature
// products of train.GaussNewton (mlp.Inputs32).
package gemm

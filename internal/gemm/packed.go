package gemm

import "fmt"

// packed is an operand packed once into the micro-panels of a kernel, for
// a matrix that takes part in many products (the inputs of a Gauss–Newton
// solve): the products then read its panels instead of packing it again
// each time, which costs about a third of a float32 product's time.
//
// For k-block blk (the blocks of its depth that every product uses),
// panels(blk, …) holds the rows (of A, or columns of B) in groups of
// width, kb values of each group interleaved, the last group padded
// with zeros.
type packed[E elem] struct {
	rows, depth, width int
	off                []int // start of each k-block's panels
	data               []E
}

// pack packs rows×depth x, element (i, p) at x[i·rs + p·ps], into panels
// of width rows.
func pack[E elem](x []E, rows, depth, rs, ps, width int) *packed[E] {
	nkb := numBlocks(depth)
	padded := (rows + width - 1) / width * width
	p := &packed[E]{rows: rows, depth: depth, width: width, off: make([]int, nkb+1), data: make([]E, padded*depth)}
	for pc, blk := 0, 0; blk < nkb; pc, blk = pc+blockLen(depth, nkb, blk), blk+1 {
		kb := blockLen(depth, nkb, blk)
		p.off[blk+1] = p.off[blk] + padded*kb
		packA(p.data[p.off[blk]:p.off[blk+1]], x, rs, ps, 0, rows, pc, kb, width)
	}
	return p
}

// panels returns the panels of k-block blk from row start on (a multiple
// of the width).
func (p *packed[E]) panels(blk, start, kb int) []E {
	return p.data[p.off[blk]+start*kb : p.off[blk+1]]
}

// PackedA32 is a float32 matrix packed once as the A operand of
// MulPackedA32, PackedB32 one packed as the B operand of MulPackedB32.
type (
	PackedA32 struct{ p *packed[float32] }
	PackedB32 struct{ p *packed[float32] }
)

// PackA32 packs the m×k matrix a (element (i, p) at a[i·ars + p·acs]) for
// MulPackedA32. It allocates about 4·m·k bytes.
func PackA32(m, k int, a []float32, ars, acs int) *PackedA32 {
	_ = a[(m-1)*ars+(k-1)*acs]
	return &PackedA32{pack(a, m, k, ars, acs, kernels32[0].mr)}
}

// PackB32 packs the k×n matrix b (element (p, j) at b[p·brs + j·bcs]) for
// MulPackedB32. It allocates about 4·k·n bytes.
func PackB32(k, n int, b []float32, brs, bcs int) *PackedB32 {
	_ = b[(k-1)*brs+(n-1)*bcs]
	return &PackedB32{pack(b, n, k, bcs, brs, kernels32[0].nr)}
}

// Dims returns the packed matrix's rows and columns.
func (p *PackedA32) Dims() (m, k int) { return p.p.rows, p.p.depth }

// Dims returns the packed matrix's rows and columns.
func (p *PackedB32) Dims() (k, n int) { return p.p.depth, p.p.rows }

// MulPackedA32 is Mul32 with A packed by PackA32: C (m×n) = A·B (or +=),
// the same bits as Mul32 on the unpacked A.
func MulPackedA32(pa *PackedA32, n int, b []float32, brs, bcs int, c []float64, ldc int, add bool) {
	m, k := pa.Dims()
	kern := kernel32(pa.p.width, 0)
	if trivial(m, n, k, pa.p.data, 0, 0, b, brs, bcs, c, ldc, add) {
		return
	}
	mul(&pool32, kern, m, n, k, nil, 0, 0, b, brs, bcs, pa.p, nil, c, ldc, add)
}

// MulPackedB32 is Mul32 with B packed by PackB32: C (m×n) = A·B (or +=),
// the same bits as Mul32 on the unpacked B.
func MulPackedB32(m int, a []float32, ars, acs int, pb *PackedB32, c []float64, ldc int, add bool) {
	k, n := pb.Dims()
	kern := kernel32(0, pb.p.width)
	if trivial(m, n, k, a, ars, acs, pb.p.data, 0, 0, c, ldc, add) {
		return
	}
	mul(&pool32, kern, m, n, k, a, ars, acs, nil, 0, 0, nil, pb.p, c, ldc, add)
}

// kernel32 returns the float32 kernel in use whose tile has mr rows (or,
// if mr is 0, nr columns): the shape the operand was packed for.
func kernel32(mr, nr int) *kernelOf[float32] {
	for i := range kernels32 {
		k := &kernels32[i]
		if (mr == 0 || k.mr == mr) && (nr == 0 || k.nr == nr) {
			return k
		}
	}
	panic(fmt.Sprintf("gemm: no float32 kernel with a %d×%d tile for a packed operand", mr, nr))
}

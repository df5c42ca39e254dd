package gemm

import "math"

// kc is the largest depth of a k-block: a 6×kc micro-panel of A and an
// 8×kc one of B (28 KiB) fit in the L1 cache. It is fixed: with k it
// decides the rounding.
const kc = 256

const (
	mc = 120  // rows of A packed at a time: 240 KiB, in L2
	nc = 1024 // columns of B packed at a time: 2 MiB, in L3
)

// Mul sets C = A·B, or C += A·B if add is true, where A is m×k with element
// (i, p) at a[i·ars + p·acs], B is k×n with element (p, j) at
// b[p·brs + j·bcs], and C is m×n with element (i, j) at c[i·ldc + j]. With
// k = 0 it sets C to zero (or leaves it). It does not allocate (scratch
// space comes from a pool) and panics if a slice is too short.
func Mul(m, n, k int, a []float64, ars, acs int, b []float64, brs, bcs int, c []float64, ldc int, add bool) {
	if trivial(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, add) {
		return
	}
	if m == 1 && n > 1 {
		// A row vector times B: as Bᵀ times a column vector, whose rows
		// fill the tiles. Every element is still the same sum in the same
		// order.
		m, n, a, ars, acs, b, brs, bcs, ldc = n, 1, b, bcs, brs, a, acs, ars, 1
	}
	if n == 1 && useGEMV {
		gemv(m, k, a, ars, acs, b, brs, c, ldc, add)
		return
	}
	mul(&pool64, pick(kernels, m, n), m, n, k, a, ars, acs, b, brs, bcs, nil, nil, c, ldc, add)
}

// Mul32 is Mul for float32 A and B into a float64 C: each k-block's dot
// product is accumulated in float32 with fused multiply-adds (twice the
// elements per vector instruction), converted exactly to float64 and added
// to C there, so the rounding error grows with the block length (at most
// 256), not with k. It is for products whose operands are only needed to
// single precision, such as the curvature products of a Gauss–Newton solve.
func Mul32(m, n, k int, a []float32, ars, acs int, b []float32, brs, bcs int, c []float64, ldc int, add bool) {
	if trivial(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, add) {
		return
	}
	if m == 1 && n > 1 {
		m, n, a, ars, acs, b, brs, bcs, ldc = n, 1, b, bcs, brs, a, acs, ars, 1
	}
	mul(&pool32, pick(kernels32, m, n), m, n, k, a, ars, acs, b, brs, bcs, nil, nil, c, ldc, add)
}

// trivial checks the slices' lengths (panicking if one is too short) and
// handles the products with nothing to multiply: an empty C, or k = 0,
// which clears C (or leaves it, with add). It reports whether it did.
func trivial[E elem](m, n, k int, a []E, ars, acs int, b []E, brs, bcs int, c []float64, ldc int, add bool) bool {
	if m <= 0 || n <= 0 {
		return true
	}
	_ = c[(m-1)*ldc+n-1]
	if k <= 0 {
		if !add {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return true
	}
	_ = a[(m-1)*ars+(k-1)*acs]
	_ = b[(k-1)*brs+(n-1)*bcs]
	return false
}

// mul is the blocked product of Mul and Mul32 with kernel kern. An
// operand given packed (pa for A, pb for B, non-nil) is read from its
// panels instead of being packed block by block.
func mul[E elem](pool *pool[E], kern *kernelOf[E], m, n, k int, a []E, ars, acs int, b []E, brs, bcs int, pa, pb *packed[E], c []float64, ldc int, add bool) {
	ws := pool.get()
	defer pool.put(ws)
	mr, nr := kern.mr, kern.nr
	nkb := numBlocks(k)
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc, blk := 0, 0; pc < k; pc, blk = pc+blockLen(k, nkb, blk), blk+1 {
			kb := blockLen(k, nkb, blk)
			bpan := ws.b[:]
			if pb != nil {
				bpan = pb.panels(blk, jc, kb)
			} else {
				// B's column panels are Bᵀ's row panels.
				packA(bpan, b, bcs, brs, jc, nb, pc, kb, nr)
			}
			overwrite := pc == 0 && !add
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				apan := ws.a[:]
				if pa != nil {
					apan = pa.panels(blk, ic, kb)
				} else {
					packA(apan, a, ars, acs, ic, mb, pc, kb, mr)
				}
				for jr := 0; jr < nb; jr += nr {
					bp := bpan[jr*kb:]
					for ir := 0; ir < mb; ir += mr {
						ap := apan[ir*kb:]
						ci := (ic+ir)*ldc + jc + jr
						if ir+mr <= mb && jr+nr <= nb {
							kern.tile(kb, ap, bp, c[ci:], ldc, overwrite)
							continue
						}
						// An edge tile: the full tile into scratch, then
						// the part inside C, with the same additions.
						kern.tile(kb, ap, bp, ws.edge[:], nr, true)
						rows, cols := min(mr, mb-ir), min(nr, nb-jr)
						for i := 0; i < rows; i++ {
							crow := c[ci+i*ldc : ci+i*ldc+cols]
							erow := ws.edge[i*nr : i*nr+cols]
							if overwrite {
								copy(crow, erow)
								continue
							}
							for j, v := range erow {
								crow[j] += v
							}
						}
					}
				}
			}
		}
	}
}

// k splits into numBlocks(k) blocks of nearly equal length (differing by
// at most 1), so that no block is so short that loading and storing C
// dominates; blockLen is the length of block blk.
func numBlocks(k int) int { return (k + kc - 1) / kc }

func blockLen(k, nkb, blk int) int { return k/nkb + min(1, max(0, k%nkb-blk)) }

// useGEMV routes one-column products to gemv; tests turn it off to check
// that both give the same bits.
var useGEMV = true

// gemv is Mul for n = 1, a matrix times a vector, where tiles would be
// mostly padding. It forms every element in the same order as the tiled
// path: per k-block a fused multiply-add chain from 0, then stored into or
// added to C.
func gemv(m, k int, a []float64, ars, acs int, b []float64, brs int, c []float64, ldc int, add bool) {
	nkb := numBlocks(k)
	if ars == 1 {
		// Columns of A are contiguous: 256 rows at a time, a step of k
		// updating all their accumulators.
		var acc [256]float64
		for i0 := 0; i0 < m; i0 += len(acc) {
			rows := min(len(acc), m-i0)
			for p0, blk := 0, 0; p0 < k; p0, blk = p0+blockLen(k, nkb, blk), blk+1 {
				kb := blockLen(k, nkb, blk)
				acc := acc[:rows]
				clear(acc)
				for p := p0; p < p0+kb; p++ {
					bp := b[p*brs]
					col := a[i0+p*acs : i0+p*acs+rows]
					acc := acc[:len(col)]
					for i, v := range col {
						acc[i] = math.FMA(v, bp, acc[i])
					}
				}
				storeColumn(c[i0*ldc:], ldc, acc, p0 == 0 && !add)
			}
		}
		return
	}
	// Rows of A: four dot products at a time, for independent chains.
	var acc [4]float64
	for i0 := 0; i0 < m; i0 += 4 {
		rows := min(4, m-i0)
		for p0, blk := 0, 0; p0 < k; p0, blk = p0+blockLen(k, nkb, blk), blk+1 {
			kb := blockLen(k, nkb, blk)
			if rows == 4 && acs == 1 && brs == 1 {
				// Contiguous rows and vector: sliced once, no bounds
				// checks in the loop.
				x0 := a[i0*ars+p0 : i0*ars+p0+kb]
				x1 := a[(i0+1)*ars+p0 : (i0+1)*ars+p0+kb][:len(x0)]
				x2 := a[(i0+2)*ars+p0 : (i0+2)*ars+p0+kb][:len(x0)]
				x3 := a[(i0+3)*ars+p0 : (i0+3)*ars+p0+kb][:len(x0)]
				bv := b[p0 : p0+kb][:len(x0)]
				var s0, s1, s2, s3 float64
				for p, bp := range bv {
					s0 = math.FMA(x0[p], bp, s0)
					s1 = math.FMA(x1[p], bp, s1)
					s2 = math.FMA(x2[p], bp, s2)
					s3 = math.FMA(x3[p], bp, s3)
				}
				acc = [4]float64{s0, s1, s2, s3}
			} else if rows == 4 {
				var s0, s1, s2, s3 float64
				r0, r1, r2, r3 := i0*ars, (i0+1)*ars, (i0+2)*ars, (i0+3)*ars
				for p := p0; p < p0+kb; p++ {
					bp, o := b[p*brs], p*acs
					s0 = math.FMA(a[r0+o], bp, s0)
					s1 = math.FMA(a[r1+o], bp, s1)
					s2 = math.FMA(a[r2+o], bp, s2)
					s3 = math.FMA(a[r3+o], bp, s3)
				}
				acc = [4]float64{s0, s1, s2, s3}
			} else {
				for r := 0; r < rows; r++ {
					var s float64
					for p := p0; p < p0+kb; p++ {
						s = math.FMA(a[(i0+r)*ars+p*acs], b[p*brs], s)
					}
					acc[r] = s
				}
			}
			storeColumn(c[i0*ldc:], ldc, acc[:rows], p0 == 0 && !add)
		}
	}
}

// storeColumn stores acc into (or adds it to) c[0], c[ldc], c[2·ldc], ….
func storeColumn(c []float64, ldc int, acc []float64, overwrite bool) {
	for i, v := range acc {
		if overwrite {
			c[i*ldc] = v
		} else {
			c[i*ldc] += v
		}
	}
}

// elem is the element type of A and B; C is always float64.
type elem interface{ ~float32 | ~float64 }

// scratch holds the packed panels of one call.
type scratch[E elem] struct {
	a    [(mc + maxMR) * kc]E
	b    [(nc + maxNR) * kc]E
	edge [maxMR * maxNR]float64
}

// pool holds scratch buffers between calls. Unlike a sync.Pool it keeps
// them across garbage collections, so steady-state calls never allocate;
// it holds as many as calls ever ran at once, up to its capacity.
type pool[E elem] struct{ free chan *scratch[E] }

var (
	pool64 = pool[float64]{make(chan *scratch[float64], 256)}
	pool32 = pool[float32]{make(chan *scratch[float32], 256)}
)

func (p *pool[E]) get() *scratch[E] {
	select {
	case s := <-p.free:
		return s
	default:
		return new(scratch[E])
	}
}

func (p *pool[E]) put(s *scratch[E]) {
	select {
	case p.free <- s:
	default:
	}
}

// packA copies rows ic…ic+mb−1, columns pc…pc+kb−1 of A into micro-panels
// of mr rows: panel r holds, for each p, the mr values A(ic+r·mr+i, pc+p),
// zero past row mb. Applied to Bᵀ it packs B's column panels.
func packA[E elem](dst, a []E, ars, acs, ic, mb, pc, kb, mr int) {
	if ars == 1 {
		packColumns(dst, a, acs, ic, mb, pc, kb, mr)
		return
	}
	for r := 0; r < mb; r += mr {
		rows := min(mr, mb-r)
		panel := dst[r*kb : r*kb+mr*kb]
		if rows < mr {
			clear(panel)
		}
		base := (ic+r)*ars + pc*acs
		if acs == 1 && rows == mr && mr%6 == 0 {
			for g := 0; g < mr; g += 6 {
				pack6(panel[g:], a[base+g*ars:], ars, kb, mr)
			}
			continue
		}
		if acs == 1 && rows == mr && mr%4 == 0 {
			for g := 0; g < mr; g += 4 {
				pack4(panel[g:], a[base+g*ars:], ars, kb, mr)
			}
			continue
		}
		for i := 0; i < rows; i++ {
			src := base + i*ars
			if acs == 1 {
				row := a[src : src+kb]
				for p, v := range row {
					panel[p*mr+i] = v
				}
				continue
			}
			for p := 0; p < kb; p++ {
				panel[p*mr+i] = a[src+p*acs]
			}
		}
	}
}

// packColumns is packA for an A whose columns are contiguous (ars = 1,
// such as a transposed row-major operand): it walks A's columns in order,
// each once, handing its values out to the panels, so that the source is
// read as a stream instead of once per panel.
func packColumns[E elem](dst, a []E, acs, ic, mb, pc, kb, mr int) {
	full := mb / mr * mr
	if full < mb {
		clear(dst[full*kb : full*kb+mr*kb])
	}
	for p := 0; p < kb; p++ {
		col := a[(pc+p)*acs+ic : (pc+p)*acs+ic+mb]
		for r := 0; r < full; r += mr {
			// An explicit loop: copy or an array assignment of the
			// generic element type calls memmove, which costs more than
			// the dozen values.
			d, c := dst[r*kb+p*mr:r*kb+p*mr+mr], col[r:r+mr]
			for i := range d {
				d[i] = c[i]
			}
		}
		if full < mb {
			copyShort(dst[full*kb+p*mr:full*kb+p*mr+mb-full], col[full:])
		}
	}
}

// pack6 sets dst[p·mr+i] = a[i·ars+p] for i < 6, p < kb: six rows of a
// row-major matrix interleaved into a panel of stride mr.
func pack6[E elem](dst, a []E, ars, kb, mr int) {
	r0, r1, r2 := a[:kb], a[ars:ars+kb], a[2*ars:2*ars+kb]
	r3, r4, r5 := a[3*ars:3*ars+kb], a[4*ars:4*ars+kb], a[5*ars:5*ars+kb]
	for p := range r0 {
		d := dst[p*mr : p*mr+6]
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// copyShort is copy for the few values of one step of a panel, where the
// call to memmove costs more than the copy: the tile widths are copied as
// arrays, which compiles to a few vector moves.
func copyShort[E elem](dst, src []E) {
	switch len(src) {
	case 32:
		*(*[32]E)(dst) = *(*[32]E)(src)
	case 16:
		*(*[16]E)(dst) = *(*[16]E)(src)
	case 12:
		*(*[12]E)(dst) = *(*[12]E)(src)
	case 8:
		*(*[8]E)(dst) = *(*[8]E)(src)
	case 6:
		*(*[6]E)(dst) = *(*[6]E)(src)
	case 1:
		dst[0] = src[0]
	default:
		dst = dst[:len(src)]
		for i, v := range src {
			dst[i] = v
		}
	}
}

// pack4 is pack6 for four rows.
func pack4[E elem](dst, a []E, ars, kb, mr int) {
	r0, r1, r2, r3 := a[:kb], a[ars:ars+kb], a[2*ars:2*ars+kb], a[3*ars:3*ars+kb]
	for p := range r0 {
		d := dst[p*mr : p*mr+4]
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
	}
}

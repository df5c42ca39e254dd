package gemm

// Upper sets the upper triangle (j ≥ i) of the n×n matrix C (element
// (i, j) at c[i·ldc + j]) to A·Aᵀ, where A is n×k with element (i, p) at
// a[i·ars + p·acs]; the strict lower triangle is not touched. It is the
// symmetric rank-k product of normal equations (JᵀJ: pass J's transpose
// through the strides, at no cost).
//
// Each k-block packs A twice, once as the B operand's column panels for
// up to nc columns and once per mc rows as A's row panels, and the
// micro-kernel computes only the tiles that reach the upper triangle: the
// packing costs O(n·k) against the product's n²k/2, where a product per
// row panel would pack the columns after it again for every panel. Every
// element is the same sum in the same order as in Mul, so the result has
// the same bits as Mul's product restricted to the upper triangle. It
// does not allocate.
func Upper(n, k int, a []float64, ars, acs int, c []float64, ldc int) {
	if trivial(n, n, k, a, ars, acs, a, acs, ars, c, ldc, false) {
		return
	}
	ws := pool64.get()
	defer pool64.put(ws)
	kern := pick(kernels, n, n)
	mr, nr := kern.mr, kern.nr
	nkb := numBlocks(k)
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc, blk := 0, 0; pc < k; pc, blk = pc+blockLen(k, nkb, blk), blk+1 {
			kb := blockLen(k, nkb, blk)
			packA(ws.b[:], a, ars, acs, jc, nb, pc, kb, nr)
			overwrite := pc == 0
			// Rows after the block's last column are below the diagonal.
			for ic := 0; ic < jc+nb; ic += mc {
				mb := min(mc, jc+nb-ic)
				packA(ws.a[:], a, ars, acs, ic, mb, pc, kb, mr)
				for jr := 0; jr < nb; jr += nr {
					upperColumn(kern, ws, kb, ic, mb, jc+jr, min(nr, nb-jr), ws.b[jr*kb:], c, ldc, overwrite)
				}
			}
		}
	}
}

// upperColumn computes the tiles of one B micro-panel (columns j0…j0+cols−1)
// against the packed rows ic…ic+mb−1 that reach the upper triangle.
func upperColumn(kern *kernel, ws *scratch[float64], kb, ic, mb, j0, cols int, bp, c []float64, ldc int, overwrite bool) {
	mr := kern.mr
	for ir := 0; ir < mb; ir += mr {
		i0 := ic + ir
		if i0 > j0+cols-1 {
			return // this tile and those below it are under the diagonal
		}
		ap := ws.a[ir*kb:]
		rows := min(mr, mb-ir)
		if rows == mr && cols == kern.nr && i0+mr-1 <= j0 {
			kern.tile(kb, ap, bp, c[i0*ldc+j0:], ldc, overwrite)
			continue
		}
		// A tile on the diagonal or an edge: in full into scratch, then
		// its part in the upper triangle.
		kern.tile(kb, ap, bp, ws.edge[:], kern.nr, true)
		for i := 0; i < rows; i++ {
			from := max(0, i0+i-j0)
			if from >= cols {
				break
			}
			crow := c[(i0+i)*ldc+j0+from : (i0+i)*ldc+j0+cols]
			erow := ws.edge[i*kern.nr+from : i*kern.nr+cols]
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

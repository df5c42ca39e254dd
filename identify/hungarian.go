package identify

import "math"

// assign solves the rectangular assignment problem: it returns, for each
// row of the r×c cost matrix, the column assigned to it (−1 when r > c and
// the row is left out), minimising the total cost over min(r, c) pairs.
// It is the O(r²c) shortest-augmenting-path form of the Hungarian method
// with potentials. cost is row-major.
func assign(cost []float64, r, c int) []int {
	if r > c {
		// Solve the transpose, where every column gets a row.
		t := make([]float64, r*c)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				t[j*r+i] = cost[i*c+j]
			}
		}
		colOf := assign(t, c, r)
		rowOf := make([]int, r)
		for i := range rowOf {
			rowOf[i] = -1
		}
		for j, i := range colOf {
			rowOf[i] = j
		}
		return rowOf
	}
	// 1-based arrays as in the classical formulation; index 0 is a
	// virtual row/column.
	u, v := make([]float64, r+1), make([]float64, c+1)
	p, way := make([]int, c+1), make([]int, c+1)
	minv, used := make([]float64, c+1), make([]bool, c+1)
	for i := 1; i <= r; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j], used[j] = math.Inf(1), false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= c; j++ {
				if used[j] {
					continue
				}
				cur := cost[(i0-1)*c+j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= c; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	rowOf := make([]int, r)
	for j := 1; j <= c; j++ {
		if p[j] > 0 {
			rowOf[p[j]-1] = j - 1
		}
	}
	return rowOf
}

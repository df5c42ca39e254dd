package identify

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteAssign tries every injective map of the smaller side into the larger.
func bruteAssign(cost []float64, r, c int) float64 {
	best := math.Inf(1)
	used := make([]bool, max(r, c))
	var rec func(i int, sum float64)
	if r <= c {
		rec = func(i int, sum float64) {
			if i == r {
				best = min(best, sum)
				return
			}
			for j := 0; j < c; j++ {
				if !used[j] {
					used[j] = true
					rec(i+1, sum+cost[i*c+j])
					used[j] = false
				}
			}
		}
	} else {
		rec = func(j int, sum float64) {
			if j == c {
				best = min(best, sum)
				return
			}
			for i := 0; i < r; i++ {
				if !used[i] {
					used[i] = true
					rec(j+1, sum+cost[i*c+j])
					used[i] = false
				}
			}
		}
	}
	rec(0, 0)
	return best
}

func TestAssignOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 300; trial++ {
		r, c := 1+rng.IntN(6), 1+rng.IntN(6)
		cost := make([]float64, r*c)
		for i := range cost {
			cost[i] = rng.Float64()
			if trial%3 == 0 {
				cost[i] = float64(rng.IntN(3)) // ties
			}
		}
		rowOf := assign(cost, r, c)
		seen := map[int]bool{}
		var sum float64
		n := 0
		for i, j := range rowOf {
			if j < 0 {
				continue
			}
			if seen[j] {
				t.Fatalf("column %d assigned twice", j)
			}
			seen[j] = true
			sum += cost[i*c+j]
			n++
		}
		if n != min(r, c) {
			t.Fatalf("%d×%d: %d pairs", r, c, n)
		}
		if want := bruteAssign(cost, r, c); math.Abs(sum-want) > 1e-12 {
			t.Fatalf("%d×%d: cost %v, optimum %v", r, c, sum, want)
		}
	}
}

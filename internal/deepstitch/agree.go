package deepstitch

import (
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/cluster"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// agreementTaus are the linkage cuts printAgreement tries: from well inside
// the distance at which exact copies of a neuron agree to well outside it.
var agreementTaus = []float64{1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1}

// printAgreement groups the neurons of every student (ps: one matrix of
// pre-activations per student, a column per neuron) by average linkage on
// uncentred cosine distance, as groups does, and prints for each cut in
// agreementTaus and each k how many groups hold neurons of at least k
// students; then Expand-and-Cluster's own choice, the cut that maximises the
// number of clusters of at least ⌈γN⌉ members, for γ = 1/2, 3/4 and 1. After
// each count, in brackets, how many of the teacher's neurons (columns of
// teacher, pre-activations on the same inputs) a kept group's mean is within
// 1e-3 of — the teacher is only read for that diagnostic.
func printAgreement(ps []*mat.Dense, teacher *mat.Dense) {
	rows, owner := stackColumns(ps)
	tree, err := cluster.Linkage(rows, cluster.Average, cluster.Cosine)
	check(err)
	units := unitColumns(teacher)
	n := len(ps)
	fmt.Printf("groups held by at least k of the %d students [teacher neurons within 1e-3 of one]\n%-8s", n, "tau")
	for k := 1; k <= n; k++ {
		fmt.Printf(" %9s", fmt.Sprintf("k=%d", k))
	}
	fmt.Println()
	for _, tau := range agreementTaus {
		gs := cluster.Groups(tree.CutHeight(tau))
		means := unitVectors(groupMeans(rows, gs)) // once per cut, whatever k keeps
		owners := ownerCounts(gs, owner)
		fmt.Printf("%-8g", tau)
		for k := 1; k <= n; k++ {
			var kept [][]float64
			for g, m := range means {
				if owners[g] >= k {
					kept = append(kept, m)
				}
			}
			fmt.Printf(" %9s", fmt.Sprintf("%d [%d]", len(kept), teacherHeld(kept, units, 1e-3)))
		}
		fmt.Println()
	}
	for _, gamma := range []float64{0.5, 0.75, 1} {
		size, err := cluster.MinClusterSize(gamma, n)
		check(err)
		mc, err := tree.MaxClustersCut(size)
		check(err)
		var kept [][]int
		for _, g := range cluster.Groups(mc.Labels) {
			if len(g) >= size {
				kept = append(kept, g)
			}
		}
		fmt.Printf("max-clusters cut, gamma %.2g (at least %d members): height %.3g, %d clusters [%d]\n",
			gamma, size, mc.Height, mc.Count, teacherHeld(unitVectors(groupMeans(rows, kept)), units, 1e-3))
	}
}

// stackColumns returns every column of every matrix in ps as a row, and the
// index of the matrix each came from.
func stackColumns(ps []*mat.Dense) (*mat.Dense, []int) {
	var cols [][]float64
	var owner []int
	for k, p := range ps {
		for _, c := range columnsOf(p) {
			cols = append(cols, c)
			owner = append(owner, k)
		}
	}
	rows := mat.NewDense(len(cols), len(cols[0]), nil)
	for i, c := range cols {
		rows.SetRow(i, c)
	}
	return rows, owner
}

// ownerCounts returns, for each group, how many distinct owners its
// members have.
func ownerCounts(gs [][]int, owner []int) []int {
	counts := make([]int, len(gs))
	for j, g := range gs {
		seen := map[int]bool{}
		for _, i := range g {
			seen[owner[i]] = true
		}
		counts[j] = len(seen)
	}
	return counts
}

// keptGroups returns the groups holding members of at least minOwners
// distinct owners.
func keptGroups(gs [][]int, owner []int, minOwners int) [][]int {
	var kept [][]int
	for j, c := range ownerCounts(gs, owner) {
		if c >= minOwners {
			kept = append(kept, gs[j])
		}
	}
	return kept
}

// groupMeans returns the mean of each group's rows.
func groupMeans(rows *mat.Dense, gs [][]int) [][]float64 {
	_, c := rows.Dims()
	means := make([][]float64, len(gs))
	for j, g := range gs {
		means[j] = make([]float64, c)
		for _, i := range g {
			for r, x := range rows.RawRowView(i) {
				means[j][r] += x / float64(len(g))
			}
		}
	}
	return means
}

// unitVectors scales each vector to unit norm in place and returns them.
func unitVectors(vs [][]float64) [][]float64 {
	for _, v := range vs {
		floats.Scale(1/floats.Norm(v, 2), v)
	}
	return vs
}

// teacherHeld counts the teacher's neurons (unit vectors) that one of the
// unit vectors means is within uncentred cosine distance tau of.
func teacherHeld(means, teacher [][]float64, tau float64) int {
	held := 0
	for _, col := range teacher {
		best := math.Inf(1)
		for _, m := range means {
			best = math.Min(best, 1-floats.Dot(col, m))
		}
		if best <= tau {
			held++
		}
	}
	return held
}

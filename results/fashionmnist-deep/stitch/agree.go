package main

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
	n := len(ps)
	fmt.Printf("groups held by at least k of the %d students [teacher neurons within 1e-3 of one]\n%-8s", n, "tau")
	for k := 1; k <= n; k++ {
		fmt.Printf(" %9s", fmt.Sprintf("k=%d", k))
	}
	fmt.Println()
	for _, tau := range agreementTaus {
		gs := cluster.Groups(tree.CutHeight(tau))
		fmt.Printf("%-8g", tau)
		for k := 1; k <= n; k++ {
			kept := keptGroups(gs, owner, k)
			fmt.Printf(" %9s", fmt.Sprintf("%d [%d]", len(kept), teacherHeld(rows, kept, teacher, 1e-3)))
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
			gamma, size, mc.Height, mc.Count, teacherHeld(rows, kept, teacher, 1e-3))
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

// keptGroups returns the groups holding members of at least minOwners
// distinct owners.
func keptGroups(gs [][]int, owner []int, minOwners int) [][]int {
	var kept [][]int
	for _, g := range gs {
		seen := map[int]bool{}
		for _, i := range g {
			seen[owner[i]] = true
		}
		if len(seen) >= minOwners {
			kept = append(kept, g)
		}
	}
	return kept
}

// teacherHeld counts the columns of teacher that the mean of some group's
// rows is within uncentred cosine distance tau of.
func teacherHeld(rows *mat.Dense, gs [][]int, teacher *mat.Dense, tau float64) int {
	_, c := rows.Dims()
	means := make([][]float64, len(gs))
	for j, g := range gs {
		means[j] = make([]float64, c)
		for _, i := range g {
			floats.Add(means[j], rows.RawRowView(i))
		}
		floats.Scale(1/floats.Norm(means[j], 2), means[j])
	}
	held := 0
	for _, col := range unitColumns(teacher) {
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

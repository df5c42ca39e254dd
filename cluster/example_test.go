package cluster_test

import (
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/cluster"
)

func ExampleLinkageCondensed() {
	// scipy's ytdist test data: 6 points, 15 pairwise distances.
	d := []float64{662, 877, 255, 412, 996, 295, 468, 268, 400, 754, 564, 138, 219, 869, 669}
	tree, err := cluster.LinkageCondensed(d, cluster.Average)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range tree.Merges() {
		fmt.Printf("%d %d %.4f %d\n", m.A, m.B, m.Height, m.Size)
	}
	// Output:
	// 2 5 138.0000 2
	// 3 4 219.0000 2
	// 0 7 333.5000 3
	// 1 6 347.5000 3
	// 8 9 680.7778 6
}

func ExampleTree_CutHeight() {
	x := mat.NewDense(5, 1, []float64{0, 0.1, 5, 5.2, 20})
	tree, err := cluster.Linkage(x, cluster.Single, cluster.Euclidean)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tree.CutHeight(1))
	fmt.Println(tree.CutHeight(100))
	// Output:
	// [0 0 1 1 2]
	// [0 0 0 0 0]
}

// The Expand-and-Cluster step on a toy problem: three students with four
// neurons each. The teacher has two neurons; every student has a slightly
// perturbed copy of each, a sign-flipped duplicate of its copy of the first
// (a tanh student can split a neuron that way), and one neuron of its own.
func ExampleTree_MaxClustersCut() {
	teacher := [][]float64{{1, 0, 0.5}, {0, 1, -0.5}}
	var rows []float64
	for s := range 3 {
		eps := 1e-7 * float64(s+1)
		rows = append(rows, teacher[0][0]+eps, teacher[0][1], teacher[0][2])
		rows = append(rows, teacher[1][0], teacher[1][1]-eps, teacher[1][2])
		rows = append(rows, -teacher[0][0]-eps, -teacher[0][1], -teacher[0][2]) // sign-flipped duplicate
		rows = append(rows, float64(s), 3, float64(-2*s))                       // student's own neuron
	}
	x := mat.NewDense(12, 3, rows)

	// Odd activation (tanh): flip each neuron so its largest coordinate is
	// positive; the mirror copies join the teacher's first neuron.
	if _, err := cluster.Canonicalize(x, nil, cluster.Odd, &cluster.CanonSettings{Rule: cluster.FlipLargest}); err != nil {
		log.Fatal(err)
	}
	tree, err := cluster.Linkage(x, cluster.Average, cluster.Euclidean)
	if err != nil {
		log.Fatal(err)
	}
	minSize, _ := cluster.MinClusterSize(0.8, 3) // γ = 0.8 of N = 3 students
	cut, err := tree.MaxClustersCut(minSize)
	if err != nil {
		log.Fatal(err)
	}
	reports, err := cluster.Filter(x, cut.Labels, &cluster.FilterSettings{MinSize: minSize, Beta: cluster.DefaultBeta})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("min size:", minSize, "clusters of that size:", cut.Count)
	for _, r := range reports {
		if r.Kept() {
			fmt.Println("kept:", r.Members)
		}
	}
	// Output:
	// min size: 3 clusters of that size: 2
	// kept: [0 2 4 6 8 10]
	// kept: [1 5 9]
}

func ExampleMinClusterSize() {
	for _, gamma := range []float64{0.8, 0.29, 0.07} {
		m, _ := cluster.MinClusterSize(gamma, 100)
		fmt.Println(gamma, m)
	}
	// Output:
	// 0.8 80
	// 0.29 29
	// 0.07 7
}

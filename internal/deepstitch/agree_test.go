package deepstitch

import (
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/cluster"
	"gonum.org/v1/gonum/mat"
)

// TestAgreementCounts builds three students' pre-activations: each holds
// slightly perturbed copies of the same four teacher neurons, and one
// neuron of its own. At a cut between the copies' spread and the distance
// of unrelated neurons, the groups held by all three students are exactly
// the teacher's four, and teacherHeld finds all four in them; groups held
// by one student add the three students' own neurons.
func TestAgreementCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	const inputs, teacherWidth = 200, 4
	teacher := mat.NewDense(inputs, teacherWidth, nil)
	for i := range inputs {
		for j := range teacherWidth {
			teacher.Set(i, j, rng.NormFloat64())
		}
	}
	var ps []*mat.Dense
	for range 3 {
		p := mat.NewDense(inputs, teacherWidth+1, nil)
		for i := range inputs {
			for j := range teacherWidth {
				p.Set(i, j, teacher.At(i, j)*(1+0.1*rng.Float64())+1e-3*rng.NormFloat64())
			}
			p.Set(i, teacherWidth, rng.NormFloat64())
		}
		ps = append(ps, p)
	}
	rows, owner := stackColumns(ps)
	if r, _ := rows.Dims(); r != 15 || owner[14] != 2 {
		t.Fatalf("stackColumns: %d rows, last owner %d; want 15 rows, owner 2", r, owner[14])
	}
	gs := groups(ps, 1e-3, 3)
	if len(gs) != teacherWidth {
		t.Fatalf("groups at 1e-3 held by all 3 students: %d, want %d", len(gs), teacherWidth)
	}
	tree, err := cluster.Linkage(rows, cluster.Average, cluster.Cosine)
	if err != nil {
		t.Fatal(err)
	}
	cut := cluster.Groups(tree.CutHeight(1e-3))
	all := keptGroups(cut, owner, 1)
	if len(all) != teacherWidth+3 {
		t.Errorf("groups held by at least one student: %d, want %d", len(all), teacherWidth+3)
	}
	if h := teacherHeld(unitVectors(groupMeans(rows, all)), unitColumns(teacher), 1e-3); h != teacherWidth {
		t.Errorf("teacher neurons held: %d, want %d", h, teacherWidth)
	}
	if h := teacherHeld(unitVectors(groupMeans(rows, keptGroups(cut, owner, 2)[:1])), unitColumns(teacher), 1e-3); h != 1 {
		t.Errorf("teacher neurons held by one shared group: %d, want 1", h)
	}
}

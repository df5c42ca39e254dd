package train

import (
	"context"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// TestTwentyStudentsReachFloor is the package's acceptance test: a 4→4→1
// teacher with activation g on 2 000 Gaussian inputs, 20 students 4→16→1
// trained with the default settings from seed 1; at least 18 must reach
// MSE ≤ 1e-20.
func TestTwentyStudentsReachFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("heavy: 20 students to the floor")
	}
	x, y, _ := teacherData(t, 1, []int{4, 4, 1}, mlp.G, 2000)
	res, err := Many(context.Background(), x, y, 20, newStudentFunc([]int{4, 16, 1}, mlp.G), ManyConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("student %d: %v", r.Index, r.Err)
			continue
		}
		if r.Loss <= 1e-20 {
			ok++
		}
		t.Logf("student %2d: loss %.2e after %d iterations (%s, %v; %d attempts, %v in all)", r.Index, r.Loss, r.Iter(), r.Reason, r.Elapsed, r.Attempts, r.Total)
	}
	if ok < 18 {
		t.Errorf("%d of 20 students reached MSE ≤ 1e-20, want ≥ 18", ok)
	}
}

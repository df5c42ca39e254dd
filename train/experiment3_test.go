package train

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

func TestExperiment3(t *testing.T) {
	if os.Getenv("TRAIN_EXPERIMENT3") == "" {
		t.Skip("set TRAIN_EXPERIMENT3=1")
	}
	x, y, teacher := teacherData(t, 1, []int{4, 4, 1}, mlp.G, 2000)
	newS := newStudentFunc([]int{4, 16, 1}, mlp.G)
	dump := func(n *mlp.Network) {
		L0, L1 := n.Layer(0), n.Layer(1)
		for j := 0; j < L0.Out; j++ {
			fmt.Printf("  w % .4f b % .4f  a % .4e\n", L0.W.RawRowView(j), L0.B[j], L1.W.At(0, j))
		}
		fmt.Printf("  out bias % .4f\n", L1.B[0])
	}
	fmt.Println("teacher")
	dump(teacher)
	for _, it := range []int{300, 1000} {
		s, _ := newS(0, StudentRNG(1, 0))
		res, _ := Train(context.Background(), s, x, y, Config{RNG: StudentRNG(1, 0),
			Phases: []Phase{{Optimizer: &LM{}, Stop: StopRules{Loss: 1e-28, MaxIter: it}}}})
		fmt.Printf("student after %d: loss %.3e\n", it, res.Loss)
		dump(s)
	}
}

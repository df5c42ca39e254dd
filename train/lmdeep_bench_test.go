package train

import (
	"context"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// BenchmarkLMDeepSteps runs 20 Levenberg–Marquardt iterations (with
// geodesic acceleration, as the deep recipe does) of a softplus
// 8→24→12→6→1 student (601 parameters) on 3 000 samples of an
// 8→8→4→2→1 teacher, from the same start each time: the shape of the deep
// family's largest students, whose time is the normal matrix, its
// factorisations (one per trial step) and the solves.
func BenchmarkLMDeepSteps(b *testing.B) {
	x, y, _ := teacherData(b, 7, []int{8, 8, 4, 2, 1}, mlp.Softplus, 3000)
	start, err := mlp.New(mlp.Spec{Sizes: []int{8, 24, 12, 6, 1}, Hidden: mlp.Softplus})
	if err != nil {
		b.Fatal(err)
	}
	start.InitGlorot(StudentRNG(7, 0))
	cfg := Config{Phases: []Phase{{Optimizer: &LM{Geodesic: true}, Stop: StopRules{MaxIter: 20, Loss: 1e-300}}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		net := start.Clone()
		if _, err := Train(context.Background(), net, x, y, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

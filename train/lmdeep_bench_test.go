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

// BenchmarkLMFrozenBelow runs 20 Levenberg–Marquardt iterations (geodesic
// acceleration) of a leaky ReLU 8→8→12→6→1 student whose first layer is
// frozen, on 3 000 samples of an 8→8→4→2→1 teacher: the shape of the
// deep family's fresh upper layers above a recovered first layer
// (identify's topUp and re-seeds), whose Jacobian is taken from the
// first free layer on and whose activation has a slice kernel.
func BenchmarkLMFrozenBelow(b *testing.B) {
	act := mlp.LeakyReLU(0.01)
	x, y, _ := teacherData(b, 7, []int{8, 8, 4, 2, 1}, act, 3000)
	start, err := mlp.New(mlp.Spec{Sizes: []int{8, 8, 12, 6, 1}, Hidden: act})
	if err != nil {
		b.Fatal(err)
	}
	start.InitGlorot(StudentRNG(7, 0))
	_, end := start.LayerParams(0)
	frozen, err := FrozenMask(start.NumParams(), Range{0, end})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{Trainable: frozen, Phases: []Phase{{Optimizer: &LM{Geodesic: true}, Stop: StopRules{MaxIter: 20, Loss: 1e-300}}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		net := start.Clone()
		if _, err := Train(context.Background(), net, x, y, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// gnStudent returns a Glorot-initialised student of the given sizes.
func gnStudent(t testing.TB, sizes []int, act mlp.Activation, seed uint64, gain float64) *mlp.Network {
	t.Helper()
	n, err := mlp.New(mlp.Spec{Sizes: sizes, Hidden: act})
	if err != nil {
		t.Fatal(err)
	}
	n.InitGlorotGain(rand.New(rand.NewPCG(seed, 3)), gain)
	return n
}

// TestGaussNewtonReachesFloor: an overparameterised student of a small
// teacher is trained to the floating-point floor by GaussNewton alone,
// with and without the output solve, with subset curvature and with the
// curvature products in float32.
func TestGaussNewtonReachesFloor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		teacher []int
		student []int
		act     mlp.Activation
		opt     *GaussNewton
		slow    bool // several seconds (minutes under -race): skipped with -short
	}{
		{"tanh", []int{5, 3, 2}, []int{5, 6, 2}, mlp.Tanh, &GaussNewton{}, false},
		{"g-keep-output", []int{5, 3, 2}, []int{5, 6, 2}, mlp.G, &GaussNewton{KeepOutput: true}, true},
		{"subset-curvature", []int{5, 3, 2}, []int{5, 6, 2}, mlp.Tanh, &GaussNewton{CurvatureRows: 300}, false},
		{"g-projection", []int{5, 3, 2}, []int{5, 6, 2}, mlp.G, &GaussNewton{Projection: true}, false},
		{"g-projection-geodesic", []int{5, 3, 2}, []int{5, 6, 2}, mlp.G, &GaussNewton{Projection: true, Geodesic: true}, false},
		{"g-geodesic", []int{5, 3, 2}, []int{5, 6, 2}, mlp.G, &GaussNewton{Geodesic: true}, true},
		{"tanh-backtrack", []int{5, 3, 2}, []int{5, 6, 2}, mlp.Tanh, &GaussNewton{Backtrack: true}, false},
		{"g-projection-backtrack", []int{5, 3, 2}, []int{5, 6, 2}, mlp.G, &GaussNewton{Projection: true, Backtrack: true}, false},
		// float32 curvature still ends at the float64 floor: the
		// gradient and residuals stay exact.
		{"tanh-single", []int{5, 3, 2}, []int{5, 6, 2}, mlp.Tanh, &GaussNewton{SingleCurvature: true}, false},
		{"g-single-subset", []int{5, 3, 2}, []int{5, 6, 2}, mlp.G, &GaussNewton{SingleCurvature: true, CurvatureRows: 300}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slow && testing.Short() {
				t.Skip("slow; runs without -short")
			}
			x, y, _ := teacherData(t, 11, tc.teacher, tc.act, 600)
			best := math.Inf(1)
			for seed := uint64(1); seed <= 4 && best > 1e-20; seed++ {
				s := gnStudent(t, tc.student, tc.act, seed, 1)
				res, err := Train(context.Background(), s, x, y, Config{Phases: []Phase{{Optimizer: tc.opt,
					Stop: StopRules{Loss: 1e-26, MaxIter: 400}}}})
				if err != nil {
					t.Fatal(err)
				}
				best = min(best, res.Loss)
			}
			if best > 1e-20 {
				t.Errorf("best loss %g over 4 starts, want ≤ 1e-20", best)
			}
		})
	}
}

// TestKFACSolveIsExactInverse checks one layer's preconditioner against
// the explicitly formed (N·G⊗A + λI)⁻¹.
func TestKFACSolveIsExactInverse(t *testing.T) {
	x, y, _ := teacherData(t, 3, []int{3, 2, 2}, mlp.Tanh, 40)
	net := gnStudent(t, []int{3, 4, 2}, mlp.Tanh, 1, 1)
	p := newProblem(net, x, y, mlp.NewWorkspace(), rand.New(rand.NewPCG(1, 1)), nil)
	s, err := newGNState(net, p, (&GaussNewton{KeepOutput: true}).settings())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.linearise(); err != nil {
		t.Fatal(err)
	}
	const lambda, n = 0.3, 40.0
	k := s.layers[0]
	ia := k.in + 1
	// Rebuild A and G from their eigen-decompositions.
	rebuild := func(q, w []float64, m int) *mat.Dense {
		d := mat.NewDense(m, m, nil)
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				var v float64
				for c := 0; c < m; c++ {
					v += q[i*m+c] * w[c] * q[j*m+c]
				}
				d.Set(i, j, v)
			}
		}
		return d
	}
	a, g := rebuild(k.qa, k.alpha, ia), rebuild(k.qg, k.gamma, k.out)
	var kron mat.Dense
	kron.Kronecker(g, a)
	kron.Scale(n, &kron)
	for i := 0; i < k.out*ia; i++ {
		kron.Set(i, i, kron.At(i, i)+lambda)
	}
	src := make([]float64, net.NumParams())
	for i := range src {
		src[i] = float64(i%7) - 3
	}
	dst := make([]float64, len(src))
	k.solve(dst, src, n, lambda)
	// dst as the [W | b] matrix, row-major, must solve kron·dst = src.
	vec := func(v []float64) *mat.VecDense {
		out := mat.NewVecDense(k.out*ia, nil)
		for j := 0; j < k.out; j++ {
			for c := 0; c < k.in; c++ {
				out.SetVec(j*ia+c, v[k.wOff+j*k.in+c])
			}
			out.SetVec(j*ia+k.in, v[k.bOff+j])
		}
		return out
	}
	var got mat.VecDense
	got.MulVec(&kron, vec(dst))
	want := vec(src)
	for i := 0; i < want.Len(); i++ {
		if math.Abs(got.AtVec(i)-want.AtVec(i)) > 1e-10*(1+math.Abs(want.AtVec(i))) {
			t.Fatalf("entry %d: (N·G⊗A+λI)·solve(src) = %g, want %g", i, got.AtVec(i), want.AtVec(i))
		}
	}
}

func TestGaussNewtonErrors(t *testing.T) {
	x, y, _ := teacherData(t, 3, []int{3, 2, 1}, mlp.Tanh, 50)
	net := gnStudent(t, []int{3, 4, 1}, mlp.Tanh, 1, 1)
	_, err := Train(context.Background(), net, x, y, Config{Phases: []Phase{{Optimizer: &GaussNewton{MaxMemory: 1000}}}})
	if err == nil || !strings.Contains(err.Error(), "MaxMemory") || !strings.Contains(err.Error(), "[3 4 1]") {
		t.Errorf("tiny MaxMemory: err = %v, want one naming the size and MaxMemory", err)
	}
	for _, bad := range []*GaussNewton{{MaxCG: -1}, {CurvatureRows: -2}, {Tau: math.NaN()}, {MaxMemory: -1}} {
		if _, err := Train(context.Background(), net, x, y, Config{Phases: []Phase{{Optimizer: bad}}}); err == nil {
			t.Errorf("%+v accepted", *bad)
		}
	}
	_, err = Train(context.Background(), quadStudent{p: []float64{1}}, x, y, Config{Phases: []Phase{{Optimizer: &GaussNewton{}}}})
	if err == nil || !strings.Contains(err.Error(), "mlp.Network") {
		t.Errorf("non-network student: err = %v", err)
	}
}

// TestGaussNewtonCancelKeepsBest: cancelling from the recorder's side
// mid-run returns ctx.Err() with the student at its best point.
func TestGaussNewtonCancelKeepsBest(t *testing.T) {
	x, y, _ := teacherData(t, 5, []int{5, 3, 2}, mlp.Tanh, 300)
	net := gnStudent(t, []int{5, 6, 2}, mlp.Tanh, 2, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	best := math.Inf(1)
	rec := RecorderFunc(func(e Event) error {
		if !e.Done {
			best = min(best, e.Loss)
		}
		if e.Iter == 5 {
			cancel()
		}
		return nil
	})
	res, err := Train(ctx, net, x, y, Config{Recorder: rec, Phases: []Phase{{Optimizer: &GaussNewton{}, Stop: StopRules{MaxIter: 100}}}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if math.Abs(res.Loss-best) > 1e-12*best {
		t.Errorf("student left at loss %g, best seen %g", res.Loss, best)
	}
}

// TestGaussNewtonHonoursTrainable: frozen parameters do not move.
func TestGaussNewtonHonoursTrainable(t *testing.T) {
	x, y, _ := teacherData(t, 5, []int{5, 3, 2}, mlp.Tanh, 300)
	net := gnStudent(t, []int{5, 6, 2}, mlp.Tanh, 2, 1)
	start, end := net.LayerParams(0)
	mask, err := FrozenMask(net.NumParams(), Range{start, end})
	if err != nil {
		t.Fatal(err)
	}
	before := append([]float64(nil), net.Params()...)
	res, err := Train(context.Background(), net, x, y, Config{Trainable: mask,
		Phases: []Phase{{Optimizer: &GaussNewton{}, Stop: StopRules{MaxIter: 20}}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := start; i < end; i++ {
		if net.Params()[i] != before[i] {
			t.Fatalf("frozen parameter %d moved", i)
		}
	}
	if !(res.Loss < res.Phases[0].StartLoss) {
		t.Errorf("loss %g did not fall from %g", res.Loss, res.Phases[0].StartLoss)
	}
}

// quadStudent is a Student that is not an *mlp.Network.
type quadStudent struct{ p []float64 }

func (q quadStudent) Params() []float64 { return q.p }
func (q quadStudent) LossGrad(_ *mlp.Workspace, g []float64, _, _ *mat.Dense) (float64, error) {
	g[0] = 2 * q.p[0]
	return q.p[0] * q.p[0], nil
}
func (q quadStudent) Jacobian(*mlp.Workspace, *mat.Dense, []float64, *mat.Dense, *mat.Dense) error {
	return errors.New("no Jacobian")
}

// TestLMRefusesHugeStudent: LM on a student whose normal equations would not
// fit says so instead of exhausting memory.
func TestLMRefusesHugeStudent(t *testing.T) {
	x, y, _ := teacherData(t, 3, []int{3, 2, 1}, mlp.Tanh, 50)
	net := gnStudent(t, []int{3, 4, 1}, mlp.Tanh, 1, 1)
	_, err := Train(context.Background(), net, x, y, Config{Phases: []Phase{{Optimizer: &LM{MaxMemory: 1000}}}})
	if err == nil || !strings.Contains(err.Error(), "21 free parameters") || !strings.Contains(err.Error(), "GiB") {
		t.Errorf("err = %v, want one naming the size", err)
	}
}

// TestBacktrackKeepsGrowingIterations checks which CG iterations
// backtracking keeps, and that their number matches the buffers.
func TestBacktrackKeepsGrowingIterations(t *testing.T) {
	s := &gnState{snaps: make([][]float64, snapCount(50)), snapAt: make([]int, snapCount(50))}
	for i := range s.snaps {
		s.snaps[i] = make([]float64, 1)
	}
	for i := 1; i <= 50; i++ {
		s.snapshot([]float64{float64(i)}, i)
	}
	want := []int{1, 2, 3, 4, 6, 8, 11, 15, 20, 26, 34, 45}
	if s.nSnaps != len(want) || len(s.snaps) != len(want) {
		t.Fatalf("kept %d iterates in %d buffers, want %d", s.nSnaps, len(s.snaps), len(want))
	}
	for n, it := range want {
		if s.snapAt[n] != it || s.snaps[n][0] != float64(it) {
			t.Errorf("iterate %d: iteration %d (value %g), want %d", n, s.snapAt[n], s.snaps[n][0], it)
		}
	}
}

// TestGaussNewtonThreadsSameResult: with the curvature samples split into
// blocks (more than curvatureBlockRows of them), training with 1, 2 or 3
// threads gives the same parameters bit for bit — float64 and float32
// curvature, with and without the projection (whose products run in two
// passes) — and the blocked products train the student as far as
// unblocked ones would: the loss falls by two orders of magnitude in
// eight steps.
func TestGaussNewtonThreadsSameResult(t *testing.T) {
	rows := 2*curvatureBlockRows + 123
	x, y, _ := teacherData(t, 5, []int{4, 3, 2}, mlp.G, rows)
	opts, threadCounts := []GaussNewton{{}, {SingleCurvature: true}, {Projection: true}}, []int{1, 2, 3}
	if testing.Short() { // the race detector's run: the two-pass projection and float32, two counts
		opts, threadCounts = opts[1:], threadCounts[:2]
	}
	for _, opt := range opts {
		var first []float64
		for _, threads := range threadCounts {
			s := gnStudent(t, []int{4, 6, 2}, mlp.G, 3, 1)
			start, _ := s.Loss(nil, x, y)
			o := opt
			o.Threads = threads
			res, err := Train(context.Background(), s, x, y, Config{Phases: []Phase{{Optimizer: &o, Stop: StopRules{MaxIter: 8}}}})
			if err != nil {
				t.Fatal(err)
			}
			if !(res.Loss < 1e-2*start) {
				t.Errorf("%+v: loss %g after 8 steps from %g: blocked products do not train", o, res.Loss, start)
			}
			if first == nil {
				first = append([]float64(nil), s.Params()...)
			} else if !slices.Equal(first, s.Params()) {
				t.Errorf("%+v: parameters differ from one thread's", o)
			}
		}
	}
	if err := (&GaussNewton{Threads: -1}).validate(); err == nil {
		t.Error("Threads -1 accepted")
	}
}

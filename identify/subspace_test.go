package identify

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

// spanResidual returns the largest norm, relative to the row's, of a row
// of w minus its projection on the columns of the orthonormal basis u.
func spanResidual(w, u *mat.Dense) float64 {
	r, _ := w.Dims()
	worst := 0.0
	for i := 0; i < r; i++ {
		row := mat.NewVecDense(len(w.RawRowView(i)), append([]float64(nil), w.RawRowView(i)...))
		var c, p mat.VecDense
		c.MulVec(u.T(), row)
		p.MulVec(u, &c)
		p.SubVec(row, &p)
		worst = math.Max(worst, mat.Norm(&p, 2)/mat.Norm(row, 2))
	}
	return worst
}

func TestEstimateSubspaceFindsFirstLayerSpan(t *testing.T) {
	for _, tc := range []struct {
		sizes []int
		act   mlp.Activation
	}{
		{[]int{20, 3, 2}, mlp.Tanh},
		{[]int{30, 5, 4, 3}, mlp.G},
		{[]int{16, 4, 1}, mlp.Softplus},
	} {
		teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: tc.sizes, Hidden: tc.act}, 3)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := IsotropicGaussian(tc.sizes[0], 1)
		s, err := EstimateSubspace(context.Background(), teacher, p, SubspaceOptions{Seed: 1})
		if err != nil {
			t.Fatalf("%v: %v", tc.sizes, err)
		}
		if s.Dim() != tc.sizes[1] {
			t.Errorf("%v: dimension %d, want %d (singular values %.3g)", tc.sizes, s.Dim(), tc.sizes[1], s.Singular)
		}
		t.Logf("%v: singular values %.3g", tc.sizes, s.Singular[:min(len(s.Singular), tc.sizes[1]+2)])
		// A weight vector leaves the span by about the noise over the
		// smallest kept singular value, 1/Gap.
		if res := spanResidual(teacher.Layer(0).W, s.Basis); res > 10/s.Gap {
			t.Errorf("%v: a first-layer weight vector is %.3g outside the span, more than 10/Gap = %.3g", tc.sizes, res, 10/s.Gap)
		}
		if want := s.Points * 2 * tc.sizes[0]; s.Queries != want {
			t.Errorf("%v: %d queries for %d points, want %d", tc.sizes, s.Queries, s.Points, want)
		}
		if s.Gap < 1e6 {
			t.Errorf("%v: gap %.3g", tc.sizes, s.Gap)
		}
	}
}

func TestSubspaceLiftComputesTheReducedNetwork(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var u mat.Dense
	var qr mat.QR
	qr.Factorize(gaussian(rng, 6, 2))
	qr.QTo(&u) // 6×6; keep its first two columns
	s := &Subspace{Basis: mat.DenseCopyOf(u.Slice(0, 6, 0, 2))}
	net, err := mlp.New(mlp.Spec{Sizes: []int{2, 3, 2}, Hidden: mlp.Softplus, Skip: true})
	if err != nil {
		t.Fatal(err)
	}
	net.InitGlorot(rng)
	for i := range net.Skip().RawMatrix().Data {
		net.Skip().RawMatrix().Data[i] = rng.NormFloat64()
	}
	lifted, err := s.Lift(net)
	if err != nil {
		t.Fatal(err)
	}
	x := gaussian(rng, 50, 6)
	z, _ := s.Reduce(x)
	a, _ := lifted.Predict(x)
	b, _ := net.Predict(z)
	var diff mat.Dense
	diff.Sub(a, b)
	if m := mat.Norm(&diff, math.Inf(1)); m > 1e-12 {
		t.Errorf("lifted network differs from the reduced one by %.3g", m)
	}
	if _, err := s.Lift(lifted); err == nil {
		t.Error("lifting a network on the full inputs again: no error")
	}
}

// TestRunSubspaceRecoversTeacher recovers a 24 → 3 → 2 tanh teacher on
// its 3 subspace coordinates and compares the lifted network with the
// teacher on the original inputs.
func TestRunSubspaceRecoversTeacher(t *testing.T) {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{24, 3, 2}, Hidden: mlp.Tanh}, 5)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := IsotropicGaussian(24, 1)
	res, sub, err := RunSubspace(context.Background(), teacher, p, 400, SubspaceOptions{Seed: 2},
		Config{Activation: mlp.Tanh, HiddenLayers: 1, Widths: []int{9}, Students: 6, Seed: 1, QueryBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Dim() != 3 || res.Queries != 400+sub.Queries {
		t.Errorf("dimension %d, queries %d (subspace %d)", sub.Dim(), res.Queries, sub.Queries)
	}
	rep, err := Compare(teacher, res.Network, gaussian(rand.New(rand.NewPCG(9, 9)), 500, 24))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Exact(1e-6) {
		t.Errorf("not exact in the original inputs: %v", rep)
	}
}

func TestEstimateSubspaceRejectsBadInput(t *testing.T) {
	teacher, _ := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{5, 2, 1}, Hidden: mlp.Tanh}, 1)
	p, _ := IsotropicGaussian(5, 1)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		t    Teacher
		opt  SubspaceOptions
		want string
	}{
		{"negative step", teacher, SubspaceOptions{Step: -1}, "Step"},
		{"rank tolerance 1", teacher, SubspaceOptions{RankTol: 1}, "RankTol"},
		{"rank above d", teacher, SubspaceOptions{Rank: 6}, "Rank 6"},
		{"NaN teacher", TeacherFunc(func(x *mat.Dense) (*mat.Dense, error) {
			r, _ := x.Dims()
			y := mat.NewDense(r, 1, nil)
			y.Set(0, 0, math.NaN())
			return y, nil
		}), SubspaceOptions{}, "NaN"},
		{"constant teacher", TeacherFunc(func(x *mat.Dense) (*mat.Dense, error) {
			r, _ := x.Dims()
			return mat.NewDense(r, 1, nil), nil
		}), SubspaceOptions{}, "zero"},
		{"full span", TeacherFunc(func(x *mat.Dense) (*mat.Dense, error) {
			r, _ := x.Dims()
			y := mat.NewDense(r, 1, nil)
			for i := 0; i < r; i++ {
				s := 0.0
				for _, v := range x.RawRowView(i) {
					s += math.Sin(v)
				}
				y.Set(i, 0, s)
			}
			return y, nil
		}), SubspaceOptions{}, "all 5 input directions"},
	} {
		_, err := EstimateSubspace(ctx, tc.t, p, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
	if _, err := EstimateSubspace(ctx, nil, p, SubspaceOptions{}); err == nil {
		t.Error("nil teacher: no error")
	}
	o, _ := NewOracle(teacher, 15)
	if _, err := EstimateSubspace(ctx, o, p, SubspaceOptions{}); !errors.Is(err, ErrQueryBudget) {
		t.Errorf("budget of 15 queries: error %v, want ErrQueryBudget", err)
	}
}

// BenchmarkEstimateSubspace: the span of a random 784 → 30 → 30 → 30 → 10
// g teacher (the deep Fashion-MNIST architecture), gradient points and
// their queries included.
func BenchmarkEstimateSubspace(b *testing.B) {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{784, 30, 30, 30, 10}, Hidden: mlp.G}, 1)
	if err != nil {
		b.Fatal(err)
	}
	p, _ := IsotropicGaussian(784, 1)
	b.ReportAllocs()
	for b.Loop() {
		s, err := EstimateSubspace(context.Background(), teacher, p, SubspaceOptions{Seed: 1})
		if err != nil || s.Dim() != 30 {
			b.Fatalf("dimension %v, err %v", s, err)
		}
	}
}

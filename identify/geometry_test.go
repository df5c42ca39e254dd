package identify

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// deadInputs returns Gaussian inputs whose column dead0 is always 0 and
// column dead1 always 1: directions the data never excite, as constant
// pixels of images.
func deadInputs(rng *rand.Rand, n, d, dead0, dead1 int) *mat.Dense {
	x := gaussian(rng, n, d)
	for i := 0; i < n; i++ {
		x.Set(i, dead0, 0)
		x.Set(i, dead1, 1)
	}
	return x
}

// TestDataSpaceRecoversThroughDeadInputs gives zero-loss students random
// weights along the two dead input directions (the bias compensating the
// constant one, so every student keeps zero loss): weight-space clustering
// then sees scattered clusters, data-space clustering the teacher.
func TestDataSpaceRecoversThroughDeadInputs(t *testing.T) {
	const d, dead0, dead1 = 6, 4, 5
	for _, tc := range []struct {
		act    mlp.Activation
		metric cluster.Metric
	}{{mlp.G, cluster.Euclidean}, {mlp.Tanh, cluster.Euclidean}, {mlp.ReLU, cluster.Euclidean},
		{mlp.Tanh, cluster.SignInvariantEuclidean}, {mlp.ReLU, cluster.SignInvariantEuclidean}} {
		act := tc.act
		t.Run(act.Name()+"/"+tc.metric.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 5))
			teacher := randomNet(t, []int{d, 4, 2}, act, 23)
			x := deadInputs(rng, 600, d, dead0, dead1)
			y, _ := teacher.Predict(x)
			students := perfectStudents(t, teacher, 10, 14, rng)
			for i, s := range students {
				L := s.net.Layer(0)
				for j := 0; j < L.Out; j++ {
					delta := 2 * rng.NormFloat64()
					L.W.Set(j, dead0, 2*rng.NormFloat64())
					L.W.Set(j, dead1, L.W.At(j, dead1)+delta)
					L.B[j] -= delta
				}
				if l, _ := s.net.Loss(nil, x, y); l > 1e-25 {
					t.Fatalf("student %d has loss %v", i, l)
				}
			}
			probe := deadInputs(rng, 500, d, dead0, dead1)
			recover := func(g Geometry) (*Result, Report, bool) {
				cfg, err := Config{Activation: act, Widths: []int{14}, Students: 10, SkipFineTune: true, Geometry: g, Metric: tc.metric}.withDefaults()
				if err != nil {
					t.Fatal(err)
				}
				res := &Result{Config: cfg}
				if err := recoverFrom(context.Background(), x, y, students, &cfg, res); err != nil {
					t.Logf("%v: %v", g, err)
					return res, Report{}, false
				}
				rep, err := CompareIn(DataSpace, teacher, res.Network, probe)
				if err != nil {
					t.Fatal(err)
				}
				return res, rep, true
			}
			res, rep, ok := recover(DataSpace)
			if !ok || !rep.Exact(1e-9) || rep.RMSE > 1e-10 {
				t.Errorf("data space: widths %v\n%v", res.Widths, rep)
			}
			if !ok {
				t.FailNow()
			}
			if _, wrep, wok := recover(WeightSpace); wok && wrep.Exact(1e-9) {
				t.Errorf("weight space recovered the teacher through random dead-input weights: the test does not test the geometry\n%v", wrep)
			}
			// In weight space the recovered network is far from the
			// teacher; in data space it is the teacher.
			wsRep, err := Compare(teacher, res.Network, probe)
			if err != nil {
				t.Fatal(err)
			}
			if wsRep.Layers[0].MaxCosineDistance < 1e-3 {
				t.Errorf("weight-space distance %g: the dead-input weights did not matter", wsRep.Layers[0].MaxCosineDistance)
			}
		})
	}
}

// TestMomentFactor checks UᵀU against the second moment of (h, 1).
func TestMomentFactor(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	h := gaussian(rng, 300, 5)
	u, err := momentFactor(h)
	if err != nil {
		t.Fatal(err)
	}
	var m mat.Dense
	m.Mul(u.T(), u)
	for i := 0; i <= 5; i++ {
		for j := 0; j <= 5; j++ {
			var want float64
			for k := 0; k < 300; k++ {
				a, b := 1.0, 1.0
				if i < 5 {
					a = h.At(k, i)
				}
				if j < 5 {
					b = h.At(k, j)
				}
				want += a * b / 300
			}
			if math.Abs(m.At(i, j)-want) > 1e-9 {
				t.Fatalf("moment[%d,%d] = %v, want %v", i, j, m.At(i, j), want)
			}
		}
	}
	if _, err := momentFactor(mat.NewDense(1, 3, []float64{math.NaN(), 1, 2})); err == nil {
		t.Error("NaN inputs gave a factor")
	}
}

func TestGeometryErrors(t *testing.T) {
	if _, err := (Config{Activation: mlp.Tanh, Widths: []int{4}, Geometry: Geometry(7)}).withDefaults(); err == nil {
		t.Error("unknown geometry accepted by Config")
	}
	net := randomNet(t, []int{3, 2, 1}, mlp.Tanh, 1)
	if _, err := CompareIn(Geometry(7), net, net, gaussian(rand.New(rand.NewPCG(1, 1)), 5, 3)); err == nil {
		t.Error("unknown geometry accepted by CompareIn")
	}
	if _, err := CompareIn(DataSpace, net, net, gaussian(rand.New(rand.NewPCG(1, 1)), 5, 4)); err == nil {
		t.Error("probe of the wrong width accepted")
	}
}

package identify

import (
	"errors"

	"context"
	"github.com/paramrecovery/expandcluster/train"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

func TestRunBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	teacher := randomNet(t, []int{3, 2, 1}, mlp.Tanh, 1)
	x := gaussian(rng, 50, 3)
	good := Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 4, Gamma: 0.5}
	nanX := mat.DenseCopyOf(x)
	nanX.Set(7, 2, math.NaN())
	wrongRows := TeacherFunc(func(x *mat.Dense) (*mat.Dense, error) { return mat.NewDense(3, 1, nil), nil })
	nanOut := TeacherFunc(func(x *mat.Dense) (*mat.Dense, error) {
		y, err := teacher.Predict(x)
		y.Set(4, 0, math.NaN())
		return y, err
	})
	with := func(f func(*Config)) Config { c := good; f(&c); return c }
	cases := []struct {
		name    string
		teacher Teacher
		x       *mat.Dense
		cfg     Config
		want    string
	}{
		{"no activation", teacher, x, with(func(c *Config) { c.Activation = nil }), "Activation is required"},
		{"rho below 1", teacher, x, with(func(c *Config) { c.Rho = 0.5 }), "ρ ≥ 1"},
		{"too few students for gamma", teacher, x, with(func(c *Config) { c.Students = 3; c.Gamma = 0.3 }), "⌈γN⌉ ≥ 2"},
		{"gamma out of range", teacher, x, with(func(c *Config) { c.Gamma = 1.5 }), "Gamma"},
		{"no width", teacher, x, with(func(c *Config) { c.BaseWidth = 0; c.Rho = 0 }), "BaseWidth"},
		{"widths and rho", teacher, x, with(func(c *Config) { c.Widths = []int{4} }), "not both"},
		{"widths per layer", teacher, x, with(func(c *Config) { c.Widths = []int{4, 4}; c.Rho = 0; c.BaseWidth = 0 }), "2 entries for 1 hidden"},
		{"NaN input", teacher, nanX, good, "row 7, column 2 is NaN"},
		{"empty input", teacher, &mat.Dense{}, good, "empty"},
		{"wrong input width", teacher, gaussian(rng, 50, 4), good, "columns"},
		{"teacher output rows", wrongRows, x, good, "3 output rows for 50 inputs"},
		{"NaN teacher output", nanOut, x, good, "teacher output row 4, column 0 is NaN"},
		{"nil teacher", nil, x, good, "nil teacher"},
	}
	for _, c := range cases {
		_, err := Run(context.Background(), c.teacher, c.x, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestConfigDefaultsDoNotTouchCaller(t *testing.T) {
	cfg := Config{Activation: mlp.G, BaseWidth: 3, Rho: 2}
	c, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Students != 0 || cfg.Gamma != 0 {
		t.Error("defaults written into the caller's Config")
	}
	if c.Students != 20 || c.Gamma != 0.8 || math.Abs(c.Beta-math.Pi/24) > 1e-15 || c.ZeroLoss != 1e-14 {
		t.Errorf("defaults %+v", c)
	}
	if w := c.studentWidths(2); len(w) != 1 || w[0] != 6 {
		t.Errorf("student widths %v, want [6]", w)
	}
}

func TestRunCancelledKeepsFinishedStudents(t *testing.T) {
	if testing.Short() {
		t.Skip("trains students")
	}
	rng := rand.New(rand.NewPCG(3, 1))
	teacher := randomNet(t, []int{2, 2, 1}, mlp.G, 4)
	x := gaussian(rng, 300, 2)
	ctx, cancel := context.WithCancel(context.Background())
	finished := 0
	cfg := Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, Students: 12, Seed: 2, Workers: 1,
		Recorder: train.RecorderFunc(func(e train.Event) error {
			if e.Done && e.PhaseIndex == len(train.DefaultPhases())-1 {
				if finished++; finished == 3 {
					cancel()
				}
			}
			return nil
		})}
	res, err := Run(ctx, teacher, x, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if len(res.Students) < 3 || len(res.Students) == 12 {
		t.Fatalf("%d students kept after cancelling at the third", len(res.Students))
	}
	// The finished students are complete: clustering them works.
	if _, err := Recover(context.Background(), x, mustPredict(t, teacher, x), res.Students, Config{Activation: mlp.G, BaseWidth: 2, Rho: 2, Students: 12, Seed: 2, Gamma: 0.2}); err != nil && !errors.Is(err, ErrNoNeurons) {
		t.Fatal(err)
	}
}

func mustPredict(t *testing.T, n *mlp.Network, x *mat.Dense) *mat.Dense {
	t.Helper()
	y, err := n.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

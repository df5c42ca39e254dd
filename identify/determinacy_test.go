package identify

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

// TestDetermine: a random tanh network is determined by Gaussian probes
// (no symmetry left out, Displacement scaling as sqrt(loss)); the same
// network with a hidden neuron duplicated is not (a direction moves the
// two copies' outgoing weights against each other at no cost); a ReLU
// network's scaling symmetries are left out, one per hidden neuron, and
// what remains is determined.
func TestDetermine(t *testing.T) {
	x, _ := synth.Gaussian{D: 3}.Sample(synth.NewRand(1), 400)
	tanh, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 4, 2}, Hidden: mlp.Tanh}, 1)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Determine(tanh, x)
	if err != nil {
		t.Fatal(err)
	}
	if d.Symmetries != 0 || d.Params != tanh.NumParams() || d.Equations != 800 || !(d.SigmaMin > 1e-6*d.SigmaMax) {
		t.Errorf("tanh: %+v, want no symmetries, %d params, 800 equations, σmin/σmax > 1e-6", d, tanh.NumParams())
	}
	if r := d.Displacement(4e-16) / d.Displacement(1e-16); math.Abs(r-2) > 1e-12 {
		t.Errorf("Displacement(4L)/Displacement(L) = %v, want 2", r)
	}

	dup, err := mlp.New(mlp.Spec{Sizes: []int{3, 5, 2}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	T1, T2, D1, D2 := tanh.Layer(0), tanh.Layer(1), dup.Layer(0), dup.Layer(1)
	for n := 0; n < 5; n++ {
		src := min(n, 3) // neuron 4 is a copy of neuron 3
		D1.W.SetRow(n, T1.W.RawRowView(src))
		D1.B[n] = T1.B[src]
		for o := 0; o < 2; o++ {
			w := T2.W.At(o, src)
			if src == 3 {
				w /= 2
			}
			D2.W.Set(o, n, w)
		}
	}
	copy(D2.B, T2.B)
	d, err = Determine(dup, x)
	if err != nil {
		t.Fatal(err)
	}
	if !(d.SigmaMin < 1e-10*d.SigmaMax) || !(d.Displacement(1e-16) > 1e-3) {
		t.Errorf("duplicated neuron: σmin/σmax = %.3g, Displacement(1e-16) = %.3g; want < 1e-10 and > 1e-3", d.SigmaMin/d.SigmaMax, d.Displacement(1e-16))
	}

	relu, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 4, 3, 1}, Hidden: mlp.ReLU}, 2)
	if err != nil {
		t.Fatal(err)
	}
	d, err = Determine(relu, x)
	if err != nil {
		t.Fatal(err)
	}
	if d.Symmetries != 7 || !(d.SigmaMin > 1e-8*d.SigmaMax) {
		t.Errorf("ReLU: %+v, want 7 symmetries and σmin/σmax > 1e-8", d)
	}
}

// TestDetermineRefuses: bad input is an error that names it.
func TestDetermineRefuses(t *testing.T) {
	net, _ := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 4, 1}, Hidden: mlp.Tanh}, 1)
	x, _ := synth.Gaussian{D: 3}.Sample(synth.NewRand(1), 50)
	nan := mat.DenseCopyOf(x)
	nan.Set(7, 1, math.NaN())
	wide, _ := synth.Gaussian{D: 4}.Sample(synth.NewRand(1), 50)
	few, _ := synth.Gaussian{D: 3}.Sample(synth.NewRand(1), 10)
	big, _ := mlp.New(mlp.Spec{Sizes: []int{3, 1000, 1}, Hidden: mlp.Tanh})
	for _, c := range []struct {
		name string
		net  *mlp.Network
		x    *mat.Dense
		want string
	}{
		{"nil network", nil, x, "nil network"},
		{"NaN", net, nan, "row 7, column 1"},
		{"wrong width", net, wide, "4 columns"},
		{"too few probes", net, few, "10 equations for 21 parameters"},
		{"too big", big, x, "DeterminacyMaxParams"},
		{"empty", net, &mat.Dense{}, "empty"},
	} {
		if _, err := Determine(c.net, c.x); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestDeepFamilyShape(t *testing.T) {
	ps := DeepFamily(DeepFamilyOptions{})
	if len(ps) != DeepFamilySize || len(ps) < 60 {
		t.Fatalf("%d problems, DeepFamilySize %d, want ≥ 60", len(ps), DeepFamilySize)
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name] {
			t.Errorf("name %s twice", p.Name)
		}
		seen[p.Name] = true
		if d := len(p.Hidden()); d != 2 && d != 3 {
			t.Errorf("%s: %d hidden layers", p.Name, d)
		}
		q, err := DeepFamilyProblem(p.Name, DeepFamilyOptions{})
		if err != nil || q.Seed != p.Seed {
			t.Errorf("DeepFamilyProblem(%s) = %v, %v", p.Name, q, err)
		}
	}
	if got := DeepFamily(DeepFamilyOptions{Activations: []string{"tanh"}, HiddenLayers: []int{3}}); len(got) != 3 {
		t.Errorf("tanh, three hidden layers: %d problems, want 3", len(got))
	}
	if _, err := DeepFamilyProblem("deep-tanh-1x1x1x1", DeepFamilyOptions{}); err == nil {
		t.Error("unknown name accepted")
	}
}

// TestDeepFamilyGolden pins the teachers and first inputs of some deep
// family problems (rerun with -update to accept a deliberate change).
func TestDeepFamilyGolden(t *testing.T) {
	var b strings.Builder
	for _, name := range []string{"deep-tanh-4x5x3x1", "deep-g-8x6x3x3", "deep-relu-6x3x5x3x2"} {
		p, err := DeepFamilyProblem(name, DeepFamilyOptions{Samples: 2, TestSamples: 1})
		if err != nil {
			t.Fatal(err)
		}
		net, d, err := p.Dataset()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s seed=%#x\n  params", p.Name, p.Seed)
		for _, v := range net.Params() {
			fmt.Fprintf(&b, " %s", strconv.FormatFloat(v, 'g', -1, 64))
		}
		for _, m := range []struct {
			what string
			m    *mat.Dense
		}{{"x0", d.X}, {"testx0", d.TestX}} {
			fmt.Fprintf(&b, "\n  %s", m.what)
			for _, v := range m.m.RawRowView(0) {
				fmt.Fprintf(&b, " %s", strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		b.WriteString("\n")
	}
	path := filepath.Join("testdata", "deepfamily-golden.txt")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("deep family teachers or inputs changed; got\n%s\nwant\n%s", b.String(), want)
	}
}

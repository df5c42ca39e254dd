package synth

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func bitsEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func denseBitsEqual(a, b *mat.Dense) bool {
	if a == nil || b == nil {
		return a == b
	}
	ra, ca := a.Dims()
	rb, cb := b.Dims()
	if ra != rb || ca != cb {
		return false
	}
	for i := 0; i < ra; i++ {
		if !bitsEqual(a.RawRowView(i), b.RawRowView(i)) {
			return false
		}
	}
	return true
}

func TestTeacherDeterministic(t *testing.T) {
	cfgs := []TeacherConfig{
		{Sizes: []int{4, 3, 1}},
		{Sizes: []int{8, 6, 5, 2}, Hidden: mlp.Tanh, Scale: 0.5, FanIn: true},
		{Sizes: []int{3, 4, 1}, Dist: Uniform, NoBias: true},
		{Sizes: []int{2, 5, 3, 1}, Acts: []mlp.Activation{mlp.ReLU, mlp.Sigmoid, mlp.Identity}, BiasScale: 0.1},
	}
	for _, cfg := range cfgs {
		a, err := NewTeacher(cfg, 42)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewTeacher(cfg, 42)
		if err != nil {
			t.Fatal(err)
		}
		if !bitsEqual(a.Params(), b.Params()) {
			t.Errorf("%v: same seed, different teachers", cfg.Sizes)
		}
		c, err := NewTeacher(cfg, 43)
		if err != nil {
			t.Fatal(err)
		}
		if bitsEqual(a.Params(), c.Params()) {
			t.Errorf("%v: different seeds, same teacher", cfg.Sizes)
		}
		if !slices.Equal(a.Sizes(), cfg.Sizes) {
			t.Errorf("sizes %v, want %v", a.Sizes(), cfg.Sizes)
		}
	}
}

func TestTeacherDefaultsAndDistribution(t *testing.T) {
	// A wide teacher: its parameters should look standard normal.
	net, err := NewTeacher(TeacherConfig{Sizes: []int{50, 200, 1}, MaxCosine: 2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if net.Layer(0).Act != mlp.G || net.Layer(1).Act != mlp.Identity {
		t.Errorf("default activations %s, %s; want g, identity", net.Layer(0).Act.Name(), net.Layer(1).Act.Name())
	}
	p := net.Params()
	mean, std := stat.MeanStdDev(p, nil)
	if math.Abs(mean) > 0.03 || math.Abs(std-1) > 0.03 {
		t.Errorf("parameters have mean %.4f, std %.4f; want about 0 and 1", mean, std)
	}
	// Scale, BiasScale and FanIn.
	net, err = NewTeacher(TeacherConfig{Sizes: []int{100, 200, 1}, Scale: 3, BiasScale: 0.5, FanIn: true, MaxCosine: 2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	_, ws := stat.MeanStdDev(net.Layer(0).W.RawMatrix().Data, nil)
	_, bs := stat.MeanStdDev(net.Layer(0).B, nil)
	if math.Abs(ws-0.3) > 0.01 || math.Abs(bs-0.05) > 0.01 {
		t.Errorf("FanIn std: weights %.4f (want 0.3), biases %.4f (want 0.05)", ws, bs)
	}
	// Uniform has the same standard deviation and bounded support.
	net, err = NewTeacher(TeacherConfig{Sizes: []int{50, 200, 1}, Dist: Uniform, MaxCosine: 2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	_, std = stat.MeanStdDev(net.Params(), nil)
	if math.Abs(std-1) > 0.03 {
		t.Errorf("uniform std %.4f, want 1", std)
	}
	for _, v := range net.Params() {
		if math.Abs(v) > math.Sqrt(3) {
			t.Fatalf("uniform value %v outside ±√3", v)
		}
	}
}

func TestTeacherNearDuplicates(t *testing.T) {
	// A 2→30 layer in 3 dimensions (w1, w2, b) must have near-parallel
	// neurons unless the threshold is loose; with MaxCosine 0.99 and few
	// redraws it fails with a clear error.
	_, err := NewTeacher(TeacherConfig{Sizes: []int{2, 30, 1}, MaxRedraws: 3}, 1)
	if err == nil || !strings.Contains(err.Error(), "near-duplicate") {
		t.Fatalf("want a near-duplicate error, got %v", err)
	}
	// The family's teachers satisfy the default check.
	for _, p := range Family(FamilyOptions{R: []int{8}, DIn: []int{2}}) {
		net, err := p.Teacher()
		if err != nil {
			t.Fatal(err)
		}
		d, _ := MostSimilarNeurons(net)
		if d.Cosine > DefaultMaxCosine {
			t.Errorf("%s: neurons %d and %d have |cos| %.4f", p.Name, d.I, d.J, d.Cosine)
		}
	}
	// Rejection is deterministic: a configuration that needs redraws gives
	// the same teacher twice.
	cfg := TeacherConfig{Sizes: []int{2, 8, 1}, MaxCosine: 0.9}
	a, err := NewTeacher(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewTeacher(cfg, 3)
	if !bitsEqual(a.Params(), b.Params()) {
		t.Error("redrawn teacher not deterministic")
	}
	if d, _ := MostSimilarNeurons(a); d.Cosine > 0.9 {
		t.Errorf("|cos| %.4f above 0.9", d.Cosine)
	}
}

func TestMostSimilarNeurons(t *testing.T) {
	net, _ := mlp.New(mlp.Spec{Sizes: []int{2, 3, 1}, Hidden: mlp.Tanh})
	w := net.Layer(0).W
	w.SetRow(0, []float64{1, 0})
	w.SetRow(1, []float64{0, 1})
	w.SetRow(2, []float64{-2, 0.01}) // near-mirror of neuron 0
	copy(net.Layer(0).B, []float64{0, 0, 0})
	d, ok := MostSimilarNeurons(net)
	if !ok || d.Layer != 0 || d.I != 0 || d.J != 2 || d.Cosine < 0.9999 {
		t.Errorf("got %+v, %v", d, ok)
	}
	one, _ := mlp.New(mlp.Spec{Sizes: []int{2, 1, 1}, Hidden: mlp.Tanh})
	if _, ok := MostSimilarNeurons(one); ok {
		t.Error("a single neuron has no pair")
	}
}

func TestTeacherConfigErrors(t *testing.T) {
	for _, cfg := range []TeacherConfig{
		{Sizes: []int{3}},
		{Sizes: []int{3, 0, 1}},
		{Sizes: []int{3, 2, 1}, Scale: -1},
		{Sizes: []int{3, 2, 1}, BiasScale: math.NaN()},
		{Sizes: []int{3, 2, 1}, Dist: 9},
		{Sizes: []int{3, 2, 1}, MaxCosine: -0.5},
		{Sizes: []int{3, 2, 1}, MaxRedraws: -1},
	} {
		if _, err := NewTeacher(cfg, 1); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	// The caller's config is not modified.
	cfg := TeacherConfig{Sizes: []int{3, 2, 1}}
	if _, err := NewTeacher(cfg, 1); err != nil || cfg.Scale != 0 || cfg.Hidden != nil {
		t.Errorf("config modified: %+v (err %v)", cfg, err)
	}
}

func TestFamily(t *testing.T) {
	ps := Family(FamilyOptions{})
	if len(ps) != FamilySize || FamilySize != 150 {
		t.Fatalf("family has %d problems, want 150", len(ps))
	}
	names := map[string]bool{}
	seeds := map[uint64]bool{}
	count := map[[2]int]int{}
	for _, p := range ps {
		if names[p.Name] || seeds[p.Seed] {
			t.Errorf("duplicate name or seed: %s", p)
		}
		names[p.Name], seeds[p.Seed] = true, true
		count[[2]int{p.DIn, p.R}]++
		wantN := 20
		if p.R == 8 {
			wantN = 10
		}
		if p.Students != wantN || p.Gamma != 0.8 || p.Beta != math.Pi/24 {
			t.Errorf("%s: N=%d γ=%v β=%v", p.Name, p.Students, p.Gamma, p.Beta)
		}
		if p.Activation != mlp.G || p.Samples != DefaultSamples || p.TestSamples != DefaultTestSamples || p.TeacherScale != 1 {
			t.Errorf("%s: defaults not applied: %s", p.Name, p)
		}
		if p.Name != ProblemName(p.DIn, p.R, p.Index) || p.Seed != NameSeed(p.Name) {
			t.Errorf("%s: name or seed not derived from (d_in, r, index)", p)
		}
	}
	for _, din := range []int{2, 4, 8, 16, 32} {
		for _, r := range []int{2, 4, 8} {
			if count[[2]int{din, r}] != 10 {
				t.Errorf("d_in=%d r=%d: %d teachers", din, r, count[[2]int{din, r}])
			}
		}
	}
	if ps[0].Name != "din2-r2-t00" || ps[149].Name != "din32-r8-t09" {
		t.Errorf("order: first %s, last %s", ps[0].Name, ps[149].Name)
	}
	// Golden: the seed is FNV-1a 64 of the name.
	if got := NameSeed("din4-r2-t07"); got != 0xc950ecffa21da58b {
		t.Errorf("NameSeed = %#x", got)
	}
	if NameSeed("din4-r2-t07") != fnv1aRef("din4-r2-t07") {
		t.Error("NameSeed is not FNV-1a 64")
	}
}

// fnv1aRef is FNV-1a 64 written out, to pin NameSeed's definition.
func fnv1aRef(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func TestFamilyOptions(t *testing.T) {
	ps := Family(FamilyOptions{DIn: []int{4, 16}, R: []int{8}, PerSetting: 3})
	if len(ps) != 6 {
		t.Fatalf("%d problems, want 6", len(ps))
	}
	for _, p := range ps {
		if (p.DIn != 4 && p.DIn != 16) || p.R != 8 || p.Index >= 3 || p.Students != 10 {
			t.Errorf("filter let through %s", p)
		}
	}
	ps = Family(FamilyOptions{Index: []int{7}, Activation: mlp.Tanh, Samples: 500, TestSamples: -1, SeedOffset: 5, TeacherScale: 2})
	if len(ps) != 15 {
		t.Fatalf("%d problems, want 15", len(ps))
	}
	for _, p := range ps {
		if p.Index != 7 || p.Activation != mlp.Tanh || p.Samples != 500 || p.TestSamples != 0 ||
			p.Seed != NameSeed(p.Name)+5 || p.TeacherScale != 2 {
			t.Errorf("overrides not applied: %s", p)
		}
	}
	p, err := FamilyProblem("din4-r2-t07", FamilyOptions{Samples: 100})
	if err != nil || p.DIn != 4 || p.R != 2 || p.Index != 7 || p.Samples != 100 || p.Students != 20 {
		t.Errorf("FamilyProblem: %s, %v", p, err)
	}
	for _, bad := range []string{"din4-r2-t7", "din3-r2-t07", "din4-r16-t01", "din4-r2-t10", "foo", "din4-r2-t07x"} {
		if _, err := FamilyProblem(bad, FamilyOptions{}); err == nil {
			t.Errorf("FamilyProblem(%q): no error", bad)
		}
	}
}

func TestProblemDeterminism(t *testing.T) {
	opts := FamilyOptions{Samples: 300, TestSamples: 50}
	p, _ := FamilyProblem("din8-r4-t03", opts)
	t1, d1, err := p.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	q, _ := FamilyProblem("din8-r4-t03", opts)
	t2, d2, err := q.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(t1.Params(), t2.Params()) || !denseBitsEqual(d1.X, d2.X) || !denseBitsEqual(d1.Y, d2.Y) ||
		!denseBitsEqual(d1.TestX, d2.TestX) || !denseBitsEqual(d1.TestY, d2.TestY) {
		t.Fatal("same problem, different teacher or data")
	}
	if r, c := d1.X.Dims(); r != 300 || c != 8 {
		t.Errorf("X is %d×%d", r, c)
	}
	if r, c := d1.TestY.Dims(); r != 50 || c != 1 {
		t.Errorf("TestY is %d×%d", r, c)
	}
	// Train and test inputs differ.
	if denseBitsEqual(d1.X.Slice(0, 50, 0, 8).(*mat.Dense), d1.TestX) {
		t.Error("test inputs equal training inputs")
	}
	// More samples keep the first rows; the teacher and test set do not
	// depend on the count.
	big, _ := FamilyProblem("din8-r4-t03", FamilyOptions{Samples: 600, TestSamples: 50})
	t3, d3, _ := big.Dataset()
	if !bitsEqual(t1.Params(), t3.Params()) || !denseBitsEqual(d3.X.Slice(0, 300, 0, 8).(*mat.Dense), d1.X) ||
		!denseBitsEqual(d3.TestX, d1.TestX) {
		t.Error("changing Samples changed the teacher, the first rows or the test set")
	}
	// The activation override keeps the weights.
	tanh, _ := FamilyProblem("din8-r4-t03", FamilyOptions{Activation: mlp.Tanh})
	t4, _ := tanh.Teacher()
	if !bitsEqual(t1.Params(), t4.Params()) {
		t.Error("activation override changed the weights")
	}
	// A seed offset changes everything.
	off, _ := FamilyProblem("din8-r4-t03", FamilyOptions{SeedOffset: 1})
	t5, _ := off.Teacher()
	if bitsEqual(t1.Params(), t5.Params()) {
		t.Error("seed offset did not change the teacher")
	}
	// No test set.
	nt, _ := FamilyProblem("din2-r2-t00", FamilyOptions{Samples: 10, TestSamples: -1})
	x, y, tx, ty, err := nt.Data()
	if err != nil || x == nil || y == nil || tx != nil || ty != nil {
		t.Errorf("no-test Data: %v %v %v %v %v", x, y, tx, ty, err)
	}
}

func TestFamilyTeachersDistinct(t *testing.T) {
	seen := map[uint64]string{}
	for _, p := range Family(FamilyOptions{}) {
		net, err := p.Teacher()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(net.Sizes(), []int{p.DIn, p.R, 1}) {
			t.Errorf("%s: sizes %v", p.Name, net.Sizes())
		}
		k := math.Float64bits(net.Params()[0])
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s start with the same weight", p.Name, other)
		}
		seen[k] = p.Name
	}
}

func TestProblemErrors(t *testing.T) {
	p, _ := FamilyProblem("din2-r2-t00", FamilyOptions{})
	p.Activation = nil
	if _, err := p.Teacher(); err == nil {
		t.Error("nil activation accepted")
	}
	p, _ = FamilyProblem("din2-r2-t00", FamilyOptions{})
	p.Samples = -3
	if _, _, _, _, err := p.Data(); err == nil || !strings.Contains(err.Error(), "din2-r2-t00") {
		t.Errorf("bad sample count: %v", err)
	}
}

// TestFamilyGolden pins the teachers' parameters and first inputs of a few problems to
// testdata/family-golden.txt, so that a change of random stream (in this
// package or in math/rand/v2) that would silently change every quoted
// result is caught. Regenerate with go test -run TestFamilyGolden -update.
func TestFamilyGolden(t *testing.T) {
	var b strings.Builder
	for _, name := range []string{"din2-r2-t00", "din4-r2-t07", "din8-r4-t03", "din32-r8-t09"} {
		p, err := FamilyProblem(name, FamilyOptions{Samples: 2, TestSamples: 1})
		if err != nil {
			t.Fatal(err)
		}
		net, d, err := p.Dataset()
		if err != nil {
			t.Fatal(err)
		}
		writeGoldenEntry(&b, p.Name, p.Seed, net, d)
	}
	checkGolden(t, "family-golden.txt", "family teachers or inputs", b.String())
}

// writeGoldenEntry appends a problem's name, seed, teacher parameters and
// first training and test inputs (outputs depend on mlp's kernels: not
// pinned) to b, every number in full precision.
func writeGoldenEntry(b *strings.Builder, name string, seed uint64, net *mlp.Network, d *Dataset) {
	fmt.Fprintf(b, "%s seed=%#x\n  params", name, seed)
	for _, v := range net.Params() {
		fmt.Fprintf(b, " %s", strconv.FormatFloat(v, 'g', -1, 64))
	}
	for _, m := range []struct {
		what string
		m    *mat.Dense
	}{{"x0", d.X}, {"testx0", d.TestX}} {
		fmt.Fprintf(b, "\n  %s", m.what)
		for _, v := range m.m.RawRowView(0) {
			fmt.Fprintf(b, " %s", strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	b.WriteString("\n")
}

// checkGolden compares got with testdata/file, after writing it there
// under -update.
func checkGolden(t *testing.T, file, what, got string) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s changed; got\n%s\nwant\n%s", what, got, want)
	}
}

func TestStrings(t *testing.T) {
	p, _ := FamilyProblem("din4-r2-t07", FamilyOptions{})
	want := "din4-r2-t07 (act=g scale=1 samples=10000 test=10000 seed=0xc950ecffa21da58b N=20 γ=0.8 β=0.1309)"
	if p.String() != want {
		t.Errorf("String() = %q, want %q", p.String(), want)
	}
	if Normal.String() != "Normal" || Uniform.String() != "Uniform" || Distribution(7).String() != "Distribution(7)" {
		t.Error("Distribution names")
	}
	spec, err := TeacherConfig{Sizes: []int{3, 2, 1}}.Spec()
	if err != nil || spec.Hidden != mlp.G || spec.Output != mlp.Identity || !slices.Equal(spec.Sizes, []int{3, 2, 1}) {
		t.Errorf("Spec: %+v %v", spec, err)
	}
	if _, err := (TeacherConfig{}).Spec(); err == nil {
		t.Error("Spec without sizes")
	}
}

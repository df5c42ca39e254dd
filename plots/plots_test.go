package plots

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/identify"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"
)

// blobs returns k tight groups of size points each around random centres
// in dimension d, plus extra scattered points, shuffled.
func blobs(seed uint64, k, size, extra, d int, spread float64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := k*size + extra
	x := mat.NewDense(n, d, nil)
	perm := rng.Perm(n)
	centres := make([][]float64, k)
	for c := range centres {
		centres[c] = make([]float64, d)
		for j := range centres[c] {
			centres[c][j] = rng.NormFloat64()
		}
	}
	for i := range n {
		row := x.RawRowView(perm[i])
		if i < k*size {
			c := centres[i/size]
			for j := range row {
				row[j] = c[j] + spread*rng.NormFloat64()
			}
		} else {
			for j := range row {
				row[j] = rng.NormFloat64()
			}
		}
	}
	return x
}

// fixture is a small clustering as identify would report it.
type fixture struct {
	x       *mat.Dense
	tree    *cluster.Tree
	cut     float64
	labels  []int
	reports []cluster.ClusterReport
}

func newFixture(t testing.TB, seed uint64) fixture {
	t.Helper()
	x := blobs(seed, 4, 10, 6, 5, 1e-3)
	tree, err := cluster.Linkage(x, cluster.Average, cluster.Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := tree.MaxClustersCut(8)
	if err != nil {
		t.Fatal(err)
	}
	reps, err := cluster.Filter(x, mc.Labels, &cluster.FilterSettings{MinSize: 8, Beta: cluster.DefaultBeta})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{x: x, tree: tree, cut: mc.Height, labels: mc.Labels, reports: reps}
}

func checkPNG(t *testing.T, b []byte, fig *Figure) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	dpi := fig.DPI
	if dpi == 0 {
		dpi = 96
	}
	wantW := int(math.Round(fig.Width.Dots(float64(dpi))))
	wantH := int(math.Round(fig.Height.Dots(float64(dpi))))
	if got := img.Bounds().Size(); absInt(got.X-wantW) > 1 || absInt(got.Y-wantH) > 1 {
		t.Errorf("PNG size %v, want %dx%d", got, wantW, wantH)
	}
	if got := img.Bounds().Size(); got.X < 200 || got.Y < 200 {
		t.Errorf("PNG too small: %v", got)
	}
}

func absInt(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

func checkSVG(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.Contains(b, []byte("<svg")) {
		t.Fatalf("no <svg element in %.200q", b)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("root element %q, want svg", root)
	}
}

// checkRender renders fig in both formats and checks the bytes.
func checkRender(t *testing.T, fig *Figure) {
	t.Helper()
	var b bytes.Buffer
	if err := fig.Render(&b, PNG); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, b.Bytes(), fig)
	b.Reset()
	if err := fig.Render(&b, SVG); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, b.Bytes())
}

func TestLeafOrder(t *testing.T) {
	// scipy: Z = [[0,1,1,2],[2,3,2,2],[4,5,3,4]] has leaves_list [0 1 2 3];
	// Z = [[2,3,1,2],[0,4,2,3],[1,5,3,4]] has leaves_list [1 0 2 3].
	for _, tc := range []struct {
		merges []cluster.Merge
		want   []int
	}{
		{[]cluster.Merge{{A: 0, B: 1, Height: 1, Size: 2}, {A: 2, B: 3, Height: 2, Size: 2}, {A: 4, B: 5, Height: 3, Size: 4}}, []int{0, 1, 2, 3}},
		{[]cluster.Merge{{A: 2, B: 3, Height: 1, Size: 2}, {A: 0, B: 4, Height: 2, Size: 3}, {A: 1, B: 5, Height: 3, Size: 4}}, []int{1, 0, 2, 3}},
	} {
		tree, err := cluster.NewTree(4, tc.merges)
		if err != nil {
			t.Fatal(err)
		}
		if got := LeafOrder(tree); !slices.Equal(got, tc.want) {
			t.Errorf("LeafOrder = %v, want %v", got, tc.want)
		}
	}
}

func TestLeafOrderDeepChain(t *testing.T) {
	// A caterpillar tree of 40 000 leaves: depth n−1, no recursion limit.
	const n = 40000
	merges := make([]cluster.Merge, n-1)
	merges[0] = cluster.Merge{A: 0, B: 1, Height: 1, Size: 2}
	for k := 1; k < n-1; k++ {
		merges[k] = cluster.Merge{A: k + 1, B: n + k - 1, Height: float64(k + 1), Size: k + 2}
	}
	tree, err := cluster.NewTree(n, merges)
	if err != nil {
		t.Fatal(err)
	}
	order := LeafOrder(tree)
	if order[0] != n-1 || order[n-2] != 0 || order[n-1] != 1 {
		t.Errorf("order starts %v, ends %v", order[:3], order[n-3:])
	}
	// Every leaf exactly once, and each cluster contiguous.
	s := slices.Clone(order)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			t.Fatalf("order is not a permutation")
		}
	}
	// Whole (a regression test: stroking all links as one path took 75 s)
	// and truncated.
	for _, s := range []*DendrogramSettings{nil, {LastP: 30}} {
		fig, err := NewDendrogram(tree, 100, s)
		if err != nil {
			t.Fatal(err)
		}
		checkRender(t, fig)
	}
}

func TestLeafOrderContiguousClusters(t *testing.T) {
	f := newFixture(t, 3)
	order := LeafOrder(f.tree)
	pos := make([]int, len(order))
	for i, o := range order {
		pos[o] = i
	}
	for _, r := range f.reports {
		lo, hi := len(order), -1
		for _, m := range r.Members {
			lo, hi = min(lo, pos[m]), max(hi, pos[m])
		}
		if hi-lo+1 != len(r.Members) {
			t.Errorf("cluster %d (%d members) spans positions %d..%d", r.Label, len(r.Members), lo, hi)
		}
	}
}

func TestDendrogram(t *testing.T) {
	f := newFixture(t, 1)
	for _, tc := range []struct {
		name string
		cut  float64
		s    *DendrogramSettings
	}{
		{"defaults", f.cut, nil},
		{"reports", f.cut, &DendrogramSettings{Clusters: f.reports}},
		{"log", f.cut, &DendrogramSettings{Clusters: f.reports, LogScale: true}},
		{"lastp", f.cut, &DendrogramSettings{LastP: 10}},
		{"nocut", math.NaN(), &DendrogramSettings{MaxLeafLabels: -1, Page: Page{Width: 4 * vg.Inch, Height: 3 * vg.Inch, DPI: 150, Title: "-"}}},
		{"labels", 0, &DendrogramSettings{LeafLabels: make([]string, f.tree.Len())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fig, err := NewDendrogram(f.tree, tc.cut, tc.s)
			if err != nil {
				t.Fatal(err)
			}
			checkRender(t, fig)
		})
	}
}

func TestDendrogramErrors(t *testing.T) {
	f := newFixture(t, 1)
	bad := []cluster.ClusterReport{{Label: 0, Members: []int{0, 1000}}}
	for name, fn := range map[string]func() (*Figure, error){
		"nil tree":  func() (*Figure, error) { return NewDendrogram(nil, 1, nil) },
		"inf cut":   func() (*Figure, error) { return NewDendrogram(f.tree, math.Inf(1), nil) },
		"neg lastp": func() (*Figure, error) { return NewDendrogram(f.tree, 1, &DendrogramSettings{LastP: -1}) },
		"labels": func() (*Figure, error) {
			return NewDendrogram(f.tree, 1, &DendrogramSettings{LeafLabels: []string{"a"}})
		},
		"bad member": func() (*Figure, error) { return NewDendrogram(f.tree, 1, &DendrogramSettings{Clusters: bad}) },
		"nil points": func() (*Figure, error) { return NewDistanceHeatMap(nil, nil, nil) },
		"bad order":  func() (*Figure, error) { return NewDistanceHeatMap(f.x, []int{0, 0}, nil) },
		"bad beta":   func() (*Figure, error) { return NewAlignment(f.reports, 0, nil) },
		"no dists":   func() (*Figure, error) { return NewCosineHistogram(nil, nil) },
		"nan dist":   func() (*Figure, error) { return NewCosineHistogram([]float64{math.NaN()}, nil) },
		"bad condens": func() (*Figure, error) {
			return NewCondensedHeatMap(cluster.Condensed{N: 3, Data: []float64{1}}, nil, nil)
		},
	} {
		if _, err := fn(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDistanceHeatMap(t *testing.T) {
	f := newFixture(t, 2)
	order := LeafOrder(f.tree)
	for _, tc := range []struct {
		name string
		s    *HeatMapSettings
	}{
		{"defaults", nil},
		{"clusters", &HeatMapSettings{Clusters: f.reports}},
		{"subsampled", &HeatMapSettings{MaxCells: 17, Clusters: f.reports, LogScale: true}},
		{"cosine", &HeatMapSettings{Metric: cluster.Cosine}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fig, err := NewDistanceHeatMap(f.x, order, tc.s)
			if err != nil {
				t.Fatal(err)
			}
			checkRender(t, fig)
		})
	}
	d, err := cluster.Distances(f.x, cluster.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	fig, err := NewCondensedHeatMap(d, order, &HeatMapSettings{MaxCells: 20})
	if err != nil {
		t.Fatal(err)
	}
	checkRender(t, fig)
}

func TestSubsample(t *testing.T) {
	for _, tc := range []struct{ n, m int }{{5, 10}, {10, 10}, {11, 10}, {10000, 1000}, {1001, 1000}} {
		p := subsample(tc.n, tc.m)
		if len(p) != min(tc.n, tc.m) {
			t.Errorf("subsample(%d, %d) has %d entries", tc.n, tc.m, len(p))
		}
		for i := range p {
			if p[i] < 0 || p[i] >= tc.n || (i > 0 && p[i] <= p[i-1]) {
				t.Fatalf("subsample(%d, %d) = %v: not increasing in range", tc.n, tc.m, p)
			}
		}
	}
}

func TestAlignment(t *testing.T) {
	f := newFixture(t, 4)
	reps := append(slices.Clone(f.reports),
		cluster.ClusterReport{Label: 90, Members: make([]int, 9), MedianCosine: 0.3, BigEnough: true},
		cluster.ClusterReport{Label: 91, Members: make([]int, 9), MedianCosine: math.Inf(1), BigEnough: true},
		cluster.ClusterReport{Label: 92, Members: make([]int, 9), MedianCosine: 0, BigEnough: true, Aligned: true},
	)
	for _, s := range []*AlignmentSettings{nil, {All: true}, {Linear: true}, {MaxLabels: -1}} {
		fig, err := NewAlignment(reps, cluster.DefaultBeta, s)
		if err != nil {
			t.Fatal(err)
		}
		checkRender(t, fig)
	}
	// No bars at all still renders.
	fig, err := NewAlignment(nil, math.Pi/3, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRender(t, fig)
}

func TestCosineHistogram(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	d := []float64{0, 1, math.Inf(1), 1e-6, 2}
	for range 50 {
		d = append(d, math.Pow(10, -14+12*rng.Float64()))
	}
	for _, s := range []*HistogramSettings{nil, {Threshold: 1e-3, BinsPerDecade: 4, Floor: 1e-20}} {
		fig, err := NewCosineHistogram(d, s)
		if err != nil {
			t.Fatal(err)
		}
		checkRender(t, fig)
		if !strings.Contains(fig.Plot.Title.Text, "of 55 neurons") {
			t.Errorf("title %q", fig.Plot.Title.Text)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for path, want := range map[string]Format{"a.png": PNG, "b/C.SVG": SVG, "x.svg": SVG} {
		if got, err := FormatOf(path); err != nil || got != want {
			t.Errorf("FormatOf(%q) = %v, %v", path, got, err)
		}
	}
	for _, path := range []string{"a.pdf", "noext", "a.png.gz"} {
		if _, err := FormatOf(path); err == nil {
			t.Errorf("FormatOf(%q): no error", path)
		}
	}
	if PNG.String() != "png" || SVG.Ext() != ".svg" {
		t.Error("format names")
	}
}

func TestSave(t *testing.T) {
	f := newFixture(t, 6)
	fig, err := NewDendrogram(f.tree, f.cut, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"d.png", "d.svg"} {
		path := filepath.Join(dir, name)
		if err := fig.Save(path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".png") {
			checkPNG(t, b, fig)
		} else {
			checkSVG(t, b)
		}
	}
	if err := fig.Save(filepath.Join(dir, "d.gif")); err == nil {
		t.Error("saving a .gif: no error")
	}
	if err := fig.Render(io.Discard, Format(7)); err == nil {
		t.Error("unknown format: no error")
	}
}

// fakeResult builds an identify.Result with two clustered layers by hand.
func fakeResult(t testing.TB) (*identify.Result, *identify.Report) {
	t.Helper()
	res := &identify.Result{}
	res.Config.Beta = cluster.DefaultBeta
	for l := 1; l <= 2; l++ {
		f := newFixture(t, uint64(10+l))
		lr := identify.LayerReport{
			Layer: l, Vectors: f.tree.Len(), MinSize: 8, CutHeight: f.cut,
			Clusters: len(f.reports), Points: f.x, Tree: f.tree, Labels: f.labels, Flat: f.reports,
		}
		for _, r := range f.reports {
			switch {
			case r.Kept():
				lr.Kept++
			case !r.BigEnough:
				lr.RemovedSmall++
			default:
				lr.RemovedUnaligned++
			}
		}
		res.Layers = append(res.Layers, lr)
	}
	// A layer without a tree (run stopped early) is skipped.
	res.Layers = append(res.Layers, identify.LayerReport{Layer: 3})
	cmp := &identify.Report{Layers: []identify.LayerComparison{{
		TeacherWidth: 4, RecoveredWidth: 3,
		Matches: []identify.NeuronMatch{
			{Teacher: 0, Recovered: 1, CosineDistance: 1e-12},
			{Teacher: 1, Recovered: 0, CosineDistance: 3e-9},
			{Teacher: 2, Recovered: 2, CosineDistance: 0.02},
			{Teacher: 3, Recovered: -1, CosineDistance: 1, OutRelErr: math.Inf(1)},
		},
	}}}
	return res, cmp
}

func TestRenderResult(t *testing.T) {
	res, cmp := fakeResult(t)
	dir := filepath.Join(t.TempDir(), "pics")
	files, err := RenderResult(dir, res, cmp, PNG, SVG)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range []string{"layer1-", "layer2-"} {
		for _, p := range []string{"dendrogram", "distances", "alignment"} {
			want = append(want, l+p+".png", l+p+".svg")
		}
	}
	want = append(want, "cosine-histogram.png", "cosine-histogram.svg")
	var got []string
	for _, f := range files {
		if filepath.Dir(f) != dir {
			t.Errorf("%s not in %s", f, dir)
		}
		got = append(got, filepath.Base(f))
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".png") {
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		} else {
			checkSVG(t, b)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("files\n%v\nwant\n%v", got, want)
	}

	// Default format, no comparison.
	files, err = RenderResult(t.TempDir(), res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 {
		t.Errorf("%d files without a comparison, want 6: %v", len(files), files)
	}
	if _, err := RenderResult(t.TempDir(), nil, nil); err == nil {
		t.Error("nil result: no error")
	}
	if _, err := RenderResult(t.TempDir(), res, nil, Format(9)); err == nil {
		t.Error("bad format: no error")
	}
}

// TestLargeDendrogram draws a 10 000-leaf tree in full and truncated, and
// checks the pruned drawing stays small in SVG.
func TestLargeDendrogram(t *testing.T) {
	if testing.Short() {
		t.Skip("large tree")
	}
	tree := largeTree(t, 10000)
	for _, s := range []*DendrogramSettings{nil, {LastP: 200}} {
		fig, err := NewDendrogram(tree, tree.Merges()[9000].Height, s)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := fig.Render(&b, SVG); err != nil {
			t.Fatal(err)
		}
		checkSVG(t, b.Bytes())
		if b.Len() > 2<<20 {
			t.Errorf("SVG of a 10 000-leaf tree is %d bytes", b.Len())
		}
	}
}

// largeTree is an average-linkage tree of n points in 50 blobs.
func largeTree(t testing.TB, n int) *cluster.Tree {
	t.Helper()
	x := blobs(7, 50, n/50, n%50, 4, 0.05)
	tree, err := cluster.Linkage(x, cluster.Average, cluster.Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func BenchmarkDendrogram10000(b *testing.B) {
	tree := largeTree(b, 10000)
	cut := tree.Merges()[9000].Height
	for _, format := range []Format{PNG, SVG} {
		b.Run(format.String(), func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				fig, err := NewDendrogram(tree, cut, nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := fig.Render(&buf, format); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/image")
		})
	}
}

// TestLayoutProperties checks the layout of random trees against a
// recursive reference: the leaf order, and that every visible node's leaves
// form the contiguous range lo..hi with x at the midpoint of its children.
func TestLayoutProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 30 {
		n := 2 + rng.IntN(60)
		x := mat.NewDense(n, 2, nil)
		for i := range n {
			x.Set(i, 0, rng.NormFloat64())
			x.Set(i, 1, rng.NormFloat64())
		}
		method := []cluster.Method{cluster.Average, cluster.Single, cluster.Centroid}[trial%3]
		tree, err := cluster.Linkage(x, method, cluster.Euclidean)
		if err != nil {
			t.Fatal(err)
		}
		merges := tree.Merges()
		var rec func(id int, out []int) []int
		rec = func(id int, out []int) []int {
			if id < n {
				return append(out, id)
			}
			m := merges[id-n]
			return rec(m.B, rec(m.A, out))
		}
		if got, want := LeafOrder(tree), rec(2*n-2, nil); !slices.Equal(got, want) {
			t.Fatalf("n=%d: LeafOrder %v, want %v", n, got, want)
		}
		for _, p := range []int{0, 1, 2, n / 2, n} {
			l := newLayout(tree, p)
			wantLeaves := p
			if p == 0 {
				wantLeaves = n
			}
			if len(l.leaves) != wantLeaves {
				t.Fatalf("n=%d p=%d: %d visible leaves", n, p, len(l.leaves))
			}
			total := 0
			for _, id := range l.leaves {
				total += l.size(id)
			}
			if total != n {
				t.Fatalf("n=%d p=%d: visible leaves hold %d points", n, p, total)
			}
			for id := l.first; id < 2*n-1; id++ {
				m := merges[id-n]
				if l.lo[id] != l.lo[m.A] || l.hi[id] != l.hi[m.B] || l.hi[m.A]+1 != l.lo[m.B] {
					t.Fatalf("n=%d p=%d: node %d spans %d..%d, children %d..%d and %d..%d",
						n, p, id, l.lo[id], l.hi[id], l.lo[m.A], l.hi[m.A], l.lo[m.B], l.hi[m.B])
				}
				if l.x[id] != (l.x[m.A]+l.x[m.B])/2 {
					t.Fatalf("node %d not centred", id)
				}
			}
		}
		// Non-monotone trees draw too.
		if method == cluster.Centroid && trial < 6 {
			fig, err := NewDendrogram(tree, merges[n/2].Height, &DendrogramSettings{LogScale: true})
			if err != nil {
				t.Fatal(err)
			}
			checkRender(t, fig)
		}
	}
}

func BenchmarkDistanceHeatMap5000(b *testing.B) {
	x := blobs(8, 20, 250, 0, 30, 0.01)
	tree, err := cluster.Linkage(x, cluster.Average, cluster.Euclidean)
	if err != nil {
		b.Fatal(err)
	}
	order := LeafOrder(tree)
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		fig, err := NewDistanceHeatMap(x, order, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := fig.Render(&buf, PNG); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/image")
}

package plots

import (
	"os"
	"testing"
)

// TestDumpPictures writes sample pictures for a visual check:
//
//	PLOTS_DUMP=/tmp/pics go test -run DumpPictures ./plots/
func TestDumpPictures(t *testing.T) {
	dir := os.Getenv("PLOTS_DUMP")
	if dir == "" {
		t.Skip()
	}
	res, cmp := fakeResult(t)
	files, err := RenderResult(dir, res, cmp, PNG, SVG)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(files)
	tree := largeTree(t, 10000)
	for name, s := range map[string]*DendrogramSettings{"big-full.png": nil, "big-lastp.png": {LastP: 60}, "big-log.png": {LogScale: true}} {
		fig, err := NewDendrogram(tree, tree.Merges()[9950].Height, s)
		if err != nil {
			t.Fatal(err)
		}
		if err := fig.Save(dir + "/" + name); err != nil {
			t.Fatal(err)
		}
	}
}

package outdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFreshIsNewEachTime(t *testing.T) {
	t.Chdir(t.TempDir())
	a, err := Fresh("demo")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Fresh("demo")
	if err != nil {
		t.Fatal(err)
	}
	if a == b || !strings.HasPrefix(a, filepath.Join(Root, "demo-")) {
		t.Fatalf("directories %q and %q", a, b)
	}
	if fi, err := os.Stat(a); err != nil || !fi.IsDir() {
		t.Fatalf("%s: %v", a, err)
	}
	if d, err := Or("given/dir/", "demo"); err != nil || d != "given/dir" {
		t.Fatalf("Or with a directory: %q, %v", d, err)
	}
}

func TestUnusedKeepsEarlierRuns(t *testing.T) {
	dir := t.TempDir()
	stem := filepath.Join(dir, "recovered-g")
	for _, want := range []string{"recovered-g.json", "recovered-g-run2.json", "recovered-g-run3.json"} {
		got, err := Unused(stem, ".json")
		if err != nil || got != filepath.Join(dir, want) {
			t.Fatalf("Unused = %q, %v; want %s", got, err, want)
		}
		if err := os.WriteFile(got, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	students := filepath.Join(dir, "students-g-std0.5")
	if err := os.Mkdir(students, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := Unused(students, ""); err != nil || got != students+"-run2" {
		t.Fatalf("Unused(directory) = %q, %v", got, err)
	}
}

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

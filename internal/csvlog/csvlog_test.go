package csvlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendWritesHeaderOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	h := []string{"a", "b"}
	if err := Append(path, h, []string{"1", "2"}); err != nil {
		t.Fatal(err)
	}
	if err := Append(path, h, []string{"3", "4"}, []string{"5", "6"}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a,b\n1,2\n3,4\n5,6\n"; string(got) != want {
		t.Errorf("file %q, want %q", got, want)
	}
}

func TestAppendRefusesRaggedRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	err := Append(path, []string{"a", "b"}, []string{"1"})
	if err == nil || !strings.Contains(err.Error(), "row 0 has 1 fields") {
		t.Fatalf("error %v, want one naming the ragged row", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a refused row still created the file")
	}
}

func TestReadRoundTripAndErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	h := []string{"a", "b"}
	if _, err := Read(path, h); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want os.ErrNotExist", err)
	}
	if err := Append(path, h, []string{"1", "2"}, []string{"3", "4"}); err != nil {
		t.Fatal(err)
	}
	rows, err := Read(path, h)
	if err != nil || len(rows) != 2 || rows[1][0] != "3" {
		t.Fatalf("rows %v, error %v; want the two appended rows", rows, err)
	}
	if err := Append(path, []string{"a", "b", "c"}, []string{"5", "6", "7"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, h); err == nil || !strings.Contains(err.Error(), "line 4 has 3 fields") {
		t.Errorf("ragged line: error %v, want it named", err)
	}
}

func ExampleWidths() {
	fmt.Println(Widths([]int{30, 30, 30}), Widths([]int{64}), Widths(nil) == "")
	// Output: 30x30x30 64 true
}

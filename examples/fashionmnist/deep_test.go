package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/internal/csvlog"
)

// TestDeepRowsResume checks that a deep row, once in results-deep.csv, is
// recognised by its settings (depth included) and summarised.
func TestDeepRowsResume(t *testing.T) {
	dir := t.TempDir()
	o := options{route: "gn", students: 2, rho: 2, probe: 20000, layers: 3}
	row := deepResult{R: 30, Layers: 3, Act: "g", Route: "gn", Rho: 2, Students: 2, Probes: 20000, StudentWidth: 60,
		Recovered: []int{30, 29, 31}, Neurons: []int{30, 30, 30}, Matched: []int{30, 28, 27}, MatchedTight: []int{20, 10, 5},
		MaxCosine: []float64{1e-3, 2e-2, 1}, LabelAgreement: 0.99}
	path := filepath.Join(dir, "results-deep.csv")
	if err := csvlog.Append(path, deepHeader, row.record()); err != nil {
		t.Fatal(err)
	}
	done, err := doneKeys(path, deepHeader)
	if err != nil {
		t.Fatal(err)
	}
	if !done[o.key("g", 30)] {
		t.Errorf("row not recognised: keys %v, want %q", done, o.key("g", 30))
	}
	shallow := o
	shallow.layers = 1
	span := o
	span.subspace = true
	queried := o
	queried.gaussian = 4
	if done[shallow.key("g", 30)] || done[o.key("relu", 30)] || done[span.key("g", 30)] || done[queried.key("g", 30)] {
		t.Errorf("keys %v match other settings", done)
	}
	s, err := writeDeepSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, "| 30x29x31 | 30x28x27 / 30x30x30 |") {
		t.Errorf("summary lacks the row's widths and matches:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary-deep.md")); err != nil {
		t.Error(err)
	}
}

// TestDeepRowsBeforeAppendedColumns checks that rows written before the
// last columns were appended (gaussian_spread) still count as done and are
// summarised once the file is upgraded to the new header, and that a
// Gaussian-query row appended after them is told apart from them.
func TestDeepRowsBeforeAppendedColumns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results-deep.csv")
	old := deepHeader[:len(deepHeader)-1]
	row := deepResult{R: 30, Layers: 3, Act: "g", Route: "gn", Rho: 4, Students: 2, Probes: 30000, StudentWidth: 120,
		Recovered: []int{36, 29, 43}, Neurons: []int{30, 30, 30}, Matched: []int{6, 0, 5}, MatchedTight: []int{5, 0, 0},
		MaxCosine: []float64{1, 1, 1}, SubspaceDim: 30}
	if err := csvlog.Append(path, old, row.record()[:len(old)]); err != nil {
		t.Fatal(err)
	}
	if err := upgradeCSV(path, deepHeader); err != nil {
		t.Fatal(err)
	}
	queried := row
	queried.GaussianSpread, queried.Matched = 4, []int{30, 29, 28}
	if err := csvlog.Append(path, deepHeader, queried.record()); err != nil {
		t.Fatal(err)
	}
	if _, err := csvlog.Read(path, deepHeader); err != nil {
		t.Fatalf("the upgraded file is not one CSV of the new header: %v", err)
	}
	done, err := doneKeys(path, deepHeader)
	if err != nil {
		t.Fatal(err)
	}
	o := options{route: "gn", students: 2, rho: 4, probe: 30000, layers: 3, subspace: true}
	if !done[o.key("g", 30)] {
		t.Errorf("the old row is not recognised: keys %v, want %q", done, o.key("g", 30))
	}
	s, err := writeDeepSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, "36x29x43") || !strings.Contains(s, "30x29x28") {
		t.Errorf("summary lacks the old row or the new one:\n%s", s)
	}
	gauss := o
	gauss.gaussian = 4
	if !done[gauss.key("g", 30)] {
		t.Errorf("the Gaussian-query row is not recognised: keys %v", done)
	}
}

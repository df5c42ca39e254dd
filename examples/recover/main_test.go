package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 15: help was printed twice (stderr, then stdout).
func TestHelpPrintedOnce(t *testing.T) {
	for _, cmd := range []string{"students", "cluster", "run", "check"} {
		var out, errOut bytes.Buffer
		if code := run([]string{cmd, "-h"}, &out, &errOut); code != exitOK {
			t.Fatalf("%s -h: exit %d", cmd, code)
		}
		if n := strings.Count(out.String(), "Usage: recover "+cmd); n != 1 || errOut.Len() != 0 {
			t.Errorf("%s -h: usage %d times on stdout, stderr %q", cmd, n, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "-bogus"}, &out, &errOut); code != exitUsage || strings.Count(errOut.String(), "Usage: recover run") != 1 {
		t.Errorf("bad flag: exit %d, stderr %q", code, errOut.String())
	}
}

// The -act help names activations as mlp.Lookup spells them.
func TestActivationHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	run([]string{"run", "-h"}, &out, &errOut)
	if s := out.String(); strings.Contains(s, "leaky_relu") || !strings.Contains(s, "leakyrelu(SLOPE)") || !strings.Contains(s, "tanh") {
		t.Errorf("-act help does not list the parser's names:\n%s", s)
	}
}

// -rho 0 chooses ρ automatically in "recover run", which writes to a fresh
// directory and prints the verdict; the staged commands refuse it.
func TestRhoZeroAndFreshDir(t *testing.T) {
	if testing.Short() {
		t.Skip("trains students")
	}
	t.Chdir(t.TempDir())
	var out, errOut bytes.Buffer
	code := run([]string{"run", "-synthetic", "3,2", "-samples", "500", "-rho", "0", "-students", "6", "-pictures", "none"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"ρ chosen automatically", "verdict: ", "teacher outputs: 53-bit outputs (float64)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	dirs, _ := filepath.Glob("out/recover-run-*")
	if len(dirs) != 1 {
		t.Fatalf("fresh directories %v", dirs)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "recovered.json")); err != nil {
		t.Error(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"students", "-synthetic", "3,2", "-rho", "0", "-all"}, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), `works with "recover run" only`) {
		t.Errorf("students -rho 0: exit %d, %q", code, errOut.String())
	}
}

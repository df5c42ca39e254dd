package deepstitch

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
)

// TestSetupRefusesOtherTeachers checks that a teacher the stitching cannot
// handle (one hidden layer here) and impossible query settings are errors
// naming the problem, before any data are read.
func TestSetupRefusesOtherTeachers(t *testing.T) {
	n, err := mlp.New(mlp.Spec{Sizes: []int{784, 5, 10}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "one-layer.json")
	if err := n.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Setup(context.Background(), path, 4, 100); err == nil || !strings.Contains(err.Error(), "three hidden layers") {
		t.Errorf("one-hidden-layer teacher: error %v", err)
	}
	if _, err := Setup(context.Background(), path, -1, 100); err == nil || !strings.Contains(err.Error(), "spread") {
		t.Errorf("negative spread: error %v", err)
	}
	if _, err := Setup(context.Background(), filepath.Join(t.TempDir(), "missing.json"), 4, 100); err == nil {
		t.Error("missing teacher file: no error")
	}
}

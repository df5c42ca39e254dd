package mlp

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func savedBytes(t testing.TB, n *Network) []byte {
	var buf bytes.Buffer
	if err := n.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Issue 15: a file edited by hand (one weight changed) was accepted.
func TestLoadRejectsChangedFile(t *testing.T) {
	n := testNet(t, []int{3, 2, 1}, Tanh, true, false, 1)
	b := savedBytes(t, n)
	if !bytes.Contains(b, []byte(`"checksum":"sha256:`)) {
		t.Fatalf("no checksum in %s", b)
	}
	var j map[string]any
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	j["params"].([]any)[2] = j["params"].([]any)[2].(float64) + 1e-9
	changed, _ := json.Marshal(j)
	path := filepath.Join(t.TempDir(), "net.json")
	if err := os.WriteFile(path, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "do not match their checksum") {
		t.Fatalf("changed file: error %v, want a checksum error naming %s", err, path)
	}
	// Reformatting without changing a value keeps the checksum valid.
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(&pretty); err != nil {
		t.Fatalf("reindented file rejected: %v", err)
	}
}

// Version 1 files, written before checksums, still load.
func TestLoadVersion1(t *testing.T) {
	v1 := `{"format":"expandcluster/mlp","version":1,"sizes":[2,1],"activations":["tanh"],"bias":true,"params":[1,2,3]}`
	n, err := Load(strings.NewReader(v1))
	if err != nil || n.Params()[2] != 3 {
		t.Fatalf("version 1: %v", err)
	}
	// A version 2 file must have its checksum.
	if _, err := Load(strings.NewReader(strings.Replace(v1, `"version":1`, `"version":2`, 1))); err == nil {
		t.Fatal("version 2 without a checksum accepted")
	}
}

func TestLoadHugeSizes(t *testing.T) {
	text := `{"format":"expandcluster/mlp","version":1,"sizes":[100000000,100000000],"activations":["tanh"],"bias":true,"params":[1]}`
	if _, err := Load(strings.NewReader(text)); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Fatalf("error %v", err)
	}
}

func FuzzLoadNetwork(f *testing.F) {
	f.Add(savedBytes(f, testNet(f, []int{3, 2, 1}, Tanh, true, false, 1)))
	f.Add(savedBytes(f, testNet(f, []int{2, 3, 2, 1}, LeakyReLU(0.2), true, true, 2)))
	f.Add([]byte(`{"format":"expandcluster/mlp","version":1,"sizes":[2,1],"activations":["tanh"],"bias":false,"params":[1,2]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := n.CheckFinite(); err != nil {
			t.Fatalf("loaded a network with %v", err)
		}
		m, err := Load(bytes.NewReader(savedBytes(t, n)))
		if err != nil {
			t.Fatalf("cannot load what was saved: %v", err)
		}
		for i, v := range n.Params() {
			if math.Float64bits(v) != math.Float64bits(m.Params()[i]) {
				t.Fatalf("parameter %d changed in a save/load round trip", i)
			}
		}
	})
}

// SaveFile writes atomically (no temporary file left) a network that
// LoadFile reads back unchanged, and names the file in its errors.
func TestSaveFileRoundTrip(t *testing.T) {
	net, err := New(Spec{Sizes: []int{3, 4, 2}, Hidden: Tanh})
	if err != nil {
		t.Fatal(err)
	}
	net.InitGlorot(rand.New(rand.NewPCG(1, 2)))
	dir := t.TempDir()
	path := filepath.Join(dir, "net.json")
	if err := net.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Params(), net.Params()) {
		t.Error("parameters changed in the round trip")
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left behind (stat: %v)", err)
	}
	missing := filepath.Join(dir, "no-such-dir", "net.json")
	if err := net.SaveFile(missing); err == nil || !strings.Contains(err.Error(), "no-such-dir") {
		t.Errorf("saving into a missing directory: error %v does not name the path", err)
	}
}

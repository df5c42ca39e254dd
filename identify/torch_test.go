package identify_test

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// debianPython is the interpreter with Debian's python3-torch; a pyenv or
// virtualenv python3 earlier on PATH usually lacks it.
const debianPython = "/usr/bin/python3"

// needTorch skips the test unless Debian's python3 can import torch and
// numpy (apt-get install python3-torch python3-numpy; .ci/run does, and sets
// EXPANDCLUSTER_REQUIRE_TORCH so that a missing torch fails there).
func needTorch(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(debianPython, "-c", "import torch, numpy").CombinedOutput(); err != nil {
		if os.Getenv("EXPANDCLUSTER_REQUIRE_TORCH") != "" { // set by .ci/run after installing torch
			t.Fatalf("PyTorch required but not available to %s (%v): %s", debianPython, err, out)
		}
		t.Skipf("PyTorch not available to %s (%v): %s", debianPython, err, out)
	}
}

func runTorch(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(debianPython, append([]string{filepath.Join("testdata", "torch_statedict.py")}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("torch_statedict.py %v: %v\n%s", args, err, out)
	}
}

// maxEntryDiff is the largest |a − b| over two matrices of the same shape
// (+Inf if the shapes differ).
func maxEntryDiff(a, b *mat.Dense) float64 {
	ra, ca := a.Dims()
	if rb, cb := b.Dims(); ra != rb || ca != cb {
		return math.Inf(1)
	}
	worst := 0.0
	for i := 0; i < ra; i++ {
		for j := 0; j < ca; j++ {
			worst = math.Max(worst, math.Abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return worst
}

func intsCSV(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

// TestTorchRoundTrip: a torch.nn.Sequential teacher saved from Python as a
// state_dict .npz is read in Go, recovered from its torch-computed outputs
// and matched to the torch teacher by Compare; the recovered network written
// back as .npz loads into torch with load_state_dict and gives Go's outputs
// to 1e-12.
func TestTorchRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python twice (about 5 s each); runs without -short")
	}
	needTorch(t)
	dir := t.TempDir()
	runTorch(t, "save", dir)

	teacher, err := synth.ReadStateDict(filepath.Join(dir, "teacher.npz"), mlp.Tanh)
	if err != nil {
		t.Fatal(err)
	}
	if got := teacher.Sizes(); len(got) != 3 || got[0] != 5 || got[1] != 4 || got[2] != 2 {
		t.Fatalf("teacher sizes %v, want [5 4 2]", got)
	}
	x, err := synth.ReadNPYMatrix(filepath.Join(dir, "x.npy"))
	if err != nil {
		t.Fatal(err)
	}
	yTorch, err := synth.ReadNPYMatrix(filepath.Join(dir, "y.npy"))
	if err != nil {
		t.Fatal(err)
	}
	yGo, err := teacher.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxEntryDiff(yGo, yTorch); d > 1e-12 {
		t.Fatalf("Go outputs of the torch teacher differ from torch's by %.3g", d)
	}

	res, err := identify.RunData(context.Background(), x, yTorch,
		identify.Config{Activation: mlp.Tanh, BaseWidth: 4, Rho: 2, Students: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := synth.Gaussian{D: 5}.Sample(synth.NewRand(2), 2000)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := identify.Compare(teacher, res.Network, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Exact(1e-6) {
		t.Fatalf("torch teacher not recovered exactly:\n%v", rep)
	}

	if err := synth.WriteStateDict(filepath.Join(dir, "recovered.npz"), res.Network); err != nil {
		t.Fatal(err)
	}
	sizes := res.Network.Sizes()
	runTorch(t, "load", dir, intsCSV(sizes))
	yBack, err := synth.ReadNPYMatrix(filepath.Join(dir, "y_torch.npy"))
	if err != nil {
		t.Fatal(err)
	}
	yRec, err := res.Network.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxEntryDiff(yRec, yBack); d > 1e-12 {
		t.Fatalf("torch outputs of the recovered network differ from Go's by %.3g", d)
	}
}

package identify_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

// exampleData is a random 3→2→1 tanh teacher with 500 Gaussian probe
// inputs, its outputs, and 2000 fresh inputs for comparisons.
func exampleData() (teacher *mlp.Network, x, y, fresh *mat.Dense) {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{3, 2, 1}, Hidden: mlp.Tanh}, 4)
	if err != nil {
		log.Fatal(err)
	}
	rng := synth.NewRand(5)
	x, _ = synth.Gaussian{D: 3}.Sample(rng, 500)
	fresh, _ = synth.Gaussian{D: 3}.Sample(rng, 2000)
	y, err = teacher.Predict(x)
	if err != nil {
		log.Fatal(err)
	}
	return teacher, x, y, fresh
}

// RunData recovers a teacher known only through recorded inputs and
// outputs, for example .npy files exported from PyTorch; the verdict says
// whether the result can be trusted without the teacher.
func ExampleRunData() {
	teacher, x, y, fresh := exampleData()
	res, err := identify.RunData(context.Background(), x, y,
		identify.Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 10, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("recovered widths:", res.Widths)
	fmt.Println("outputs:", res.Precision)
	fmt.Println("verdict:", res.Verdict())
	report, err := identify.Compare(teacher, res.Network, fresh)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exact:", report.Exact(1e-6))
	// Output:
	// recovered widths: [2]
	// outputs: 53-bit outputs (float64), noise loss 0
	// verdict: no warnings
	// exact: true
}

// Too few probes: the students fit the data without agreeing on the
// teacher's neurons, and the warning says that more data, not longer
// training, is the remedy.
func ExampleResult_Verdict() {
	_, x, y, _ := exampleData()
	few := x.Slice(0, 8, 0, 3).(*mat.Dense)
	res, _ := identify.RunData(context.Background(), few, y.Slice(0, 8, 0, 1).(*mat.Dense),
		identify.Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 10, Seed: 1, Restarts: -1})
	for _, w := range res.Warnings {
		if w.Kind == identify.TooFewProbes {
			fmt.Println(w.Kind)
			fmt.Println(w.Remedy)
		}
	}
	// Output:
	// TooFewProbes
	// query the teacher on more inputs, at least 210 probes (10 equations per student parameter); training longer does not help
}

// Compare matches neurons up to the symmetries no query can resolve: here
// the teacher's two hidden neurons are swapped and one is sign-flipped
// (with its outgoing weight), which tanh cannot tell apart.
func ExampleCompare() {
	teacher, _, _, fresh := exampleData()
	same := teacher.Clone()
	h, out := same.Layer(0), same.Layer(1)
	for j := 0; j < h.In; j++ { // swap neurons 0 and 1
		a, b := h.W.At(0, j), h.W.At(1, j)
		h.W.Set(0, j, b)
		h.W.Set(1, j, a)
	}
	h.B[0], h.B[1] = h.B[1], h.B[0]
	a, b := out.W.At(0, 0), out.W.At(0, 1)
	out.W.Set(0, 0, b)
	out.W.Set(0, 1, a)
	for j := 0; j < h.In; j++ { // flip neuron 0: tanh(−z) = −tanh(z)
		h.W.Set(0, j, -h.W.At(0, j))
	}
	h.B[0] = -h.B[0]
	out.W.Set(0, 0, -out.W.At(0, 0))

	report, err := identify.Compare(teacher, same, fresh)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exact:", report.Exact(1e-12), "RMSE below 1e-12:", report.RMSE < 1e-12)
	// In data space the distances weigh directions by how much the
	// inputs excite them (the choice for real data such as images).
	inData, err := identify.CompareIn(identify.DataSpace, teacher, same, fresh)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exact in data space:", inData.Exact(1e-12))
	// Output:
	// exact: true RMSE below 1e-12: true
	// exact in data space: true
}

// The stages of Run, for students trained in separate processes: each
// TrainStudent call could be one task of a Slurm job array writing into a
// shared directory; Recover then clusters what LoadCheckpoints finds, with
// the result Run gives.
func ExampleTrainStudent() {
	teacher, x, y, fresh := exampleData()
	cfg := identify.Config{Activation: mlp.Tanh, BaseWidth: 2, Rho: 2, Students: 10, Seed: 1}
	dir, err := os.MkdirTemp("", "students-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for i := 0; i < cfg.Students; i++ { // one task per student
		cp, err := identify.TrainStudent(context.Background(), x, y, cfg, i)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := cp.Save(dir); err != nil {
			log.Fatal(err)
		}
	}
	cps, skipped, err := identify.LoadCheckpoints(dir, cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("students loaded:", len(cps), "skipped:", len(skipped), "missing:", identify.Missing(cps, cfg.Students))
	res, err := identify.Recover(context.Background(), x, y, cps, cfg)
	if err != nil {
		log.Fatal(err)
	}
	report, err := identify.Compare(teacher, res.Network, fresh)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("recovered widths:", res.Widths, "exact:", report.Exact(1e-6))
	// Output:
	// students loaded: 10 skipped: 0 missing: []
	// recovered widths: [2] exact: true
}

package synth_test

import (
	"bytes"
	"fmt"
	"log"
	"path/filepath"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"gonum.org/v1/gonum/mat"
)

func ExampleFamily() {
	all := synth.Family(synth.FamilyOptions{})
	fmt.Println(len(all), "problems")

	// A small sweep: the first two teachers of d_in = 4 and r = 8.
	for _, p := range synth.Family(synth.FamilyOptions{DIn: []int{4}, R: []int{8}, PerSetting: 2}) {
		fmt.Printf("%s N=%d γ=%v β=π/%.0f samples=%d\n", p.Name, p.Students, p.Gamma, 3.141592653589793/p.Beta, p.Samples)
	}
	// Output:
	// 150 problems
	// din4-r8-t00 N=10 γ=0.8 β=π/24 samples=10000
	// din4-r8-t01 N=10 γ=0.8 β=π/24 samples=10000
}

func ExampleFamilyProblem() {
	// Rerun a quoted problem with fewer samples and a tanh teacher.
	p, err := synth.FamilyProblem("din4-r2-t07", synth.FamilyOptions{Activation: mlp.Tanh, Samples: 500, TestSamples: 100})
	if err != nil {
		log.Fatal(err)
	}
	teacher, data, err := p.Dataset()
	if err != nil {
		log.Fatal(err)
	}
	r, c := data.X.Dims()
	fmt.Println(p.Name, teacher.Sizes(), teacher.Layer(0).Act.Name(), r, c, p.Students)
	// Output:
	// din4-r2-t07 [4 2 1] tanh 500 4 20
}

func ExampleNewTeacher() {
	cfg := synth.TeacherConfig{Sizes: []int{8, 16, 4, 1}, Hidden: mlp.Tanh, FanIn: true}
	a, err := synth.NewTeacher(cfg, 1)
	if err != nil {
		log.Fatal(err)
	}
	b, _ := synth.NewTeacher(cfg, 1)
	same := true
	for i, v := range a.Params() {
		same = same && v == b.Params()[i]
	}
	d, _ := synth.MostSimilarNeurons(a)
	fmt.Println(a.Sizes(), a.NumParams(), "same:", same, "near-duplicates:", d.Cosine > synth.DefaultMaxCosine)
	// Output:
	// [8 16 4 1] 217 same: true near-duplicates: false
}

func ExampleMakeDataset() {
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{2, 3, 1}}, 7)
	if err != nil {
		log.Fatal(err)
	}
	box := synth.UniformBox(2, -1, 1)
	data, err := synth.MakeDataset(teacher, box, synth.NewRand(8), 1000, 200)
	if err != nil {
		log.Fatal(err)
	}
	r, c := data.Y.Dims()
	tr, _ := data.TestX.Dims()
	fmt.Println(r, c, tr)
	// Output:
	// 1000 1 200
}

func ExampleReadNPY() {
	// Inputs probed from a PyTorch model arrive as .npy files; here one is
	// written in memory first.
	x := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	var buf bytes.Buffer
	if err := synth.WriteNPY(&buf, synth.MatrixArray(x, synth.Float32)); err != nil {
		log.Fatal(err)
	}
	a, err := synth.ReadNPY(&buf)
	if err != nil {
		log.Fatal(err)
	}
	m, _ := a.Matrix()
	fmt.Println(a.Shape, a.DType, m.At(1, 2))
	// Output:
	// [2 3] float32 6
}

func ExampleReadIDX() {
	// An IDX labels file: magic 0x00000801, 3 items, then the bytes.
	file := []byte{0, 0, 0x08, 0x01, 0, 0, 0, 3, 9, 0, 4}
	a, err := synth.ReadIDX(bytes.NewReader(file))
	if err != nil {
		log.Fatal(err)
	}
	labels, _ := a.Ints()
	fmt.Println(a.DType, a.Shape, labels)

	_, err = synth.ReadIDX(bytes.NewReader(file[:9]))
	fmt.Println(err)
	// Output:
	// uint8 [3] [9 0 4]
	// idx: truncated data: 1 of 3 uint8 values present (stream ends at byte 9, want 11)
}

func ExampleFashionMNIST() {
	// FashionMNIST("") reads /usr/share/datasets/fashion-mnist; this
	// example reads a tiny set in the same format.
	train, test, err := synth.FashionMNIST(filepath.Join("testdata", "mnist-mini"))
	if err != nil {
		log.Fatal(err) // errors.Is(err, synth.ErrDataMissing) when not installed
	}
	synth.ScalePixels(train.X)
	r, c := train.X.Dims()
	fmt.Println(r, c, train.Labels, len(test.Labels), train.X.At(0, 1) == 7.0/255)
	// Output:
	// 4 9 [3 1 4 1] 2 true
}

func ExampleStandardizer() {
	train := mat.NewDense(3, 2, []float64{1, 10, 2, 10, 3, 10})
	test := mat.NewDense(1, 2, []float64{4, 11})
	s, err := synth.FitStandardizer(train)
	if err != nil {
		log.Fatal(err)
	}
	s.Apply(train)
	s.Apply(test) // same statistics
	fmt.Printf("%.4f %.4f\n", test.At(0, 0), test.At(0, 1))
	// Output:
	// 2.4495 1.0000
}

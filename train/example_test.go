package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// data returns n Gaussian inputs and the outputs of a fixed 2→2→1 teacher.
func data(n int) (x, y *mat.Dense) {
	teacher, _ := mlp.New(mlp.Spec{Sizes: []int{2, 2, 1}, Hidden: mlp.G})
	teacher.SetParams([]float64{1, -0.5, 0.3, 0.8, 0.2, -0.1, 1.2, -0.7, 0.1})
	rng := rand.New(rand.NewPCG(1, 1))
	x = mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		x.Set(i, 0, rng.NormFloat64())
		x.Set(i, 1, rng.NormFloat64())
	}
	y, _ = teacher.Predict(x)
	return x, y
}

func ExampleTrain() {
	x, y := data(500)
	// A student of the teacher's size, trained by Levenberg–Marquardt.
	student, _ := mlp.New(mlp.Spec{Sizes: []int{2, 2, 1}, Hidden: mlp.G})
	student.SetParams([]float64{0.9, -0.4, 0.35, 0.7, 0.25, -0.2, 1, -0.6, 0})
	res, err := train.Train(context.Background(), student, x, y, train.Config{
		Phases: []train.Phase{{Optimizer: &train.LM{}, Stop: train.StopRules{Loss: 1e-28, MaxIter: 100}}},
	})
	fmt.Println(err, res.Reason, res.Loss <= 1e-28)
	// Output: <nil> loss threshold reached true
}

func ExampleMany() {
	x, y := data(300)
	newStudent := func(i int, rng *rand.Rand) (*mlp.Network, error) {
		n, err := mlp.New(mlp.Spec{Sizes: []int{2, 4, 1}, Hidden: mlp.G})
		if err != nil {
			return nil, err
		}
		n.InitGlorot(rng)
		return n, nil
	}
	cfg := train.ManyConfig{Seed: 7, Workers: 2, Config: train.Config{Phases: []train.Phase{
		{Optimizer: &train.LM{}, Stop: train.StopRules{Loss: 1e-28, MaxIter: 20}},
	}}}
	results, err := train.Many(context.Background(), x, y, 3, newStudent, cfg)
	fmt.Println(err, len(results))
	for _, r := range results {
		fmt.Println(r.Index, r.Err, r.Loss < r.Phases[0].StartLoss)
	}
	// Output:
	// <nil> 3
	// 0 <nil> true
	// 1 <nil> true
	// 2 <nil> true
}

func ExampleFrozenMask() {
	x, y := data(300)
	student, _ := mlp.New(mlp.Spec{Sizes: []int{2, 3, 1}, Hidden: mlp.G})
	student.InitGlorot(train.StudentRNG(1, 0))
	// Keep the hidden layer fixed; train only the output layer.
	start, end := student.LayerParams(0)
	mask, _ := train.FrozenMask(student.NumParams(), train.Range{Start: start, End: end})
	before := student.Layer(0).W.At(0, 0)
	_, err := train.Train(context.Background(), student, x, y, train.Config{
		Trainable: mask,
		Phases:    []train.Phase{{Optimizer: &train.LM{}, Stop: train.StopRules{MaxIter: 10}}},
	})
	fmt.Println(err, student.Layer(0).W.At(0, 0) == before)
	// Output: <nil> true
}

func ExampleGaussNewton() {
	x, y := data(500)
	// An overparameterised student trained by matrix-free Gauss–Newton:
	// the route PhasesFor picks for students of more than LMMaxParams
	// parameters, here chosen explicitly for a small one.
	student, _ := mlp.New(mlp.Spec{Sizes: []int{2, 4, 1}, Hidden: mlp.G})
	student.InitGlorot(train.StudentRNG(7, 0))
	res, err := train.Train(context.Background(), student, x, y, train.Config{
		Phases: []train.Phase{{Optimizer: &train.GaussNewton{}, Stop: train.StopRules{Loss: 1e-24, MaxIter: 500}}},
	})
	fmt.Println(err, res.Loss <= 1e-20)
	fmt.Println(len(train.PhasesFor(train.LMMaxParams)), train.PhasesFor(train.LMMaxParams + 1)[0].Optimizer.Name())
	// Output:
	// <nil> true
	// 2 GN
}

// ExampleGaussNewton_threads trains one student on 10 000 samples with its
// curvature products shared by one and by two goroutines: the same
// parameters bit for bit, two threads only finishing sooner.
func ExampleGaussNewton_threads() {
	x, y := data(10000)
	var params [][]float64
	for _, threads := range []int{1, 2} {
		student, _ := mlp.New(mlp.Spec{Sizes: []int{2, 4, 1}, Hidden: mlp.G})
		student.InitGlorot(train.StudentRNG(7, 0))
		_, err := train.Train(context.Background(), student, x, y, train.Config{
			Phases: []train.Phase{{Optimizer: &train.GaussNewton{Threads: threads}, Stop: train.StopRules{MaxIter: 20}}},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		params = append(params, student.Params())
	}
	fmt.Println("same parameters:", slices.Equal(params[0], params[1]))
	// Output:
	// same parameters: true
}

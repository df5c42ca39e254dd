package identify_test

import (
	"context"
	"fmt"
	"log"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

func ExampleRun() {
	// A random 4→3→1 teacher with the paper's activation g.
	teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: []int{4, 3, 1}, Hidden: mlp.G}, 7)
	if err != nil {
		log.Fatal(err)
	}
	rng := synth.NewRand(1)
	probe, err := synth.Gaussian{D: 4}.Sample(rng, 1000)
	if err != nil {
		log.Fatal(err)
	}
	res, err := identify.Run(context.Background(), teacher, probe,
		identify.Config{Activation: mlp.G, BaseWidth: 3, Rho: 4, Students: 10, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fresh, err := synth.Gaussian{D: 4}.Sample(rng, 5000)
	if err != nil {
		log.Fatal(err)
	}
	report, err := identify.Compare(teacher, res.Network, fresh)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("recovered widths:", res.Widths)
	fmt.Println("exact:", report.Exact(1e-6))
	fmt.Println("RMSE below 1e-6:", report.RMSE < 1e-6)
	// Output:
	// recovered widths: [3]
	// exact: true
	// RMSE below 1e-6: true
}

// Two sigmoid teachers probed alike: the second hidden layer of the deep
// one sees inputs in (0, 1), where its neurons are nearly linear, so a
// network at loss 1e-16 on these probes may still sit 1e-2 from it in
// parameter space: too far for its neurons to cluster.
func ExampleDetermine() {
	probes, err := synth.Gaussian{D: 4}.Sample(synth.NewRand(2), 2000)
	if err != nil {
		log.Fatal(err)
	}
	for _, sizes := range [][]int{{4, 3, 1}, {4, 3, 5, 1}} {
		teacher, err := synth.NewTeacher(synth.TeacherConfig{Sizes: sizes, Hidden: mlp.Sigmoid}, 1)
		if err != nil {
			log.Fatal(err)
		}
		d, err := identify.Determine(teacher, probes)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%v: %d parameters, displacement at loss 1e-16: %.0e\n", sizes, d.Params, d.Displacement(1e-16))
	}
	// Output:
	// [4 3 1]: 19 parameters, displacement at loss 1e-16: 7e-07
	// [4 3 5 1]: 41 parameters, displacement at loss 1e-16: 1e-02
}

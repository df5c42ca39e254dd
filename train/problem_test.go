package train

import (
	"math"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// A problem whose frozen parameters are exactly the lowest layers takes
// its Jacobian from the first free layer on (mlp.Network.JacobianFrom),
// with the bits of the full Jacobian's free columns; any other mask
// gathers the free columns of the full Jacobian.
func TestProblemJacobianFrozenBelow(t *testing.T) {
	x, y, _ := teacherData(t, 3, []int{3, 4, 3, 2}, mlp.Tanh, 50)
	net, err := mlp.New(mlp.Spec{Sizes: []int{3, 5, 4, 2}, Hidden: mlp.Tanh})
	if err != nil {
		t.Fatal(err)
	}
	net.InitGlorot(StudentRNG(1, 0))
	np := net.NumParams()
	_, end0 := net.LayerParams(0)
	_, end1 := net.LayerParams(1)
	cases := []struct {
		name   string
		frozen []Range
		above  int
	}{
		{"layer 0 frozen", []Range{{0, end0}}, 1},
		{"layers 0 and 1 frozen", []Range{{0, end1}}, 2},
		{"layer 1 frozen", []Range{{end0, end1}}, -1},
		{"part of layer 0 frozen", []Range{{0, end0 - 1}}, -1},
		{"layer 0 and the output bias frozen", []Range{{0, end0}, {np - 1, np}}, -1},
	}
	var full mat.Dense
	if err := net.Jacobian(nil, &full, nil, x, y); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		mask, err := FrozenMask(np, c.frozen...)
		if err != nil {
			t.Fatal(err)
		}
		free, err := freeIndices(mask, np)
		if err != nil {
			t.Fatal(err)
		}
		p := newProblem(net, x, y, mlp.NewWorkspace(), StudentRNG(1, 0), free)
		if p.above != c.above {
			t.Errorf("%s: first free layer %d, want %d", c.name, p.above, c.above)
		}
		jac := mat.NewDense(p.Samples(), p.Dim(), nil)
		r := make([]float64, p.Samples())
		if err := p.Jacobian(jac, r); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < p.Samples(); i++ {
			for k, j := range free {
				if math.Float64bits(jac.At(i, k)) != math.Float64bits(full.At(i, j)) {
					t.Fatalf("%s: Jacobian (%d, %d) is %v, the full one's column %d %v", c.name, i, k, jac.At(i, k), j, full.At(i, j))
				}
			}
		}
	}
}

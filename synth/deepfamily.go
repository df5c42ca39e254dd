package synth

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// DeepArchitectures are the layer widths (input first, output last) of the
// deep synthetic family: two and three hidden layers, input widths 4–8,
// hidden widths 2–8, narrowing and not, one and several outputs.
var DeepArchitectures = [][]int{
	{4, 5, 3, 1},    // narrowing
	{4, 3, 5, 1},    // widening
	{5, 2, 4, 1},    // bottleneck first
	{6, 4, 4, 2},    // equal widths, two outputs
	{8, 6, 3, 3},    // narrowing, three outputs
	{4, 4, 3, 2, 1}, // three hidden layers, narrowing
	{6, 3, 5, 3, 2}, // three hidden layers, not narrowing, two outputs
	{8, 8, 4, 2, 1}, // three hidden layers, wide first
}

// DeepActivations returns the activations of the deep family: every
// built-in hidden activation (mlp.Builtins without the identity).
func DeepActivations() []mlp.Activation {
	var out []mlp.Activation
	for _, a := range mlp.Builtins() {
		if a != mlp.Identity {
			out = append(out, a)
		}
	}
	return out
}

const (
	// DeepSamples is the default number of training inputs of a deep
	// family problem: over five per parameter of the largest ρ = 3
	// student (8 → 24 → 12 → 6 → 1, 601 parameters).
	DeepSamples = 3000
	// DeepStudents is N for the deep family.
	DeepStudents = 10
	// DeepRho is the default expansion factor: students ⌈ρ·r⌉ wide in
	// every hidden layer.
	DeepRho = 3
)

// DeepProblem is one problem of the deep synthetic family: a teacher with
// layer widths Sizes and hidden activation Activation (identity output),
// every weight and bias standard normal (redrawn if two neurons of a
// layer are near-duplicates, or for ReLU and leaky ReLU if a neuron is
// affine on the inputs: MinKinkFraction; a sigmoid teacher is the
// sigmoid form of such a tanh draw, SigmoidFromTanh), probed on standard
// Gaussian inputs. Seeds
// and streams are derived from the name exactly as for Problem.
type DeepProblem struct {
	Name        string // "deep-<activation>-<sizes joined by x>", e.g. "deep-tanh-4x5x3x1"
	Sizes       []int
	Seed        uint64
	Activation  mlp.Activation
	Samples     int     // training inputs
	TestSamples int     // held-out test inputs (0: none)
	Students    int     // N
	Gamma, Beta float64 // γ and β (radians)
	Rho         float64 // default expansion factor
	// StandardSigmoid draws a sigmoid teacher with standard normal
	// weights, as the family's sweeps up to v34 did, instead of as the
	// sigmoid form of a tanh draw (SigmoidFromTanh). Such teachers have
	// upper neurons as close as 3e-6 to affine on their inputs.
	StandardSigmoid bool
}

// Hidden returns the teacher's hidden widths.
func (p DeepProblem) Hidden() []int { return p.Sizes[1 : len(p.Sizes)-1] }

// DeepProblemName returns the stable name of a deep family problem.
func DeepProblemName(act mlp.Activation, sizes []int) string {
	s := make([]string, len(sizes))
	for i, v := range sizes {
		s[i] = strconv.Itoa(v)
	}
	return "deep-" + act.Name() + "-" + strings.Join(s, "x")
}

// String returns the name and every setting needed to rerun the problem.
func (p DeepProblem) String() string {
	return fmt.Sprintf("%s (samples=%d test=%d seed=%#x N=%d γ=%g β=%.6g ρ=%g)",
		p.Name, p.Samples, p.TestSamples, p.Seed, p.Students, p.Gamma, p.Beta, p.Rho)
}

// Teacher draws the problem's teacher. For piecewise-linear activations
// a draw with a hidden neuron that is affine on the default training
// inputs (DeepSamples of them; see MinKinkFraction) is redrawn from the continuing stream, as a draw with
// near-duplicate neurons is (TeacherConfig.MaxCosine).
func (p DeepProblem) Teacher() (*mlp.Network, error) {
	rng := newStream(p.Seed, streamTeacher)
	if p.Activation == mlp.Sigmoid && !p.StandardSigmoid {
		t, err := RandomTeacher(TeacherConfig{Sizes: p.Sizes, Hidden: mlp.Tanh, Output: mlp.Identity}, rng)
		if err != nil {
			return nil, fmt.Errorf("synth: problem %s: %w", p.Name, err)
		}
		return SigmoidFromTanh(t)
	}
	cfg := TeacherConfig{Sizes: p.Sizes, Hidden: p.Activation, Output: mlp.Identity}
	var x *mat.Dense
	var last []mlp.AffineNeuron
	for try := 0; try <= DefaultMaxRedraws; try++ {
		net, err := RandomTeacher(cfg, rng)
		if err != nil {
			return nil, fmt.Errorf("synth: problem %s: %w", p.Name, err)
		}
		if p.Activation.Symmetry() != mlp.EvenLinearPosScale {
			return net, nil
		}
		if x == nil {
			// The default training inputs, whatever p.Samples says: the
			// teacher must not depend on the number of inputs.
			if x, _, err = drawInputs(p.Name, p.Seed, p.Sizes[0], DeepSamples, 0); err != nil {
				return nil, err
			}
		}
		if last, err = mlp.AffineNeurons(net, x, MinKinkFraction); err != nil {
			return nil, fmt.Errorf("synth: problem %s: %w", p.Name, err)
		}
		if len(last) == 0 {
			return net, nil
		}
	}
	return nil, fmt.Errorf("synth: problem %s: every one of %d draws had a neuron affine on the inputs (last: layer %d neuron %d, %.2g of the inputs past its kink)",
		p.Name, DefaultMaxRedraws+1, last[0].Layer+1, last[0].Neuron, last[0].Minority)
}

// SigmoidFromTanh returns the sigmoid network that computes the same
// function as t, a network whose hidden layers are all tanh (any depth,
// with biases, identity or any output activation): tanh(u) = 2σ(2u) − 1,
// so each hidden layer's pre-activation doubles and the layer above reads
// 2σ − 1 instead of tanh. Its first-layer weights and biases are twice
// t's, higher hidden layers' weights four times t's and their biases
// 2b − 2W·1, the output layer's weights twice t's and its bias b − W·1.
//
// The deep family draws its sigmoid teachers this way: sigmoid teachers
// with standard normal weights are, written as tanh networks, a quarter
// as large above the first layer (σ(z) = ½ + ½·tanh(z/2), and σ's output
// spans 1, not 2), so their upper neurons come as close as 3e-6 to
// affine on their inputs (the share of a neuron's output variance that
// no affine function of its pre-activation explains) and the probes do
// not determine them.
func SigmoidFromTanh(t *mlp.Network) (*mlp.Network, error) {
	if t.NumLayers() < 2 {
		return nil, fmt.Errorf("synth: SigmoidFromTanh: the network has no hidden layer")
	}
	if t.Skip() != nil {
		return nil, fmt.Errorf("synth: SigmoidFromTanh: the network has a skip path, which the conversion does not carry")
	}
	sizes := []int{t.InputDim()}
	acts := make([]mlp.Activation, t.NumLayers())
	for l := 0; l < t.NumLayers(); l++ {
		L := t.Layer(l)
		sizes = append(sizes, L.Out)
		acts[l] = mlp.Sigmoid
		last := l == t.NumLayers()-1
		switch {
		case last:
			acts[l] = L.Act
		case L.Act != mlp.Tanh:
			return nil, fmt.Errorf("synth: SigmoidFromTanh: hidden layer %d is %s, want tanh", l+1, L.Act.Name())
		}
		if L.B == nil {
			return nil, fmt.Errorf("synth: SigmoidFromTanh: layer %d has no bias (the conversion moves weight into it)", l+1)
		}
	}
	s, err := mlp.New(mlp.Spec{Sizes: sizes, Acts: acts})
	if err != nil {
		return nil, fmt.Errorf("synth: SigmoidFromTanh: %w", err)
	}
	for l := 0; l < t.NumLayers(); l++ {
		from, to := t.Layer(l), s.Layer(l)
		scale, shift := 2.0, 2.0 // first layer: pre-activation doubled; above: input 2σ−1 too
		if l > 0 {
			scale = 4
		}
		if l == t.NumLayers()-1 {
			scale, shift = scale/2, 1 // output: only the input changes
		}
		for i := 0; i < to.Out; i++ {
			b := from.B[i]
			if l > 0 {
				b -= mat.Sum(from.W.RowView(i)) // the −1 of 2σ − 1
			}
			to.B[i] = shift * b
			for j := 0; j < to.In; j++ {
				to.W.Set(i, j, scale*from.W.At(i, j))
			}
		}
	}
	return s, nil
}

// Inputs draws the problem's training and (if TestSamples > 0) test inputs.
func (p DeepProblem) Inputs() (x, testX *mat.Dense, err error) {
	return drawInputs(p.Name, p.Seed, p.Sizes[0], p.Samples, p.TestSamples)
}

// Dataset returns the teacher and its labelled training and test data.
func (p DeepProblem) Dataset() (*mlp.Network, *Dataset, error) {
	return labelledDataset(p.Name, p.Teacher, p.Inputs)
}

// drawInputs draws the standard Gaussian training and test inputs of the
// family problem with the given name and seed.
func drawInputs(name string, seed uint64, d, samples, test int) (x, testX *mat.Dense, err error) {
	g := Gaussian{D: d}
	if x, err = g.Sample(newStream(seed, streamTrain), samples); err != nil {
		return nil, nil, fmt.Errorf("synth: problem %s: %w", name, err)
	}
	if test > 0 {
		if testX, err = g.Sample(newStream(seed, streamTest), test); err != nil {
			return nil, nil, fmt.Errorf("synth: problem %s: %w", name, err)
		}
	}
	return x, testX, nil
}

// labelledDataset labels a family problem's inputs with its teacher.
func labelledDataset(name string, teacher func() (*mlp.Network, error), inputs func() (x, testX *mat.Dense, err error)) (*mlp.Network, *Dataset, error) {
	t, err := teacher()
	if err != nil {
		return nil, nil, err
	}
	x, tx, err := inputs()
	if err != nil {
		return nil, nil, err
	}
	d, err := LabelDataset(t, x, tx)
	if err != nil {
		return nil, nil, fmt.Errorf("synth: problem %s: %w", name, err)
	}
	return t, d, nil
}

// DeepFamilyOptions overrides and filters the deep family. The zero value
// is all DeepFamilySize problems with the defaults above.
type DeepFamilyOptions struct {
	// Activations keeps only problems with these activation names (nil:
	// all); HiddenLayers only those with these depths (nil: 2 and 3).
	Activations  []string
	HiddenLayers []int
	// Samples and TestSamples override the input counts; 0 means
	// DeepSamples and DefaultTestSamples, a negative TestSamples none.
	Samples, TestSamples int
	// SeedOffset is added to every name hash, giving a fresh family.
	SeedOffset uint64
	// StandardSigmoid sets DeepProblem.StandardSigmoid: sigmoid teachers
	// with standard normal weights, as in the sweeps up to v34.
	StandardSigmoid bool
}

// DeepFamilySize is the number of problems of the deep family.
var DeepFamilySize = len(DeepArchitectures) * len(DeepActivations())

// DeepFamily returns the deep family's problems, filtered and overridden
// by opts, ordered by architecture, then activation (as mlp.Builtins).
func DeepFamily(opts DeepFamilyOptions) []DeepProblem {
	var ps []DeepProblem
	for _, sizes := range DeepArchitectures {
		if opts.HiddenLayers != nil && !slices.Contains(opts.HiddenLayers, len(sizes)-2) {
			continue
		}
		for _, act := range DeepActivations() {
			if opts.Activations != nil && !slices.Contains(opts.Activations, act.Name()) {
				continue
			}
			ps = append(ps, newDeepProblem(act, sizes, opts))
		}
	}
	return ps
}

func newDeepProblem(act mlp.Activation, sizes []int, opts DeepFamilyOptions) DeepProblem {
	name := DeepProblemName(act, sizes)
	p := DeepProblem{Name: name, Sizes: slices.Clone(sizes), Seed: NameSeed(name) + opts.SeedOffset,
		Activation: act, Samples: opts.Samples, TestSamples: opts.TestSamples,
		Students: DeepStudents, Gamma: FamilyGamma, Beta: FamilyBeta, Rho: DeepRho,
		StandardSigmoid: opts.StandardSigmoid}
	if p.Samples == 0 {
		p.Samples = DeepSamples
	}
	switch {
	case p.TestSamples == 0:
		p.TestSamples = DefaultTestSamples
	case p.TestSamples < 0:
		p.TestSamples = 0
	}
	return p
}

// DeepFamilyProblem returns the deep family problem with the given name,
// with the overrides of opts (its filters are ignored).
func DeepFamilyProblem(name string, opts DeepFamilyOptions) (DeepProblem, error) {
	for _, sizes := range DeepArchitectures {
		for _, act := range DeepActivations() {
			if DeepProblemName(act, sizes) == name {
				return newDeepProblem(act, sizes, opts), nil
			}
		}
	}
	return DeepProblem{}, fmt.Errorf("synth: no deep family problem %q (want deep-<activation>-<sizes>, e.g. %s)", name, DeepProblemName(mlp.Tanh, DeepArchitectures[0]))
}

// MinKinkFraction is the smallest fraction of the inputs that must lie on
// each side of the kink of every hidden neuron of a deep family teacher
// whose activation is piecewise linear (ReLU, leaky ReLU). A neuron whose
// pre-activation keeps one sign on (nearly) every input is affine on the
// data: dead, or merged with the layer above (its bias then trades
// against the next layer's), so no method can recover it from those
// inputs. Standard normal weights make such neurons common above the
// first layer (12 of the 16 ReLU and leaky ReLU teachers had one before
// the rule), so DeepProblem.Teacher redraws them.
const MinKinkFraction = 0.01

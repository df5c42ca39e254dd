package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paramrecovery/expandcluster/mlp"
)

// Stream constants: the second PCG seed word of each random stream derived
// from one uint64 seed. They are fixed so that a seed means the same teacher
// and the same inputs in every release.
const (
	streamDefault uint64 = 0x9e3779b97f4a7c15
	streamTeacher uint64 = 0x7465616368657273 // "teachers"
	streamTrain   uint64 = 0x747261696e696e67 // "training"
	streamTest    uint64 = 0x7465737464617461 // "testdata"
)

// NewRand returns the package's standard generator for a seed: a
// math/rand/v2 PCG source seeded with (seed, 0x9e3779b97f4a7c15). The same
// seed always gives the same stream.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, streamDefault))
}

func newStream(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// Distribution is the law that teacher weights and biases are drawn from.
type Distribution int

const (
	// Normal: centred normal with standard deviation Scale (the default).
	Normal Distribution = iota
	// Uniform: uniform on [−Scale·√3, Scale·√3], which has standard
	// deviation Scale like Normal.
	Uniform
)

func (d Distribution) String() string {
	switch d {
	case Normal:
		return "Normal"
	case Uniform:
		return "Uniform"
	}
	return fmt.Sprintf("Distribution(%d)", int(d))
}

// DefaultMaxCosine is the near-duplicate threshold used when
// TeacherConfig.MaxCosine is zero.
const DefaultMaxCosine = 0.99

// DefaultMaxRedraws is the number of redraws allowed when
// TeacherConfig.MaxRedraws is zero.
const DefaultMaxRedraws = 1000

// TeacherConfig describes a random teacher. The zero value of every field
// but Sizes means the documented default; defaults are filled in a copy.
//
// Every parameter is drawn independently from Dist with standard deviation
// Scale (weights) or BiasScale (biases), divided by √fan_in when FanIn is
// set. Parameters are drawn in the order of mlp.Network.Params: layer by
// layer, the weight matrix row by row, then the bias.
type TeacherConfig struct {
	// Sizes are the layer widths, input first and output last, for
	// example {4, 2, 1}. Required.
	Sizes []int
	// Hidden is the activation of every hidden layer; nil means mlp.G,
	// the paper's g(x) = sigmoid(4x) + softplus(x).
	Hidden mlp.Activation
	// Output is the output activation; nil means mlp.Identity.
	Output mlp.Activation
	// Acts, if not nil, gives one activation per layer and overrides
	// Hidden and Output (as mlp.Spec.Acts).
	Acts []mlp.Activation
	// NoBias removes every bias.
	NoBias bool
	// Dist is the law of the parameters; the zero value is Normal.
	Dist Distribution
	// Scale is the standard deviation of the weights; 0 means 1.
	Scale float64
	// BiasScale is the standard deviation of the biases; 0 means Scale.
	BiasScale float64
	// FanIn divides each layer's standard deviations by √fan_in (LeCun
	// scaling), which keeps pre-activations of order one in wide or
	// deep teachers.
	FanIn bool
	// MaxCosine rejects a draw in which two neurons of the same hidden
	// layer have incoming vectors (w, b) whose absolute cosine
	// similarity exceeds it: such near-duplicate (or near-mirror)
	// neurons cannot be told apart by Expand-and-Cluster. Rejected draws
	// are redrawn from the continuing random stream, so the result stays
	// a deterministic function of the seed. 0 means DefaultMaxCosine;
	// a value ≥ 1 disables the check.
	MaxCosine float64
	// MaxRedraws bounds the number of rejected draws before RandomTeacher
	// gives up with an error; 0 means DefaultMaxRedraws.
	MaxRedraws int
}

func (c TeacherConfig) withDefaults() (TeacherConfig, error) {
	if len(c.Sizes) < 2 {
		return c, fmt.Errorf("synth: teacher needs at least input and output sizes, got %v", c.Sizes)
	}
	c.Sizes = append([]int(nil), c.Sizes...)
	if c.Hidden == nil {
		c.Hidden = mlp.G
	}
	if c.Output == nil {
		c.Output = mlp.Identity
	}
	if c.Scale == 0 {
		c.Scale = 1
	}
	if c.BiasScale == 0 {
		c.BiasScale = c.Scale
	}
	if c.Scale < 0 || c.BiasScale < 0 || math.IsNaN(c.Scale) || math.IsNaN(c.BiasScale) ||
		math.IsInf(c.Scale, 0) || math.IsInf(c.BiasScale, 0) {
		return c, fmt.Errorf("synth: teacher scales must be finite and positive, got Scale=%v BiasScale=%v", c.Scale, c.BiasScale)
	}
	if c.Dist != Normal && c.Dist != Uniform {
		return c, fmt.Errorf("synth: unknown teacher distribution %v", c.Dist)
	}
	if c.MaxCosine == 0 {
		c.MaxCosine = DefaultMaxCosine
	}
	if c.MaxCosine < 0 || math.IsNaN(c.MaxCosine) {
		return c, fmt.Errorf("synth: MaxCosine must be in (0, 1] (or ≥ 1 to disable), got %v", c.MaxCosine)
	}
	if c.MaxRedraws == 0 {
		c.MaxRedraws = DefaultMaxRedraws
	}
	if c.MaxRedraws < 0 {
		return c, fmt.Errorf("synth: MaxRedraws must be positive, got %d", c.MaxRedraws)
	}
	return c, nil
}

// Spec returns the mlp.Spec of the teacher described by c, with defaults
// filled in.
func (c TeacherConfig) Spec() (mlp.Spec, error) {
	c, err := c.withDefaults()
	if err != nil {
		return mlp.Spec{}, err
	}
	return mlp.Spec{Sizes: c.Sizes, Hidden: c.Hidden, Output: c.Output, Acts: c.Acts, NoBias: c.NoBias}, nil
}

// NewTeacher is RandomTeacher with NewRand(seed).
func NewTeacher(cfg TeacherConfig, seed uint64) (*mlp.Network, error) {
	return RandomTeacher(cfg, NewRand(seed))
}

// RandomTeacher draws a teacher network as described by cfg from rng. The
// result is a deterministic function of cfg and the state of rng, and rng
// is advanced by every draw (rejected ones included).
func RandomTeacher(cfg TeacherConfig, rng *rand.Rand) (*mlp.Network, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	net, err := mlp.New(mlp.Spec{Sizes: c.Sizes, Hidden: c.Hidden, Output: c.Output, Acts: c.Acts, NoBias: c.NoBias})
	if err != nil {
		return nil, fmt.Errorf("synth: teacher: %w", err)
	}
	var worst NearDuplicate
	for try := 0; try <= c.MaxRedraws; try++ {
		drawParams(net, c, rng)
		if c.MaxCosine >= 1 {
			return net, nil
		}
		d, ok := MostSimilarNeurons(net)
		if !ok || d.Cosine <= c.MaxCosine {
			return net, nil
		}
		worst = d
	}
	return nil, fmt.Errorf("synth: no teacher without near-duplicate neurons in %d draws (last: layer %d neurons %d and %d, |cos| = %.6f > %v); raise MaxCosine or lower the width",
		c.MaxRedraws+1, worst.Layer, worst.I, worst.J, worst.Cosine, c.MaxCosine)
}

func drawParams(net *mlp.Network, c TeacherConfig, rng *rand.Rand) {
	p := net.Params()
	for l := 0; l < net.NumLayers(); l++ {
		L := net.Layer(l)
		ws, bs := c.Scale, c.BiasScale
		if c.FanIn {
			f := 1 / math.Sqrt(float64(L.In))
			ws, bs = ws*f, bs*f
		}
		start, _ := net.LayerParams(l)
		nw := L.In * L.Out
		for i := start; i < start+nw; i++ {
			p[i] = draw(c.Dist, ws, rng)
		}
		for i := range L.B {
			L.B[i] = draw(c.Dist, bs, rng)
		}
	}
}

func draw(d Distribution, std float64, rng *rand.Rand) float64 {
	if d == Uniform {
		return std * math.Sqrt(3) * (2*rng.Float64() - 1)
	}
	return std * rng.NormFloat64()
}

// NearDuplicate names the most similar pair of neurons of a network.
type NearDuplicate struct {
	Layer  int     // hidden layer index (0 is the first hidden layer)
	I, J   int     // the two neurons, I < J
	Cosine float64 // absolute cosine similarity of their (w, b) vectors
}

// MostSimilarNeurons returns the pair of neurons, within one hidden layer,
// whose incoming vectors (w, b) have the largest absolute cosine
// similarity. ok is false when no hidden layer has two neurons. A zero
// vector counts as similar to everything (cosine 1).
func MostSimilarNeurons(net *mlp.Network) (d NearDuplicate, ok bool) {
	d.Cosine = -1
	for l := 0; l < net.NumLayers()-1; l++ {
		L := net.Layer(l)
		vec := func(i int) []float64 {
			v := append([]float64(nil), L.W.RawRowView(i)...)
			if L.B != nil {
				v = append(v, L.B[i])
			}
			return v
		}
		vs := make([][]float64, L.Out)
		norms := make([]float64, L.Out)
		for i := range vs {
			vs[i] = vec(i)
			for _, x := range vs[i] {
				norms[i] += x * x
			}
			norms[i] = math.Sqrt(norms[i])
		}
		for i := 0; i < L.Out; i++ {
			for j := i + 1; j < L.Out; j++ {
				c := 1.0
				if norms[i] > 0 && norms[j] > 0 {
					var s float64
					for k := range vs[i] {
						s += vs[i][k] * vs[j][k]
					}
					c = math.Abs(s) / (norms[i] * norms[j])
				}
				if c > d.Cosine {
					d = NearDuplicate{Layer: l, I: i, J: j, Cosine: c}
					ok = true
				}
			}
		}
	}
	return d, ok
}

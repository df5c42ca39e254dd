package synth

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// The paper's synthetic family (Martinelli et al., ICML 2024, §5; docs/method.md
// §3): one-hidden-layer teachers d_in → r → 1 for every d_in in
// FamilyDIn and r in FamilyR, FamilyTeachers teachers each.
var (
	FamilyDIn = []int{2, 4, 8, 16, 32}
	FamilyR   = []int{2, 4, 8}
)

const (
	// FamilyTeachers is the number of teachers per (d_in, r) setting.
	FamilyTeachers = 10
	// FamilySize is the number of problems in the family, 5·3·10.
	FamilySize = 150
	// DefaultSamples is the default number of training inputs of a family
	// problem. The paper does not state its count; 10 000 is well
	// above the largest teacher's 273 parameters, enough for the
	// zero-loss solutions to be the teacher's up to symmetry.
	DefaultSamples = 10000
	// DefaultTestSamples is the default number of held-out test inputs.
	DefaultTestSamples = 10000
	// FamilyGamma is γ, the minimum cluster size as a fraction of N.
	FamilyGamma = 0.8
	// FamilyBeta is β = π/24, the maximum median within-cluster angle.
	FamilyBeta = math.Pi / 24
)

// FamilyStudents returns the paper's number of students N for hidden width
// r: 20 for r ≤ 4, 10 for r = 8 (and wider).
func FamilyStudents(r int) int {
	if r <= 4 {
		return 20
	}
	return 10
}

// Problem is one synthetic teacher-student problem. Its teacher is a
// DIn → R → 1 network with activation Activation (identity output), every
// weight and bias drawn from the standard normal (TeacherScale scales
// them), redrawn if two hidden neurons are near-duplicates (see
// TeacherConfig.MaxCosine). Its inputs are standard Gaussian.
//
// Seed is the FNV-1a 64-bit hash of Name plus the family's SeedOffset.
// From it three independent PCG streams are derived, (Seed, c) with a
// fixed constant c each: the teacher, the training inputs and the test
// inputs. Training inputs are drawn row by row, so raising Samples keeps
// the first rows; the teacher and test inputs do not depend on Samples.
//
// A result is quoted by Name together with the overrides that differ from
// the defaults; String gives all of them.
type Problem struct {
	Name         string // "din<DIn>-r<R>-t<Index, two digits>", e.g. "din4-r2-t07"
	DIn, R       int
	Index        int // 0 … FamilyTeachers−1
	Seed         uint64
	Activation   mlp.Activation
	TeacherScale float64 // standard deviation of the teacher's parameters (1)
	Samples      int     // training inputs
	TestSamples  int     // held-out test inputs (0: none)
	Students     int     // N
	Gamma        float64 // γ
	Beta         float64 // β in radians
}

// ProblemName returns the stable name of a family problem.
func ProblemName(din, r, index int) string {
	return fmt.Sprintf("din%d-r%d-t%02d", din, r, index)
}

// NameSeed returns the FNV-1a 64-bit hash of name, the base seed of a
// family problem.
func NameSeed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// String returns the name and every setting needed to rerun the problem.
func (p Problem) String() string {
	act := "<nil>"
	if p.Activation != nil {
		act = p.Activation.Name()
	}
	return fmt.Sprintf("%s (act=%s scale=%g samples=%d test=%d seed=%#x N=%d γ=%g β=%.6g)",
		p.Name, act, p.TeacherScale, p.Samples, p.TestSamples, p.Seed, p.Students, p.Gamma, p.Beta)
}

// TeacherConfig returns the configuration of the problem's teacher.
func (p Problem) TeacherConfig() TeacherConfig {
	return TeacherConfig{Sizes: []int{p.DIn, p.R, 1}, Hidden: p.Activation, Output: mlp.Identity, Scale: p.TeacherScale}
}

// Teacher draws the problem's teacher.
func (p Problem) Teacher() (*mlp.Network, error) {
	if p.Activation == nil {
		return nil, fmt.Errorf("synth: problem %s has no activation", p.Name)
	}
	net, err := RandomTeacher(p.TeacherConfig(), newStream(p.Seed, streamTeacher))
	if err != nil {
		return nil, fmt.Errorf("synth: problem %s: %w", p.Name, err)
	}
	return net, nil
}

// Inputs draws the problem's training and (if TestSamples > 0) test inputs.
func (p Problem) Inputs() (x, testX *mat.Dense, err error) {
	return drawInputs(p.Name, p.Seed, p.DIn, p.Samples, p.TestSamples)
}

// Dataset returns the teacher and its labelled training and test data.
func (p Problem) Dataset() (*mlp.Network, *Dataset, error) {
	return labelledDataset(p.Name, p.Teacher, p.Inputs)
}

// Data returns the training inputs and teacher outputs and the test inputs
// and outputs (nil without test samples).
func (p Problem) Data() (x, y, testX, testY *mat.Dense, err error) {
	_, d, err := p.Dataset()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return d.X, d.Y, d.TestX, d.TestY, nil
}

// FamilyOptions overrides and filters the synthetic family. The zero value
// is the paper's 150 problems with the defaults above.
type FamilyOptions struct {
	// Activation of the teachers' hidden layer; nil means mlp.G.
	Activation mlp.Activation
	// Samples and TestSamples override the input counts; 0 means
	// DefaultSamples and DefaultTestSamples, a negative TestSamples means
	// no test set.
	Samples, TestSamples int
	// SeedOffset is added to every problem's name hash, giving a fresh
	// family with the same names.
	SeedOffset uint64
	// TeacherScale is the standard deviation of teacher parameters; 0
	// means 1.
	TeacherScale float64
	// DIn, R and Index keep only problems with those values (nil keeps
	// all).
	DIn, R, Index []int
	// PerSetting keeps the first PerSetting teachers (Index <
	// PerSetting) of each (d_in, r); 0 keeps all.
	PerSetting int
}

// Family returns the paper's synthetic problems, filtered and overridden
// by opts, ordered by d_in, then r, then index.
func Family(opts FamilyOptions) []Problem {
	var ps []Problem
	for _, din := range FamilyDIn {
		if opts.DIn != nil && !slices.Contains(opts.DIn, din) {
			continue
		}
		for _, r := range FamilyR {
			if opts.R != nil && !slices.Contains(opts.R, r) {
				continue
			}
			for i := range FamilyTeachers {
				if opts.Index != nil && !slices.Contains(opts.Index, i) {
					continue
				}
				if opts.PerSetting > 0 && i >= opts.PerSetting {
					continue
				}
				ps = append(ps, newProblem(din, r, i, opts))
			}
		}
	}
	return ps
}

func newProblem(din, r, i int, opts FamilyOptions) Problem {
	name := ProblemName(din, r, i)
	p := Problem{
		Name: name, DIn: din, R: r, Index: i,
		Seed:         NameSeed(name) + opts.SeedOffset,
		Activation:   opts.Activation,
		TeacherScale: opts.TeacherScale,
		Samples:      opts.Samples,
		TestSamples:  opts.TestSamples,
		Students:     FamilyStudents(r),
		Gamma:        FamilyGamma,
		Beta:         FamilyBeta,
	}
	if p.Activation == nil {
		p.Activation = mlp.G
	}
	if p.TeacherScale == 0 {
		p.TeacherScale = 1
	}
	if p.Samples == 0 {
		p.Samples = DefaultSamples
	}
	switch {
	case p.TestSamples == 0:
		p.TestSamples = DefaultTestSamples
	case p.TestSamples < 0:
		p.TestSamples = 0
	}
	return p
}

// FamilyProblem returns the family problem with the given name, with the
// overrides of opts (its filters are ignored), so that a quoted result
// can be rerun.
func FamilyProblem(name string, opts FamilyOptions) (Problem, error) {
	var din, r, i int
	if _, err := fmt.Sscanf(name, "din%d-r%d-t%d", &din, &r, &i); err != nil || ProblemName(din, r, i) != name {
		return Problem{}, fmt.Errorf("synth: %q is not a family problem name (want din<d>-r<r>-t<NN>, e.g. din4-r2-t07)", name)
	}
	if !slices.Contains(FamilyDIn, din) || !slices.Contains(FamilyR, r) || i < 0 || i >= FamilyTeachers {
		return Problem{}, fmt.Errorf("synth: no family problem %q: d_in must be in %v, r in %v, index in 0…%d", name, FamilyDIn, FamilyR, FamilyTeachers-1)
	}
	return newProblem(din, r, i, opts), nil
}

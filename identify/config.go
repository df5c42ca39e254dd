package identify

import (
	"fmt"
	"math"
	"runtime"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
)

// Defaults of Config besides those of the clustering filters
// (cluster.DefaultGamma, cluster.DefaultBeta) and of training (package
// train, including train.DefaultZeroLoss).
const (
	DefaultStudents      = 20   // N, the paper's setting for teachers of width 2 and 4
	DefaultSilentTol     = 1e-6 // see Config.SilentTol
	DefaultDuplicateTol  = 1e-9 // see Config.DuplicateTol
	DefaultMaxRho        = 8    // bound of the automatic ρ search
	DefaultTrialStudents = 3    // students per trial ρ of the automatic search
)

// Config configures Run. The zero value is not enough on its own: set
// Activation and either Widths or BaseWidth. Every other zero field means the
// documented default; Run fills defaults into a copy (Result.Config) and
// never modifies the caller's value.
type Config struct {
	// Activation is the teacher's hidden activation (assumed known, as in
	// the paper). Required.
	Activation mlp.Activation
	// HiddenLayers is the teacher's number of hidden layers. Default 1.
	HiddenLayers int

	// Widths are the students' hidden widths, one per hidden layer. If nil,
	// every hidden layer gets ⌈Rho·BaseWidth⌉.
	Widths []int
	// BaseWidth is a guess r̂ of the teacher's width that Rho multiplies.
	BaseWidth int
	// Rho is the overparameterisation factor ρ ≥ 1. Zero means automatic:
	// short trial runs at ρ = 1, 2, 4, 8, … (up to MaxRho) pick the
	// smallest ρ at which at least two thirds of TrialStudents reach
	// ZeroLoss (Result.Trials reports them).
	Rho float64
	// MaxRho bounds the automatic search. Default DefaultMaxRho (8).
	MaxRho float64
	// TrialStudents is the number of students per trial ρ. Default
	// DefaultTrialStudents (3).
	TrialStudents int

	// Students is N, the number of students. Default DefaultStudents (20,
	// the paper's setting for teachers of width 2 and 4).
	Students int
	// Gamma is γ: a cluster is kept if it has at least ⌈γ·N⌉ members
	// (N = students that trained without failing); it is the fraction
	// whose count cluster.MinClusterSize gives (LayerReport.MinSize).
	// Default cluster.DefaultGamma (0.8).
	Gamma float64
	// Beta is β in radians: a cluster is kept if the median pairwise
	// cosine distance of its members is at most 1 − cos β
	// (cluster.FilterSettings.Beta). Default cluster.DefaultBeta (π/24).
	Beta float64
	// Metric is the distance between neuron vectors. Default (zero)
	// cluster.Euclidean after flipping each vector so that its largest
	// coordinate is positive; cluster.SignInvariantEuclidean avoids the
	// flip and aligns signs within each cluster afterwards.
	Metric cluster.Metric
	// Geometry is the space in which the metric compares neuron vectors:
	// WeightSpace (the zero value, the paper's) or DataSpace, which
	// weighs directions by how much the data excite them — the choice for
	// real data such as images (see DataSpace).
	Geometry Geometry
	// SilentTol: a student neuron whose outgoing weights have a norm of at
	// most SilentTol times the largest in its layer is left out of the
	// clustering: such a silent neuron does not affect the student's
	// function, and zero-loss students are full of them, with random
	// incoming vectors. Default DefaultSilentTol (1e-6); negative keeps
	// every neuron.
	SilentTol float64
	// DuplicateTol: neuron vectors closer than DuplicateTol times the RMS
	// vector norm are treated as identical (distance 0) before linkage,
	// so that duplicates differing only by rounding cannot split a
	// cluster. Default DefaultDuplicateTol (1e-9).
	DuplicateTol float64
	// ZeroLoss is the student loss counted as zero (the paper: 1e-14).
	// Students above it still take part; it is used by the automatic ρ
	// search and reported. Default train.DefaultZeroLoss (1e-14); the
	// package train documentation relates it to the other thresholds.
	ZeroLoss float64

	// OutputNoise is the standard deviation of additive noise on the
	// teacher's outputs, if known (0: none). Together with the rounding
	// of the outputs, which is measured (Result.Precision), it raises the
	// zero-loss and restart thresholds to the noise floor.
	OutputNoise float64

	// TrustDeclaredSymmetry accepts an activation whose declared Symmetry
	// contradicts mlp.DetectSymmetry, with a SymmetryContradicted warning
	// instead of an error. Set it only when the numerical detection is
	// known to be wrong for the function.
	TrustDeclaredSymmetry bool

	// Seed makes the whole run reproducible: student i's initial weights
	// and random stream depend only on (Seed, i).
	Seed uint64
	// Workers trains this many students at once, and is the number of
	// threads the default Gauss–Newton fine-tune of the recovered network
	// shares its curvature products among (train.GaussNewton.Threads).
	// Default GOMAXPROCS. Results do not depend on it.
	Workers int
	// Train configures student training; the zero value is train's
	// default recipe.
	Train train.Config
	// InitGain multiplies the Glorot standard deviation of the students'
	// initial weights. Zero means train.DefaultInitGain (3), measured best
	// for small students trained to zero loss; wide students trained by
	// Adam (784 inputs) do better with 1, the paper's plain Glorot start.
	// Deep students (two or more hidden layers) start at 1 (see
	// defaultInitGain).
	InitGain float64
	// Restarts is how many fresh starts a student that misses the loss
	// floor gets (train.ManyConfig.Restarts): zero means
	// train.DefaultRestarts, or for the first round of a deep run with the
	// default recipe deepRestarts; negative none.
	Restarts int
	// FloorStudents is, for the first round of a deep run on the default
	// recipe, how many students at the floor end the restarts
	// (train.ManyConfig.Enough). Zero means ⌈γN⌉ + 1, or three once every
	// student has had three attempts (two for ReLU and leaky ReLU students
	// on the smoothed polish, or one once three of those have converged
	// to 1e-12 or, with three hidden layers, more than three at the
	// floor are unanimous on the first layer; ManyConfig.LateEnough): the first
	// layer is then clustered over those few, at a fraction of the
	// restarts. A recovery that should rest on ⌈γN⌉ students at the floor
	// sets it to ⌈γN⌉ or more (at most Students).
	FloorStudents int
	// AgreementRound is, for the first round of a deep run on the default
	// recipe, the round from which the restarts also end when the
	// students agree on the first layer, at the floor or not: clustered
	// over the students below 1e-4 (3e-3 for ReLU and leaky ReLU students
	// with three hidden layers, whose first layer the fresh layers above
	// it repair) it keeps at least one neuron, at least
	// ⌈γN⌉ of them have a member in every kept cluster, and the students
	// at the floor, if two or more, share no neuron the others lack.
	// Round r is every student's (r+1)-th attempt. The layers above are then retrained
	// with every layer free, which brings the first to the teacher's
	// values. Zero means round 2 (round 0 for those ReLU and leaky ReLU
	// students), negative never; FloorStudents > 0 turns
	// it off too (the recovery is to rest on students at the floor).
	AgreementRound int
	// Continuation trains the first-round students of a deep run with a
	// piecewise-linear activation (ReLU, leaky ReLU: any with
	// mlp.Smoothed) by continuation: through the activation's smoothings
	// at β = 1, 2, 4, 8, 32, 128, 1024, then with the activation itself, all on the
	// whole data, and restarts them above 1e-7 instead of 1e-10. Plain
	// training of deep ReLU students often stalls between 1e-4 and 1e-6
	// with first-layer neurons missing; continued, most reach 1e-6…1e-8
	// with every first-layer neuron within a few degrees, and some the
	// floor. Each attempt costs several times more, so it is off by
	// default (the default smooths late instead: see PlainPiecewise):
	// for teachers the default leaves with wrong widths. It needs
	// the default deep recipe (Train.Phases nil) and students small enough
	// for it.
	Continuation bool
	// PlainPiecewise turns off the smoothed polish of deep
	// piecewise-linear students: by default a first-round student of a
	// deep run with an activation that has a smoothing (mlp.Smoothed:
	// ReLU, leaky ReLU), once plain Levenberg–Marquardt stalls, is
	// trained on through the smoothings at β = 32, 128, 1024 and then
	// the activation itself, and restarted above 1e-7 instead of 1e-10.
	// Plain training of such students rarely reaches the floor (one
	// attempt in 50 on the deep family's leaky ReLU 4→5→3→1 teacher);
	// polished, one in four or five does, at 5–10 times the cost per
	// attempt.
	PlainPiecewise bool
	// Retrain configures the retraining of the layers above a recovered
	// layer in deep networks. Zero means Train.
	Retrain train.Config
	// FineTune configures the final training of the recovered network.
	// Zero means training every parameter to train.DefaultStopLoss:
	// Levenberg–Marquardt for networks of up to train.LMMaxParams
	// parameters, matrix-free Gauss–Newton (train.GaussNewton) for larger
	// ones, whose dense normal equations would not fit.
	FineTune train.Config
	// SkipFineTune returns the recovered network as collapsed from the
	// students, without the final training.
	SkipFineTune bool

	// Complete, if positive, adds to the recovered hidden layer of a
	// one-hidden-layer run the students' neurons that the clustering
	// dropped but the outputs need: greedily, each time the student
	// neuron whose activations remove most of the least-squares residual
	// of the outputs, as long as it removes at least the fraction
	// Complete of what is left (orthogonal matching pursuit; 0.05 is a
	// reasonable value). Neurons of students at the loss floor are tried
	// first and need only lower the residual: such a student holds the
	// teacher's neurons exactly, and while many are missing each removes
	// only a small share. It is for runs with few students — two wide
	// students of a real-size teacher, where γ = 1 drops every teacher
	// neuron one of them lacks — and runs before the fine-tune, which
	// then starts from the completed network with its output layer fitted
	// by least squares. LayerReport.Completed counts the neurons added
	// and a Completed warning says that they rest on single students.
	// Zero (the default) adds none; it must be below 1.
	Complete float64

	// Recorder receives progress events (student training and pipeline
	// stages, which have Student −1). Nil means none.
	Recorder train.Recorder

	// QueryBudget bounds the number of teacher queries (input rows sent to
	// the teacher) of Run, RunProbes and RunActive; 0 means unlimited. A
	// run that needs more stops with an error wrapping ErrQueryBudget
	// that gives the count, and the Result keeps what was paid for (the
	// queried data and any students trained on them).
	QueryBudget int

	// restartLoss, if positive, is the loss above which a student is
	// restarted (train.ManyConfig.RestartLoss), raised to the outputs'
	// noise floor by applyPrecision.
	restartLoss float64
	// filterMinSize, if positive, replaces ⌈γN⌉ as the minimum cluster
	// size of the size and few-students filters (not of the cut): relaxTop.
	filterMinSize int
}

func (c Config) withDefaults() (Config, error) {
	if c.Activation == nil {
		return c, fmt.Errorf("identify: Config.Activation is required (the teacher's hidden activation)")
	}
	if c.HiddenLayers == 0 {
		c.HiddenLayers = 1
	}
	if c.HiddenLayers < 0 {
		return c, fmt.Errorf("identify: Config.HiddenLayers = %d is negative", c.HiddenLayers)
	}
	if c.Students == 0 {
		c.Students = DefaultStudents
	}
	if c.Students < 0 {
		return c, fmt.Errorf("identify: Config.Students = %d is negative", c.Students)
	}
	if c.Gamma == 0 {
		c.Gamma = cluster.DefaultGamma
	}
	if !(c.Gamma > 0 && c.Gamma <= 1) {
		return c, fmt.Errorf("identify: Config.Gamma = %v is not in (0, 1]", c.Gamma)
	}
	if c.Beta == 0 {
		c.Beta = cluster.DefaultBeta
	}
	if !(c.Beta > 0 && c.Beta <= math.Pi) {
		return c, fmt.Errorf("identify: Config.Beta = %v is not in (0, π]", c.Beta)
	}
	if minSize, err := cluster.MinClusterSize(c.Gamma, c.Students); err != nil {
		return c, fmt.Errorf("identify: %w", err)
	} else if minSize < 2 {
		return c, fmt.Errorf("identify: γ·N = %v·%d gives clusters of %d member: too few students to tell shared neurons from chance (need ⌈γN⌉ ≥ 2)", c.Gamma, c.Students, minSize)
	}
	if c.Metric != cluster.Euclidean && c.Metric != cluster.SignInvariantEuclidean {
		return c, fmt.Errorf("identify: Config.Metric %v is not supported (use Euclidean or SignInvariantEuclidean)", c.Metric)
	}
	if c.Geometry != WeightSpace && c.Geometry != DataSpace {
		return c, fmt.Errorf("identify: Config.Geometry %v is not WeightSpace or DataSpace", c.Geometry)
	}
	if c.SilentTol == 0 {
		c.SilentTol = DefaultSilentTol
	}
	if c.SilentTol >= 1 || math.IsNaN(c.SilentTol) {
		return c, fmt.Errorf("identify: Config.SilentTol = %v must be below 1", c.SilentTol)
	}
	if c.InitGain == 0 {
		c.InitGain = defaultInitGain(c.Activation, c.HiddenLayers)
	}
	if !(c.InitGain > 0) || math.IsInf(c.InitGain, 0) {
		return c, fmt.Errorf("identify: Config.InitGain = %v must be positive and finite", c.InitGain)
	}
	if c.DuplicateTol == 0 {
		c.DuplicateTol = DefaultDuplicateTol
	}
	if !(c.DuplicateTol >= 0 && c.DuplicateTol < 1) {
		return c, fmt.Errorf("identify: Config.DuplicateTol = %v is not in [0, 1)", c.DuplicateTol)
	}
	if c.FloorStudents < 0 || c.FloorStudents > c.Students {
		return c, fmt.Errorf("identify: Config.FloorStudents = %d is not in [0, Students = %d]", c.FloorStudents, c.Students)
	}
	if c.Continuation {
		if _, ok := mlp.Smoothed(c.Activation, 1); !ok {
			return c, fmt.Errorf("identify: Config.Continuation needs a piecewise-linear activation with a smoothing (mlp.Smoothed), not %q", c.Activation.Name())
		}
		if c.HiddenLayers < 2 || c.Train.Phases != nil {
			return c, fmt.Errorf("identify: Config.Continuation applies to the deep recipe: HiddenLayers ≥ 2 (have %d) and Config.Train.Phases nil (have %d phases)", c.HiddenLayers, len(c.Train.Phases))
		}
	}
	if !(c.Complete >= 0 && c.Complete < 1) {
		return c, fmt.Errorf("identify: Config.Complete = %v is not in [0, 1)", c.Complete)
	}
	if c.Complete > 0 && c.HiddenLayers > 1 {
		return c, fmt.Errorf("identify: Config.Complete = %v needs a one-hidden-layer run, have HiddenLayers %d", c.Complete, c.HiddenLayers)
	}
	if c.ZeroLoss == 0 {
		c.ZeroLoss = train.DefaultZeroLoss
	}
	if c.MaxRho == 0 {
		c.MaxRho = DefaultMaxRho
	}
	if c.TrialStudents == 0 {
		c.TrialStudents = DefaultTrialStudents
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Workers < 0 {
		return c, fmt.Errorf("identify: Config.Workers = %d is negative", c.Workers)
	}
	if c.QueryBudget < 0 {
		return c, fmt.Errorf("identify: Config.QueryBudget = %d is negative (0 means unlimited)", c.QueryBudget)
	}
	if c.Widths != nil {
		if len(c.Widths) != c.HiddenLayers {
			return c, fmt.Errorf("identify: Config.Widths has %d entries for %d hidden layers", len(c.Widths), c.HiddenLayers)
		}
		for i, w := range c.Widths {
			if w < 1 {
				return c, fmt.Errorf("identify: Config.Widths[%d] = %d must be positive", i, w)
			}
		}
		if c.Rho != 0 || c.BaseWidth != 0 {
			return c, fmt.Errorf("identify: set either Config.Widths or Config.BaseWidth and Rho, not both")
		}
		return c, nil
	}
	if c.BaseWidth < 1 {
		return c, fmt.Errorf("identify: set Config.Widths or Config.BaseWidth (a guess of the teacher's width), have BaseWidth %d", c.BaseWidth)
	}
	if c.Rho != 0 && !(c.Rho >= 1) {
		return c, fmt.Errorf("identify: Config.Rho = %v: the students must be at least as wide as the guess (ρ ≥ 1)", c.Rho)
	}
	if c.MaxRho < 1 {
		return c, fmt.Errorf("identify: Config.MaxRho = %v is below 1", c.MaxRho)
	}
	return c, nil
}

// WithDefaults returns a copy of c with every zero field set to its
// documented default, or an error that says which setting is wrong.
func (c Config) WithDefaults() (Config, error) { return c.withDefaults() }

// StudentWidths returns the students' hidden widths at expansion factor
// rho: Widths if set, else ⌈rho·BaseWidth⌉ for every hidden layer.
func (c *Config) StudentWidths(rho float64) []int { return c.studentWidths(rho) }

// studentWidths returns the hidden widths of students at factor rho.
func (c *Config) studentWidths(rho float64) []int {
	if c.Widths != nil {
		return c.Widths
	}
	w := make([]int, c.HiddenLayers)
	for i := range w {
		w[i] = int(math.Ceil(rho*float64(c.BaseWidth) - 1e-9))
	}
	return w
}

// defaultInitGain is Config.InitGain's default for students of the given
// activation and number of hidden layers: 1 for deep students, whatever
// the activation, train.DefaultInitGain (3) for one hidden layer. Glorot's
// gain multiplies every layer, so a deep student at 3 starts with its
// upper layers' pre-activations far out of scale; first-round attempts of
// the deep family's GELU 8→8→4→2→1 teacher then stopped mostly between 1e-4
// and 1e-1 without the whole first layer (results/deepfamily-v12-gain1).
// Over the family's 56 teachers of the seven built-in activations that
// started at 3 (g and ReLU were at 1 already), gain 1 recovered one more
// (SiLU 8→8→4→2→1 gained, leaky ReLU 4→3→5→1 gained, the ill-determined
// sigmoid 4→3→5→1 lost) at a median 0.69 of the CPU on the
// three-hidden-layer teachers exact either way and 0.93 on the
// two-hidden-layer ones.
func defaultInitGain(_ mlp.Activation, hiddenLayers int) float64 {
	if hiddenLayers > 1 {
		return 1
	}
	return train.DefaultInitGain
}

package identify

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paramrecovery/expandcluster/cluster"
	"github.com/paramrecovery/expandcluster/mlp"
)

// WarningKind names one reason to doubt a Result. Every kind is computed
// from numbers the run already has; none needs the teacher.
type WarningKind int

const (
	// SymmetryContradicted: the activation's declared Symmetry is not the
	// class mlp.DetectSymmetry finds numerically. Clustering canonicalises
	// neuron vectors for the declared class, so a wrong class splits or
	// merges neurons (tanh declared None recovers one neuron of three).
	// Run, RunData, TrainStudent and Recover return an error for it unless
	// Config.TrustDeclaredSymmetry is set, in which case it is a warning.
	SymmetryContradicted WarningKind = iota + 1
	// FewStudentsAtFloor: fewer than ⌈γN⌉ of the N students (missing and
	// failed ones included) reached the zero-loss threshold, so a teacher
	// neuron cannot have a full cluster of zero-loss students behind it.
	FewStudentsAtFloor
	// RecoveredLossHigh: the recovered network's loss is far above the
	// students' median loss: a neuron was lost or merged in clustering.
	RecoveredLossHigh
	// TooFewProbes: the probes give fewer equations (samples × outputs)
	// than twice a student's parameters, so students can fit the data
	// exactly without agreeing on the teacher's neurons.
	TooFewProbes
	// MarginalCluster: a recovered neuron's cluster is barely above the
	// size threshold ⌈γN⌉ or barely inside the angle threshold 1 − cos β:
	// a slightly different run could have dropped it.
	MarginalCluster
	// LayerSuperfluous: the teacher's outputs are a linear function of the
	// recovered second-to-last hidden layer, so the last one is not the
	// teacher's: Config.HiddenLayers is larger than the teacher's depth.
	LayerSuperfluous
	// CommitteeDisagrees: RunActive stopped at Active.MaxRounds with the
	// students still disagreeing on fresh candidates by more than the
	// loss floor, so the queries may not determine the teacher.
	CommitteeDisagrees
	// Completed: Config.Complete added neurons that no cluster of the
	// required size held; each rests on a single student's neuron and
	// on how much of the outputs it explains.
	Completed
	// AffineOnProbes: a recovered neuron of a piecewise-linear activation
	// (ReLU, leaky ReLU) has fewer than 1% of the probes on one side of
	// its kink, so on the probes it is affine (dead, or linear and merged
	// with the layer above) and they do not determine its weights: the
	// teacher's neuron may be anywhere its kink avoids the probes.
	AffineOnProbes
)

var warningNames = [...]string{"", "SymmetryContradicted", "FewStudentsAtFloor", "RecoveredLossHigh", "TooFewProbes", "MarginalCluster", "LayerSuperfluous", "CommitteeDisagrees", "Completed", "AffineOnProbes"}

// String returns the kind's name, for example "TooFewProbes".
func (k WarningKind) String() string {
	if k <= 0 || int(k) >= len(warningNames) {
		return fmt.Sprintf("WarningKind(%d)", int(k))
	}
	return warningNames[k]
}

// Warning is one doubt about a Result: what was seen (with the numbers)
// and what to do about that cause.
type Warning struct {
	Kind WarningKind
	// Layer is the 1-based hidden layer the warning concerns, 0 for the
	// whole run.
	Layer int
	// Evidence states the numbers that raised the warning; Remedy the
	// change that addresses this cause.
	Evidence, Remedy string
}

// String formats the warning on one line: kind, evidence, remedy.
func (w Warning) String() string {
	where := ""
	if w.Layer > 0 {
		where = fmt.Sprintf(" (layer %d)", w.Layer)
	}
	return fmt.Sprintf("%v%s: %s; remedy: %s", w.Kind, where, w.Evidence, w.Remedy)
}

// Verdict summarises the warnings: "no warnings" or one warning per line.
func (r *Result) Verdict() string {
	if len(r.Warnings) == 0 {
		return "no warnings"
	}
	lines := make([]string, len(r.Warnings))
	for i, w := range r.Warnings {
		lines[i] = "warning: " + w.String()
	}
	return strings.Join(lines, "\n")
}

// Has reports whether the result carries a warning of kind k.
func (r *Result) Has(k WarningKind) bool {
	return slices.ContainsFunc(r.Warnings, func(w Warning) bool { return w.Kind == k })
}

// Thresholds of the warnings. They are deliberately loose: a warning on a
// sound run teaches the user to ignore warnings.
const (
	// probesPerParam: warn below this many equations per student parameter.
	probesPerParam = 2
	// recommendedProbesPerParam is what the TooFewProbes remedy asks for.
	recommendedProbesPerParam = 10
	// lossRatioHigh: the recovered network's loss may exceed the students'
	// median (or the zero-loss threshold, if larger) by this factor.
	lossRatioHigh = 100
	// unreachableRatio: a best student loss this far above the zero-loss
	// threshold means the students cannot represent the teacher, rather
	// than that they trained too briefly.
	unreachableRatio = 1e3
	// marginalAngle: a cluster whose median cosine distance exceeds this
	// fraction of 1 − cos β is barely aligned.
	marginalAngle = 0.5
)

// checkSymmetry compares the declared symmetry class of the activation with
// the detected one: an error, or with Config.TrustDeclaredSymmetry a
// warning.
func checkSymmetry(c *Config) (*Warning, error) {
	if err := mlp.CheckActivation(c.Activation); err != nil {
		return nil, fmt.Errorf("identify: Config.Activation: %w", err)
	}
	declared, found := c.Activation.Symmetry(), mlp.DetectSymmetry(c.Activation)
	if declared == found {
		return nil, nil
	}
	w := &Warning{Kind: SymmetryContradicted,
		Evidence: fmt.Sprintf("activation %q declares symmetry %v, but its values satisfy the identities of %v (mlp.DetectSymmetry)", c.Activation.Name(), declared, found),
		Remedy:   fmt.Sprintf("declare Sym: mlp.%v (or mlp.DetectSymmetry(a)); set Config.TrustDeclaredSymmetry only if the detection is wrong for this function", found)}
	if c.TrustDeclaredSymmetry {
		return w, nil
	}
	return nil, fmt.Errorf("identify: %s; remedy: %s", w.Evidence, w.Remedy)
}

// assess adds the warnings of a finished (or failed) run to res, whose data
// has probes rows, inputs columns and outputs outputs; symmetry is
// checkSymmetry's warning.
func assess(res *Result, probes, inputs, outputs int, symmetry *Warning) {
	c := &res.Config
	if symmetry != nil {
		res.Warnings = append(res.Warnings, *symmetry)
	}
	if w := tooFewProbes(res.StudentWidths, inputs, probes, outputs); w != nil {
		res.Warnings = append(res.Warnings, *w)
	}
	if w := fewAtFloor(c, res); w != nil {
		res.Warnings = append(res.Warnings, *w)
	}
	if w := recoveredLossHigh(res); w != nil {
		res.Warnings = append(res.Warnings, *w)
	}
	res.Warnings = append(res.Warnings, marginalClusters(c, res.Layers)...)
}

// studentParams is the number of parameters of a student with the given
// hidden widths (biases everywhere, as NewStudent builds them).
func studentParams(in int, widths []int, out int) int {
	sizes := append(append([]int{in}, widths...), out)
	p := 0
	for l := 0; l+1 < len(sizes); l++ {
		p += sizes[l]*sizes[l+1] + sizes[l+1]
	}
	return p
}

func tooFewProbes(widths []int, inputs, probes, outputs int) *Warning {
	if widths == nil || probes == 0 {
		return nil
	}
	p := studentParams(inputs, widths, outputs)
	if probes*outputs >= probesPerParam*p {
		return nil
	}
	want := (recommendedProbesPerParam*p + outputs - 1) / outputs
	return &Warning{Kind: TooFewProbes,
		Evidence: fmt.Sprintf("%d probes × %d outputs = %d equations for %d parameters per student (hidden widths %v): students can fit the data exactly without agreeing on the teacher's neurons", probes, outputs, probes*outputs, p, widths),
		Remedy:   fmt.Sprintf("query the teacher on more inputs, at least %d probes (%d equations per student parameter); training longer does not help", want, recommendedProbesPerParam)}
}

func fewAtFloor(c *Config, res *Result) *Warning {
	if len(res.StudentLosses) == 0 && len(res.Failed) == 0 {
		return nil // stopped before any student finished
	}
	need, err := cluster.MinClusterSize(c.Gamma, c.Students)
	if err != nil {
		return nil
	}
	floor := res.studentFloor()
	reached, best := 0, math.Inf(1)
	var finite []float64
	for _, l := range res.StudentLosses {
		if math.IsNaN(l) {
			continue
		}
		finite = append(finite, l)
		best = math.Min(best, l)
		if l <= floor {
			reached++
		}
	}
	if reached >= need {
		return nil
	}
	absent := c.Students - len(finite)
	ev := fmt.Sprintf("%d of %d students reached the zero-loss threshold %.3g, fewer than ⌈γN⌉ = %d", reached, c.Students, floor, need)
	if len(finite) > 0 {
		ev += fmt.Sprintf("; best loss %.3g, median %.3g", best, median(finite))
	}
	if absent > 0 {
		ev += fmt.Sprintf("; %d students missing or failed", absent)
	}
	var remedy string
	switch {
	case absent > 0 && reached+absent >= need:
		remedy = "train the missing students (Missing lists them; Failed says why the others failed) and recover again"
	case res.Network != nil && res.FinalLoss <= res.zeroLoss():
		// The recovered network is a narrower student: that it reached
		// the floor shows the students could have, given longer.
		remedy = fmt.Sprintf("the recovered network reached the threshold (loss %.3g), so the students could represent the teacher but stopped early: train them longer (Config.Train) for a recovery that rests on their agreement", res.FinalLoss)
		if c.deepRecipe(res.studentParams()) && c.Train.Phases == nil && c.FloorStudents == 0 {
			remedy += fmt.Sprintf("; a deep run's first round stops at fewer by default, Config.FloorStudents = %d makes it wait for them", need)
		}
	case c.continuationHelps():
		remedy = "deep students of a piecewise-linear activation often stall above the floor: set Config.Continuation (training through smoothed activations from the start), or give them more restarts (Config.Restarts)"
		if c.PlainPiecewise {
			remedy = "deep students of a piecewise-linear activation often stall above the floor under plain Levenberg–Marquardt: unset Config.PlainPiecewise (a smoothed polish after plain training), set Config.Continuation (smoothed activations from the start), or give them more restarts (Config.Restarts)"
		}
	case len(finite) > 0 && best > unreachableRatio*floor:
		remedy = fmt.Sprintf("no student came within %g× of the threshold, so the students cannot represent the teacher: check that Config.Activation is the teacher's activation and Config.HiddenLayers its depth (now %d), then try a larger ρ", float64(unreachableRatio), c.HiddenLayers)
	default:
		remedy = "give the students more restarts (Config.Restarts) or longer training (Config.Train), or a larger ρ"
	}
	return &Warning{Kind: FewStudentsAtFloor, Evidence: ev, Remedy: remedy}
}

// continuationHelps reports whether the run is a deep one on the default
// recipe whose activation has a smoothing but which does not use it.
func (c *Config) continuationHelps() bool {
	_, smooth := mlp.Smoothed(c.Activation, 1)
	return smooth && c.deep() && !c.Continuation && c.Train.Phases == nil
}

func recoveredLossHigh(res *Result) *Warning {
	if res.Network == nil {
		return nil
	}
	var finite []float64
	for _, l := range res.StudentLosses {
		if !math.IsNaN(l) {
			finite = append(finite, l)
		}
	}
	if len(finite) == 0 {
		return nil
	}
	ref := math.Max(median(finite), res.zeroLoss())
	if !(res.FinalLoss > lossRatioHigh*ref) {
		return nil
	}
	return &Warning{Kind: RecoveredLossHigh,
		Evidence: fmt.Sprintf("the recovered network's loss %.3g is %.3g× the students' median loss %.3g (recovered widths %v)", res.FinalLoss, res.FinalLoss/median(finite), median(finite), res.Widths),
		Remedy:   "a neuron was lost or merged in clustering: see Layers (RemovedSmall, RemovedUnaligned); use more students, a smaller γ, or check Config.Activation and Config.HiddenLayers"}
}

func marginalClusters(c *Config, layers []LayerReport) []Warning {
	var out []Warning
	maxCos := 1 - math.Cos(c.Beta)
	for _, L := range layers {
		var small, loose []string
		for i, n := range L.Neurons {
			// Barely big enough: from no more distinct students than
			// the threshold itself, when N leaves room above it.
			if n.Students <= L.MinSize && L.MinSize < L.Students {
				small = append(small, fmt.Sprintf("neuron %d: %d students (need %d of %d)", i, n.Students, L.MinSize, L.Students))
			}
			if n.MedianCosine > marginalAngle*maxCos {
				loose = append(loose, fmt.Sprintf("neuron %d: median cosine distance %.3g (limit %.3g)", i, n.MedianCosine, maxCos))
			}
		}
		if len(small) > 0 {
			out = append(out, Warning{Kind: MarginalCluster, Layer: L.Layer,
				Evidence: "clusters at the size threshold: " + strings.Join(small, ", "),
				Remedy:   "train more students (Config.Students) so that a neuron's support does not hinge on one student"})
		}
		if len(loose) > 0 {
			out = append(out, Warning{Kind: MarginalCluster, Layer: L.Layer,
				Evidence: "clusters near the angle threshold: " + strings.Join(loose, ", "),
				Remedy:   "train the students to a lower loss (more restarts or longer training): tight clusters come from students at zero loss"})
		}
	}
	return out
}

// zeroLoss is the zero-loss threshold the run used.
func (r *Result) zeroLoss() float64 {
	if r.ZeroLoss > 0 {
		return r.ZeroLoss
	}
	return r.Config.ZeroLoss
}

package identify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// Result is what Run recovered and how.
type Result struct {
	// Network is the recovered network; nil if the run stopped before the
	// clustering finished.
	Network *mlp.Network
	// Widths are the recovered hidden widths.
	Widths []int
	// Layers reports the clustering of each hidden layer.
	Layers []LayerReport
	// Rho is the expansion factor used (0 when Config.Widths was given)
	// and StudentWidths the students' hidden widths. Trials reports the
	// automatic choice of ρ, if it ran.
	Rho           float64
	StudentWidths []int
	Trials        []Trial
	// StudentLosses has the final loss of every student (NaN for a
	// student that failed); Failed lists the students dropped because
	// their training failed or diverged, with the reason.
	StudentLosses []float64
	Failed        []StudentFailure
	// Students are the trained students (the first round, before any
	// retraining for deeper layers). After a cancelled run they are the
	// ones that finished: pass them to Recover to carry on, or save them
	// with Checkpoint.Save.
	Students []*Checkpoint
	// FinalLoss is the recovered network's loss on the training inputs.
	FinalLoss float64
	// ZeroLoss is the zero-loss threshold the run judged students by:
	// Config.ZeroLoss, raised to 10× the outputs' noise loss if that is
	// higher (Precision).
	ZeroLoss float64
	// Precision is the measured precision of the teacher's outputs (24
	// bits for float32 values) and the loss it leaves a perfect student;
	// the zero-loss and restart thresholds are set from it.
	Precision Precision
	// Warnings are the reasons to doubt this result, each with its
	// evidence and remedy (see WarningKind); Verdict formats them. They
	// are filled in also when Run returns an error.
	Warnings []Warning
	Timings  Timings
	// Config is the effective configuration, defaults filled in.
	Config Config

	// Queries is the number of teacher queries (input rows) the run made
	// through its Oracle (0 for RunData and Recover, which query nothing).
	Queries int
	// QueryInputs and QueryOutputs are the queried inputs and the
	// teacher's answers, one query per row (Run, RunProbes, RunActive),
	// also when the run stopped on its query budget: they were paid for.
	QueryInputs, QueryOutputs *mat.Dense
	// Rounds reports the rounds of RunActive, one per round of queries.
	Rounds []ActiveRound

	// agreed is set when the first round of a deep run ended on its
	// students' agreement on the first layer (agreementStop): that layer
	// is then clustered over the students below agreementLoss, those the
	// agreement was judged on, not only those at the floor.
	agreed bool
}

// StudentFailure names a dropped student and why it was dropped.
type StudentFailure struct {
	Student int
	Err     error
}

// Trial is one trial ρ of the automatic expansion search.
type Trial struct {
	Rho float64
	// Losses are the trial students' final losses; Reached counts those at
	// or below Config.ZeroLoss.
	Losses  []float64
	Reached int
}

// Timings break down the wall time of a run.
type Timings struct {
	Trials, Students, Cluster, Retrain, FineTune, Total time.Duration
}

// Run recovers the teacher from its outputs on inputs (one probe sample per
// row) by Expand-and-Cluster (docs/method.md §3). If ctx is cancelled it returns
// what it has, with ctx.Err().
//
// The teacher is queried once, on all the inputs, through an Oracle with
// Config.QueryBudget: more inputs than the budget return an error
// wrapping ErrQueryBudget before any query is made. RunProbes draws the
// inputs from a probe strategy, RunActive chooses them as it trains.
func Run(ctx context.Context, teacher Teacher, inputs *mat.Dense, cfg Config) (*Result, error) {
	if err := checkMatrix("input", inputs); err != nil {
		return nil, err
	}
	if _, err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	oracle, err := NewOracle(teacher, cfg.QueryBudget)
	if err != nil {
		return nil, err
	}
	y, err := oracle.Predict(inputs)
	if err != nil {
		return &Result{Config: cfg, Queries: oracle.Queries()}, err
	}
	res, err := RunData(ctx, inputs, y, cfg)
	if res != nil {
		res.Queries, res.QueryInputs, res.QueryOutputs = oracle.Queries(), inputs, y
	}
	return res, err
}

// RunData is Run for a teacher known only through recorded inputs x and
// outputs y (one sample per row), for example probes exported from another
// framework as .npy files.
func RunData(ctx context.Context, x, y *mat.Dense, cfg Config) (*Result, error) {
	start := time.Now()
	c, prec, symmetry, err := prepare(cfg, x, y)
	if err != nil {
		return nil, err
	}
	res := &Result{Config: c, Rho: c.Rho, ZeroLoss: c.ZeroLoss, Precision: prec}
	err = expandAndCluster(ctx, x, y, &c, res)
	return finish(res, err, x, y, symmetry, start)
}

// prepare fills in the defaults, checks the data and the activation, and
// sets the loss thresholds from the outputs' precision. Every stage calls
// it, so that TrainStudent and Recover see what Run sees.
func prepare(cfg Config, x, y *mat.Dense) (Config, Precision, *Warning, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return c, Precision{}, nil, err
	}
	if err := checkData(x, y); err != nil {
		return c, Precision{}, nil, err
	}
	if !(c.OutputNoise >= 0) || math.IsInf(c.OutputNoise, 0) {
		return c, Precision{}, nil, fmt.Errorf("identify: Config.OutputNoise = %v must be a finite standard deviation ≥ 0", c.OutputNoise)
	}
	symmetry, err := checkSymmetry(&c)
	if err != nil {
		return c, Precision{}, nil, err
	}
	prec := MeasurePrecision(y, c.OutputNoise)
	applyPrecision(&c, prec)
	return c, prec, symmetry, nil
}

// expandAndCluster is Run after the checks: choose ρ if asked, train the
// students, recover.
func expandAndCluster(ctx context.Context, x, y *mat.Dense, c *Config, res *Result) error {
	var err error
	if c.Widths == nil && c.Rho == 0 {
		t0 := time.Now()
		res.Rho, res.Trials, err = chooseRho(ctx, x, y, c)
		res.Timings.Trials = time.Since(t0)
		if err != nil {
			return err
		}
	}
	res.StudentWidths = c.studentWidths(res.Rho)
	t0 := time.Now()
	students, err := trainStudents(ctx, x, y, c, res.StudentWidths, c.Students, res)
	res.Timings.Students = time.Since(t0)
	if err != nil {
		return err
	}
	return recoverFrom(ctx, x, y, students, c, res)
}

// finish adds the warnings and the total time to res, and to an error that
// nothing was recovered the warning that most likely explains it (its
// generic advice to train longer is wrong when the probes are too few).
func finish(res *Result, err error, x, y *mat.Dense, symmetry *Warning, start time.Time) (*Result, error) {
	assess(res, x.RawMatrix().Rows, x.RawMatrix().Cols, y.RawMatrix().Cols, symmetry)
	res.Timings.Total = time.Since(start)
	if err != nil && (errors.Is(err, ErrNoNeurons) || errors.Is(err, ErrTooFewStudents)) && len(res.Warnings) > 0 {
		err = fmt.Errorf("%w; likely cause: %v", err, res.Warnings[0])
	}
	return res, err
}

func checkMatrix(what string, m *mat.Dense) error {
	if m == nil || m.IsEmpty() {
		return fmt.Errorf("identify: no %s data (empty matrix)", what)
	}
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := m.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("identify: %s row %d, column %d is %v", what, i, j, v)
			}
		}
	}
	return nil
}

func checkData(x, y *mat.Dense) error {
	if err := checkMatrix("input", x); err != nil {
		return err
	}
	if err := checkMatrix("teacher output", y); err != nil {
		return err
	}
	if rx, ry := x.RawMatrix().Rows, y.RawMatrix().Rows; rx != ry {
		return fmt.Errorf("identify: %d teacher outputs for %d inputs", ry, rx)
	}
	if rx := x.RawMatrix().Rows; rx < 2 {
		return fmt.Errorf("identify: %d probe sample: need many more samples than student parameters", rx)
	}
	return nil
}

// record sends a pipeline event (Student −1) to the recorder, if any.
func record(c *Config, stage string, loss float64, start time.Time) error {
	if c.Recorder == nil {
		return nil
	}
	return c.Recorder.Record(train.Event{Student: -1, Phase: stage, Loss: loss, GradNorm: math.NaN(), Elapsed: time.Since(start), Done: true})
}

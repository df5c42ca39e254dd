package identify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// The stages below split Run so that students can be trained apart, for
// example as a Slurm job array with one task per student, and clustered
// later from their files. TrainStudent(i) depends only on the data, the
// Config and i, so the stages give bit-for-bit the result of one Run with
// the same Config.

// Checkpoint is one trained student as saved by the training stage.
type Checkpoint struct {
	// Index is the student's index in the run, Seed the run's seed and
	// Widths its hidden widths.
	Index  int
	Seed   uint64
	Widths []int
	// Loss is the final training loss and Phases the training record.
	Loss   float64
	Phases []train.PhaseResult
	// Net is the trained student.
	Net *mlp.Network
	// Elapsed is the training time.
	Elapsed time.Duration
}

// checkpointFormat tags student files so that other files are rejected.
const checkpointFormat = "expandcluster/student"

type checkpointJSON struct {
	Format  string        `json:"format"`
	Index   int           `json:"index"`
	Seed    uint64        `json:"seed"`
	Widths  []int         `json:"widths"`
	Loss    float64       `json:"loss"`
	Phases  []phaseJSON   `json:"phases"`
	Elapsed time.Duration `json:"elapsed_ns"`
	Net     *mlp.Network  `json:"network"`
	// Checksum is mlp.Checksum of this record encoded with an empty
	// Checksum, so that a file changed after saving (a weight or the
	// loss edited by hand, a corrupted copy) is rejected.
	Checksum string `json:"checksum"`
}

// checksum returns the checksum of j's contents. Encoding the decoded
// values again reproduces the saved bytes: floats are written in their
// shortest round-trip form and the network encodes deterministically.
func (j checkpointJSON) checksum() (string, error) {
	j.Checksum = ""
	b, err := json.Marshal(j)
	if err != nil {
		return "", err
	}
	return mlp.Checksum(b), nil
}

// stageWidths returns the student widths of a staged run, which needs them
// fixed in advance: the automatic ρ search is not available here.
func stageWidths(c *Config) ([]int, error) {
	if c.Widths == nil && c.Rho == 0 {
		return nil, fmt.Errorf("identify: training students in stages needs Config.Widths or Config.Rho (no automatic ρ search)")
	}
	return c.studentWidths(c.Rho), nil
}

// TrainStudent trains student i of the run that cfg describes, exactly as
// Run trains it.
func TrainStudent(ctx context.Context, x, y *mat.Dense, cfg Config, i int) (*Checkpoint, error) {
	c, _, _, err := prepare(cfg, x, y)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= c.Students {
		return nil, fmt.Errorf("identify: student index %d outside [0, %d)", i, c.Students)
	}
	widths, err := stageWidths(&c)
	if err != nil {
		return nil, err
	}
	params := studentParams(x.RawMatrix().Cols, widths, y.RawMatrix().Cols)
	r := train.One(ctx, x, y, i, newStudentFunc(&c, x, y, widths), manyConfig(&c, params))
	if r.Err != nil {
		return nil, fmt.Errorf("identify: %w", r.Err)
	}
	if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
		return nil, fmt.Errorf("identify: student %d diverged (loss %v)", i, r.Loss)
	}
	net := r.Net
	return &Checkpoint{Index: i, Seed: c.Seed, Widths: widths, Loss: r.Loss, Phases: r.Phases, Net: net, Elapsed: r.Total}, nil
}

// CheckpointName is the file name of student i in a checkpoint directory.
func CheckpointName(i int) string { return fmt.Sprintf("student-%05d.json", i) }

// Save writes the checkpoint into dir as CheckpointName(Index). It writes
// a temporary file and renames it into place, so a reader never sees a
// half-written file: a process killed mid-write leaves only a temporary
// file, which LoadCheckpoints ignores.
func (cp *Checkpoint) Save(dir string) (string, error) {
	j := checkpointJSON{Format: checkpointFormat, Index: cp.Index, Seed: cp.Seed, Widths: cp.Widths,
		Loss: cp.Loss, Phases: phasesToJSON(cp.Phases), Elapsed: cp.Elapsed, Net: cp.Net}
	sum, err := j.checksum()
	if err != nil {
		return "", fmt.Errorf("identify: saving student %d: %w", cp.Index, err)
	}
	j.Checksum = sum
	b, err := json.Marshal(j)
	if err != nil {
		return "", fmt.Errorf("identify: saving student %d: %w", cp.Index, err)
	}
	path := filepath.Join(dir, CheckpointName(cp.Index))
	tmp, err := os.CreateTemp(dir, ".tmp-"+CheckpointName(cp.Index)+"-*")
	if err != nil {
		return "", fmt.Errorf("identify: saving student %d: %w", cp.Index, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return "", fmt.Errorf("identify: saving student %d: %w", cp.Index, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("identify: saving student %d: %w", cp.Index, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("identify: saving student %d: %w", cp.Index, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("identify: saving student %d: %w", cp.Index, err)
	}
	return path, nil
}

// ReadCheckpoint reads one student file. A file whose contents do not
// match its checksum (changed after saving) is rejected, naming the file.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cp, err := parseCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("identify: %s: %w", path, err)
	}
	if filepath.Base(path) != CheckpointName(cp.Index) {
		return nil, fmt.Errorf("identify: %s: holds student %d, expected in %s", path, cp.Index, CheckpointName(cp.Index))
	}
	return cp, nil
}

// parseCheckpoint decodes and verifies the contents of a student file.
func parseCheckpoint(b []byte) (*Checkpoint, error) {
	var j checkpointJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("not a valid student file: %w", err)
	}
	if j.Format != checkpointFormat {
		return nil, fmt.Errorf("not a student file (format %q)", j.Format)
	}
	if j.Net == nil {
		return nil, fmt.Errorf("student file without a network")
	}
	if j.Checksum == "" {
		return nil, fmt.Errorf("student file without a checksum (written by an older version): train the student again")
	}
	sum, err := j.checksum()
	if err != nil {
		return nil, fmt.Errorf("not a valid student file: %w", err)
	}
	if sum != j.Checksum {
		return nil, fmt.Errorf("contents do not match the file's checksum (changed since saved): stored %q, contents give %q", j.Checksum, sum)
	}
	return &Checkpoint{Index: j.Index, Seed: j.Seed, Widths: j.Widths, Loss: j.Loss, Phases: phasesFromJSON(j.Phases), Net: j.Net, Elapsed: j.Elapsed}, nil
}

// LoadCheckpoints reads every student file (student-NNNNN.json) in dir, in
// index order. Files that cannot be read or do not belong to the run
// described by cfg (other seed or widths) are skipped and reported in
// skipped; temporary files of interrupted writes are ignored.
func LoadCheckpoints(dir string, cfg Config) (cps []*Checkpoint, skipped []error, err error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	widths, err := stageWidths(&c)
	if err != nil {
		return nil, nil, err
	}
	names, err := filepath.Glob(filepath.Join(dir, "student-*.json"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		cp, err := ReadCheckpoint(name)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		if cp.Seed != c.Seed || !slices.Equal(cp.Widths, widths) || cp.Index >= c.Students {
			skipped = append(skipped, fmt.Errorf("identify: %s: student of another run (seed %d, widths %v, index %d)", name, cp.Seed, cp.Widths, cp.Index))
			continue
		}
		cps = append(cps, cp)
	}
	return cps, skipped, nil
}

// Missing returns the student indices in [0, cfg.Students) that have no
// checkpoint in cps: the array tasks to rerun.
func Missing(cps []*Checkpoint, students int) []int {
	have := make(map[int]bool, len(cps))
	for _, cp := range cps {
		have[cp.Index] = true
	}
	var m []int
	for i := 0; i < students; i++ {
		if !have[i] {
			m = append(m, i)
		}
	}
	return m
}

// Recover is the clustering stage: it recovers the teacher from trained
// students (for example from LoadCheckpoints) exactly as Run does after
// training. cfg must be the Config the students were trained with.
func Recover(ctx context.Context, x, y *mat.Dense, cps []*Checkpoint, cfg Config) (*Result, error) {
	start := time.Now()
	c, prec, symmetry, err := prepare(cfg, x, y)
	if err != nil {
		return nil, err
	}
	widths, err := stageWidths(&c)
	if err != nil {
		return nil, err
	}
	res := &Result{Config: c, Rho: c.Rho, StudentWidths: widths, ZeroLoss: c.ZeroLoss, Precision: prec}
	students, err := fromCheckpoints(cps, x, y, &c, res)
	if err != nil {
		return nil, err
	}
	if len(students) < 2 {
		err = fmt.Errorf("%w: %d students to cluster, need at least 2", ErrTooFewStudents, len(students))
	} else {
		err = recoverFrom(ctx, x, y, students, &c, res)
	}
	return finish(res, err, x, y, symmetry, start)
}

// fromCheckpoints checks the checkpoints against the run and records them
// in res (students, losses, training time, missing ones as failed).
func fromCheckpoints(cps []*Checkpoint, x, y *mat.Dense, c *Config, res *Result) ([]student, error) {
	sort.Slice(cps, func(a, b int) bool { return cps[a].Index < cps[b].Index })
	var students []student
	seen := map[int]bool{}
	for _, cp := range cps {
		if seen[cp.Index] {
			return nil, fmt.Errorf("identify: student %d given twice", cp.Index)
		}
		seen[cp.Index] = true
		if !slices.Equal(cp.Net.Sizes()[1:len(cp.Net.Sizes())-1], res.StudentWidths) || cp.Net.InputDim() != x.RawMatrix().Cols || cp.Net.OutputDim() != y.RawMatrix().Cols {
			return nil, fmt.Errorf("identify: student %d has sizes %v, the run needs hidden widths %v", cp.Index, cp.Net.Sizes(), res.StudentWidths)
		}
		students = append(students, student{index: cp.Index, net: cp.Net, loss: cp.Loss})
		res.Students = append(res.Students, cp)
		res.StudentLosses = append(res.StudentLosses, cp.Loss)
		res.Timings.Students += cp.Elapsed
	}
	for _, i := range Missing(cps, c.Students) {
		res.Failed = append(res.Failed, StudentFailure{Student: i, Err: errors.New("no student file")})
	}
	return students, nil
}

// phaseJSON is a train.PhaseResult in JSON, which has no NaN: an unknown
// gradient norm is left out.
type phaseJSON struct {
	Name      string        `json:"name"`
	Iter      int           `json:"iter"`
	StartLoss float64       `json:"start_loss"`
	Loss      float64       `json:"loss"`
	GradNorm  *float64      `json:"grad_norm,omitempty"`
	Reason    int           `json:"reason"`
	Elapsed   time.Duration `json:"elapsed_ns"`
}

func phasesToJSON(ps []train.PhaseResult) []phaseJSON {
	out := make([]phaseJSON, len(ps))
	for i, p := range ps {
		out[i] = phaseJSON{Name: p.Name, Iter: p.Iter, StartLoss: finiteOr(p.StartLoss), Loss: finiteOr(p.Loss), Reason: int(p.Reason), Elapsed: p.Elapsed}
		if g := p.GradNorm; !math.IsNaN(g) && !math.IsInf(g, 0) {
			out[i].GradNorm = &g
		}
	}
	return out
}

func phasesFromJSON(ps []phaseJSON) []train.PhaseResult {
	out := make([]train.PhaseResult, len(ps))
	for i, p := range ps {
		out[i] = train.PhaseResult{Name: p.Name, Iter: p.Iter, StartLoss: p.StartLoss, Loss: p.Loss, GradNorm: math.NaN(), Reason: train.StopReason(p.Reason), Elapsed: p.Elapsed}
		if p.GradNorm != nil {
			out[i].GradNorm = *p.GradNorm
		}
	}
	return out
}

// finiteOr maps a non-finite loss (a phase that started from a diverged
// point) to the largest float64, which JSON can hold.
func finiteOr(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return math.MaxFloat64
	}
	return v
}

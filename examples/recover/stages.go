package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/outdir"
)

const studentsDesc = `Trains students and saves each as DIR/students/student-NNNNN.json (written
to a temporary name and renamed, so an interrupted task never leaves a file
that the cluster stage accepts). Student i depends only on the data, the
flags and i: run one task per index (a Slurm array task, a Kubernetes
indexed pod) or several shards, in any order, anywhere DIR is shared.
Indices that already have a valid file are skipped unless -force is given,
so rerunning a task is always safe. A student whose training diverges is
recorded as DIR/students/student-NNNNN.failed (as Run drops it) and the
task still succeeds.

Give exactly one of -index i, -shard k -of n, or -all.
`

func studentsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("students", "[flags] (-index i | -shard k -of n | -all)", studentsDesc, stdout, stderr)
	o := sharedFlags(fs)
	index := fs.Int("index", -1, "train the student with this `index` in [0, N) (for example $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)")
	shard := fs.Int("shard", -1, "train the students k, k+n, k+2n, ... of shard `k` in [0, n) (with -of)")
	of := fs.Int("of", 0, "number of shards `n` (with -shard)")
	all := fs.Bool("all", false, "train every student")
	force := fs.Bool("force", false, "train again indices that already have a valid file or a failure record")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	modes := 0
	if *index >= 0 {
		modes++
	}
	if *shard >= 0 || *of != 0 {
		modes++
	}
	if *all {
		modes++
	}
	if modes != 1 {
		return usageErr("give exactly one of -index i, -shard k -of n, or -all (see recover students -h)")
	}
	var idx []int
	switch {
	case *index >= 0:
		if *index >= o.students {
			return usageErr("-index %d is outside [0, %d) (-students %d)", *index, o.students, o.students)
		}
		idx = []int{*index}
	case *all:
		for i := range o.students {
			idx = append(idx, i)
		}
	default:
		if *of < 1 || *shard < 0 || *shard >= *of {
			return usageErr("-shard %d -of %d: need 0 ≤ k < n", *shard, *of)
		}
		for i := *shard; i < o.students; i += *of {
			idx = append(idx, i)
		}
	}
	o.stageDir()
	p, err := o.load()
	if err != nil {
		return err
	}
	if err := p.fixedWidths("students"); err != nil {
		return err
	}
	dir := studentsDir(o.dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := checkManifest(o.dir, p, true); err != nil {
		return err
	}
	if !*force {
		idx, err = pending(dir, p, idx, stderr)
		if err != nil {
			return err
		}
	}
	return trainIndices(ctx, p, dir, idx, o.workers, stderr)
}

// pending drops the indices that already have a valid student file or a
// failure record.
func pending(dir string, p *problem, idx []int, stderr io.Writer) ([]int, error) {
	failed, err := readFailures(dir, p.cfg.Students)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, i := range idx {
		cp, err := identify.ReadCheckpoint(filepath.Join(dir, identify.CheckpointName(i)))
		switch {
		case err == nil && cp.Seed == p.cfg.Seed && slices.Equal(cp.Widths, p.widths):
			fmt.Fprintf(stderr, "student %d: %s already trained (loss %.3e), skipped (-force trains it again)\n", i, identify.CheckpointName(i), cp.Loss)
		case failed[i] != "":
			fmt.Fprintf(stderr, "student %d: recorded as failed (%s), skipped (-force trains it again)\n", i, failed[i])
		default:
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(stderr, "student %d: existing file not usable, training again: %v\n", i, err)
			}
			out = append(out, i)
		}
	}
	return out, nil
}

// trainIndices trains the students idx, workers at a time, saving each as
// soon as it is trained. A student that fails to train is recorded with a
// failure marker; any other error stops the stage.
func trainIndices(ctx context.Context, p *problem, dir string, idx []int, workers int, stderr io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan int)
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	for range min(workers, len(idx)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				cp, err := identify.TrainStudent(ctx, p.x, p.y, p.cfg, i)
				if err != nil && ctx.Err() != nil {
					fail(fmt.Errorf("student %d interrupted, not saved: %w", i, ctx.Err()))
					continue
				}
				if err != nil {
					// The configuration and the data were checked
					// before: this is the student's own failure,
					// deterministic, and Run would drop it too.
					mu.Lock()
					fmt.Fprintf(stderr, "student %d: training failed, recorded as %s: %v\n", i, failureName(i), err)
					mu.Unlock()
					if werr := writeFailure(dir, i, err); werr != nil {
						fail(werr)
					}
					continue
				}
				path, err := cp.Save(dir)
				if err != nil {
					fail(err)
					continue
				}
				os.Remove(filepath.Join(dir, failureName(i))) // a stale record of an earlier failure
				mu.Lock()
				fmt.Fprintf(stderr, "student %d: loss %.3e in %s, saved %s\n", i, cp.Loss, time.Since(t0).Round(time.Millisecond), path)
				mu.Unlock()
			}
		}()
	}
feed:
	for _, i := range idx {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

const clusterDesc = `Loads the student files of DIR/students, reports unreadable ones and missing
indices, clusters the students layer by layer and writes:

  DIR/recovered.json   the recovered network (mlp JSON)
  DIR/report.txt       the per-layer clustering report, and the comparison
                       with the teacher when it is known
  DIR/teacher.json     the teacher (with -synthetic)
  DIR/pictures/        dendrograms, distance maps, alignment plots (-pictures)

Every index in [0, N) must have a student file or a failure record; if some
are missing the stage prints them and exits with code 3 (train them again
with "recover students -index i", or on Slurm "sbatch --array=LIST
students.sbatch"). -min-students k clusters anyway when at least k students
are present. With all students present the result is bit-identical to
"recover run" with the same flags.
`

func clusterCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cluster", "[flags]", clusterDesc, stdout, stderr)
	o := sharedFlags(fs)
	minStudents := fs.Int("min-students", 0, "cluster even if student files are missing, provided at least `k` students are present (0: all must be present)")
	pictures := fs.String("pictures", "png", "picture `formats` written to DIR/pictures: png, svg, png,svg or none")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	formats, err := parseFormats(*pictures)
	if err != nil {
		return err
	}
	o.stageDir()
	p, err := o.load()
	if err != nil {
		return err
	}
	if err := p.fixedWidths("cluster"); err != nil {
		return err
	}
	dir := studentsDir(o.dir)
	if _, err := os.Stat(dir); err != nil {
		return &exitError{exitMissing, fmt.Errorf("no student directory %s: train the students first (recover students)", dir)}
	}
	if err := checkManifest(o.dir, p, false); err != nil {
		return err
	}
	cps, skipped, err := identify.LoadCheckpoints(dir, p.cfg)
	if err != nil {
		return err
	}
	for _, e := range skipped {
		fmt.Fprintf(stderr, "skipped: %v\n", e)
	}
	failed, err := readFailures(dir, p.cfg.Students)
	if err != nil {
		return err
	}
	var missing, failedIdx []int
	for _, i := range identify.Missing(cps, p.cfg.Students) {
		if _, ok := failed[i]; ok {
			failedIdx = append(failedIdx, i)
			fmt.Fprintf(stderr, "student %d failed to train (%s): left out, as Run does\n", i, failed[i])
		} else {
			missing = append(missing, i)
		}
	}
	fmt.Fprintf(stderr, "%d of %d students loaded from %s", len(cps), p.cfg.Students, dir)
	if len(failedIdx) > 0 {
		fmt.Fprintf(stderr, ", %d failed", len(failedIdx))
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, ", %d missing: %s", len(missing), ranges(missing))
	}
	fmt.Fprintln(stderr)
	if len(missing) > 0 {
		need := p.cfg.Students - len(failedIdx)
		if *minStudents > 0 {
			need = *minStudents
		}
		if len(cps) < need {
			return &exitError{exitMissing, fmt.Errorf("students missing: %s\n"+
				"  train them again with the same flags:  recover students -index i ..., for each index above\n"+
				"  on Slurm:       ARRAY=%s deploy/slurm/submit.sh RECOVER-FLAGS\n"+
				"             or:  sbatch --array=%s deploy/slurm/students.sbatch RECOVER-FLAGS\n"+
				"  or cluster without them: -min-students %d",
				ranges(missing), ranges(missing), ranges(missing), len(cps))}
		}
		fmt.Fprintf(stderr, "clustering without the missing students (-min-students %d): the result differs from a complete run\n", *minStudents)
	}
	res, err := identify.Recover(ctx, p.x, p.y, cps, p.cfg)
	if err != nil {
		return fmt.Errorf("clustering: %w", err)
	}
	return writeOutputs(o, p, res, formats, "cluster", stdout, stderr)
}

const runDesc = `Trains all students and clusters them in one process (identify.RunData), for
one machine or to check the staged route: with the same flags, "students"
for every index followed by "cluster" gives bit-for-bit the same
DIR/recovered.json. Writes the same outputs as "recover cluster"; the
students are not saved.
`

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[flags]", runDesc, stdout, stderr)
	o := sharedFlags(fs)
	pictures := fs.String("pictures", "png", "picture `formats` written to DIR/pictures: png, svg, png,svg or none")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	formats, err := parseFormats(*pictures)
	if err != nil {
		return err
	}
	p, err := o.load()
	if err != nil {
		return err
	}
	if o.dir == "" {
		// A fresh out/recover-run-* directory: a run never overwrites
		// another's outputs.
		if o.dir, err = outdir.Fresh("recover-run"); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "writing to %s\n", o.dir)
	}
	res, err := identify.RunData(ctx, p.x, p.y, p.cfg)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	return writeOutputs(o, p, res, formats, "run", stdout, stderr)
}

// writeOutputs writes the recovered network, the report, the teacher and
// the pictures into the work directory and prints a summary on stdout.
func writeOutputs(o *options, p *problem, res *identify.Result, formats []string, stage string, stdout, stderr io.Writer) error {
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	var cmp *identify.Report
	if p.teacher != nil {
		r, err := identify.Compare(p.teacher, res.Network, p.fresh)
		if err != nil {
			fmt.Fprintf(stderr, "comparison with the teacher: %v\n", err)
		} else {
			cmp = &r
		}
		if o.synthetic != "" {
			if err := saveNetwork(filepath.Join(o.dir, "teacher.json"), p.teacher); err != nil {
				return err
			}
		}
	}
	recovered := filepath.Join(o.dir, "recovered.json")
	if err := saveNetwork(recovered, res.Network); err != nil {
		return err
	}
	report := formatReport(p, res, cmp, stage)
	if err := writeAtomic(filepath.Join(o.dir, "report.txt"), []byte(report)); err != nil {
		return err
	}
	written, err := renderPictures(filepath.Join(o.dir, "pictures"), res, cmp, formats)
	if err != nil {
		// The network and the report are the results; pictures are extra.
		fmt.Fprintf(stderr, "pictures: %v\n", err)
	}
	fmt.Fprint(stdout, report)
	fmt.Fprintf(stdout, "wrote %s, %s", recovered, filepath.Join(o.dir, "report.txt"))
	if len(written) > 0 {
		fmt.Fprintf(stdout, " and %d pictures in %s", len(written), filepath.Join(o.dir, "pictures"))
	}
	fmt.Fprintln(stdout)
	return nil
}

func parseFormats(s string) ([]string, error) {
	if s == "none" || s == "" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f != "png" && f != "svg" {
			return nil, usageErr("-pictures %q: formats are png, svg or none", s)
		}
		out = append(out, f)
	}
	return out, nil
}

const checkDesc = `Checks the flags and the data without training: loads or generates the
data, derives the configuration, checks that DIR/students (if it exists)
holds students of the same run, and prints a summary. Submission scripts
run it before submitting the jobs.
`

func checkCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "[flags]", checkDesc, stdout, stderr)
	o := sharedFlags(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	o.stageDir()
	p, err := o.load()
	if err != nil {
		return err
	}
	if err := p.fixedWidths("check"); err != nil {
		return err
	}
	if err := checkManifest(o.dir, p, false); err != nil {
		return err
	}
	m := p.manifest()
	fmt.Fprintf(stdout, "data: %s\nstudents: N = %d, widths %v, activation %s, seed %d; files in %s\n",
		p.desc, p.cfg.Students, m.Widths, m.Activation, m.Seed, studentsDir(o.dir))
	return nil
}

// Command fashionmnistdeep recovers the deep Fashion-MNIST teacher
// 784 → 30 → 30 → 30 → 10 (activation g, the authors' deep MNIST
// architecture trained on Fashion-MNIST; committed as
// results/fashionmnist-deep/g-r30x3/teacher-g-e10-s1.json) in one command,
// from its outputs alone. Every width is read from the data; the teacher's
// weights are used only to report how close each stage came.
//
// The teacher is queried on Gaussian inputs with the training images' mean
// and covariance and four times their spread, drawn in the span of its
// first-layer weights (estimated from finite-difference gradients at the
// images): on the images its upper neurons barely leave the affine part of
// g and are weakly determined; on wider queries every layer is pinned
// down. The stages, each one's network saved as it ends:
//
//  0. span students: -students students 30 → 60 → 60 → 60 → 10 on the
//     queries (Gauss–Newton, -student-steps steps each, two at once);
//  1. stitch: every layer's neurons of all students grouped by average
//     linkage on the uncentred cosine distance of their pre-activations
//     (cut 0.02, groups of at least two students kept), the network fitted
//     to the groups' mean pre-activations layer by layer and fine-tuned
//     (101 steps), then pruned (each removal allowed while the loss stays
//     within 2× its value) and fine-tuned again (50);
//  2. layer 1 pruned to the knee of its loss curve (stop before a removal
//     that multiplies the loss by more than 5; 5 steps after each removal
//     before it is judged, so that the neurons left can take over a
//     surplus one's work) and fine-tuned (50) — layer 1 comes out at its
//     width here (stage 1 alone left it at 36 for seed 1: six surplus
//     neurons the 2× rule never reached);
//  3. neurons of layers 2–3 that the queries keep on one side of g's bend
//     moved into it, and fine-tuned (105): one-sided neurons hold the
//     fine-tunes on a plateau (for seed 1 at 4.3e-5 of the output
//     variance, each Gauss–Newton step's model predicting under 5 % of a
//     decrease); moved, they let the loss go on down;
//  4. pruned harder (10×) and fine-tuned (105);
//  5. layer 2 refilled from what the span students agree on: its neurons
//     no student holds within 1e-3 (pre-activations on the queries) taken
//     out, and neurons added back one at a time — from those and every
//     student's layer-2 neurons, the layer above refitted by least
//     squares; forward selection with exchanges — while an addition
//     divides the loss by 1.5 or more (-refill-gain); one-sided neurons
//     moved into the bend and the network fine-tuned (105). On a network
//     fitted this closely (seed 1: 2.7e-8 of the output variance) a
//     teacher neuron no fit of the lineage found is stood in for by
//     several surplus neurons, which pruning cannot take out one at a time
//     (each removal costs more than a few steps win back: seed 1's layer-2
//     knee stopped at 35); taken out together, a student's rough copy of
//     the missing neuron takes their place;
//  6. layer 2 pruned to the knee of its loss curve, as layer 1 (5 steps
//     after each removal), and fine-tuned (105) if it removed any;
//  7. layer 3 pruned in cycles (1.5×, 25-step fine-tunes) until no
//     removal passes;
//     8–9. one-sided neurons of layers 2–3 moved into g's bend again, and
//     fine-tuned (twice): a neuron always on g's affine side trades its
//     bias with the layer above and settles as a shifted copy of the
//     teacher's (61 and 51 steps);
//  10. layer 3 from agreement: -above-students new students 29 → 120 → 10
//     on layer 2's activations (-above-steps each), their neurons grouped
//     (cut -tau), the groups held by at least -min of them kept (half: the
//     paper's γ for MNIST-size teachers), layer 3 and the readout fitted
//     to them and the whole network fine-tuned (110 steps).
//
// Every training is bounded by Gauss–Newton steps — those the hand-run
// chain in results/fashionmnist-deep took in its minutes — so a run gives
// the same networks on any machine and for any -workers; each also has a
// time cap, three times the chain's minutes (-student-time, -above-time;
// -time-scale scales every cap, for smoke runs: -time-scale 0.01). A
// fine-tune also stops after 20 steps without a 1 % gain.
//
// Each stage writes OUT/<stage>.json (the network lifted to the 784
// pixels); a stage whose file is there is read instead of run, and
// students are kept in OUT/students/ and OUT/above/ as they end, so an
// interrupted run resumes where it stopped and loses no finished stage or
// student (interrupting a stage loses that stage's unfinished work only).
// Each students' directory records what they were trained with
// (students.json), and each stage's file the settings it was made with
// (OUT/<stage>.settings.txt); a rerun that asks for other students
// (another -seed, -student-steps, …) or other stage settings (another
// -time-scale, a changed stage) is refused rather than handed those.
// At the end OUT/summary.md gets one row per stage: widths, loss on the
// queries relative to their output variance, teacher neurons within data-
// space cosine distance 1e-2 (1e-3) per layer on the test images, test
// relative RMSE and label agreement. OUT defaults to a fresh directory
// out/fashionmnistdeep-<date-time>-N (internal/outdir): committed results
// are never modified unless -out names them.
//
// Students train two at once (-workers), each on one core; the stitching
// stages share their Gauss–Newton products among -workers threads. Two
// runs with different -seed (another lineage of the same chain: other
// students, the same queries) share the project's two cores with
// -workers 1 each.
//
// The stage constants are those measured in results/fashionmnist-deep
// (README there).
//
// The data come from Debian's dataset-fashion-mnist package; without them
// the command says so and exits with status 3.
//
//	go run ./examples/fashionmnistdeep -out results/fashionmnist-deep/one-command
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/paramrecovery/expandcluster/internal/deepstitch"
	"github.com/paramrecovery/expandcluster/internal/outdir"
	"github.com/paramrecovery/expandcluster/internal/span"
	"github.com/paramrecovery/expandcluster/synth"
)

// settings are the command's flags.
type settings struct {
	out, teacher             string
	students, aboveStudents  int
	studentSteps, aboveSteps int
	studentTime, aboveTime   time.Duration
	minAgree, workers        int
	seed                     uint64
	tau, timeScale           float64
	refillGain               float64
}

// defaultSettings are the flags' defaults: the chain as measured in
// results/fashionmnist-deep, seed 1, two workers.
func defaultSettings() settings {
	return settings{teacher: span.TeacherPath, students: 8, studentSteps: 135, studentTime: 36 * time.Minute,
		aboveStudents: 8, aboveSteps: 220, aboveTime: 24 * time.Minute, tau: 1e-3, refillGain: 1.5,
		seed: 1, workers: 2, timeScale: 1}
}

func main() {
	s := defaultSettings()
	flag.StringVar(&s.out, "out", s.out, "output directory (an existing one resumes; empty: a fresh out/fashionmnistdeep-DATE-TIME-N)")
	flag.StringVar(&s.teacher, "teacher", s.teacher, "the teacher's file (run from the repository root for the committed one)")
	flag.IntVar(&s.students, "students", s.students, "span students (stage 0)")
	flag.IntVar(&s.studentSteps, "student-steps", s.studentSteps, "Gauss–Newton steps of each span student")
	flag.DurationVar(&s.studentTime, "student-time", s.studentTime, "training time cap of each span student")
	flag.IntVar(&s.aboveStudents, "above-students", s.aboveStudents, "layer-3 students (stage 10)")
	flag.IntVar(&s.aboveSteps, "above-steps", s.aboveSteps, "Gauss–Newton steps of each layer-3 student")
	flag.DurationVar(&s.aboveTime, "above-time", s.aboveTime, "training time cap of each layer-3 student")
	flag.IntVar(&s.minAgree, "min", s.minAgree, "stage 10 keeps groups held by at least this many layer-3 students (0: half of them, rounded up)")
	flag.Float64Var(&s.tau, "tau", s.tau, "stage 10's linkage cut (uncentred cosine distance)")
	flag.Float64Var(&s.refillGain, "refill-gain", s.refillGain, "stage 5 adds a layer-2 neuron back while the addition divides the loss by at least this (above 1)")
	flag.Uint64Var(&s.seed, "seed", s.seed, "seed of the students' initialisations (stages 0 and 10): another seed, another lineage of the same chain")
	flag.IntVar(&s.workers, "workers", s.workers, "students trained at once (each on one core), and threads of each fine-tune")
	flag.Float64Var(&s.timeScale, "time-scale", s.timeScale, "multiply every training and fine-tune time cap by this")
	flag.Parse()
	if s.minAgree == 0 {
		s.minAgree = (s.aboveStudents + 1) / 2
	}
	if err := s.validate(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := deepstitch.Setup(ctx, s.teacher, querySpread, queryCount)
	if errors.Is(err, synth.ErrDataMissing) {
		fmt.Fprintf(os.Stderr, "Fashion-MNIST not found: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)\n(%v)\n", err)
		os.Exit(3)
	}
	if err != nil {
		log.Fatal(err)
	}
	if err := run(ctx, d, s); err != nil {
		log.Fatal(err)
	}
}

// The queries every stage fits: Gaussian, four times the images' spread.
const (
	querySpread = 4
	queryCount  = 30000
)

func (s settings) validate() error {
	if s.students < 2 || s.aboveStudents < 1 || s.minAgree < 1 || s.minAgree > s.aboveStudents || s.studentSteps < 1 || s.aboveSteps < 1 ||
		s.studentTime <= 0 || s.aboveTime <= 0 || s.workers < 1 || !(s.tau > 0 && s.tau <= 2) || !(s.timeScale > 0) || !(s.refillGain > 1) {
		return fmt.Errorf("fashionmnistdeep: -students %d at least 2, -above-students %d positive with -min %d in 1…%d, -student-steps %d, -above-steps %d, -student-time %s and -above-time %s positive, -workers %d positive, -tau %g in (0, 2], -time-scale %g positive, -refill-gain %g above 1",
			s.students, s.aboveStudents, s.minAgree, s.aboveStudents, s.studentSteps, s.aboveSteps, s.studentTime, s.aboveTime, s.workers, s.tau, s.timeScale, s.refillGain)
	}
	return nil
}

// run trains the span students, runs every stage not yet saved in s.out,
// and writes the summary.
func run(ctx context.Context, d *deepstitch.Data, s settings) error {
	out, err := outdir.Or(s.out, "fashionmnistdeep")
	if err == nil {
		err = os.MkdirAll(out, 0o755)
	}
	if err != nil {
		return err
	}
	s.out = out
	fmt.Printf("output in %s\n", out)
	students, err := deepstitch.TrainStudents(ctx, d.Z, d.Y, d.Teacher.Layer(0).Act, deepstitch.StudentSpec{
		Hidden: 3, Width: 60, N: s.students, Limit: s.scaled(s.studentTime), Steps: s.studentSteps, Patience: 25, Dir: filepath.Join(s.out, "students"),
		Seed: s.seed, Workers: s.workers})
	if err != nil {
		return fmt.Errorf("stage 0 (span students): %w", err)
	}
	var rows []summaryRow
	prev := ""
	for i, st := range stages(s) {
		path := filepath.Join(s.out, st.name+".json")
		o := st.options(prev)
		if _, err := os.Stat(path); err == nil {
			fmt.Printf("== stage %d, %s: read from %s\n", i+1, st.name, path)
			if err := checkRecord(path, o); err != nil {
				return fmt.Errorf("stage %d (%s): %w", i+1, st.name, err)
			}
		} else {
			fmt.Printf("== stage %d, %s\n", i+1, st.name)
			if o.Base == "" {
				o.Nets = students
			}
			if err := runStage(ctx, d, o, path); err != nil {
				return fmt.Errorf("stage %d (%s): %w", i+1, st.name, err)
			}
		}
		row, err := summarize(d, st.name, path)
		if err != nil {
			return err
		}
		rows = append(rows, row)
		prev = path
	}
	return writeSummary(filepath.Join(s.out, "summary.md"), s, rows)
}

// runStage runs one stitch stage and saves its network to path, unless
// ctx stopped it: an unfinished stage is not saved, so a resumed run
// redoes it.
func runStage(ctx context.Context, d *deepstitch.Data, o deepstitch.Options, path string) error {
	net, err := deepstitch.Run(ctx, d, o)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return err
	}
	lifted, err := d.Sub.Lift(net)
	if err != nil {
		return err
	}
	if err := lifted.SaveFile(path); err != nil { // through a temporary file: a stage file, when there, is complete
		return err
	}
	return os.WriteFile(recordPath(path), []byte(record(o)), 0o644)
}

// record is what a stage's network depends on in o, as text: every
// setting but the students (recorded in their own directory), the
// threads and workers (which do not change a result) and the directory
// the files are in. It is deepstitch.Options printed whole, field by field
// as %+v prints it, so a setting added to Options later changes every
// record and stage files made before it are refused — conservative,
// where a record of chosen fields would miss a new setting that changes
// the result — unless the setting is in recordedWhenSet.
func record(o deepstitch.Options) string {
	o.Nets, o.Threads, o.AboveWorkers = nil, 0, 0
	if o.Base != "" {
		o.Base = filepath.Base(o.Base)
	}
	if o.AboveDir != "" {
		o.AboveDir = filepath.Base(o.AboveDir)
	}
	keep := make([]string, len(o.Keep)) // o.Keep is the caller's
	for i, f := range o.Keep {
		keep[i] = filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f))
	}
	if o.Keep != nil {
		o.Keep = keep
	}
	v := reflect.ValueOf(o)
	var fields []string
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		if recordedWhenSet[name] && v.Field(i).IsZero() {
			continue
		}
		fields = append(fields, fmt.Sprintf("%s:%+v", name, v.Field(i).Interface()))
	}
	return "{" + strings.Join(fields, " ") + "}\n"
}

// recordedWhenSet are the Options fields added after stage records were
// first kept, which a record names only when they are set: with them off
// a stage does what it did before they existed, so its older file stays
// valid.
var recordedWhenSet = map[string]bool{"Refill": true, "RefillGain": true}

// recordPath is the file that holds the settings a stage's file at path
// was made with.
func recordPath(path string) string { return strings.TrimSuffix(path, ".json") + ".settings.txt" }

// checkRecord refuses a stage file made with other settings than o's, so
// that a rerun after the stages changed (or with another -time-scale)
// does not build on a network the current stages would not have made. A
// stage file with no record (made before records were kept) is accepted
// with a warning.
func checkRecord(path string, o deepstitch.Options) error {
	have, err := os.ReadFile(recordPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Printf("   (no record of the settings %s was made with: made before records were kept)\n", path)
		return nil
	}
	if err != nil {
		return err
	}
	if want := record(o); string(have) != want {
		return fmt.Errorf("%s was made with the settings\n%sthis run's are\n%sgive the run another directory, or remove the stage's files to redo it", path, have, want)
	}
	return nil
}

// scaled is a training budget times -time-scale.
func (s settings) scaled(t time.Duration) time.Duration {
	return time.Duration(float64(t) * s.timeScale)
}

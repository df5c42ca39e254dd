// Command stitch measures data-space stitching on the committed deep
// Fashion-MNIST span students (run 2, or the student files given as
// arguments): pair the two students' neurons by
// the uncentred correlation of their pre-activations on the 30 000 probe
// images at every layer (mutual nearest neighbours within cosine distance
// -tau) — or, with -min m, group all the students' neurons by average
// linkage cut at -tau and keep the groups of m or more students — average
// each pair's (group's) pre-activations, fit each stitched layer's
// incoming weights to them by least squares on the stitched layer below
// and the readout to the teacher's outputs, then optionally fine-tune
// (-finetune) and compare with the teacher in data space on the test
// images, as examples/fashionmnist does. It is an experiment, not a
// route identify offers: run it from the repository root,
//
//	go run ./results/fashionmnist-deep/stitch -tau 0.3 -finetune 10m
//	go run ./results/fashionmnist-deep/stitch -tau 0.01 -min 2 -spread 4 -finetune 10m STUDENT.json...
//
// With -spread S the students are span students trained on Gaussian
// queries S times wider than the images (examples/fashionmnist -gaussian
// S): the pre-activations are taken, and the fine-tune runs, on 30 000
// (-queries) such queries instead of the images. With -above L the layers
// from L up are stitched instead from -above-students new students trained
// on the activations of the stitched layer L−1 (the layer-by-layer
// recovery of the paper, stitching in place of its retraining); with -base
// FILE the layers below L come from a network saved earlier with -save
// instead (without -above: the whole network, its readout refitted);
// -above-dir keeps those new students, so that later runs regroup them
// without training, and -above-table prints how many groups of their
// neurons each cut keeps, held by how many of them (agree.go). With
// -prune F the (fine-tuned) network then loses hidden neurons one at a time
// while its loss stays within F times its value before (prune.go), and
// -prune-finetune trains it on; -prune-cycles repeats the two. With -bend N
// the fine-tune and pruning also see bend queries (bend.go): for each
// neuron of -bend-layers that the queries keep out of g's bend almost
// always, N more queries from the same distribution that put it there.
//
// The machinery (and the files named above) is in internal/deepstitch,
// which examples/fashionmnistdeep runs as one chain; this command maps its
// flags onto deepstitch.Options.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/paramrecovery/expandcluster/internal/deepstitch"
	"github.com/paramrecovery/expandcluster/internal/span"
)

const dir = "results/fashionmnist-deep/g-r30x3/"

func main() {
	tau := flag.Float64("tau", 1e-2, "largest cosine distance of a pair (with -min: the linkage cut)")
	ft := flag.Duration("finetune", 0, "fine-tune time")
	single := flag.Int("single", -1, "stitch one student's neurons alone (index)")
	minStudents := flag.Int("min", 0, "group all students' neurons by average linkage cut at -tau and keep groups holding this many students (0: mutual nearest pairs of two students)")
	above := flag.Int("above", 0, "stitch only the layers below this one (1-based) from the given students; train -above-students new students of the layers from it up on the stitched layer's activations and stitch those from them (0: none)")
	aboveStudents := flag.Int("above-students", 4, "students of the layers above -above")
	aboveWidth := flag.Int("above-width", 120, "width of every hidden layer of those students")
	aboveTime := flag.Duration("above-time", 10*time.Minute, "training time of each of them (two at once)")
	aboveStd := flag.Bool("above-standardize", false, "train those students on the stitched activations standardised (each to zero mean, unit variance; folded back into their first layer afterwards)")
	aboveTable := flag.Bool("above-table", false, "with -above: print, before stitching each layer from -above up, how many groups of the new students' neurons each linkage cut and each -min would keep, and the max-clusters cut's count for each share of the students (the data's choices), with how many teacher neurons they hold (a diagnostic)")
	aboveDir := flag.String("above-dir", "", "with -above: keep those students in this directory (student-I.json); a student already there is read instead of trained, so a stopped run loses no finished student (one directory per -base and -above: only the sizes are checked)")
	diagnose := flag.Bool("diagnose", false, "print, for each stitched neuron of layers 2–3, its cosine distance to the nearest teacher neuron (pre-activations on the queries) and its largest centred correlation with a stitched neuron of the layer below (a pass-through copy)")
	queries := flag.Int("queries", 30000, "Gaussian queries with -spread")
	pruneFactor := flag.Float64("prune", 0, "after the fine-tune, remove hidden neurons one at a time while the loss stays within this factor of its value before (0: no pruning; see prune)")
	pruneFT := flag.Duration("prune-finetune", 0, "fine-tune time after pruning")
	save := flag.String("save", "", "write the final network, lifted to pixel space, to this file (refused if it exists); with several -prune-cycles also each cycle's, to FILE without .json plus -cycleN.json")
	base := flag.String("base", "", "take the hidden layers (with -above L: the layers below L) from this saved network (784 inputs, three hidden layers, as -save writes) instead of stitching them; the readout is refitted")
	merge := flag.Bool("merge", false, "with -prune: also try merging the closest pairs of neurons of a layer into one (see prune)")
	cycles := flag.Int("prune-cycles", 1, "with -prune: prune and fine-tune (-prune-finetune) this many times, stopping early when a pruning removes nothing")
	pruneStep := flag.Float64("prune-step", 0, "with -prune: also stop before a removal that multiplies the loss by more than this (the knee of the loss curve; 0: no such stop)")
	pruneRetrain := flag.Int("prune-retrain", 0, "with -prune: Gauss–Newton steps after each removal before its loss is judged (0: none)")
	pruneReport := flag.Bool("prune-report", false, "with -prune: compare the network with the teacher after every removal")
	pruneLayers := flag.String("prune-layers", "", "with -prune: only these hidden layers (1-based, comma-separated) lose neurons (empty: all)")
	spread := flag.Float64("spread", 0, "Gaussian span queries this many times wider than the images instead of the images (0: the images)")
	bend := flag.Int("bend", 0, "add this many bend queries per rarely bent neuron of -bend-layers before the fine-tune (see bendQueries; 0: none)")
	bendLayers := flag.String("bend-layers", "2", "with -bend: the hidden layers (1-based, comma-separated) whose neurons get bend queries")
	bendBelow := flag.Float64("bend-below", 0.05, "with -bend: neurons the queries put in g's bend less often than this get bend queries")
	keepFiles := flag.String("keep", "", "with -prune or -refill: comma-separated saved networks (as -save writes) or span students (as -above-dir or examples/fashionmnistdeep keep them); a neuron one of them holds within -keep-tau is never removed (see heldElsewhere)")
	keepTau := flag.Float64("keep-tau", 1e-3, "with -keep: largest uncentred cosine distance of the pre-activations on the queries")
	unbendBelow := flag.Float64("unbend", 0, "before the fine-tune (and each -prune-finetune), move into g's bend the neurons the queries keep on one side of it for all but this fraction (see unbend; 0: none)")
	unbendLayers := flag.String("unbend-layers", "2,3", "with -unbend: the hidden layers (1-based, comma-separated) whose neurons may move")
	saveSteps := flag.Bool("prune-save-steps", false, "with -prune and -save: also write the network after each removal, to FILE without .json plus -W1xW2xW3.json (its widths)")
	threads := flag.Int("threads", 1, "goroutines each fine-tune and pruning retrain shares its curvature products among (the same results for any number)")
	ftSteps := flag.Int("finetune-steps", 0, "also bound the fine-tune to this many Gauss–Newton steps (0: only -finetune's time)")
	pruneFTSteps := flag.Int("prune-finetune-steps", 0, "also bound each -prune-finetune to this many Gauss–Newton steps (0: only its time)")
	refillLayer := flag.Int("refill", 0, "before the fine-tune, rebuild this hidden layer from the -keep networks: its neurons none of them holds taken out, neurons added back by forward selection from those and the -keep networks' (see Refill) while an addition divides the loss by -refill-gain or more (0: none)")
	refillGain := flag.Float64("refill-gain", 0, "with -refill: the least factor an addition must divide the loss by")
	flag.Parse()
	o := deepstitch.Defaults()
	o.Threads, o.FineTuneSteps, o.PruneFineTuneSteps = *threads, *ftSteps, *pruneFTSteps
	o.Refill, o.RefillGain = *refillLayer, *refillGain
	o.Tau, o.FineTune, o.Single, o.MinStudents = *tau, *ft, *single, *minStudents
	o.Above, o.AboveStudents, o.AboveWidth, o.AboveTime = *above, *aboveStudents, *aboveWidth, *aboveTime
	o.AboveStandardize, o.AboveTable, o.AboveDir, o.Diagnose = *aboveStd, *aboveTable, *aboveDir, *diagnose
	o.Queries, o.PruneFactor, o.PruneFineTune, o.Save, o.Base = *queries, *pruneFactor, *pruneFT, *save, *base
	o.Merge, o.PruneCycles, o.PruneStep, o.PruneRetrain, o.PruneReport = *merge, *cycles, *pruneStep, *pruneRetrain, *pruneReport
	o.Spread, o.Bend, o.BendBelow, o.KeepTau, o.Unbend, o.PruneSaveSteps = *spread, *bend, *bendBelow, *keepTau, *unbendBelow, *saveSteps
	var errPrune, errBend, errUnbend error
	o.PruneLayers, errPrune = deepstitch.LayerList("-prune-layers", *pruneLayers)
	o.BendLayers, errBend = deepstitch.LayerList("-bend-layers", *bendLayers)
	o.UnbendLayers, errUnbend = deepstitch.LayerList("-unbend-layers", *unbendLayers)
	check(errors.Join(errPrune, errBend, errUnbend))
	if *keepFiles != "" {
		o.Keep = strings.Split(*keepFiles, ",")
	}
	o.Students = flag.Args()
	if len(o.Students) == 0 {
		for i := 0; i < 2; i++ {
			o.Students = append(o.Students, fmt.Sprintf("%sstudents-gn-n2-p30000-e400-t25m0s-g1-subspace/student-%05d.json", dir, i))
		}
	}
	check(o.Validate())
	ctx := context.Background()
	d, err := deepstitch.Setup(ctx, span.TeacherPath, o.Spread, o.Queries)
	check(err)
	_, err = deepstitch.Run(ctx, d, o)
	check(err)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

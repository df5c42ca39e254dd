package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paramrecovery/expandcluster/internal/deepstitch"
	"github.com/paramrecovery/expandcluster/mlp"
)

// defaults are the command's defaults, with -min resolved as main does
// and the output in out.
func defaults() settings {
	s := defaultSettings()
	s.out, s.teacher, s.minAgree = "out", "t.json", 4
	return s
}

// TestStagesAreValid checks that every stage's settings pass the stitch
// package's own validation — stage 1 with the span students given as
// networks, the others on the previous stage's file — that each stage is
// numbered in order and reads the one before it, and that the last keeps
// its students in OUT.
func TestStagesAreValid(t *testing.T) {
	s := defaults()
	students := make([]*mlp.Network, s.students)
	prev := ""
	for i, st := range stages(s) {
		if want := fmt.Sprintf("%d-", i+1); !strings.HasPrefix(st.name, want) {
			t.Errorf("stage %d is named %q; its file name must start with %q (the order the files are read back in)", i+1, st.name, want)
		}
		o := st.options(prev)
		if o.Base != prev {
			t.Errorf("stage %s starts from %q, want the previous stage's %q", st.name, o.Base, prev)
		}
		if o.Base == "" {
			o.Nets = students
		}
		if err := o.Validate(); err != nil {
			t.Errorf("stage %d (%s): %v", i+1, st.name, err)
		}
		prev = st.name + ".json"
	}
	last := stages(s)[len(stages(s))-1].options(prev)
	if last.AboveDir != "out/above" || last.MinStudents != 4 || last.AboveStudents != 8 {
		t.Errorf("last stage: students in %q, %d of %d must agree; want out/above, 4 of 8", last.AboveDir, last.MinStudents, last.AboveStudents)
	}
}

// TestSettingsRejected checks that impossible flags are refused.
func TestSettingsRejected(t *testing.T) {
	for name, change := range map[string]func(*settings){
		"one span student":       func(s *settings) { s.students = 1 },
		"more agreeing than all": func(s *settings) { s.minAgree = 9 },
		"zero cut":               func(s *settings) { s.tau = 0 },
		"no time":                func(s *settings) { s.studentTime = 0 },
		"no steps":               func(s *settings) { s.aboveSteps = 0 },
		"negative scale":         func(s *settings) { s.timeScale = -1 },
		"refill gain of 1":       func(s *settings) { s.refillGain = 1 },
	} {
		s := defaults()
		change(&s)
		if s.validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := defaults().validate(); err != nil {
		t.Errorf("defaults refused: %v", err)
	}
}

// TestTimeScale checks that -time-scale reaches every stage's budgets.
func TestTimeScale(t *testing.T) {
	s := defaults()
	s.timeScale = 0.5
	full, half := stages(defaults()), stages(s)
	for i := range full {
		a, b := full[i].options("p"), half[i].options("p")
		if 2*b.FineTune != a.FineTune || 2*b.PruneFineTune != a.PruneFineTune || (a.Above > 0 && 2*b.AboveTime != a.AboveTime) {
			t.Errorf("stage %s: budgets %s, %s, %s at half scale; %s, %s, %s at full", full[i].name,
				b.FineTune, b.PruneFineTune, b.AboveTime, a.FineTune, a.PruneFineTune, a.AboveTime)
		}
	}
}

// TestStepBudgets checks that every fine-tune and the layer-3 students are
// bounded by steps (the run must not depend on the machine's speed) and
// that the fine-tunes share -workers threads.
func TestStepBudgets(t *testing.T) {
	for _, st := range stages(defaults()) {
		o := st.options("p")
		if (o.FineTune > 0 && o.FineTuneSteps == 0) || (o.PruneFineTune > 0 && o.PruneFineTuneSteps == 0) || (o.Above > 0 && o.AboveSteps == 0) {
			t.Errorf("stage %s: a budget in time only: fine-tune %s (%d steps), after pruning %s (%d steps), layer students %s (%d steps)",
				st.name, o.FineTune, o.FineTuneSteps, o.PruneFineTune, o.PruneFineTuneSteps, o.AboveTime, o.AboveSteps)
		}
		if o.Threads != 2 {
			t.Errorf("stage %s: %d threads, want -workers' 2", st.name, o.Threads)
		}
	}
}

// TestStageRecords checks that a stage file is reused only with the
// settings it was made with: the same settings (and other threads, or
// another directory) pass, another step budget or time cap is refused, and
// a file with no record passes.
func TestStageRecords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "3-unbend.json")
	o := stages(defaults())[2].options(filepath.Join(dir, "2-layer1-knee.json"))
	if err := os.WriteFile(recordPath(path), []byte(record(o)), 0o644); err != nil {
		t.Fatal(err)
	}
	same := stages(defaults())[2].options("elsewhere/2-layer1-knee.json")
	same.Threads = 7
	if err := checkRecord(path, same); err != nil {
		t.Errorf("same settings refused: %v", err)
	}
	fewer := o
	fewer.FineTuneSteps--
	scaled := defaults()
	scaled.timeScale = 0.01
	for name, other := range map[string]deepstitch.Options{"fewer steps": fewer, "time scale": stages(scaled)[2].options(o.Base)} {
		if err := checkRecord(path, other); err == nil || !strings.Contains(err.Error(), "made with the settings") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	if err := checkRecord(filepath.Join(dir, "1-stitch.json"), o); err != nil {
		t.Errorf("no record: %v", err)
	}
}

// TestCommittedRecordsStillMatch checks that the records committed beside
// seed 1's stage files are what the current stages would write: a change
// to the record's format (a new Options field printed when off, say)
// would refuse every stage file made before it.
func TestCommittedRecordsStillMatch(t *testing.T) {
	dir := filepath.Join("..", "..", "results", "fashionmnist-deep", "one-command-steps")
	for i, st := range stages(defaults()) {
		have, err := os.ReadFile(recordPath(filepath.Join(dir, st.name+".json")))
		if err != nil {
			continue // no record committed for this stage
		}
		prev := filepath.Join(dir, stages(defaults())[max(i-1, 0)].name+".json")
		if got := record(st.options(prev)); got != string(have) {
			t.Errorf("stage %s: record\n%swant the committed\n%s", st.name, got, have)
		}
	}
}

package deepstitch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// studentsManifest records what the students of a directory were trained
// with (StudentSpec less their number, time cap and workers, which do not
// change a student), so that a rerun asking for other students is refused
// instead of handed these.
type studentsManifest struct {
	Hidden, Width, Steps, Patience int
	Seed                           uint64
	Standardize                    bool
}

// manifestName is the manifest's file in a students' directory.
const manifestName = "students.json"

func manifestOf(spec StudentSpec) studentsManifest {
	return studentsManifest{Hidden: spec.Hidden, Width: spec.Width, Steps: spec.Steps, Patience: spec.Patience,
		Seed: spec.Seed, Standardize: spec.Standardize}
}

// claimDir checks spec.Dir's manifest against spec, or writes it there
// if there is none. A directory with students but no manifest (written
// before step budgets, when students were bounded by time alone) is
// accepted only for students bounded by time alone (spec.Steps 0).
func claimDir(spec StudentSpec) error {
	path := filepath.Join(spec.Dir, manifestName)
	want := manifestOf(spec)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		var have studentsManifest
		if err := json.Unmarshal(raw, &have); err != nil {
			return fmt.Errorf("stitch: %s: %w", path, err)
		}
		if have != want {
			return fmt.Errorf("stitch: the students in %s were trained with %+v; this run asks for %+v: give it another directory", spec.Dir, have, want)
		}
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	old, err := filepath.Glob(filepath.Join(spec.Dir, "student-*.json"))
	if err != nil {
		return err
	}
	if len(old) > 0 && spec.Steps > 0 {
		return fmt.Errorf("stitch: %s holds %d students with no record of their training (bounded by time, before step budgets); this run asks for %d steps each: give it another directory", spec.Dir, len(old), spec.Steps)
	}
	raw, err = json.MarshalIndent(want, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

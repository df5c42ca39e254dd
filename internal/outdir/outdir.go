// Package outdir gives the example programs a fresh output directory by
// default, so that a run never overwrites the outputs of another run or
// the committed files under results/.
package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Root is the parent of the fresh directories; the repository's .gitignore
// ignores it.
const Root = "out"

// Fresh creates and returns a new directory out/NAME-DATE-TIME-N, N making
// it unique among runs started in the same second.
func Fresh(name string) (string, error) {
	if err := os.MkdirAll(Root, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(Root, name+"-"+time.Now().Format("20060102-150405")+"-")
}

// Or returns dir if it is set, and otherwise a Fresh directory for name.
func Or(dir, name string) (string, error) {
	if dir != "" {
		return filepath.Clean(dir), nil
	}
	return Fresh(name)
}

// Unused returns STEM+EXT if nothing exists there, and otherwise the first
// of STEM-run2EXT, STEM-run3EXT, … that is free (EXT is "" for a
// directory): a run that writes into a named directory keeps the files
// of earlier runs with the same settings.
func Unused(stem, ext string) (string, error) {
	for n := 1; ; n++ {
		p := stem + ext
		if n > 1 {
			p = fmt.Sprintf("%s-run%d%s", stem, n, ext)
		}
		_, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
	}
}

// Package csvlog appends rows to the results CSV files of the example
// programs. Each finished run is appended as it ends, so an interrupted
// sweep loses nothing and a rerun can skip what is already there.
package csvlog

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
)

// Append appends rows to the CSV file at path, writing header first if the
// file does not exist yet. A row whose length differs from the header's is
// refused before anything is written.
func Append(path string, header []string, rows ...[]string) error {
	for i, r := range rows {
		if len(r) != len(header) {
			return fmt.Errorf("csvlog: %s: row %d has %d fields, the header %d", path, i, len(r), len(header))
		}
	}
	_, err := os.Stat(path)
	fresh := errors.Is(err, os.ErrNotExist)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if fresh {
		w.Write(header)
	}
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("csvlog: %s: %w", path, err)
	}
	return f.Close()
}

// Read returns the data rows (the header line left out) of the CSV file at
// path written by Append with header. A missing file is an error wrapping
// os.ErrNotExist, so that callers can treat it as "nothing yet"; a row with
// another number of fields than header is an error naming its line.
func Read(path string, header []string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // checked below, with the line named
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("csvlog: %s: %w", path, err)
	}
	rows := recs[min(1, len(recs)):]
	for n, rec := range rows {
		if len(rec) != len(header) {
			return nil, fmt.Errorf("csvlog: %s: line %d has %d fields, want %d", path, n+2, len(rec), len(header))
		}
	}
	return rows, nil
}

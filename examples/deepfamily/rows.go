package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// row is one line of results.csv: one problem at one ρ.
type row struct {
	Problem, Activation string
	Layers              int
	Teacher, Recovered  string // layer widths joined by x (recovered: hidden only)
	Rho                 float64
	Samples, Students   int
	Success             bool
	MaxCosine           float64 // worst teacher neuron's cosine distance (1: a width is wrong)
	TestRelRMSE         float64 // −1 if nothing was recovered
	ZeroLoss            int     // first-round students at loss ≤ 1e-14
	Warnings            int     // warnings on the result
	Seconds             float64 // wall time
	CPUSeconds          float64 // processor time of the run (−1: not measured)
	Note                string  // error of an unsuccessful run
	Stages              string  // where the time went (printed, not stored)
}

var header = []string{"problem", "activation", "hidden_layers", "teacher", "recovered_hidden", "rho", "samples", "students",
	"success", "max_cosine_distance", "test_rel_rmse", "students_zero_loss", "warnings", "seconds", "note", "cpu_seconds"}

func rowKey(problem string, rho float64, samples int) string {
	return fmt.Sprintf("%s|%g|%d", problem, rho, samples)
}

func (r row) key() string { return rowKey(r.Problem, r.Rho, r.Samples) }

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func (r row) record() []string {
	return []string{r.Problem, r.Activation, strconv.Itoa(r.Layers), r.Teacher, r.Recovered, fmtG(r.Rho),
		strconv.Itoa(r.Samples), strconv.Itoa(r.Students), strconv.FormatBool(r.Success), fmtG(r.MaxCosine),
		fmtG(r.TestRelRMSE), strconv.Itoa(r.ZeroLoss), strconv.Itoa(r.Warnings), strconv.FormatFloat(r.Seconds, 'f', 2, 64), r.Note,
		strconv.FormatFloat(r.CPUSeconds, 'f', 2, 64)}
}

func parseRow(f []string) (row, error) {
	// Rows written before cpu_seconds existed have one field less.
	if len(f) != len(header) && len(f) != len(header)-1 {
		return row{}, fmt.Errorf("%d fields, want %d", len(f), len(header))
	}
	r := row{CPUSeconds: -1}
	var errs []error
	atoi := func(s string) int { v, err := strconv.Atoi(s); errs = append(errs, err); return v }
	atof := func(s string) float64 { v, err := strconv.ParseFloat(s, 64); errs = append(errs, err); return v }
	r.Problem, r.Activation, r.Layers, r.Teacher, r.Recovered = f[0], f[1], atoi(f[2]), f[3], f[4]
	r.Rho, r.Samples, r.Students = atof(f[5]), atoi(f[6]), atoi(f[7])
	ok, err := strconv.ParseBool(f[8])
	errs = append(errs, err)
	r.Success, r.MaxCosine, r.TestRelRMSE = ok, atof(f[9]), atof(f[10])
	r.ZeroLoss, r.Warnings, r.Seconds, r.Note = atoi(f[11]), atoi(f[12]), atof(f[13]), f[14]
	if len(f) == len(header) {
		r.CPUSeconds = atof(f[15])
	}
	return r, errors.Join(errs...)
}

// readRows reads results.csv; a missing file has no rows.
func readRows(path string) ([]row, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	var rows []row
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if line == 1 && rec[0] == header[0] {
			continue
		}
		r, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		rows = append(rows, r)
	}
}

// rowWriter appends rows to results.csv, flushing each one.
type rowWriter struct {
	f *os.File
	w *csv.Writer
}

func openRows(path string) (*rowWriter, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	w := &rowWriter{f: f, w: csv.NewWriter(f)}
	if errors.Is(statErr, os.ErrNotExist) {
		if err := w.write(header); err != nil {
			f.Close()
			return nil, err
		}
	}
	return w, nil
}

func (w *rowWriter) write(rec []string) error {
	if err := w.w.Write(rec); err != nil {
		return err
	}
	w.w.Flush()
	if err := w.w.Error(); err != nil {
		return err
	}
	return w.f.Sync()
}

func (w *rowWriter) append(r row) error { return w.write(r.record()) }

func (w *rowWriter) close() error { return w.f.Close() }

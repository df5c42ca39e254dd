package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"sync"
)

// row is one line of results.csv: one problem at one ρ.
type row struct {
	Problem         string
	DIn, R, Index   int
	Rho             float64
	Samples         int
	LossFloor       float64 // students' LM loss threshold
	Students        int     // N
	StudentWidth    int     // ρ·r
	RecoveredWidth  int     // 0 when no neuron was recovered
	Success         bool    // exact width and every cosine distance < 1e-6
	MaxCosine       float64 // worst teacher neuron's cosine distance
	MaxOutErr       float64 // worst relative error of outgoing weights
	TestRMSE        float64 // on held-out inputs; −1 if nothing was recovered
	TestRelRMSE     float64
	ZeroLoss        int     // students at loss ≤ 1e-14
	Failed          int     // students dropped (diverged or failed)
	BestStudentLoss float64 // lowest student loss
	FinalLoss       float64 // recovered network's training loss
	Seconds         float64 // wall time of the whole run
	Note            string  // error message of an unsuccessful run
}

var header = []string{"problem", "din", "r", "index", "rho", "samples", "loss_floor", "students", "student_width",
	"recovered_width", "success", "max_cosine_distance", "max_out_rel_err", "test_rmse", "test_rel_rmse",
	"students_zero_loss", "students_failed", "best_student_loss", "final_loss", "seconds", "note"}

func rowKey(problem string, rho float64, samples int, floor float64) string {
	return fmt.Sprintf("%s|%g|%d|%g", problem, rho, samples, floor)
}

func (r row) key() string { return rowKey(r.Problem, r.Rho, r.Samples, r.LossFloor) }

func g(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func (r row) record() []string {
	return []string{r.Problem, strconv.Itoa(r.DIn), strconv.Itoa(r.R), strconv.Itoa(r.Index), g(r.Rho),
		strconv.Itoa(r.Samples), g(r.LossFloor), strconv.Itoa(r.Students), strconv.Itoa(r.StudentWidth),
		strconv.Itoa(r.RecoveredWidth), strconv.FormatBool(r.Success), g(r.MaxCosine), g(r.MaxOutErr),
		g(r.TestRMSE), g(r.TestRelRMSE), strconv.Itoa(r.ZeroLoss), strconv.Itoa(r.Failed),
		g(r.BestStudentLoss), g(r.FinalLoss), strconv.FormatFloat(r.Seconds, 'f', 2, 64), r.Note}
}

func parseRow(f []string) (row, error) {
	if len(f) != len(header) {
		return row{}, fmt.Errorf("%d fields, want %d", len(f), len(header))
	}
	var r row
	var errs []error
	atoi := func(s string) int {
		v, err := strconv.Atoi(s)
		errs = append(errs, err)
		return v
	}
	atof := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		errs = append(errs, err)
		return v
	}
	r.Problem = f[0]
	r.DIn, r.R, r.Index, r.Rho = atoi(f[1]), atoi(f[2]), atoi(f[3]), atof(f[4])
	r.Samples, r.LossFloor = atoi(f[5]), atof(f[6])
	r.Students, r.StudentWidth, r.RecoveredWidth = atoi(f[7]), atoi(f[8]), atoi(f[9])
	var err error
	r.Success, err = strconv.ParseBool(f[10])
	errs = append(errs, err)
	r.MaxCosine, r.MaxOutErr, r.TestRMSE, r.TestRelRMSE = atof(f[11]), atof(f[12]), atof(f[13]), atof(f[14])
	r.ZeroLoss, r.Failed = atoi(f[15]), atoi(f[16])
	r.BestStudentLoss, r.FinalLoss, r.Seconds = atof(f[17]), atof(f[18]), atof(f[19])
	r.Note = f[20]
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
			// A line cut short by a kill during a write: ignore the tail.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return rows, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if line == 1 && len(rec) > 0 && rec[0] == header[0] {
			continue
		}
		r, err := parseRow(rec)
		if err != nil {
			// Only a truncated last line can be malformed.
			fmt.Fprintf(os.Stderr, "paper: %s line %d ignored: %v\n", path, line, err)
			continue
		}
		rows = append(rows, r)
	}
}

// rowWriter appends rows to results.csv, flushing and syncing each one.
type rowWriter struct {
	mu sync.Mutex
	f  *os.File
	w  *csv.Writer
}

func openRows(path string) (*rowWriter, error) {
	st, err := os.Stat(path)
	fresh := errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if !fresh {
		// Make sure a line cut short by a kill does not swallow the next row.
		if err := endWithNewline(f, path); err != nil {
			f.Close()
			return nil, err
		}
	}
	w := &rowWriter{f: f, w: csv.NewWriter(f)}
	if fresh {
		if err := w.write(header); err != nil {
			f.Close()
			return nil, err
		}
	}
	return w, nil
}

func endWithNewline(f *os.File, path string) error {
	r, err := os.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := r.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	b := make([]byte, 1)
	if _, err := r.ReadAt(b, st.Size()-1); err != nil {
		return err
	}
	if b[0] != '\n' {
		_, err = f.Write([]byte("\n"))
	}
	return err
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

func (w *rowWriter) append(r row) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.write(r.record())
}

func (w *rowWriter) close() error { return w.f.Close() }

func countZero(losses []float64, zero float64) int {
	n := 0
	for _, l := range losses {
		if l <= zero {
			n++
		}
	}
	return n
}

func minLoss(losses []float64) float64 {
	m := math.Inf(1)
	for _, l := range losses {
		if l < m {
			m = l
		}
	}
	return m
}

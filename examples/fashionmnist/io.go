package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/paramrecovery/expandcluster/internal/csvlog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func sortFloats(s []float64) { slices.Sort(s) }

var csvHeader = []string{"r", "activation", "route", "rho", "student_width", "students", "gamma", "beta_deg", "probes", "max_iterations",
	"recovered_width", "overhead", "matched_within_1e-3", "matched_within_0.1", "max_cosine_distance", "median_cosine_distance",
	"test_rmse", "test_rel_rmse", "label_agreement", "teacher_test_acc", "recovered_test_acc",
	"best_student_rel_loss", "median_student_rel_loss",
	"teacher_seconds", "student_seconds", "cluster_seconds", "fine_tune_seconds", "total_seconds", "workers", "init_gain", "geometry", "backend"}

func (r result) record() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	i := strconv.Itoa
	return []string{i(r.R), r.Act, r.Route, f(r.Rho), i(r.StudentWidth), i(r.Students), f(r.Gamma), f(r.BetaDeg), i(r.Probes), i(r.Epochs),
		i(r.Recovered), f(r.overhead()), i(r.MatchedTight), i(r.Matched), f(r.MaxCosine), f(r.MedianCosine),
		f(r.RMSE), f(r.RelRMSE), f(r.LabelAgreement), f(r.TeacherAcc), f(r.RecoveredAcc),
		f(r.StudentLossMin), f(r.StudentLossMd),
		f(r.TeacherSecs), f(r.StudentSecs), f(r.ClusterSecs), f(r.FineTuneSecs), f(r.TotalSecs), i(r.Workers), f(r.InitGain), r.Geometry, r.Backend}
}

// doneKeys returns the settings keys (options.key) of the rows already in
// the CSV at path, of layout header (csvHeader, or deepHeader whose layers
// column is part of the key); a missing file has none.
func doneKeys(path string, header []string) (map[string]bool, error) {
	recs, err := readRows(path, header)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	col := columnsOf(header)
	done := map[string]bool{}
	for _, rec := range recs {
		v := func(name string) string {
			if i, ok := col[name]; ok {
				return rec[i]
			}
			return ""
		}
		rho, _ := strconv.ParseFloat(v("rho"), 64)
		r, _ := strconv.Atoi(v("r"))
		students, _ := strconv.Atoi(v("students"))
		probes, _ := strconv.Atoi(v("probes"))
		layers, _ := strconv.Atoi(v("layers")) // 0 in csvHeader: one hidden layer
		span, _ := strconv.Atoi(v("subspace_dim"))
		spread, _ := strconv.ParseFloat(v("gaussian_spread"), 64) // empty in older rows: the images
		o := options{route: v("route"), students: students, rho: rho, probe: probes, layers: layers, subspace: span > 0, gaussian: spread}
		done[o.key(v("activation"), r)] = true
	}
	return done, nil
}

// readRows returns the data rows of the results CSV at path that have the
// width of header, and those of a file written before columns were
// appended to header padded with empty fields (rows of other layouts are
// left out).
func readRows(path string, header []string) ([][]string, error) {
	recs, err := readRecords(path)
	if err != nil {
		return nil, err
	}
	return fitRows(recs, header), nil
}

// readRecords returns every record of the CSV file at path, header first.
func readRecords(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}

// olderHeader reports whether the file's header recs[0] is a strict
// prefix of header: the file was written before columns were appended.
func olderHeader(recs [][]string, header []string) bool {
	return len(recs) > 0 && len(recs[0]) < len(header) && slices.Equal(recs[0], header[:len(recs[0])])
}

// fitRows returns the data rows of recs (header first) that have the width
// of header, and, if the file's header is an older prefix of header, its
// rows of that width padded with empty fields.
func fitRows(recs [][]string, header []string) [][]string {
	width := len(header)
	if olderHeader(recs, header) {
		width = len(recs[0])
	}
	var rows [][]string
	for _, rec := range recs[min(1, len(recs)):] {
		switch len(rec) {
		case len(header):
			rows = append(rows, rec)
		case width:
			rows = append(rows, append(rec, make([]string, len(header)-width)...))
		}
	}
	return rows
}

// upgradeCSV rewrites the CSV file at path, if it was written before
// columns were appended to header (its header a strict prefix of header),
// with header and its rows padded by empty fields, so that new rows can
// be appended under a header that names them. A missing file is fine.
func upgradeCSV(path string, header []string) error {
	recs, err := readRecords(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil || !olderHeader(recs, header) {
		return err
	}
	tmp := path + ".upgrade"
	os.Remove(tmp)
	if err := csvlog.Append(tmp, header, fitRows(recs, header)...); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// columnsOf maps each column name of header to its index.
func columnsOf(header []string) map[string]int {
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	return col
}

// appendCSV appends one row (and the header to a new file).
func appendCSV(path string, r result) error {
	return csvlog.Append(path, csvHeader, r.record())
}

// writeSummary writes OUT/summary.md from every row of OUT/results.csv and
// returns it.
func writeSummary(dir string) (string, error) {
	recs, err := readRows(filepath.Join(dir, "results.csv"), csvHeader)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# Expand-and-Cluster on Fashion-MNIST teachers 784 → r → 10\n\n")
	b.WriteString("Measured by `go run ./examples/fashionmnist` (every row of `results.csv`). Overhead = (recovered − r)/r. " +
		"Matched: teacher neurons whose recovered partner is within the given cosine distance, in the geometry of the clustering (data space: identify.DataSpace, or weight space as in the paper). " +
		"RMSE, label agreement (the fraction of test images on which the recovered network predicts the teacher's label) and accuracies are on the 10 000 test images. " +
		"Student losses are relative to the output variance. Backend is mlp.Backend().\n\n")
	b.WriteString("| act | r | route | recovered width | overhead | matched ≤ 1e-3 / ≤ 0.1 | max / median cosine distance | test RMSE (rel.) | label agreement | test acc. teacher / recovered | best / median student loss | students (N × width) | probes | time (students, fine-tune) |\n")
	b.WriteString("|---|---:|---|---:|---:|---|---|---|---:|---|---|---|---:|---|\n")
	col := columnsOf(csvHeader)
	for _, rec := range recs {
		v := func(name string) string { return rec[col[name]] }
		num := func(name string) float64 { x, _ := strconv.ParseFloat(v(name), 64); return x }
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %+.1f%% | %s / %s | %.3g / %.3g | %.3g (%.3g) | %.2f%% | %.2f%% / %.2f%% | %.3g / %.3g | %s × %s | %s | %s (%s, %s) |\n",
			v("activation"), v("r"), v("route"), v("recovered_width"), 100*num("overhead"), v("matched_within_1e-3"), v("matched_within_0.1"),
			num("max_cosine_distance"), num("median_cosine_distance"), num("test_rmse"), num("test_rel_rmse"), 100*num("label_agreement"),
			100*num("teacher_test_acc"), 100*num("recovered_test_acc"), num("best_student_rel_loss"), num("median_student_rel_loss"),
			v("students"), v("student_width"), v("probes"), secs(num("total_seconds")), secs(num("student_seconds")), secs(num("fine_tune_seconds")))
	}
	s := b.String()
	return s, os.WriteFile(filepath.Join(dir, "summary.md"), []byte(s), 0o644)
}

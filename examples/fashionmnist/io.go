package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/paramrecovery/expandcluster/mlp"
)

func loadNet(path string) (*mlp.Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return mlp.Load(f)
}

// saveNet writes a network as JSON, atomically.
func saveNet(path string, n *mlp.Network) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := n.Save(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func sortFloats(s []float64) { slices.Sort(s) }

var csvHeader = []string{"r", "activation", "rho", "student_width", "students", "gamma", "beta_deg", "probes", "max_epochs",
	"recovered_width", "overhead", "max_cosine_distance", "median_cosine_distance", "test_rmse", "test_rel_rmse",
	"teacher_test_acc", "recovered_test_acc", "best_student_loss", "median_student_loss",
	"teacher_seconds", "student_seconds", "cluster_seconds", "total_seconds", "workers", "init_gain", "geometry", "backend", "matched_within_0.1"}

func (r result) record() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	i := strconv.Itoa
	return []string{i(r.R), r.Act, f(r.Rho), i(r.StudentWidth), i(r.Students), f(r.Gamma), f(r.BetaDeg), i(r.Probes), i(r.Epochs),
		i(r.Recovered), f(r.overhead()), f(r.MaxCosine), f(r.MedianCosine), f(r.RMSE), f(r.RelRMSE),
		f(r.TeacherAcc), f(r.RecoveredAcc), f(r.StudentLossMin), f(r.StudentLossMd),
		f(r.TeacherSecs), f(r.StudentSecs), f(r.ClusterSecs), f(r.TotalSecs), i(r.Workers), f(r.InitGain), r.Geometry, r.Backend, i(r.Matched)}
}

// appendCSV appends one row (and the header to a new file).
func appendCSV(path string, r result) error {
	_, err := os.Stat(path)
	fresh := errors.Is(err, os.ErrNotExist)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if fresh {
		w.Write(csvHeader)
	}
	w.Write(r.record())
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeSummary writes OUT/summary.md from every row of OUT/results.csv and
// returns it.
func writeSummary(dir string) (string, error) {
	f, err := os.Open(filepath.Join(dir, "results.csv"))
	if err != nil {
		return "", err
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# Expand-and-Cluster on Fashion-MNIST teachers 784 → r → 10\n\n")
	b.WriteString("Measured by `go run ./examples/fashionmnist` (every row of `results.csv`). Overhead = (recovered − r)/r. " +
		"Cosine distances (in the geometry of the clustering: weight space as in the paper, or data space, identify.DataSpace) and RMSE compare the recovered network with the teacher on the 10 000 test images; backend is mlp.Backend() (go, or openblas with -tags cblas).\n\n")
	b.WriteString("| r | act | recovered width | overhead | students (N × width, init gain) | γ | β | probes | max epochs | geometry | matched (≤ 0.1) | max / median cosine distance | test RMSE (rel.) | test acc. teacher / recovered | best / median student loss | time (students) |\n")
	b.WriteString("|---:|---|---:|---:|---|---:|---:|---:|---:|---|---:|---|---|---|---|---|\n")
	col := map[string]int{}
	for i, h := range csvHeader {
		col[h] = i
	}
	for _, rec := range recs[min(1, len(recs)):] {
		if len(rec) != len(csvHeader) {
			continue
		}
		v := func(name string) string { return rec[col[name]] }
		num := func(name string) float64 { x, _ := strconv.ParseFloat(v(name), 64); return x }
		fmt.Fprintf(&b, "| %s | %s | %s | %+.1f%% | %s × %s, ×%s | %s | %s° | %s | %s | %s | %s | %.3g / %.3g | %.3g (%.3g) | %.2f%% / %.2f%% | %.3g / %.3g | %s (%s, %s) |\n",
			v("r"), v("activation"), v("recovered_width"), 100*num("overhead"), v("students"), v("student_width"), v("init_gain"),
			v("gamma"), v("beta_deg"), v("probes"), v("max_epochs"), v("geometry"), v("matched_within_0.1"), num("max_cosine_distance"), num("median_cosine_distance"),
			num("test_rmse"), num("test_rel_rmse"), 100*num("teacher_test_acc"), 100*num("recovered_test_acc"),
			num("best_student_loss"), num("median_student_loss"), secs(num("total_seconds")), secs(num("student_seconds")), v("backend"))
	}
	s := b.String()
	return s, os.WriteFile(filepath.Join(dir, "summary.md"), []byte(s), 0o644)
}

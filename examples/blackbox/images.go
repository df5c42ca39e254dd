package main

import (
	"fmt"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/internal/csvlog"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
)

// imageReport compares a recovery with its teacher on the 10 000
// Fashion-MNIST test images, the figures of the data-probe experiment
// (examples/fashionmnist): how many teacher neurons of each hidden layer
// have a recovered partner within data-space cosine distance 1e-3 and
// 1e-2, the relative RMSE of the outputs, and the fraction of images on
// which both predict the same label.
type imageReport struct {
	Matched1e3, Matched1e2, Neurons []int // per hidden layer
	RelRMSE, LabelAgreement         float64
}

func (r imageReport) String() string {
	return fmt.Sprintf("on the 10 000 test images: %s / %s teacher neurons within data-space cosine distance 1e-3 (%s within 1e-2), relative RMSE %.3g, label agreement %.2f %%",
		csvlog.Widths(r.Matched1e3), csvlog.Widths(r.Neurons), csvlog.Widths(r.Matched1e2), r.RelRMSE, 100*r.LabelAgreement)
}

// imageMetrics measures rec against teacher on the test images in dir.
func imageMetrics(teacher, rec *mlp.Network, dir string) (imageReport, error) {
	_, test, err := synth.FashionMNIST(dir)
	if err != nil {
		return imageReport{}, err
	}
	synth.ScalePixels(test.X)
	cmp, err := identify.CompareIn(identify.DataSpace, teacher, rec, test.X)
	if err != nil {
		return imageReport{}, err
	}
	r := imageReport{RelRMSE: cmp.RelRMSE}
	for _, l := range cmp.Layers {
		n, m3, m2 := len(l.Matches), l.Within(1e-3), l.Within(1e-2) // unmatched teacher neurons have distance 1
		r.Neurons, r.Matched1e3, r.Matched1e2 = append(r.Neurons, n), append(r.Matched1e3, m3), append(r.Matched1e2, m2)
	}
	labels, err := synth.Predictions(teacher, test.X)
	if err != nil {
		return r, err
	}
	r.LabelAgreement, err = synth.Accuracy(rec, test.X, labels)
	return r, err
}

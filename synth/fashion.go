package synth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs
// the data (apt-get install dataset-fashion-mnist).
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTClasses are the names of the ten Fashion-MNIST classes, by
// label.
var FashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// ErrDataMissing is returned (wrapped) when a data set's files are not
// installed; test it with errors.Is.
var ErrDataMissing = errors.New("synth: data set not installed")

// Labelled is a classification data set: one sample per row of X and its
// class in Labels.
type Labelled struct {
	X      *mat.Dense
	Labels []int
}

// ReadIDXPair reads an images file and a labels file in the IDX format
// (gzip or not) as a Labelled set: the images flattened to rows with their
// raw values (0–255 for bytes; see ScalePixels), the labels as ints. It
// fails if the counts differ.
func ReadIDXPair(imagesPath, labelsPath string) (*Labelled, error) {
	img, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	if len(img.Shape) < 2 {
		return nil, fmt.Errorf("%s: images have shape %v, want at least 2 dimensions", imagesPath, img.Shape)
	}
	lab, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(lab.Shape) != 1 {
		return nil, fmt.Errorf("%s: labels have shape %v, want 1 dimension", labelsPath, lab.Shape)
	}
	if lab.Shape[0] != img.Shape[0] {
		return nil, fmt.Errorf("synth: %d images in %s but %d labels in %s", img.Shape[0], imagesPath, lab.Shape[0], labelsPath)
	}
	x, err := img.Matrix()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", imagesPath, err)
	}
	labels, err := lab.Ints()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labelsPath, err)
	}
	return &Labelled{X: x, Labels: labels}, nil
}

// findIDX returns dir/base.gz or dir/base, whichever exists.
func findIDX(dir, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%w: neither %s nor %s.gz found in %s (on Debian: apt-get install dataset-fashion-mnist)", ErrDataMissing, base, base, dir)
}

// MNISTStyle reads the four files of an MNIST-format data set in dir,
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each gzip-compressed (".gz") or not.
// Missing files give an error wrapping ErrDataMissing.
func MNISTStyle(dir string) (train, test *Labelled, err error) {
	var paths [4]string
	for i, base := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		if paths[i], err = findIDX(dir, base); err != nil {
			return nil, nil, err
		}
	}
	if train, err = ReadIDXPair(paths[0], paths[1]); err != nil {
		return nil, nil, err
	}
	if test, err = ReadIDXPair(paths[2], paths[3]); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// FashionMNIST reads Fashion-MNIST (60 000 training and 10 000 test images
// of 28×28 = 784 pixels, ten classes) from dir, or from FashionMNISTDir when
// dir is empty. Pixels are raw values 0–255; call ScalePixels for [0, 1].
// When the files are absent the error wraps ErrDataMissing.
func FashionMNIST(dir string) (train, test *Labelled, err error) {
	if dir == "" {
		dir = FashionMNISTDir
	}
	return MNISTStyle(dir)
}

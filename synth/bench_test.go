package synth

import (
	"bytes"
	"compress/gzip"
	"errors"
	"testing"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/mat"
)

// imageBytes returns an IDX file of n 28×28 byte images.
func imageBytes(b *testing.B, n int, gz bool) []byte {
	a := &Array{Shape: []int{n, 28, 28}, DType: Uint8, Data: make([]float64, n*784)}
	rng := NewRand(1)
	for i := range a.Data {
		if rng.IntN(3) == 0 {
			a.Data[i] = float64(rng.IntN(256))
		}
	}
	var buf bytes.Buffer
	if gz {
		z := gzip.NewWriter(&buf)
		if err := WriteIDX(z, a); err != nil {
			b.Fatal(err)
		}
		z.Close()
	} else if err := WriteIDX(&buf, a); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func benchRead(b *testing.B, data []byte, elems int, read func(*bytes.Reader) error) {
	b.SetBytes(int64(elems))
	b.ReportAllocs()
	for b.Loop() {
		if err := read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadIDX1000Images(b *testing.B) {
	data := imageBytes(b, 1000, false)
	benchRead(b, data, 784000, func(r *bytes.Reader) error { _, err := ReadIDX(r); return err })
}

func BenchmarkReadIDX1000ImagesGzip(b *testing.B) {
	data := imageBytes(b, 1000, true)
	benchRead(b, data, 784000, func(r *bytes.Reader) error { _, err := ReadIDX(r); return err })
}

func npyOf(b *testing.B, dt DType, r, c int) []byte {
	x, _ := Gaussian{D: c}.Sample(NewRand(2), r)
	var buf bytes.Buffer
	if err := WriteNPY(&buf, MatrixArray(x, dt)); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkReadNPYFloat64(b *testing.B) {
	data := npyOf(b, Float64, 1000, 784)
	benchRead(b, data, 784000, func(r *bytes.Reader) error { _, err := ReadNPY(r); return err })
}

func BenchmarkReadNPYFloat32(b *testing.B) {
	data := npyOf(b, Float32, 1000, 784)
	benchRead(b, data, 784000, func(r *bytes.Reader) error { _, err := ReadNPY(r); return err })
}

func BenchmarkWriteNPYFloat64(b *testing.B) {
	x, _ := Gaussian{D: 784}.Sample(NewRand(2), 1000)
	a := MatrixArray(x, Float64)
	var buf bytes.Buffer
	b.SetBytes(784000)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WriteNPY(&buf, a); err != nil {
			b.Fatal(err)
		}
	}
}

func benchLabel(b *testing.B, sizes []int, n int) {
	teacher, err := NewTeacher(TeacherConfig{Sizes: sizes, FanIn: true, MaxCosine: 2}, 3)
	if err != nil {
		b.Fatal(err)
	}
	x, _ := Gaussian{D: sizes[0]}.Sample(NewRand(4), n)
	y := mat.NewDense(n, teacher.OutputDim(), nil)
	ws := mlp.NewWorkspace()
	b.ReportAllocs()
	for b.Loop() {
		if err := LabelTo(ws, y, teacher, x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
}

// The family's largest teacher on its default 10 000 inputs.
func BenchmarkLabelFamily32x8(b *testing.B) { benchLabel(b, []int{32, 8, 1}, 10000) }

// A Fashion-MNIST-sized teacher.
func BenchmarkLabel784x64x10(b *testing.B) { benchLabel(b, []int{784, 64, 10}, 10000) }

func BenchmarkFamilyProblemData(b *testing.B) {
	p, _ := FamilyProblem("din32-r8-t00", FamilyOptions{})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, _, err := p.Data(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewTeacherFamily(b *testing.B) {
	ps := Family(FamilyOptions{})
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range ps {
			if _, err := p.Teacher(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkFashionMNIST(b *testing.B) {
	if _, _, err := FashionMNIST(""); errors.Is(err, ErrDataMissing) {
		b.Skip("dataset-fashion-mnist not installed")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := FashionMNIST(""); err != nil {
			b.Fatal(err)
		}
	}
}

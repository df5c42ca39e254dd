package synth

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// DType is the element type of an array as stored in a file.
type DType int

const (
	Uint8 DType = iota + 1
	Int8
	Int16
	Int32
	Int64
	Uint16
	Uint32
	Uint64
	Float32
	Float64
)

var dtypeNames = map[DType]string{
	Uint8: "uint8", Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64",
	Uint16: "uint16", Uint32: "uint32", Uint64: "uint64", Float32: "float32", Float64: "float64",
}

var dtypeSizes = map[DType]int{
	Uint8: 1, Int8: 1, Int16: 2, Int32: 4, Int64: 8,
	Uint16: 2, Uint32: 4, Uint64: 8, Float32: 4, Float64: 8,
}

func (t DType) String() string {
	if s, ok := dtypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("DType(%d)", int(t))
}

// Size returns the number of bytes of one element (0 for an unknown type).
func (t DType) Size() int { return dtypeSizes[t] }

func (t DType) isInt() bool { return t != Float32 && t != Float64 }

// intRange returns the representable range of an integer type.
func (t DType) intRange() (lo, hi float64) {
	switch t {
	case Uint8:
		return 0, math.MaxUint8
	case Int8:
		return math.MinInt8, math.MaxInt8
	case Int16:
		return math.MinInt16, math.MaxInt16
	case Uint16:
		return 0, math.MaxUint16
	case Int32:
		return math.MinInt32, math.MaxInt32
	case Uint32:
		return 0, math.MaxUint32
	case Int64:
		return math.MinInt64, math.MaxInt64
	case Uint64:
		return 0, math.MaxUint64
	}
	return math.Inf(-1), math.Inf(1)
}

// Array is an n-dimensional array read from or written to an IDX or .npy
// file: its shape, its values in row-major (C) order as float64, and the
// element type of the file.
type Array struct {
	Shape []int
	Data  []float64
	DType DType
}

// Len returns the number of elements the shape describes.
func (a *Array) Len() int {
	n := 1
	for _, s := range a.Shape {
		n *= s
	}
	return n
}

func (a *Array) check() error {
	if a == nil {
		return fmt.Errorf("synth: nil array")
	}
	if _, ok := dtypeSizes[a.DType]; !ok {
		return fmt.Errorf("synth: unknown element type %v", a.DType)
	}
	for i, s := range a.Shape {
		if s < 0 {
			return fmt.Errorf("synth: negative dimension %d at axis %d", s, i)
		}
	}
	if a.Len() != len(a.Data) {
		return fmt.Errorf("synth: array of shape %v needs %d values, has %d", a.Shape, a.Len(), len(a.Data))
	}
	return nil
}

// Matrix returns the array as a matrix that shares its data: a 1-D array
// becomes one column, an n-D array has Shape[0] rows and the remaining axes
// flattened into columns (so 60000×28×28 images become 60000×784).
func (a *Array) Matrix() (*mat.Dense, error) {
	if len(a.Shape) == 0 {
		return nil, fmt.Errorf("synth: a 0-dimensional array is not a matrix")
	}
	if a.Len() != len(a.Data) {
		return nil, fmt.Errorf("synth: array of shape %v has %d values", a.Shape, len(a.Data))
	}
	r := a.Shape[0]
	c := 1
	for _, s := range a.Shape[1:] {
		c *= s
	}
	if r == 0 || c == 0 {
		return nil, fmt.Errorf("synth: array of shape %v is empty, not a matrix", a.Shape)
	}
	return mat.NewDense(r, c, a.Data), nil
}

// Ints returns the values as ints, for labels. It fails if a value is not
// an integer.
func (a *Array) Ints() ([]int, error) {
	out := make([]int, len(a.Data))
	for i, v := range a.Data {
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return nil, fmt.Errorf("synth: value %v at index %d is not an integer", v, i)
		}
		out[i] = int(v)
	}
	return out, nil
}

// MatrixArray returns an array of shape {rows, cols} holding a copy of m,
// to be stored with element type t.
func MatrixArray(m mat.Matrix, t DType) *Array {
	r, c := m.Dims()
	a := &Array{Shape: []int{r, c}, Data: make([]float64, r*c), DType: t}
	mat.NewDense(r, c, a.Data).Copy(m)
	return a
}

// VectorArray returns a 1-D array holding a copy of v.
func VectorArray(v []float64, t DType) *Array {
	return &Array{Shape: []int{len(v)}, Data: append([]float64(nil), v...), DType: t}
}

// IntsArray returns a 1-D array holding labels, to be stored as t.
func IntsArray(v []int, t DType) *Array {
	a := &Array{Shape: []int{len(v)}, Data: make([]float64, len(v)), DType: t}
	for i, x := range v {
		a.Data[i] = float64(x)
	}
	return a
}

// checkStorable reports whether every value can be stored as t exactly
// (integer types) or at all (float32 rounds, but must be in range).
func checkStorable(a *Array) error {
	if a.DType.isInt() {
		lo, hi := a.DType.intRange()
		for i, v := range a.Data {
			// For 64-bit types hi rounds up to 2^63 or 2^64, which is out of range.
			if v != math.Trunc(v) || v < lo || v > hi || (a.DType.Size() == 8 && v == hi) {
				return fmt.Errorf("synth: value %v at index %d cannot be stored as %v", v, i, a.DType)
			}
		}
	}
	if a.DType == Float32 {
		for i, v := range a.Data {
			if !math.IsInf(v, 0) && math.Abs(v) > math.MaxFloat32 {
				return fmt.Errorf("synth: value %v at index %d overflows float32", v, i)
			}
		}
	}
	return nil
}

// maybeGunzip returns a reader of the decompressed stream if r starts with
// the gzip magic bytes 0x1f 0x8b, and r itself otherwise.
func maybeGunzip(r io.Reader) (io.Reader, bool, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, true, fmt.Errorf("bad gzip header: %w", err)
		}
		return bufio.NewReaderSize(z, 1<<16), true, nil
	}
	return br, false, nil
}

// countingReader counts bytes, for error offsets.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readFileWith opens path and calls read, prefixing errors with the path.
func readFileWith(path string, read func(io.Reader) (*Array, error)) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// writeFileWith creates path, gzip-compressing when it ends in ".gz".
func writeFileWith(path string, a *Array, write func(io.Writer, *Array) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	var w io.Writer = bw
	var z *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		z = gzip.NewWriter(bw)
		w = z
	}
	if err := write(w, a); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if z != nil {
		if err := z.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

package synth

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the fixtures in testdata written by this package")

// Fixtures written by this package's writers (go test -run TestFixtures -update).
func fixtureImages() *Array {
	a := &Array{Shape: []int{3, 2, 2}, DType: Uint8, Data: make([]float64, 12)}
	for i := range a.Data {
		a.Data[i] = float64(i * 20)
	}
	return a
}

func fixtureLabels() *Array { return IntsArray([]int{2, 0, 9}, Uint8) }

func fixtureF8() *Array {
	return &Array{Shape: []int{3, 2}, DType: Float64, Data: []float64{1, -2.5, math.Pi, 1e-300, -0.0, 123456789.125}}
}

func fixtureF4() *Array {
	return &Array{Shape: []int{5}, DType: Float32, Data: []float64{0.5, -1, 3.25, 1024, -0.125}}
}

// mnistMini is a four-file MNIST-style set: training files gzipped, test
// files plain.
func mnistMini() map[string]*Array {
	img := func(n int, off float64) *Array {
		a := &Array{Shape: []int{n, 3, 3}, DType: Uint8, Data: make([]float64, n*9)}
		for i := range a.Data {
			a.Data[i] = math.Mod(off+float64(i*7), 256)
		}
		return a
	}
	return map[string]*Array{
		"train-images-idx3-ubyte.gz": img(4, 0),
		"train-labels-idx1-ubyte.gz": IntsArray([]int{3, 1, 4, 1}, Uint8),
		"t10k-images-idx3-ubyte":     img(2, 100),
		"t10k-labels-idx1-ubyte":     IntsArray([]int{5, 9}, Uint8),
	}
}

func TestFixtures(t *testing.T) {
	idx := map[string]*Array{
		"images-idx3-ubyte":    fixtureImages(),
		"images-idx3-ubyte.gz": fixtureImages(),
		"labels-idx1-ubyte.gz": fixtureLabels(),
	}
	for name, a := range mnistMini() {
		idx[filepath.Join("mnist-mini", name)] = a
	}
	npy := map[string]*Array{"go_f8_3x2.npy": fixtureF8(), "go_f4_5.npy": fixtureF4()}
	if *update {
		os.MkdirAll(filepath.Join("testdata", "mnist-mini"), 0o755)
		for name, a := range idx {
			if err := WriteIDXFile(filepath.Join("testdata", name), a); err != nil {
				t.Fatal(err)
			}
		}
		for name, a := range npy {
			if err := WriteNPYFile(filepath.Join("testdata", name), a); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(name string, got, want *Array, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got.Shape, want.Shape) || got.DType != want.DType || !bitsEqual(got.Data, want.Data) {
			t.Errorf("%s: read %v %v %v, want %v %v %v", name, got.Shape, got.DType, got.Data, want.Shape, want.DType, want.Data)
		}
	}
	for name, want := range idx {
		path := filepath.Join("testdata", name)
		got, err := ReadIDXFile(path)
		check(name, got, want, err)
		if !strings.HasSuffix(name, ".gz") {
			// The writer reproduces the committed bytes exactly.
			var buf bytes.Buffer
			WriteIDX(&buf, want)
			file, _ := os.ReadFile(path)
			if !bytes.Equal(buf.Bytes(), file) {
				t.Errorf("%s: writer output differs from the fixture", name)
			}
		}
	}
	for name, want := range npy {
		path := filepath.Join("testdata", name)
		got, err := ReadNPYFile(path)
		check(name, got, want, err)
		var buf bytes.Buffer
		WriteNPY(&buf, want)
		file, _ := os.ReadFile(path)
		if !bytes.Equal(buf.Bytes(), file) {
			t.Errorf("%s: writer output differs from the fixture", name)
		}
	}
}

// TestIDXHandWritten checks the reader on bytes written out by hand, the
// layout of the MNIST label and image files.
func TestIDXHandWritten(t *testing.T) {
	labels := []byte{0x00, 0x00, 0x08, 0x01, 0, 0, 0, 3, 7, 0, 255}
	a, err := ReadIDX(bytes.NewReader(labels))
	if err != nil || !slices.Equal(a.Shape, []int{3}) || a.DType != Uint8 || !slices.Equal(a.Data, []float64{7, 0, 255}) {
		t.Fatalf("labels: %+v, %v", a, err)
	}
	images := []byte{0x00, 0x00, 0x08, 0x03, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4}
	a, err = ReadIDX(bytes.NewReader(images))
	if err != nil || !slices.Equal(a.Shape, []int{2, 1, 2}) {
		t.Fatalf("images: %+v, %v", a, err)
	}
	m, err := a.Matrix()
	if err != nil {
		t.Fatal(err)
	}
	if r, c := m.Dims(); r != 2 || c != 2 || m.At(1, 0) != 3 {
		t.Errorf("matrix %d×%d, (1,0) = %v", r, c, m.At(1, 0))
	}
	// Signed and wider types, big-endian.
	ints := []byte{0x00, 0x00, 0x0B, 0x01, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x00}
	a, err = ReadIDX(bytes.NewReader(ints))
	if err != nil || a.DType != Int16 || !slices.Equal(a.Data, []float64{-2, 256}) {
		t.Errorf("int16: %+v, %v", a, err)
	}
	f := []byte{0x00, 0x00, 0x0D, 0x01, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0}
	a, err = ReadIDX(bytes.NewReader(f))
	if err != nil || a.DType != Float32 || a.Data[0] != 1.5 {
		t.Errorf("float32: %+v, %v", a, err)
	}
}

func TestIDXRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dt := range []DType{Uint8, Int8, Int16, Int32, Float32, Float64} {
		for _, shape := range [][]int{{7}, {4, 3}, {2, 3, 5}, {1, 1, 1, 2}} {
			a := randomArray(rng, dt, shape)
			for _, gz := range []bool{false, true} {
				var buf bytes.Buffer
				var w io.Writer = &buf
				var z *gzip.Writer
				if gz {
					z = gzip.NewWriter(&buf)
					w = z
				}
				if err := WriteIDX(w, a); err != nil {
					t.Fatal(err)
				}
				if z != nil {
					z.Close()
				}
				b, err := ReadIDX(&buf)
				if err != nil {
					t.Fatalf("%v %v gz=%v: %v", dt, shape, gz, err)
				}
				if !slices.Equal(a.Shape, b.Shape) || a.DType != b.DType || !bitsEqual(a.Data, b.Data) {
					t.Errorf("%v %v gz=%v: round trip changed the array", dt, shape, gz)
				}
			}
		}
	}
}

func TestNPYRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dt := range []DType{Uint8, Int8, Int16, Uint16, Int32, Uint32, Int64, Uint64, Float32, Float64} {
		for _, shape := range [][]int{{}, {7}, {4, 3}, {2, 3, 5}} {
			a := randomArray(rng, dt, shape)
			var buf bytes.Buffer
			if err := WriteNPY(&buf, a); err != nil {
				t.Fatal(err)
			}
			if buf.Len()%64 != a.Len()*dt.Size()%64 {
				t.Errorf("%v %v: header not padded to 64 bytes", dt, shape)
			}
			b, err := ReadNPY(&buf)
			if err != nil {
				t.Fatalf("%v %v: %v", dt, shape, err)
			}
			if !slices.Equal(a.Shape, b.Shape) || a.DType != b.DType || !bitsEqual(a.Data, b.Data) {
				t.Errorf("%v %v: round trip changed the array: %v → %v", dt, shape, a, b)
			}
		}
	}
	// A header too long for version 1.0 switches to 2.0.
	shape := make([]int, 30000)
	for i := range shape {
		shape[i] = 1
	}
	a := &Array{Shape: shape, DType: Float64, Data: []float64{42}}
	var buf bytes.Buffer
	if err := WriteNPY(&buf, a); err != nil {
		t.Fatal(err)
	}
	if buf.Bytes()[6] != 2 || buf.Len()%64 != 8 {
		t.Errorf("long header: version %d, length %d", buf.Bytes()[6], buf.Len())
	}
	b, err := ReadNPY(&buf)
	if err != nil || len(b.Shape) != 30000 || b.Data[0] != 42 {
		t.Errorf("v2 round trip: %v", err)
	}
}

func randomArray(rng *rand.Rand, dt DType, shape []int) *Array {
	a := &Array{Shape: shape, DType: dt}
	a.Data = make([]float64, a.Len())
	lo, hi := dt.intRange()
	for i := range a.Data {
		switch dt {
		case Float64:
			a.Data[i] = rng.NormFloat64() * math.Exp(10*rng.NormFloat64())
		case Float32:
			a.Data[i] = float64(float32(rng.NormFloat64()))
		case Int64, Uint64:
			a.Data[i] = math.Trunc(lo/2 + rng.Float64()*(hi/2-lo/2)) // within ±2^62 or 0…2^63
		default:
			a.Data[i] = lo + float64(rng.IntN(int(hi-lo)+1))
		}
	}
	if dt.isInt() && len(a.Data) > 1 {
		a.Data[0], a.Data[1] = lo, hi
		if dt.Size() == 8 {
			a.Data[1] = 0
		}
	}
	return a
}

// TestNPYFromNumPy reads files written by NumPy 1.24 (testdata/numpy/gen.py).
func TestNPYFromNumPy(t *testing.T) {
	f8 := []float64{1.5, -2.25, 3.0, 0.1, 1e300, math.Copysign(0, -1)}
	cases := []struct {
		file  string
		shape []int
		dt    DType
		data  []float64
	}{
		{"f8_2x3.npy", []int{2, 3}, Float64, f8},
		{"v2_f8_2x3.npy", []int{2, 3}, Float64, f8},
		{"v3_f8_2x3.npy", []int{2, 3}, Float64, f8},
		{"f4_4.npy", []int{4}, Float32, []float64{0.5, -1, 3.25, float64(float32(1e-3))}},
		{"i8_3.npy", []int{3}, Int64, []float64{-7, 0, 9007199254740992}},
		{"i4_2x2.npy", []int{2, 2}, Int32, []float64{1, -2, 3, -4}},
		{"u1_2x2x2.npy", []int{2, 2, 2}, Uint8, []float64{0, 1, 2, 3, 4, 5, 6, 7}},
		{"bool_3.npy", []int{3}, Uint8, []float64{1, 0, 1}},
		{"be_f8_2x2.npy", []int{2, 2}, Float64, []float64{1, 2, 3, -4.5}},
		{"scalar_f8.npy", []int{}, Float64, []float64{2.5}},
	}
	for _, c := range cases {
		a, err := ReadNPYFile(filepath.Join("testdata", "numpy", c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !slices.Equal(a.Shape, c.shape) || a.DType != c.dt || !bitsEqual(a.Data, c.data) {
			t.Errorf("%s: got %v %v %v, want %v %v %v", c.file, a.Shape, a.DType, a.Data, c.shape, c.dt, c.data)
		}
	}
	// Our writer produces NumPy's bytes exactly.
	want, _ := os.ReadFile(filepath.Join("testdata", "numpy", "f8_2x3.npy"))
	var buf bytes.Buffer
	WriteNPY(&buf, &Array{Shape: []int{2, 3}, DType: Float64, Data: f8})
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteNPY differs from numpy.save:\n%q\n%q", buf.Bytes(), want)
	}
	m, err := ReadNPYMatrix(filepath.Join("testdata", "numpy", "f4_4.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if r, c := m.Dims(); r != 4 || c != 1 {
		t.Errorf("vector as %d×%d matrix", r, c)
	}
	if _, err := ReadNPYMatrix(filepath.Join("testdata", "numpy", "u1_2x2x2.npy")); err == nil {
		t.Error("ReadNPYMatrix accepted a 3-D array")
	}
}

// TestNPYHandWritten reads a version 1.0 file whose bytes are written out
// here: keys in another order, double quotes, no padding.
func TestNPYHandWritten(t *testing.T) {
	header := `{"shape": (2, 1), "fortran_order": False, "descr": "<f4"}` + "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	b = append(b, header...)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(1.25))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(-8))
	a, err := ReadNPY(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Shape, []int{2, 1}) || a.DType != Float32 || !slices.Equal(a.Data, []float64{1.25, -8}) {
		t.Errorf("got %+v", a)
	}
	// Python 2 style long sizes.
	header = "{'descr': '|u1', 'fortran_order': False, 'shape': (3L,), }\n"
	b = []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	b = append(append(b, header...), 1, 2, 3)
	if a, err := ReadNPY(bytes.NewReader(b)); err != nil || !slices.Equal(a.Data, []float64{1, 2, 3}) {
		t.Errorf("3L: %+v %v", a, err)
	}
}

func npyBytes(t *testing.T, a *Array) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteNPY(&buf, a); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func withHeader(dict string) []byte {
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	return append(b, dict...)
}

func TestNPYErrors(t *testing.T) {
	good := npyBytes(t, fixtureF8())
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated header"},
		{"wrong magic", append([]byte("\x93NUMPZ"), good[6:]...), "wrong magic"},
		{"idx file", []byte{0, 0, 8, 1, 0, 0, 0, 1, 5, 0, 0, 0}, "wrong magic"},
		{"version 4", append(append([]byte{}, good[:6]...), append([]byte{4, 0}, good[8:]...)...), "unsupported format version 4.0"},
		{"truncated length", good[:9], "truncated header"},
		{"truncated header", good[:40], "truncated header"},
		{"truncated data", good[:len(good)-3], "truncated data: 5 of 6"},
		{"trailing data", append(append([]byte{}, good...), 0), "unexpected data after"},
		{"complex", withHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"), "unsupported dtype '<c16'"},
		{"object", withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), "malformed dtype"},
		{"unicode", withHeader("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }"), "unsupported dtype '<U3'"},
		{"bad order", withHeader("{'descr': '!f8', 'fortran_order': False, 'shape': (1,), }"), "byte order"},
		{"pipe f8", withHeader("{'descr': '|f8', 'fortran_order': False, 'shape': (1,), }"), "only for 1-byte"},
		{"fortran", withHeader("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }"), "'fortran_order' is True"},
		{"no shape", withHeader("{'descr': '<f8', 'fortran_order': False}"), `no "shape" field`},
		{"extra key", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': True}"), `unexpected field "x"`},
		{"bad shape", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (a,), }"), "malformed header at byte"},
		{"shape not tuple", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': 'x', }"), "'shape' is x"},
		{"fortran not bool", withHeader("{'descr': '<f8', 'fortran_order': 'no', 'shape': (1,), }"), "'fortran_order' is no"},
		{"unterminated", withHeader("{'descr': '<f8"), "unterminated string"},
		{"huge", withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000), }"), "claims more than"},
		{"bad gzip", []byte{0x1f, 0x8b, 1, 2}, "gzip"},
	}
	for _, c := range cases {
		_, err := ReadNPY(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
	// NumPy-written files with unsupported content.
	for file, want := range map[string]string{
		"fortran_f8_2x3.npy": "Fortran-order arrays are not supported",
		"c16_2.npy":          "unsupported dtype '<c16'",
		"f2_2.npy":           "unsupported dtype '<f2'",
		"structured.npy":     "structured dtypes are not supported",
	} {
		path := filepath.Join("testdata", "numpy", file)
		_, err := ReadNPYFile(path)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: got %v, want an error naming the file and containing %q", file, err, want)
		}
	}
}

func TestIDXErrors(t *testing.T) {
	var buf bytes.Buffer
	WriteIDX(&buf, fixtureImages())
	good := buf.Bytes()
	var gz bytes.Buffer
	z := gzip.NewWriter(&gz)
	z.Write(good)
	z.Close()
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated header: file ends at byte 0 while reading the magic number"},
		{"short magic", good[:3], "truncated header"},
		{"wrong magic", append([]byte{0x08, 0x03, 0, 0}, good[4:]...), "wrong magic number 0x08030000"},
		{"npy file", npyBytes(t, fixtureF8()), "wrong magic number"},
		{"bad type", append([]byte{0, 0, 0x0A, 3}, good[4:]...), "unsupported element type 0x0a"},
		{"zero dims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"truncated dims", good[:10], "truncated header: file ends at byte 10 while reading the 3 dimension sizes"},
		{"truncated data", good[:len(good)-2], "truncated data: 10 of 12 uint8 values present (stream ends at byte 26, want 28)"},
		{"trailing data", append(append([]byte{}, good...), 1, 2), "unexpected data after the 12 values"},
		{"truncated gzip", gz.Bytes()[:gz.Len()-12], "of the decompressed stream"},
		{"huge", []byte{0, 0, 0x0E, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9}, "claim more than"},
	}
	for _, c := range cases {
		_, err := ReadIDX(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
	// File errors name the file.
	dir := t.TempDir()
	path := filepath.Join(dir, "bad-idx1-ubyte")
	os.WriteFile(path, good[:len(good)-1], 0o644)
	if _, err := ReadIDXFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error does not name the file: %v", err)
	}
	if _, err := ReadIDXFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestWriterErrors(t *testing.T) {
	cases := []struct {
		name string
		a    *Array
		idx  bool
		want string
	}{
		{"uint8 overflow", &Array{Shape: []int{2}, DType: Uint8, Data: []float64{1, 256}}, true, "value 256 at index 1 cannot be stored as uint8"},
		{"fraction", &Array{Shape: []int{1}, DType: Int32, Data: []float64{1.5}}, false, "cannot be stored as int32"},
		{"int64 top", &Array{Shape: []int{1}, DType: Int64, Data: []float64{math.Exp2(63)}}, false, "cannot be stored"},
		{"float32 overflow", &Array{Shape: []int{1}, DType: Float32, Data: []float64{1e300}}, false, "overflows float32"},
		{"shape mismatch", &Array{Shape: []int{2, 2}, DType: Float64, Data: []float64{1}}, false, "needs 4 values, has 1"},
		{"no type", &Array{Shape: []int{1}, Data: []float64{1}}, false, "unknown element type"},
		{"idx int64", &Array{Shape: []int{1}, DType: Int64, Data: []float64{1}}, true, "no IDX code"},
		{"idx scalar", &Array{Shape: []int{}, DType: Float64, Data: []float64{1}}, true, "IDX holds 1 to 255"},
	}
	for _, c := range cases {
		var err error
		if c.idx {
			err = WriteIDX(io.Discard, c.a)
		} else {
			err = WriteNPY(io.Discard, c.a)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

func TestArrayHelpers(t *testing.T) {
	a := &Array{Shape: []int{2, 2, 3}, DType: Uint8, Data: make([]float64, 12)}
	m, err := a.Matrix()
	if err != nil {
		t.Fatal(err)
	}
	m.Set(1, 5, 7)
	if a.Data[11] != 7 {
		t.Error("Matrix does not share the data")
	}
	if _, err := (&Array{Shape: []int{}, DType: Float64, Data: []float64{1}}).Matrix(); err == nil {
		t.Error("0-D matrix")
	}
	if _, err := (&Array{Shape: []int{0, 3}, DType: Float64}).Matrix(); err == nil {
		t.Error("empty matrix")
	}
	if _, err := (&Array{Shape: []int{2}, Data: []float64{1, 0.5}}).Ints(); err == nil {
		t.Error("Ints accepted 0.5")
	}
	if got := MatrixArray(m, Float64); !slices.Equal(got.Shape, []int{2, 6}) || got.Data[11] != 7 {
		t.Errorf("MatrixArray: %v", got)
	}
	if v := VectorArray([]float64{1, 2}, Float32); !slices.Equal(v.Shape, []int{2}) {
		t.Errorf("VectorArray: %v", v)
	}
	for dt := Uint8; dt <= Float64; dt++ {
		if dt.String() == "" || strings.HasPrefix(dt.String(), "DType(") || dt.Size() == 0 {
			t.Errorf("DType %d: %q size %d", int(dt), dt, dt.Size())
		}
	}
	if DType(99).String() != "DType(99)" {
		t.Error("unknown DType name")
	}
}

func FuzzReadNPY(f *testing.F) {
	for _, name := range []string{"go_f8_3x2.npy", "go_f4_5.npy", "numpy/v2_f8_2x3.npy", "numpy/be_f8_2x2.npy", "numpy/structured.npy"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadNPY(bytes.NewReader(b))
		if err != nil {
			return
		}
		if a.Len() != len(a.Data) {
			t.Fatalf("shape %v with %d values", a.Shape, len(a.Data))
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, a); err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
		c, err := ReadNPY(&buf)
		if err != nil || !slices.Equal(a.Shape, c.Shape) || !bitsEqual(a.Data, c.Data) {
			t.Fatalf("rewrite round trip failed: %v", err)
		}
	})
}

func FuzzReadIDX(f *testing.F) {
	for _, name := range []string{"images-idx3-ubyte", "labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0x0E, 1, 0, 0, 0, 1, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		if a.Len() != len(a.Data) {
			t.Fatalf("shape %v with %d values", a.Shape, len(a.Data))
		}
		var buf bytes.Buffer
		if err := WriteIDX(&buf, a); err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
		c, err := ReadIDX(&buf)
		if err != nil || !slices.Equal(a.Shape, c.Shape) || !bitsEqual(a.Data, c.Data) {
			t.Fatalf("rewrite round trip failed: %v", err)
		}
	})
}

func TestFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a := fixtureF8()
	for _, name := range []string{"a.npy", "a.npy.gz"} {
		path := filepath.Join(dir, name)
		if err := WriteNPYFile(path, a); err != nil {
			t.Fatal(err)
		}
		b, err := ReadNPYFile(path)
		if err != nil || !bitsEqual(a.Data, b.Data) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"a-idx2-double", "a-idx2-double.gz"} {
		path := filepath.Join(dir, name)
		if err := WriteIDXFile(path, a); err != nil {
			t.Fatal(err)
		}
		b, err := ReadIDXFile(path)
		if err != nil || !bitsEqual(a.Data, b.Data) || !slices.Equal(b.Shape, a.Shape) {
			t.Errorf("%s: %v", name, err)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "a.npy.gz"))
	if raw[0] != 0x1f || raw[1] != 0x8b {
		t.Error(".gz file not compressed")
	}
	// Errors name the file; a bad path fails.
	if err := WriteNPYFile(filepath.Join(dir, "b.npy"), &Array{Shape: []int{1}, DType: Uint8, Data: []float64{-1}}); err == nil || !strings.Contains(err.Error(), "b.npy") {
		t.Errorf("write error: %v", err)
	}
	if err := WriteIDXFile(filepath.Join(dir, "no", "such", "dir"), a); err == nil {
		t.Error("write to a missing directory succeeded")
	}
}

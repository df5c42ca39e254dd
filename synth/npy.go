package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

const npyMagic = "\x93NUMPY"

// ReadNPY reads a NumPy .npy file (format versions 1.0, 2.0 and 3.0; gzip
// compression is detected and undone). Supported element types are
// float64, float32, int8/16/32/64, uint8/16/32/64 and bool, in either byte
// order ('<', '>', '|' or '='); the values are converted to float64. The
// array must be in C order: a header with 'fortran_order': True is
// rejected (save np.ascontiguousarray(a) instead). Errors say which byte
// or header field is wrong.
//
// From PyTorch:
//
//	np.save("x.npy", x.detach().cpu().numpy().astype(np.float64))
//	np.save("y.npy", model(x).detach().cpu().numpy().astype(np.float64))
func ReadNPY(r io.Reader) (*Array, error) {
	src, gz, err := maybeGunzip(r)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	cr := &countingReader{r: src}
	var pre [8]byte
	if _, err := io.ReadFull(cr, pre[:]); err != nil {
		return nil, npyTrunc(err, "magic string and version", cr.n, gz)
	}
	if string(pre[:6]) != npyMagic {
		return nil, fmt.Errorf("npy: wrong magic string %q at offset 0: want \"\\x93NUMPY\" (not a .npy file; read .npz archives with ReadNPZ)", pre[:6])
	}
	major, minor := pre[6], pre[7]
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(cr, b[:]); err != nil {
			return nil, npyTrunc(err, "header length", cr.n, gz)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(cr, b[:]); err != nil {
			return nil, npyTrunc(err, "header length", cr.n, gz)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > 1<<24 {
			return nil, fmt.Errorf("npy: header length %d at offset 8 is implausibly large", hlen)
		}
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d at offset 6: want 1.0, 2.0 or 3.0", major, minor)
	}
	hstart := cr.n
	header := make([]byte, hlen)
	if _, err := io.ReadFull(cr, header); err != nil {
		return nil, npyTrunc(err, fmt.Sprintf("%d-byte header", hlen), cr.n, gz)
	}
	h, err := parseNPYHeader(header, hstart)
	if err != nil {
		return nil, err
	}
	a := &Array{Shape: h.shape, DType: h.dtype}
	total := 1
	for _, s := range h.shape {
		if s != 0 && total > maxElements/s {
			return nil, fmt.Errorf("npy: header field 'shape' %v claims more than %d elements", h.shape, maxElements)
		}
		total *= s
	}
	size := h.dtype.Size()
	dstart := cr.n
	raw, err := readPayload(cr, total*size)
	if err != nil {
		have := (cr.n - dstart) / int64(size)
		return nil, fmt.Errorf("npy: truncated data: %d of %d %v values present (stream ends at byte %d%s, want %d)",
			have, total, h.descr, cr.n, gzNote(gz), dstart+int64(total*size))
	}
	a.Data = make([]float64, total)
	decode(a.Data, raw, h.dtype, h.order, h.bool)
	if err := checkEnd(cr, total, a.Shape, gz); err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return a, nil
}

func npyTrunc(err error, what string, off int64, gz bool) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("npy: truncated header: file ends at byte %d%s while reading the %s", off, gzNote(gz), what)
	}
	return fmt.Errorf("npy: reading the %s: %w", what, err)
}

type npyHeader struct {
	descr string
	dtype DType
	order binary.ByteOrder
	bool  bool
	shape []int
}

// parseNPYDescr decodes a simple dtype string such as '<f8'.
func parseNPYDescr(s string) (t DType, order binary.ByteOrder, isBool bool, err error) {
	if len(s) < 3 {
		return 0, nil, false, fmt.Errorf("malformed dtype '%s'", s)
	}
	switch s[0] {
	case '<':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	case '=':
		order = binary.NativeEndian
	case '|':
		order = binary.LittleEndian // only valid for 1-byte types, checked below
	default:
		return 0, nil, false, fmt.Errorf("unsupported dtype '%s': byte order must be '<', '>', '|' or '='", s)
	}
	size, perr := strconv.Atoi(s[2:])
	known := map[string]DType{
		"f4": Float32, "f8": Float64,
		"i1": Int8, "i2": Int16, "i4": Int32, "i8": Int64,
		"u1": Uint8, "u2": Uint16, "u4": Uint32, "u8": Uint64,
		"b1": Uint8,
	}
	t, ok := known[s[1:]]
	if perr != nil || !ok {
		return 0, nil, false, fmt.Errorf("unsupported dtype '%s': want float32/64, (u)int8/16/32/64 or bool, e.g. '<f8' (convert with a.astype(np.float64))", s)
	}
	if s[0] == '|' && size != 1 {
		return 0, nil, false, fmt.Errorf("malformed dtype '%s': '|' (no byte order) is only for 1-byte types", s)
	}
	return t, order, s[1] == 'b', nil
}

// parseNPYHeader parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }.
func parseNPYHeader(b []byte, off int64) (*npyHeader, error) {
	p := &dictParser{s: string(b), off: off}
	fields, err := p.dict()
	if err != nil {
		return nil, err
	}
	h := &npyHeader{}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := fields[k]; !ok {
			return nil, fmt.Errorf("npy: header (bytes %d–%d) has no %q field", off, off+int64(len(b))-1, k)
		}
	}
	for k := range fields {
		if k != "descr" && k != "fortran_order" && k != "shape" {
			return nil, fmt.Errorf("npy: header has unexpected field %q", k)
		}
	}
	d, ok := fields["descr"].(string)
	if !ok {
		return nil, fmt.Errorf("npy: header field 'descr' is %v: structured dtypes are not supported, want a simple type such as '<f8'", fields["descr"])
	}
	h.descr = d
	if h.dtype, h.order, h.bool, err = parseNPYDescr(d); err != nil {
		return nil, fmt.Errorf("npy: header field 'descr': %w", err)
	}
	fo, ok := fields["fortran_order"].(bool)
	if !ok {
		return nil, fmt.Errorf("npy: header field 'fortran_order' is %v, want True or False", fields["fortran_order"])
	}
	if fo {
		return nil, fmt.Errorf("npy: header field 'fortran_order' is True: Fortran-order arrays are not supported; save a C-order copy with np.save(path, np.ascontiguousarray(a))")
	}
	sh, ok := fields["shape"].([]int)
	if !ok {
		return nil, fmt.Errorf("npy: header field 'shape' is %v, want a tuple of sizes", fields["shape"])
	}
	h.shape = sh
	return h, nil
}

// pyList is a Python list in a header, kept as text: NumPy writes one for
// structured dtypes, which are not supported.
type pyList string

type dictParser struct {
	s   string
	i   int
	off int64
}

func (p *dictParser) errf(format string, args ...any) error {
	return fmt.Errorf("npy: malformed header at byte %d: %s", p.off+int64(p.i), fmt.Sprintf(format, args...))
}

func (p *dictParser) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *dictParser) expect(c byte) error {
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return p.errf("want %q", c)
	}
	p.i++
	return nil
}

func (p *dictParser) dict() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	m := map[string]any{}
	for {
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			break
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if err := p.expect('}'); err != nil {
			return nil, err
		}
		break
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, p.errf("unexpected %q after the dictionary", p.s[p.i:])
	}
	return m, nil
}

func (p *dictParser) str() (string, error) {
	p.ws()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", p.errf("want a quoted string")
	}
	q := p.s[p.i]
	j := strings.IndexByte(p.s[p.i+1:], q)
	if j < 0 {
		return "", p.errf("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+j]
	p.i += j + 2
	return v, nil
}

func (p *dictParser) value() (any, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, p.errf("missing value")
	}
	switch c := p.s[p.i]; {
	case c == '\'' || c == '"':
		return p.str()
	case c == '(':
		return p.tuple()
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	case c == '[':
		// A structured dtype: skip the balanced list so the caller can
		// report it by field name.
		depth := 0
		for start := p.i; p.i < len(p.s); p.i++ {
			switch p.s[p.i] {
			case '[':
				depth++
			case ']':
				depth--
				if depth == 0 {
					p.i++
					return pyList(p.s[start:p.i]), nil
				}
			}
		}
		return nil, p.errf("unterminated list")
	}
	return nil, p.errf("unexpected value %q", p.s[p.i:min(p.i+10, len(p.s))])
}

func (p *dictParser) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	shape := []int{}
	for {
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			return shape, nil
		}
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i {
			return nil, p.errf("want a dimension size in 'shape'")
		}
		v, err := strconv.Atoi(p.s[p.i:j])
		if err != nil || v > maxElements {
			return nil, p.errf("dimension size %q out of range", p.s[p.i:j])
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long
			p.i++
		}
		shape = append(shape, v)
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if err := p.expect(')'); err != nil {
			return nil, err
		}
		return shape, nil
	}
}

// npyDescr is the dtype string written for each element type.
var npyDescr = map[DType]string{
	Uint8: "|u1", Int8: "|i1", Int16: "<i2", Uint16: "<u2", Int32: "<i4", Uint32: "<u4",
	Int64: "<i8", Uint64: "<u8", Float32: "<f4", Float64: "<f8",
}

// WriteNPY writes a as a little-endian, C-order .npy file, format version
// 1.0 (2.0 if the header needs more than 65 535 bytes), with the header
// padded to a multiple of 64 bytes as NumPy does. Integer element types
// need integer values in range.
func WriteNPY(w io.Writer, a *Array) error {
	if err := a.check(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	if err := checkStorable(a); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	var sh strings.Builder
	sh.WriteByte('(')
	for i, s := range a.Shape {
		if i > 0 {
			sh.WriteString(", ")
		}
		sh.WriteString(strconv.Itoa(s))
	}
	if len(a.Shape) == 1 {
		sh.WriteByte(',')
	}
	sh.WriteByte(')')
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", npyDescr[a.DType], sh.String())
	var head bytes.Buffer
	head.WriteString(npyMagic)
	pad := func(prefix int) int { return (64 - (prefix+len(dict)+1)%64) % 64 }
	if n := len(dict) + 1 + pad(10); n <= math.MaxUint16 {
		head.Write([]byte{1, 0})
		head.Write(binary.LittleEndian.AppendUint16(nil, uint16(n)))
		head.WriteString(dict + strings.Repeat(" ", pad(10)) + "\n")
	} else {
		n := len(dict) + 1 + pad(12)
		head.Write([]byte{2, 0})
		head.Write(binary.LittleEndian.AppendUint32(nil, uint32(n)))
		head.WriteString(dict + strings.Repeat(" ", pad(12)) + "\n")
	}
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	return writeValues(w, a.Data, a.DType, binary.LittleEndian)
}

// ReadNPYFile reads a .npy file; errors name the file.
func ReadNPYFile(path string) (*Array, error) { return readFileWith(path, ReadNPY) }

// WriteNPYFile writes a to path as .npy, gzip-compressed when the path
// ends in ".gz".
func WriteNPYFile(path string, a *Array) error { return writeFileWith(path, a, WriteNPY) }

// ReadNPYMatrix reads a .npy file of one or two dimensions as a matrix (a
// vector becomes one column).
func ReadNPYMatrix(path string) (*mat.Dense, error) {
	a, err := ReadNPYFile(path)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 1 && len(a.Shape) != 2 {
		return nil, fmt.Errorf("%s: npy: shape %v: want a vector or a matrix", path, a.Shape)
	}
	m, err := a.Matrix()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

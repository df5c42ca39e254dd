package synth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// IDX type codes (the third byte of the magic number).
var idxCodes = map[byte]DType{
	0x08: Uint8, 0x09: Int8, 0x0B: Int16, 0x0C: Int32, 0x0D: Float32, 0x0E: Float64,
}

func idxCode(t DType) (byte, bool) {
	for c, d := range idxCodes {
		if d == t {
			return c, true
		}
	}
	return 0, false
}

// maxElements bounds the element count a header may claim (2^34 values,
// 128 GiB as float64): larger headers are taken as corrupt.
const maxElements = 1 << 34

// readChunk is the number of bytes decoded at a time.
const readChunk = 1 << 20

// ReadIDX reads an IDX file (the format of MNIST and Fashion-MNIST), plain
// or gzip-compressed (detected by the magic bytes 0x1f 0x8b). The header is
// a magic number 0x0000TTNN, with TT the element type (0x08 unsigned byte,
// 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)
// and NN the number of dimensions, then NN big-endian uint32 sizes, then
// the big-endian values in row-major order. The images file
// train-images-idx3-ubyte (magic 0x00000803) gives shape {60000, 28, 28};
// Matrix flattens it to 60000×784. Byte offsets in errors count the
// decompressed stream.
func ReadIDX(r io.Reader) (*Array, error) {
	src, gz, err := maybeGunzip(r)
	if err != nil {
		return nil, fmt.Errorf("idx: %w", err)
	}
	cr := &countingReader{r: src}
	var magic [4]byte
	if _, err := io.ReadFull(cr, magic[:]); err != nil {
		return nil, idxTrunc(err, "magic number", cr.n, gz)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("idx: wrong magic number 0x%08x at offset 0: want 0x0000TTNN (type TT, NN dimensions), e.g. 0x00000803 for images", binary.BigEndian.Uint32(magic[:]))
	}
	t, ok := idxCodes[magic[2]]
	if !ok {
		return nil, fmt.Errorf("idx: unsupported element type 0x%02x in magic number 0x%08x (byte offset 2): want 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E", magic[2], binary.BigEndian.Uint32(magic[:]))
	}
	nd := int(magic[3])
	if nd == 0 {
		return nil, fmt.Errorf("idx: magic number 0x%08x declares 0 dimensions (byte offset 3)", binary.BigEndian.Uint32(magic[:]))
	}
	dims := make([]byte, 4*nd)
	if _, err := io.ReadFull(cr, dims); err != nil {
		return nil, idxTrunc(err, fmt.Sprintf("%d dimension sizes", nd), cr.n, gz)
	}
	a := &Array{Shape: make([]int, nd), DType: t}
	total := 1
	for i := range a.Shape {
		s := binary.BigEndian.Uint32(dims[4*i:])
		a.Shape[i] = int(s)
		if s != 0 && total > maxElements/int(s) {
			return nil, fmt.Errorf("idx: dimension sizes %v (bytes 4–%d) claim more than %d elements", a.Shape[:i+1], 4+4*nd-1, maxElements)
		}
		total *= int(s)
	}
	raw, err := readPayload(cr, total*t.Size())
	if err != nil {
		have := (cr.n - int64(4+4*nd)) / int64(t.Size())
		return nil, fmt.Errorf("idx: truncated data: %d of %d %v values present (stream ends at byte %d%s, want %d)",
			have, total, t, cr.n, gzNote(gz), int64(4+4*nd)+int64(total*t.Size()))
	}
	a.Data = make([]float64, total)
	decodeBE(a.Data, raw, t)
	if err := checkEnd(cr, total, a.Shape, gz); err != nil {
		return nil, fmt.Errorf("idx: %w", err)
	}
	return a, nil
}

// checkEnd reports an error unless the stream ends cleanly after the data:
// trailing bytes, or a gzip stream that is cut short or fails its checksum.
func checkEnd(cr *countingReader, total int, shape []int, gz bool) error {
	var one [1]byte
	n, err := io.ReadFull(cr, one[:])
	if n > 0 {
		return fmt.Errorf("unexpected data after the %d values declared by shape %v (byte offset %d%s)", total, shape, cr.n-1, gzNote(gz))
	}
	if err != io.EOF {
		return fmt.Errorf("after the %d values (byte offset %d%s): %w", total, cr.n, gzNote(gz), err)
	}
	return nil
}

func gzNote(gz bool) string {
	if gz {
		return " of the decompressed stream"
	}
	return ""
}

func idxTrunc(err error, what string, off int64, gz bool) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("idx: truncated header: file ends at byte %d%s while reading the %s", off, gzNote(gz), what)
	}
	return fmt.Errorf("idx: reading the %s: %w", what, err)
}

// readPayload reads exactly n bytes. The buffer grows with the data that
// is actually there, so a corrupt header cannot force a huge allocation.
func readPayload(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 64<<20))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		k := min(cap(buf), n) - len(buf)
		m, err := io.ReadFull(r, buf[len(buf):len(buf)+k])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// decodeBE decodes big-endian values of type t from b into dst.
func decodeBE(dst []float64, b []byte, t DType) {
	decode(dst, b, t, binary.BigEndian, false)
}

// decode decodes values of type t with byte order bo from b into dst
// (len(b) = len(dst)·t.Size()); isBool maps non-zero bytes to 1.
func decode(dst []float64, b []byte, t DType, bo binary.ByteOrder, isBool bool) {
	if decodeFloatFast(dst, b, t, bo) {
		return
	}
	switch t {
	case Uint8:
		b = b[:len(dst)]
		if isBool {
			for i, v := range b {
				if v != 0 {
					dst[i] = 1
				} else {
					dst[i] = 0
				}
			}
			return
		}
		for i, v := range b {
			dst[i] = float64(v)
		}
	case Int8:
		b = b[:len(dst)]
		for i, v := range b {
			dst[i] = float64(int8(v))
		}
	case Int16:
		for i := range dst {
			dst[i] = float64(int16(bo.Uint16(b[2*i:])))
		}
	case Uint16:
		for i := range dst {
			dst[i] = float64(bo.Uint16(b[2*i:]))
		}
	case Int32:
		for i := range dst {
			dst[i] = float64(int32(bo.Uint32(b[4*i:])))
		}
	case Uint32:
		for i := range dst {
			dst[i] = float64(bo.Uint32(b[4*i:]))
		}
	case Int64:
		for i := range dst {
			dst[i] = float64(int64(bo.Uint64(b[8*i:])))
		}
	case Uint64:
		for i := range dst {
			dst[i] = float64(bo.Uint64(b[8*i:]))
		}
	case Float32:
		for i := range dst {
			dst[i] = float64(math.Float32frombits(bo.Uint32(b[4*i:])))
		}
	case Float64:
		for i := range dst {
			dst[i] = math.Float64frombits(bo.Uint64(b[8*i:]))
		}
	default:
		panic("synth: decode: unsupported type " + t.String())
	}
}

// decodeFloatFast decodes float32 and float64 in either fixed byte order
// with direct (inlined) calls instead of calls through the ByteOrder
// interface; it reports whether it handled the case.
func decodeFloatFast(dst []float64, b []byte, t DType, bo binary.ByteOrder) bool {
	le, be := bo == binary.ByteOrder(binary.LittleEndian), bo == binary.ByteOrder(binary.BigEndian)
	switch {
	case t == Float64 && le:
		b = b[:8*len(dst)]
		for i := range dst {
			dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case t == Float64 && be:
		b = b[:8*len(dst)]
		for i := range dst {
			dst[i] = math.Float64frombits(binary.BigEndian.Uint64(b[8*i:]))
		}
	case t == Float32 && le:
		b = b[:4*len(dst)]
		for i := range dst {
			dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case t == Float32 && be:
		b = b[:4*len(dst)]
		for i := range dst {
			dst[i] = float64(math.Float32frombits(binary.BigEndian.Uint32(b[4*i:])))
		}
	default:
		return false
	}
	return true
}

// WriteIDX writes a in the IDX format (uncompressed; wrap w in a
// gzip.Writer for .gz files, or use WriteIDXFile). The element type must be
// one IDX supports (Uint8, Int8, Int16, Int32, Float32, Float64) and every
// value must be storable in it exactly (integers) or in range (float32).
func WriteIDX(w io.Writer, a *Array) error {
	if err := a.check(); err != nil {
		return fmt.Errorf("idx: %w", err)
	}
	code, ok := idxCode(a.DType)
	if !ok {
		return fmt.Errorf("idx: element type %v has no IDX code (use uint8, int8, int16, int32, float32 or float64)", a.DType)
	}
	if len(a.Shape) == 0 || len(a.Shape) > 255 {
		return fmt.Errorf("idx: %d dimensions: IDX holds 1 to 255", len(a.Shape))
	}
	if err := checkStorable(a); err != nil {
		return fmt.Errorf("idx: %w", err)
	}
	head := []byte{0, 0, code, byte(len(a.Shape))}
	for i, s := range a.Shape {
		if uint64(s) > math.MaxUint32 {
			return fmt.Errorf("idx: dimension %d of size %d does not fit in 32 bits", i, s)
		}
		head = binary.BigEndian.AppendUint32(head, uint32(s))
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	return writeValues(w, a.Data, a.DType, binary.BigEndian)
}

// writeValues encodes values in chunks with the given byte order.
func writeValues(w io.Writer, data []float64, t DType, bo binary.AppendByteOrder) error {
	size := t.Size()
	buf := make([]byte, 0, min(readChunk, len(data)*size))
	for len(data) > 0 {
		k := min(cap(buf)/size, len(data))
		buf = buf[:0]
		if bo == binary.AppendByteOrder(binary.LittleEndian) && t == Float64 {
			for _, v := range data[:k] {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
			data = data[k:]
			continue
		}
		for _, v := range data[:k] {
			switch t {
			case Uint8:
				buf = append(buf, uint8(v))
			case Int8:
				buf = append(buf, byte(int8(v)))
			case Int16:
				buf = bo.AppendUint16(buf, uint16(int16(v)))
			case Uint16:
				buf = bo.AppendUint16(buf, uint16(v))
			case Int32:
				buf = bo.AppendUint32(buf, uint32(int32(v)))
			case Uint32:
				buf = bo.AppendUint32(buf, uint32(v))
			case Int64:
				buf = bo.AppendUint64(buf, uint64(int64(v)))
			case Uint64:
				buf = bo.AppendUint64(buf, uint64(v))
			case Float32:
				buf = bo.AppendUint32(buf, math.Float32bits(float32(v)))
			case Float64:
				buf = bo.AppendUint64(buf, math.Float64bits(v))
			}
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}

// ReadIDXFile reads an IDX file, gzip-compressed or not; errors name the
// file.
func ReadIDXFile(path string) (*Array, error) { return readFileWith(path, ReadIDX) }

// WriteIDXFile writes a to path in the IDX format, gzip-compressed when
// the path ends in ".gz".
func WriteIDXFile(path string, a *Array) error { return writeFileWith(path, a, WriteIDX) }

package mlp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// fileFormat tags saved networks so that other JSON is rejected clearly.
const fileFormat = "expandcluster/mlp"

// fileVersion is the version written. Version 2 adds the checksum;
// version 1 files (without one) are still read.
const fileVersion = 2

// jsonNetwork is the saved form of a Network. Parameters are written with
// Go's shortest round-trip formatting, so loading gives back the exact
// float64 bits.
type jsonNetwork struct {
	Format      string    `json:"format"`
	Version     int       `json:"version"`
	Sizes       []int     `json:"sizes"`
	Activations []string  `json:"activations"`
	Bias        bool      `json:"bias"`
	Skip        bool      `json:"skip,omitempty"`
	Params      []float64 `json:"params"`
	// Checksum is "sha256:" and the hex SHA-256 of this record encoded
	// with an empty Checksum: a file changed by hand or by corruption
	// no longer matches it.
	Checksum string `json:"checksum,omitempty"`
}

// checksum returns the checksum of j's contents (its Checksum field
// aside). Encoding the decoded values again gives the bytes that were
// hashed when saving, since floats are written in their shortest
// round-trip form.
func (j jsonNetwork) checksum() (string, error) {
	j.Checksum = ""
	b, err := json.Marshal(j)
	if err != nil {
		return "", err
	}
	return Checksum(b), nil
}

// Checksum returns "sha256:" followed by the hex SHA-256 of b, the form of
// the checksums in saved networks and student files.
func Checksum(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// MarshalJSON encodes the architecture (activations by name) and the
// parameters. It fails on non-finite parameters, which JSON cannot hold.
func (n *Network) MarshalJSON() ([]byte, error) {
	if err := n.CheckFinite(); err != nil {
		return nil, fmt.Errorf("mlp: cannot save network: %w", err)
	}
	spec := n.Spec()
	j := jsonNetwork{Format: fileFormat, Version: fileVersion, Sizes: spec.Sizes, Bias: !spec.NoBias, Skip: spec.Skip, Params: n.params}
	for _, a := range spec.Acts {
		j.Activations = append(j.Activations, a.Name())
	}
	sum, err := j.checksum()
	if err != nil {
		return nil, fmt.Errorf("mlp: cannot save network: %w", err)
	}
	j.Checksum = sum
	return json.Marshal(j)
}

// UnmarshalJSON decodes a network saved by MarshalJSON. Activations are
// looked up by name among the built-ins and those added with Register. A
// version 2 record must match its checksum.
func (n *Network) UnmarshalJSON(data []byte) error {
	var j jsonNetwork
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("mlp: malformed network JSON: %w", err)
	}
	if j.Format != fileFormat {
		return fmt.Errorf("mlp: not a saved network (format %q, want %q)", j.Format, fileFormat)
	}
	switch j.Version {
	case 1: // written before checksums
	case fileVersion:
		sum, err := j.checksum()
		if err != nil {
			return fmt.Errorf("mlp: malformed network JSON: %w", err)
		}
		if j.Checksum != sum {
			return fmt.Errorf("mlp: network contents do not match their checksum (changed since saved): stored %q, contents give %q", j.Checksum, sum)
		}
	default:
		return fmt.Errorf("mlp: unsupported network file version %d (want 1 or %d)", j.Version, fileVersion)
	}
	if want, ok := paramCount(j.Sizes, j.Bias, j.Skip); !ok || want != len(j.Params) {
		// Checked before New allocates, so that a corrupt size cannot
		// ask for terabytes.
		return fmt.Errorf("mlp: saved network has %d parameters, its sizes %v need %d", len(j.Params), j.Sizes, want)
	}
	spec := Spec{Sizes: j.Sizes, NoBias: !j.Bias, Skip: j.Skip}
	if len(j.Activations) != len(j.Sizes)-1 {
		return fmt.Errorf("mlp: saved network has %d activations for %d layer sizes", len(j.Activations), len(j.Sizes))
	}
	for _, name := range j.Activations {
		a, err := Lookup(name)
		if err != nil {
			return err
		}
		spec.Acts = append(spec.Acts, a)
	}
	m, err := New(spec)
	if err != nil {
		return err
	}
	if err := m.SetParams(j.Params); err != nil {
		return fmt.Errorf("mlp: saved network: %w", err)
	}
	*n = *m
	return nil
}

// paramCount is the number of parameters of a network with the given
// sizes, or false if a size is not positive or the count overflows.
func paramCount(sizes []int, bias, skip bool) (int, bool) {
	const limit = 1 << 40
	n := 0
	for l := 0; l+1 < len(sizes); l++ {
		in, out := sizes[l], sizes[l+1]
		if in <= 0 || out <= 0 || in > limit/out {
			return 0, false
		}
		n += in * out
		if bias {
			n += out
		}
		if n > limit {
			return 0, false
		}
	}
	if skip && len(sizes) >= 2 {
		in, out := sizes[0], sizes[len(sizes)-1]
		if in <= 0 || out <= 0 || in > limit/out {
			return 0, false
		}
		n += in * out
	}
	return n, n <= limit
}

// Save writes n as JSON to w.
func (n *Network) Save(w io.Writer) error {
	b, err := n.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Load reads a network written by Save.
func Load(r io.Reader) (*Network, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("mlp: reading network: %w", err)
	}
	n := new(Network)
	if err := n.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return n, nil
}

// SaveFile writes n as JSON to path atomically: to a temporary file in the
// same directory, renamed over path once complete, so an interrupted run
// never leaves a truncated network behind. Errors name the file.
func (n *Network) SaveFile(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := n.Save(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// LoadFile reads a network saved with Save from path; errors name the file.
func LoadFile(path string) (*Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

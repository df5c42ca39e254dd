package mlp

import (
	"encoding/json"
	"fmt"
	"io"
)

// fileFormat tags saved networks so that other JSON is rejected clearly.
const fileFormat = "expandcluster/mlp"

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
}

// MarshalJSON encodes the architecture (activations by name) and the
// parameters. It fails on non-finite parameters, which JSON cannot hold.
func (n *Network) MarshalJSON() ([]byte, error) {
	if err := n.CheckFinite(); err != nil {
		return nil, fmt.Errorf("mlp: cannot save network: %w", err)
	}
	spec := n.Spec()
	j := jsonNetwork{Format: fileFormat, Version: 1, Sizes: spec.Sizes, Bias: !spec.NoBias, Skip: spec.Skip, Params: n.params}
	for _, a := range spec.Acts {
		j.Activations = append(j.Activations, a.Name())
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes a network saved by MarshalJSON. Activations are
// looked up by name among the built-ins and those added with Register.
func (n *Network) UnmarshalJSON(data []byte) error {
	var j jsonNetwork
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("mlp: malformed network JSON: %w", err)
	}
	if j.Format != fileFormat {
		return fmt.Errorf("mlp: not a saved network (format %q, want %q)", j.Format, fileFormat)
	}
	if j.Version != 1 {
		return fmt.Errorf("mlp: unsupported network file version %d", j.Version)
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

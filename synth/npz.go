package synth

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/paramrecovery/expandcluster/mlp"
)

// maxNPZEntries bounds the number of arrays an .npz archive may hold, so
// that a corrupt central directory cannot make the reader allocate without
// limit. A state_dict has two entries per layer.
const maxNPZEntries = 1 << 12

// ReadNPZ reads a NumPy .npz archive (numpy.savez or numpy.savez_compressed:
// a zip file of .npy files) from r, which holds size bytes. The map is keyed
// by the array names as numpy.load gives them (the entry name without
// ".npy"). Every entry must be a .npy file that ReadNPY accepts; errors name
// the entry.
func ReadNPZ(r io.ReaderAt, size int64) (map[string]*Array, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("npz: not a zip archive: %w", err)
	}
	if len(z.File) > maxNPZEntries {
		return nil, fmt.Errorf("npz: %d entries, more than the %d this reader accepts", len(z.File), maxNPZEntries)
	}
	out := make(map[string]*Array, len(z.File))
	for _, f := range z.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			return nil, fmt.Errorf("npz: entry %q is not a .npy file", f.Name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("npz: entry %q appears twice", f.Name)
		}
		a, err := readNPZEntry(f)
		if err != nil {
			return nil, fmt.Errorf("npz: entry %q: %w", f.Name, err)
		}
		out[name] = a
	}
	return out, nil
}

func readNPZEntry(f *zip.File) (*Array, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return ReadNPY(rc)
}

// ReadNPZFile reads an .npz archive; errors name the file.
func ReadNPZFile(path string) (map[string]*Array, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ReadNPZ(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// WriteNPZ writes the arrays as an uncompressed .npz archive, as
// numpy.savez does, with entries in the order of names (every name must be
// a key of arrays).
func WriteNPZ(w io.Writer, arrays map[string]*Array, names []string) error {
	z := zip.NewWriter(w)
	for _, name := range names {
		a, ok := arrays[name]
		if !ok {
			return fmt.Errorf("npz: no array named %q", name)
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err != nil {
			return fmt.Errorf("npz: entry %q: %w", name, err)
		}
		if err := WriteNPY(f, a); err != nil {
			return fmt.Errorf("npz: entry %q: %w", name, err)
		}
	}
	return z.Close()
}

// WriteNPZFile writes an .npz archive to path (see WriteNPZ).
func WriteNPZFile(path string, arrays map[string]*Array, names []string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := WriteNPZ(f, arrays, names); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// stateLayer is one torch.nn.Linear of a state_dict: its module index in
// the Sequential and its weight and (optional) bias arrays.
type stateLayer struct {
	index  int
	weight *Array
	bias   *Array
}

// StateDictNetwork builds a network from the state_dict of a
// torch.nn.Sequential of Linear layers with activations between them, as
// read by ReadNPZ: keys "0.weight", "0.bias", "2.weight", … (any common
// prefix such as "net." is allowed; the numbers only order the layers).
// Weights are out×in as torch stores them. The state_dict holds no
// activations, so hidden is the activation after every hidden layer and
// the output layer is linear, as in Sequential(Linear, Tanh, Linear).
// Either every layer has a bias or none has.
func StateDictNetwork(sd map[string]*Array, hidden mlp.Activation) (*mlp.Network, error) {
	if hidden == nil {
		return nil, fmt.Errorf("state_dict: no hidden activation given")
	}
	layers, err := stateLayers(sd)
	if err != nil {
		return nil, err
	}
	spec := mlp.Spec{Hidden: hidden, NoBias: layers[0].bias == nil}
	for l, L := range layers {
		key := func(s string) string { return strconv.Itoa(L.index) + "." + s }
		if len(L.weight.Shape) != 2 || L.weight.Shape[0] == 0 || L.weight.Shape[1] == 0 {
			return nil, fmt.Errorf("state_dict: %q has shape %v, want (out, in)", key("weight"), L.weight.Shape)
		}
		out, in := L.weight.Shape[0], L.weight.Shape[1]
		if l == 0 {
			spec.Sizes = append(spec.Sizes, in)
		} else if prev := spec.Sizes[l]; in != prev {
			return nil, fmt.Errorf("state_dict: %q has %d inputs, the layer before it %d outputs", key("weight"), in, prev)
		}
		spec.Sizes = append(spec.Sizes, out)
		if (L.bias == nil) != spec.NoBias {
			return nil, fmt.Errorf("state_dict: layer %q has a bias and another layer has none; mlp networks have a bias in every layer or in none", key("weight"))
		}
		if L.bias != nil && (len(L.bias.Shape) != 1 || L.bias.Shape[0] != out) {
			return nil, fmt.Errorf("state_dict: %q has shape %v, want (%d,)", key("bias"), L.bias.Shape, out)
		}
	}
	net, err := mlp.New(spec)
	if err != nil {
		return nil, fmt.Errorf("state_dict: %w", err)
	}
	for l, L := range layers {
		NL := net.Layer(l)
		copy(NL.W.RawMatrix().Data, L.weight.Data) // both row-major out×in
		if L.bias != nil {
			copy(NL.B, L.bias.Data)
		}
	}
	if err := net.CheckFinite(); err != nil {
		return nil, fmt.Errorf("state_dict: %w", err)
	}
	return net, nil
}

// stateLayers groups the keys of a state_dict into Linear layers ordered by
// module index.
func stateLayers(sd map[string]*Array) ([]stateLayer, error) {
	byIndex := map[int]*stateLayer{}
	prefix := ""
	first := true
	for _, key := range sortedKeys(sd) {
		head, kind, ok := cutLast(key, ".")
		if !ok || (kind != "weight" && kind != "bias") {
			return nil, fmt.Errorf("state_dict: key %q is not <index>.weight or <index>.bias of a Linear layer", key)
		}
		pre, num := "", head
		if i := strings.LastIndex(head, "."); i >= 0 {
			pre, num = head[:i+1], head[i+1:]
		}
		idx, err := strconv.Atoi(num)
		if err != nil || idx < 0 {
			return nil, fmt.Errorf("state_dict: key %q does not name a module index of a Sequential", key)
		}
		if first {
			prefix, first = pre, false
		} else if pre != prefix {
			return nil, fmt.Errorf("state_dict: key %q has prefix %q, other keys %q (one Sequential expected)", key, pre, prefix)
		}
		L := byIndex[idx]
		if L == nil {
			L = &stateLayer{index: idx}
			byIndex[idx] = L
		}
		if kind == "weight" {
			L.weight = sd[key]
		} else {
			L.bias = sd[key]
		}
	}
	if len(byIndex) == 0 {
		return nil, fmt.Errorf("state_dict: no layers")
	}
	layers := make([]stateLayer, 0, len(byIndex))
	for _, L := range byIndex {
		if L.weight == nil {
			return nil, fmt.Errorf("state_dict: %s%d.bias without %s%d.weight", prefix, L.index, prefix, L.index)
		}
		layers = append(layers, *L)
	}
	sort.Slice(layers, func(a, b int) bool { return layers[a].index < layers[b].index })
	return layers, nil
}

func sortedKeys(m map[string]*Array) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cutLast splits s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// NetworkStateDict returns n's parameters as the state_dict of
// torch.nn.Sequential(Linear, act, Linear, act, …, Linear): keys "0.weight",
// "0.bias", "2.weight", …, weights out×in, in that order. Activations are
// not part of a state_dict; the Python side builds the Sequential with
// them. A network with a skip path (recoveries of even+linear activations
// such as ReLU or softplus) has no Sequential equivalent and is rejected.
func NetworkStateDict(n *mlp.Network, t DType) (map[string]*Array, []string, error) {
	if n.Skip() != nil {
		return nil, nil, fmt.Errorf("state_dict: the network has a linear skip path (input straight to output), which torch.nn.Sequential cannot hold; save it with mlp.Network.Save instead")
	}
	sd := map[string]*Array{}
	var names []string
	for l := 0; l < n.NumLayers(); l++ {
		L := n.Layer(l)
		key := strconv.Itoa(2 * l)
		sd[key+".weight"] = MatrixArray(L.W, t)
		names = append(names, key+".weight")
		if L.B != nil {
			sd[key+".bias"] = VectorArray(L.B, t)
			names = append(names, key+".bias")
		}
	}
	return sd, names, nil
}

// ReadStateDict reads a torch.nn.Sequential saved from Python as
//
//	sd = model.state_dict()
//	np.savez("model.npz", **{k: v.detach().cpu().numpy() for k, v in sd.items()})
//
// into a network whose hidden layers use the activation hidden (see
// StateDictNetwork). Errors name the file.
func ReadStateDict(path string, hidden mlp.Activation) (*mlp.Network, error) {
	sd, err := ReadNPZFile(path)
	if err != nil {
		return nil, err
	}
	n, err := StateDictNetwork(sd, hidden)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// WriteStateDict writes n as a float64 .npz state_dict that Python loads
// into a torch.nn.Sequential of the same shape with
//
//	sd = np.load("model.npz")
//	model.double().load_state_dict({k: torch.from_numpy(sd[k]) for k in sd.files})
//
// (see NetworkStateDict).
func WriteStateDict(path string, n *mlp.Network) error {
	sd, names, err := NetworkStateDict(n, Float64)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return WriteNPZFile(path, sd, names)
}

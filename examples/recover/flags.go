package main

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/paramrecovery/expandcluster/identify"
	"github.com/paramrecovery/expandcluster/mlp"
	"github.com/paramrecovery/expandcluster/synth"
	"github.com/paramrecovery/expandcluster/train"
	"gonum.org/v1/gonum/mat"
)

// errHelp is returned after -h printed the usage.
var errHelp = errors.New("help requested")

// options are the flags every stage shares. They must be the same in every
// stage of one run: they determine the data, the students and the
// clustering, and so the recovered network.
type options struct {
	dir string

	// Data.
	xPath, yPath string
	synthetic    string
	samples      int
	teacherPath  string

	// Model and run.
	act       string
	layers    int
	widths    string
	baseWidth int
	rho       float64
	students  int
	gamma     float64
	betaDeg   float64
	seed      uint64
	workers   int
	verbose   bool
}

// sharedFlags registers the flags common to all stages on fs. Keeping them
// in one place keeps the stages' configurations identical.
func sharedFlags(fs *flag.FlagSet) *options {
	o := new(options)
	fs.StringVar(&o.dir, "dir", "", "work `directory`: students go to DIR/students, results to DIR (must be shared by all stages; default recover-work for the stages, a fresh out/recover-run-* directory for \"recover run\")")
	fs.StringVar(&o.xPath, "x", "", "probe inputs, a .npy `file` (samples × inputs; float32/float64/int; .npy.gz accepted)")
	fs.StringVar(&o.yPath, "y", "", "the teacher's outputs on the probe inputs, a .npy `file` (samples × outputs, or a vector)")
	fs.StringVar(&o.synthetic, "synthetic", "", "instead of -x/-y, generate a random teacher din→r→1 (r per hidden layer) with activation -act, teacher seed s (default 1), and Gaussian probe inputs: `din,r[,s]`, e.g. 4,4,1")
	fs.IntVar(&o.samples, "samples", 2000, "number of probe inputs generated with -synthetic")
	fs.StringVar(&o.teacherPath, "teacher", "", "the teacher network, a `file` (JSON, as written by mlp.Network.Save), if known: the cluster stage compares the recovered network with it (automatic with -synthetic)")
	fs.StringVar(&o.act, "act", "g", "the teacher's hidden `activation`: "+activationNames())
	fs.IntVar(&o.layers, "layers", 1, "number of hidden layers of the teacher")
	fs.StringVar(&o.widths, "widths", "", "the students' hidden widths, comma-separated, one per hidden layer (overrides -base-width and -rho), e.g. 16")
	fs.IntVar(&o.baseWidth, "base-width", 0, "guess r̂ of the teacher's hidden width; students get ⌈rho·r̂⌉ neurons per layer (default: r of -synthetic)")
	fs.Float64Var(&o.rho, "rho", 4, "overparameterisation factor ρ ≥ 1 applied to -base-width; 0 chooses ρ automatically by short trial runs (recover run only)")
	fs.IntVar(&o.students, "students", 20, "number of students N")
	fs.Float64Var(&o.gamma, "gamma", 0.8, "γ: a cluster is kept if it has at least ⌈γN⌉ members")
	fs.Float64Var(&o.betaDeg, "beta-deg", 7.5, "β in degrees: a cluster is kept if the median pairwise cosine distance of its members is at most 1−cos β")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the students (student i depends only on the seed, i and the data)")
	fs.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "students trained at once in this process (results do not depend on it)")
	fs.BoolVar(&o.verbose, "v", false, "print training progress on stderr")
	return o
}

// activationNames lists the activations as -act spells them (mlp.Lookup's
// names), with the leaky ReLU's slope as a parameter.
func activationNames() string {
	var names []string
	for _, a := range mlp.Builtins() {
		if n := a.Name(); !strings.HasPrefix(n, "leakyrelu(") {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ") + ", leakyrelu(SLOPE) (e.g. leakyrelu(0.1))"
}

// newFlagSet returns a flag set whose -h prints usage (the command's
// description, then every flag) to stdout.
func newFlagSet(name, synopsis, description string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("recover "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: recover %s %s\n\n%s\nFlags:\n", name, synopsis, description)
		fs.PrintDefaults()
		fmt.Fprint(w, "\nExit codes: 0 success; 1 runtime failure; 2 usage or configuration error; 3 (cluster) student files missing.\n")
	}
	return fs
}

// parseFlags parses args, mapping -h to errHelp (usage on stdout, once)
// and any other problem to a usage error (the flag package's message and
// the usage on stderr).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	usage := fs.Usage
	fs.Usage = func() {} // the flag package would print it on -h too
	err := fs.Parse(args)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return errHelp
	}
	if err != nil {
		fs.Usage()
		return &exitError{exitUsage, err}
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (flags come before nothing else; see -h)", fs.Arg(0))
	}
	return nil
}

// problem is the loaded data and the identify configuration derived from
// the flags.
type problem struct {
	x, y    *mat.Dense
	cfg     identify.Config
	widths  []int        // the students' hidden widths
	teacher *mlp.Network // nil if unknown
	fresh   *mat.Dense   // inputs for comparing with the teacher
	freshOf string       // where fresh comes from
	desc    string       // one line describing the data
	digest  string       // SHA-256 of the data
}

// synthSpec is a parsed -synthetic value.
type synthSpec struct{ din, r, seed int }

func parseSynthetic(s string) (synthSpec, error) {
	parts := strings.Split(s, ",")
	if len(parts) < 2 || len(parts) > 3 {
		return synthSpec{}, usageErr("-synthetic %q: want din,r or din,r,seed (for example 4,4,1)", s)
	}
	v := []int{0, 0, 1}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return synthSpec{}, usageErr("-synthetic %q: %q is not a positive integer", s, p)
		}
		v[i] = n
	}
	return synthSpec{v[0], v[1], v[2]}, nil
}

func parseWidths(s string) ([]int, error) {
	var w []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, usageErr("-widths %q: %q is not a positive integer", s, p)
		}
		w = append(w, n)
	}
	return w, nil
}

// load reads or generates the data and derives the configuration. Every
// stage calls it with its flags, so equal flags give equal configurations.
func (o *options) load() (*problem, error) {
	act, err := mlp.Lookup(o.act)
	if err != nil {
		return nil, usageErr("-act: %v", err)
	}
	if o.layers < 1 {
		return nil, usageErr("-layers %d: need at least 1 hidden layer", o.layers)
	}
	if o.students < 1 {
		return nil, usageErr("-students %d: need at least 2", o.students)
	}
	if !(o.betaDeg > 0 && o.betaDeg <= 180) {
		return nil, usageErr("-beta-deg %v: not in (0, 180]", o.betaDeg)
	}
	if o.workers < 1 {
		return nil, usageErr("-workers %d: need at least 1", o.workers)
	}
	p := &problem{}
	baseWidth := o.baseWidth
	switch {
	case o.synthetic != "" && (o.xPath != "" || o.yPath != ""):
		return nil, usageErr("give either -synthetic or -x and -y, not both")
	case o.synthetic != "":
		sp, err := parseSynthetic(o.synthetic)
		if err != nil {
			return nil, err
		}
		if o.samples < 2 {
			return nil, usageErr("-samples %d: need many more probe inputs than student parameters", o.samples)
		}
		sizes := []int{sp.din}
		for range o.layers {
			sizes = append(sizes, sp.r)
		}
		sizes = append(sizes, 1)
		p.teacher, err = synth.NewTeacher(synth.TeacherConfig{Sizes: sizes, Hidden: act}, uint64(sp.seed))
		if err != nil {
			return nil, usageErr("-synthetic: %v", err)
		}
		// The probe and the fresh comparison inputs come from a stream of
		// their own, after the teacher's.
		rng := synth.NewRand(uint64(sp.seed) + 1)
		if p.x, err = (synth.Gaussian{D: sp.din}).Sample(rng, o.samples); err != nil {
			return nil, err
		}
		if p.fresh, err = (synth.Gaussian{D: sp.din}).Sample(rng, 10000); err != nil {
			return nil, err
		}
		p.freshOf = "10000 fresh Gaussian inputs"
		if p.y, err = synth.Label(p.teacher, p.x); err != nil {
			return nil, err
		}
		if baseWidth == 0 {
			baseWidth = sp.r
		}
		p.desc = fmt.Sprintf("synthetic teacher %v (activation %s, teacher seed %d), %d Gaussian probe inputs", sizes, act.Name(), sp.seed, o.samples)
	case o.xPath != "" && o.yPath != "":
		var xType, yType synth.DType
		if p.x, xType, err = readMatrix(o.xPath); err != nil {
			return nil, err
		}
		if p.y, yType, err = readMatrix(o.yPath); err != nil {
			return nil, err
		}
		if rx, ry := p.x.RawMatrix().Rows, p.y.RawMatrix().Rows; rx != ry {
			return nil, usageErr("-x has %d rows (samples), -y has %d: they must match", rx, ry)
		}
		p.desc = fmt.Sprintf("probe %s (%d×%d %v), teacher outputs %s (%d×%d %v)", o.xPath, p.x.RawMatrix().Rows, p.x.RawMatrix().Cols, xType,
			o.yPath, p.y.RawMatrix().Rows, p.y.RawMatrix().Cols, yType)
	default:
		return nil, usageErr("no data: give -x probe.npy -y outputs.npy, or -synthetic din,r[,seed]")
	}
	if err := finite("-x", p.x); err != nil {
		return nil, err
	}
	if err := finite("-y", p.y); err != nil {
		return nil, err
	}
	if o.teacherPath != "" {
		if p.teacher, err = mlp.LoadFile(o.teacherPath); err != nil {
			return nil, fmt.Errorf("-teacher: %w", err)
		}
		if p.fresh == nil {
			p.fresh, p.freshOf = p.x, "the probe inputs"
		}
	}

	p.cfg = identify.Config{
		Activation:   act,
		HiddenLayers: o.layers,
		Students:     o.students,
		Gamma:        o.gamma,
		// π/(180/deg), so that the default 7.5° is exactly the library's
		// default π/24.
		Beta:    math.Pi / (180 / o.betaDeg),
		Seed:    o.seed,
		Workers: o.workers,
	}
	if o.widths != "" {
		if p.cfg.Widths, err = parseWidths(o.widths); err != nil {
			return nil, err
		}
		if len(p.cfg.Widths) != o.layers {
			return nil, usageErr("-widths %q has %d entries for -layers %d", o.widths, len(p.cfg.Widths), o.layers)
		}
		p.widths = p.cfg.Widths
	} else {
		if baseWidth < 1 {
			return nil, usageErr("set -widths, or -base-width (a guess of the teacher's width) with -rho")
		}
		if !(o.rho >= 1 || o.rho == 0) {
			return nil, usageErr("-rho %v: must be at least 1, or 0 for the automatic choice", o.rho)
		}
		p.cfg.BaseWidth, p.cfg.Rho = baseWidth, o.rho
		for range o.layers {
			if o.rho > 0 {
				p.widths = append(p.widths, int(math.Ceil(o.rho*float64(baseWidth)-1e-9)))
			}
		}
	}
	if o.verbose {
		p.cfg.Recorder = train.NewPrinter(os.Stderr)
	}
	// Config errors (γ, N, ...) are usage errors.
	if _, err := p.cfg.WithDefaults(); err != nil {
		return nil, &exitError{exitUsage, err}
	}
	p.digest = digest(p.x, p.y)
	return p, nil
}

// readMatrix reads a .npy file of one or two dimensions as a matrix and
// returns the element type it was stored in: float32 outputs limit the
// loss the students can reach, which the report states.
func readMatrix(path string) (*mat.Dense, synth.DType, error) {
	a, err := synth.ReadNPYFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(a.Shape) != 1 && len(a.Shape) != 2 {
		return nil, 0, fmt.Errorf("%s: shape %v: want a vector or a matrix", path, a.Shape)
	}
	m, err := a.Matrix()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return m, a.DType, nil
}

// fixedWidths reports a usage error if the students' widths are not fixed
// by the flags: the staged commands cannot run the automatic choice of ρ.
func (p *problem) fixedWidths(cmd string) error {
	if p.widths == nil {
		return usageErr("recover %s needs the students' widths fixed: -rho 0 (automatic ρ) works with \"recover run\" only; give -rho ≥ 1 or -widths", cmd)
	}
	return nil
}

// stageDir is the work directory of the staged commands.
func (o *options) stageDir() {
	if o.dir == "" {
		o.dir = "recover-work"
	}
}

func finite(flagName string, m *mat.Dense) error {
	raw := m.RawMatrix()
	for i := 0; i < raw.Rows; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return usageErr("%s: row %d, column %d is %v", flagName, i, j, v)
			}
		}
	}
	return nil
}

// digest is the SHA-256 of the data's shapes and float64 bits: stages on
// other machines check that they see the same data.
func digest(ms ...*mat.Dense) string {
	h := sha256.New()
	var b [8]byte
	for _, m := range ms {
		raw := m.RawMatrix()
		binary.LittleEndian.PutUint64(b[:], uint64(raw.Rows))
		h.Write(b[:])
		binary.LittleEndian.PutUint64(b[:], uint64(raw.Cols))
		h.Write(b[:])
		for i := 0; i < raw.Rows; i++ {
			for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
				binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
				h.Write(b[:])
			}
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

package train

import (
	"fmt"
	"math"

	"github.com/paramrecovery/expandcluster/internal/gram"
	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// gnState holds the buffers of one GaussNewton run. Vectors of parameter
// length are in the student's full parameter layout; frozen entries are
// kept at zero.
type gnState struct {
	cfg  GaussNewton
	net  *mlp.Network
	x, y *mat.Dense    // all samples
	xc   *mat.Dense    // curvature samples (x itself if all)
	xc32 *mlp.Inputs32 // xc in float32, with SingleCurvature
	frac float64       // rows(x)/rows(xc): scales subset curvature to all data

	lin, linC   mlp.Linearization
	blocks      []curvatureBlock  // linC's rows in blocks (nil: one block, linC itself)
	blockDir    []float64         // the direction of the blocks' current J·v
	pool        *blockPool        // the goroutines sharing the blocks (nil: one thread)
	linT        mlp.Linearization // the trial point's, with projection
	ws, wsC     *mlp.Workspace
	wsTrial     *mlp.Workspace
	free        []bool // nil: every parameter free
	layers      []kfacLayer
	skipA       float64 // diagonal preconditioner scale of the skip block
	skipOff     int
	skipEnd     int
	np, outRows int

	r, jv                    []float64 // residuals (all samples), J·d (curvature samples)
	rT                       []float64 // the trial point's residuals, with projection
	rvv, gvv, acc            []float64 // geodesic acceleration: r_vv, Jᵀr_vv, a
	trialOut                 kfacLayer // the trial point's last-layer factor, with projection
	g, delta, x0             []float64
	res, z, d, bd            []float64
	q                        []float64   // CG model values
	snaps                    [][]float64 // CG iterates kept for backtracking (GaussNewton.Backtrack)
	snapAt                   []int       // their iterations
	nSnaps                   int
	solveOut                 bool
	project                  bool      // CG on the hidden parameters with the output layer projected out
	outStart, outEnd         int       // the output layer's parameter range
	rhs                      []float64 // [a,1]ᵀY of the output solve
	lambda, nu, half, lossSc float64
	trace                    GNStep
}

// kfacLayer is the Kronecker-factored preconditioner block of one layer:
// eigenvectors (columns) and eigenvalues of A (input side, (in+b)×(in+b)) and
// G (output side, out×out).
type kfacLayer struct {
	in, out, bias int // bias is 1 if the layer has one
	wOff, bOff    int
	qa, qg        []float64 // eigenvectors, row-major, column j is vector j
	alpha, gamma  []float64
	at            []float64
	t1, t2        []float64
	syevWork      []float64
	syevWorkG     []float64

	// EKFAC (GaussNewton.EigenCorrection): the corrected eigenvalues
	// (out×(in+b)), the layer input with its bias column and rotated
	// into A's eigenbasis and squared (FactorRows×(in+b)), and the
	// sensitivities rotated into G's (FactorRows×out). nil without it.
	scale, inBuf, rotated []float64
	sens2, sensRot        []float64
	rotatedDone           bool
}

// gnMemory estimates the bytes Run allocates: three workspaces of per-layer
// buffers (ten of them in the linearised ones; the trial one is linearised
// too, for the projection), the transposed inputs of the A factors (one
// more for the trial's last layer), the parameter-length vectors and the
// residual-length ones.
func gnMemory(net *mlp.Network, rows, crows int, cfg GaussNewton) int64 {
	var width int64
	for l := 0; l < net.NumLayers(); l++ {
		width += int64(net.Layer(l).Out)
	}
	var factors int64
	for l := 0; l < net.NumLayers(); l++ {
		L := net.Layer(l)
		in := int64(L.In + 1)
		factors += in*in*2 + int64(L.Out)*int64(L.Out)*2 + int64(L.Out)*in*2 + in*int64(rows)
	}
	vecs := int64(net.NumParams()) * 8
	if cfg.Backtrack {
		vecs += int64(net.NumParams()) * int64(snapCount(cfg.MaxCG))
	}
	if cfg.EigenCorrection {
		m := int64(min(cfg.FactorRows, crows))
		for l := 0; l < net.NumLayers(); l++ {
			L := net.Layer(l)
			factors += int64(L.Out)*int64(L.In+1) + 2*m*int64(L.In+1+L.Out)
		}
	}
	ws := width * int64(rows) * (10 + 10)
	if crows < rows {
		ws += width * int64(crows) * 10
	}
	last := net.Layer(net.NumLayers() - 1)
	factors += int64(last.In+1) * int64(rows)
	single := int64(0)
	if cfg.SingleCurvature {
		// The curvature samples in float32, packed twice, and the float32
		// copies of a first-layer direction and its sensitivities.
		l0 := net.Layer(0)
		single = 4 * (2*int64(crows)*int64(net.InputDim()) + int64(l0.In*l0.Out) + int64(crows)*int64(l0.Out))
	}
	return 8*(ws+factors+vecs+int64(rows*net.OutputDim())*3) + single
}

func newGNState(net *mlp.Network, p *Problem, cfg GaussNewton) (*gnState, error) {
	rows, _ := p.X.Dims()
	crows := rows
	if cfg.CurvatureRows > 0 && cfg.CurvatureRows < rows {
		crows = cfg.CurvatureRows
	}
	if need := gnMemory(net, rows, crows, cfg); need > cfg.MaxMemory {
		return nil, fmt.Errorf("GaussNewton: a %v student on %d samples needs about %.1f GiB of buffers, above MaxMemory %.1f GiB (use fewer samples or CurvatureRows, or raise MaxMemory)",
			net.Sizes(), rows, float64(need)/(1<<30), float64(cfg.MaxMemory)/(1<<30))
	}
	np := net.NumParams()
	s := &gnState{cfg: cfg, net: net, x: p.X, y: p.Y, xc: p.X, frac: 1, np: np,
		ws: p.WS, wsC: p.WS, wsTrial: mlp.NewWorkspace()}
	if crows < rows {
		var sub subsetData
		s.xc, _ = sub.draw(p.RNG, p.X, p.Y, crows)
		s.wsC = mlp.NewWorkspace()
		s.frac = float64(rows) / float64(crows)
	}
	s.blocks = newCurvatureBlocks(s.xc, np, cfg.SingleCurvature)
	if cfg.SingleCurvature && s.blocks == nil {
		s.xc32 = mlp.NewInputs32(s.xc)
	}
	if free := p.Free(); free != nil {
		s.free = make([]bool, np)
		for _, i := range free {
			s.free[i] = true
		}
	}
	s.outRows = rows * net.OutputDim()
	s.lossSc = 2 / float64(s.outRows)
	s.r = make([]float64, s.outRows)
	s.jv = make([]float64, crows*net.OutputDim())
	for _, v := range []*[]float64{&s.g, &s.delta, &s.x0, &s.res, &s.z, &s.d, &s.bd} {
		*v = make([]float64, np)
	}
	s.q = make([]float64, cfg.MaxCG+1)
	if cfg.Backtrack {
		n := snapCount(cfg.MaxCG)
		s.snapAt = make([]int, n)
		s.snaps = make([][]float64, n)
		for i := range s.snaps {
			s.snaps[i] = make([]float64, np)
		}
	}
	s.nu = 2
	s.skipOff, s.skipEnd = net.SkipParams()
	for l := 0; l < net.NumLayers(); l++ {
		s.layers = append(s.layers, newKFACLayer(net, l, rows))
		if cfg.EigenCorrection {
			s.layers[l].allocCorrection(min(cfg.FactorRows, crows))
		}
	}
	// The first layer's A is the data's second moment: it never changes,
	// so its transposed copy of the inputs is dropped once factorised.
	xr := s.x.RawMatrix()
	if err := s.layers[0].factorA(xr.Data, xr.Stride, xr.Rows); err != nil {
		return nil, err
	}
	s.layers[0].at = nil
	if s.skipEnd > s.skipOff {
		s.skipA = meanDiag(s.layers[0])
	}
	s.solveOut = !cfg.KeepOutput && outputSolvable(net, s.free)
	if s.solveOut {
		L := net.Layer(net.NumLayers() - 1)
		s.rhs = make([]float64, (L.In+1)*L.Out)
		s.project = cfg.Projection && s.xc == s.x
		s.outStart, s.outEnd = net.LayerParams(net.NumLayers() - 1)
	}
	if cfg.Geodesic {
		s.rvv, s.gvv, s.acc = make([]float64, s.outRows), make([]float64, np), make([]float64, np)
	}
	if s.project {
		s.rT = make([]float64, s.outRows)
		s.trialOut = newKFACLayer(net, net.NumLayers()-1, rows)
	}
	// Size the trial workspace (a linearisation with the projection or
	// geodesic acceleration, a forward pass otherwise) now, so that the
	// steps do not allocate.
	if err := s.linT.Reset(net, s.wsTrial, s.x); err != nil {
		return nil, err
	}
	return s, nil
}

func newKFACLayer(net *mlp.Network, l, rows int) kfacLayer {
	L := net.Layer(l)
	k := kfacLayer{in: L.In, out: L.Out}
	wOff, _ := net.LayerParams(l)
	k.wOff, k.bOff = wOff, -1
	if L.B != nil {
		k.bias, k.bOff = 1, wOff+L.In*L.Out
	}
	ia := k.in + k.bias
	k.qa, k.alpha = make([]float64, ia*ia), make([]float64, ia)
	k.qg, k.gamma = make([]float64, k.out*k.out), make([]float64, k.out)
	k.at = make([]float64, ia*rows)
	k.t1, k.t2 = make([]float64, k.out*ia), make([]float64, k.out*ia)
	k.syevWork = syevWorkspace(ia)
	k.syevWorkG = syevWorkspace(k.out)
	return k
}

// snapCount is the number of CG iterations up to maxCG that backtracking
// keeps (see gnState.snapshot).
func snapCount(maxCG int) int {
	n := 0
	for i := 1; i <= maxCG; i = max(i+1, int(math.Ceil(float64(i)*snapGrowth))) {
		n++
	}
	return n
}

// allocCorrection sizes the EKFAC buffers for m factor samples.
func (k *kfacLayer) allocCorrection(m int) {
	ia := k.in + k.bias
	k.scale = make([]float64, k.out*ia)
	k.inBuf, k.rotated = make([]float64, m*ia), make([]float64, m*ia)
	k.sens2, k.sensRot = make([]float64, m*k.out), make([]float64, m*k.out)
}

// syevWorkspace returns the work slice lapack64.Syev needs for order n.
func syevWorkspace(n int) []float64 {
	a := blas64.Symmetric{N: n, Stride: n, Uplo: blas.Upper, Data: make([]float64, n*n)}
	w := make([]float64, n)
	work := make([]float64, 1)
	lapack64.Syev(lapack.EVCompute, a, w, work, -1)
	return make([]float64, int(work[0]))
}

// meanDiag returns the mean eigenvalue of a layer's A factor.
func meanDiag(k kfacLayer) float64 {
	var s float64
	for _, v := range k.alpha {
		s += v
	}
	return s / float64(len(k.alpha))
}

// factorA sets A = (1/N)·Σ [a,1][a,1]ᵀ over the rows of the layer input
// (data, with row stride stride) and its eigen-decomposition.
func (k *kfacLayer) factorA(data []float64, stride, rows int) error {
	ia := k.in + k.bias
	at := k.at[:ia*rows]
	for s := 0; s < rows; s++ {
		row := data[s*stride : s*stride+k.in]
		for j, v := range row {
			at[j*rows+s] = v
		}
	}
	if k.bias == 1 {
		ones := at[k.in*rows : (k.in+1)*rows]
		for i := range ones {
			ones[i] = 1
		}
	}
	clear(k.qa)
	gram.Upper(k.qa, ia, at, ia, rows, rows)
	floats.Scale(1/float64(rows), k.qa)
	return eigSym(k.qa, k.alpha, ia, k.syevWork)
}

// eigSym replaces the upper triangle of the n×n matrix a by its
// eigenvectors (columns) and writes the eigenvalues, floored at 0, to w.
func eigSym(a, w []float64, n int, work []float64) error {
	sym := blas64.Symmetric{N: n, Stride: n, Uplo: blas.Upper, Data: a}
	if !lapack64.Syev(lapack.EVCompute, sym, w, work, len(work)) {
		return fmt.Errorf("GaussNewton: eigen-decomposition of a %d×%d factor failed", n, n)
	}
	for i, v := range w {
		w[i] = max(v, 0)
	}
	return nil
}

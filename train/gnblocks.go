package train

import (
	"sync"

	"github.com/paramrecovery/expandcluster/mlp"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// curvatureBlockRows bounds the samples of one block of the curvature
// products: above it the curvature samples are split into equal blocks
// whose products GaussNewton.Threads goroutines share. The split depends
// on the number of samples only, never on the threads, so the sums, and
// the whole run, are the same for any number of threads. A block of a few
// thousand rows keeps the kernels at full speed (their panels are far
// smaller) while a batch of 30 000 samples gives eight blocks to share.
const curvatureBlockRows = 4096

// curvatureBlock is one block of the curvature samples: its linearisation
// (a view of gnState.linC's rows), the workspace holding that view, its
// inputs in float32 (with SingleCurvature) and its share of Jᵀ·u.
type curvatureBlock struct {
	start, end int
	lin        mlp.Linearization
	ws         *mlp.Workspace
	x32        *mlp.Inputs32
	g          []float64
}

// blockRanges splits rows into the fewest equal blocks of at most
// curvatureBlockRows rows; nil when one block holds them all.
func blockRanges(rows int) [][2]int {
	n := (rows + curvatureBlockRows - 1) / curvatureBlockRows
	if n <= 1 {
		return nil
	}
	r := make([][2]int, n)
	for b := range r {
		r[b] = [2]int{b * rows / n, (b + 1) * rows / n}
	}
	return r
}

// newCurvatureBlocks returns the blocks of the curvature samples xc (nil
// if one block would hold them all), with float32 copies of their inputs
// if single.
func newCurvatureBlocks(xc *mat.Dense, np int, single bool) []curvatureBlock {
	ranges := blockRanges(xc.RawMatrix().Rows)
	if ranges == nil {
		return nil
	}
	blocks := make([]curvatureBlock, len(ranges))
	for b, r := range ranges {
		blocks[b] = curvatureBlock{start: r[0], end: r[1], ws: mlp.NewWorkspace(), g: make([]float64, np)}
		if single {
			blocks[b].x32 = mlp.NewInputs32(xc.Slice(r[0], r[1], 0, xc.RawMatrix().Cols).(*mat.Dense))
		}
	}
	return blocks
}

// resetBlocks points the blocks at s.linC's current linearisation.
func (s *gnState) resetBlocks() error {
	for b := range s.blocks {
		k := &s.blocks[b]
		if err := s.linC.Block(&k.lin, k.ws, k.start, k.end); err != nil {
			return err
		}
		if k.x32 != nil {
			if err := k.lin.SetInputs32(k.x32); err != nil {
				return err
			}
		}
	}
	return nil
}

// blockPass says what runBlock computes for a block.
type blockPass int

const (
	passBoth blockPass = iota // J·v into s.jv, then Jᵀ of it into the block's g
	passJv                    // J·v into s.jv only
	passJtu                   // Jᵀ·s.jv into the block's g only
)

// runBlock computes pass for block b along s.blockDir.
func (s *gnState) runBlock(b int, pass blockPass) {
	k := &s.blocks[b]
	od := s.net.OutputDim()
	jv := s.jv[k.start*od : k.end*od]
	if pass != passJtu {
		k.lin.JacVec(jv, s.blockDir)
	}
	if pass != passJv {
		k.lin.JacTVec(k.g, jv)
	}
}

// blockCurvature sets dst = JᵀJ·v over the curvature samples block by
// block, the blocks shared by the pool's goroutines (if any), their parts
// of Jᵀ summed in block order.
func (s *gnState) blockCurvature(dst, v []float64) {
	s.blockDir = v
	if s.project {
		// The projection mixes all rows of J·v: finish it first.
		s.runBlocks(passJv)
		s.projectOut(s.jv)
		s.runBlocks(passJtu)
	} else {
		s.runBlocks(passBoth)
	}
	copy(dst, s.blocks[0].g)
	for _, k := range s.blocks[1:] {
		floats.Add(dst, k.g)
	}
}

// runBlocks runs pass on every block and returns when all are done.
func (s *gnState) runBlocks(pass blockPass) {
	if s.pool == nil {
		for b := range s.blocks {
			s.runBlock(b, pass)
		}
		return
	}
	s.pool.run(len(s.blocks), pass)
}

// blockPool is a fixed set of goroutines that run the blocks' passes:
// started once per run, so that the CG iterations start no goroutine and
// allocate nothing.
type blockPool struct {
	jobs chan blockJob
	done sync.WaitGroup
}

type blockJob struct {
	block int
	pass  blockPass
}

// startPool starts the goroutines of s's blocks (cfg.Threads of them, at
// most one per block) if there are several of each, and returns the
// function that stops them.
func (s *gnState) startPool() (stop func()) {
	if s.cfg.Threads <= 1 || len(s.blocks) <= 1 {
		return func() {}
	}
	s.pool = newBlockPool(s, min(s.cfg.Threads, len(s.blocks)))
	return s.pool.stop
}

// newBlockPool starts threads goroutines running s's blocks.
func newBlockPool(s *gnState, threads int) *blockPool {
	p := &blockPool{jobs: make(chan blockJob)}
	for range threads {
		go func() {
			for j := range p.jobs {
				s.runBlock(j.block, j.pass)
				p.done.Done()
			}
		}()
	}
	return p
}

// run hands the n blocks' pass to the goroutines and waits for them.
func (p *blockPool) run(n int, pass blockPass) {
	p.done.Add(n)
	for b := range n {
		p.jobs <- blockJob{b, pass}
	}
	p.done.Wait()
}

// stop ends the goroutines.
func (p *blockPool) stop() { close(p.jobs) }

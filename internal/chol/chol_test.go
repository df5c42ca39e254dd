package chol

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// spd returns a random symmetric positive definite n×n matrix (row stride
// lda, NaN in the strict lower triangle, which Factor must not read) with
// condition number about cond.
func spd(rng *rand.Rand, n, lda int, cond float64) []float64 {
	g := make([]float64, n*n)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	a := make([]float64, n*lda)
	for i := range a {
		a[i] = math.NaN()
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += g[i*n+k] * g[j*n+k]
			}
			a[i*lda+j] = s / float64(n)
		}
		a[i*lda+i] += float64(n) / cond
	}
	return a
}

func TestFactorMatchesPotrf(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 5, 63, 64, 65, 130, 200, 301} {
		lda := n + 3
		a := spd(rng, n, lda, 1e6)
		want := blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: lda, Data: append([]float64(nil), a...)}
		if _, ok := lapack64.Potrf(want); !ok {
			t.Fatalf("n=%d: Potrf failed", n)
		}
		got := append([]float64(nil), a...)
		if !Factor(got, n, lda, make([]float64, WorkLen(n))) {
			t.Fatalf("n=%d: Factor failed", n)
		}
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				g, w := got[i*lda+j], want.Data[i*lda+j]
				if math.Abs(g-w) > 1e-9*(1+math.Abs(w)) {
					t.Fatalf("n=%d: U[%d,%d] = %v, Potrf %v", n, i, j, g, w)
				}
			}
		}
		// Solve against Potrs.
		rhs := make([]float64, n)
		for i := range rhs {
			rhs[i] = rng.NormFloat64()
		}
		x := append([]float64(nil), rhs...)
		Solve(got, n, lda, x)
		ref := blas64.General{Rows: n, Cols: 1, Stride: 1, Data: append([]float64(nil), rhs...)}
		lapack64.Potrs(blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: n, Stride: lda, Data: want.Data}, ref)
		for i := range x {
			if math.Abs(x[i]-ref.Data[i]) > 1e-6*(1+math.Abs(ref.Data[i])) {
				t.Fatalf("n=%d: x[%d] = %v, Potrs %v", n, i, x[i], ref.Data[i])
			}
		}
		// The residual of the original system is small.
		for i := 0; i < n; i++ {
			var s float64
			for j := 0; j < n; j++ {
				aij := a[min(i, j)*lda+max(i, j)]
				s += aij * x[j]
			}
			if math.Abs(s-rhs[i]) > 1e-7*(1+math.Abs(rhs[i])) {
				t.Fatalf("n=%d: (Ax−b)[%d] = %v", n, i, s-rhs[i])
			}
		}
	}
}

func TestFactorRejectsIndefinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 3, 70, 150} {
		for _, bad := range []int{0, n / 2, n - 1} {
			a := spd(rng, n, n, 10)
			// Make the leading (bad+1)×(bad+1) block singular-indefinite by
			// a large negative pivot at bad.
			a[bad*n+bad] = -1e3
			if Factor(a, n, n, make([]float64, WorkLen(n))) {
				t.Fatalf("n=%d: indefinite at %d accepted", n, bad)
			}
		}
		a := spd(rng, n, n, 10)
		a[(n-1)*n+n-1] = math.NaN()
		if Factor(a, n, n, make([]float64, WorkLen(n))) {
			t.Fatalf("n=%d: NaN accepted", n)
		}
	}
}

// BenchmarkFactor is the factorisation of a Levenberg–Marquardt step's
// normal matrix for an 8→24→12→6→1 student (601 parameters), against
// gonum's Potrf; BenchmarkSolve the two triangular solves after it.
func BenchmarkFactor(b *testing.B) {
	n := 601
	a := spd(rand.New(rand.NewPCG(5, 6)), n, n, 1e8)
	c := make([]float64, len(a))
	work := make([]float64, WorkLen(n))
	b.Run("chol", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			copy(c, a)
			if !Factor(c, n, n, work) {
				b.Fatal("failed")
			}
		}
	})
	b.Run("gonum", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			copy(c, a)
			if _, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: c}); !ok {
				b.Fatal("failed")
			}
		}
	})
}

func BenchmarkSolve(b *testing.B) {
	n := 601
	a := spd(rand.New(rand.NewPCG(5, 6)), n, n, 1e8)
	if !Factor(a, n, n, make([]float64, WorkLen(n))) {
		b.Fatal("failed")
	}
	x := make([]float64, n)
	b.Run("chol", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for j := range x {
				x[j] = 1
			}
			Solve(a, n, n, x)
		}
	})
	b.Run("gonum", func(b *testing.B) {
		b.ReportAllocs()
		u := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: n, Stride: n, Data: a}
		g := blas64.General{Rows: n, Cols: 1, Stride: 1, Data: x}
		for i := 0; i < b.N; i++ {
			for j := range x {
				x[j] = 1
			}
			lapack64.Potrs(u, g)
		}
	})
}

#!/usr/bin/python3
"""The linear algebra of one Levenberg–Marquardt step of a deep student,
8→24→12→6→1 (601 parameters) on 3 000 samples, in numpy/scipy on one
OpenBLAS thread: the normal matrix JᵀJ (upper triangle, dsyrk), its Cholesky
factorisation (dpotrf) and the solve for one right-hand side (dpotrs). The
same shapes as the Go benchmarks BenchmarkNormalMatrix/UpperT
(internal/gram), BenchmarkFactor/chol and BenchmarkSolve/chol
(internal/chol); prints Go benchmark lines for benchstat.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/lm_algebra.py -count 6
"""
import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from scipy.linalg import blas, lapack  # noqa: E402

N, D = 601, 3000


def median_ns(fn, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t)
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-count", type=int, default=6)
    ap.add_argument("-reps", type=int, default=20)
    args = ap.parse_args()
    # J stored one sample per row, as Go's Jacobian: C-ordered D×N; its
    # Fortran view is N×D, so JᵀJ is dsyrk of the N×D matrix, no transpose.
    j = (np.arange(D * N) % 7 - 3.0).reshape(D, N)
    jf = np.asfortranarray(j.T)  # N×D column-major: the same bytes as j
    rng = np.random.default_rng(5)
    g = rng.standard_normal((N, N))
    a = g @ g.T / N + np.eye(N) * 1e-8 * N
    rhs = np.ones(N)
    c, _ = lapack.dpotrf(a, lower=0)
    for _ in range(args.count):
        ns = median_ns(lambda: blas.dsyrk(1.0, jf, lower=0), args.reps)
        print(f"BenchmarkLMAlgebra/normal-matrix \t{args.reps}\t{ns} ns/op")
        ns = median_ns(lambda: lapack.dpotrf(a, lower=0), args.reps)
        print(f"BenchmarkLMAlgebra/factor \t{args.reps}\t{ns} ns/op")
        ns = median_ns(lambda: lapack.dpotrs(c, rhs, lower=0), args.reps * 50)
        print(f"BenchmarkLMAlgebra/solve \t{args.reps * 50}\t{ns} ns/op")


if __name__ == "__main__":
    main()

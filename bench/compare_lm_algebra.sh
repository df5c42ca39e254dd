#!/bin/sh
# Side-by-side medians of one Levenberg–Marquardt step's linear algebra
# for a 601-parameter deep student on 3 000 samples: the Go kernels
# (internal/gram's UpperT, internal/chol) against numpy/scipy on one
# OpenBLAS thread, interleaved run by run. Writes go.txt and scipy.txt in
# $OUT (default /tmp/lmalgebra) and prints benchstat's comparison (old =
# Go, new = scipy: a positive delta means scipy is slower). From the
# repository root:
#
#	sh bench/compare_lm_algebra.sh [count]
set -e
COUNT=${1:-6}
OUT=${OUT:-/tmp/lmalgebra}
PY=${PY:-/usr/bin/python3}
mkdir -p "$OUT"
: >"$OUT/go.txt"
: >"$OUT/scipy.txt"
go test -c -o "$OUT/gram.test" ./internal/gram
go test -c -o "$OUT/chol.test" ./internal/chol
i=0
while [ $i -lt "$COUNT" ]; do
	"$OUT/gram.test" -test.run '^$' -test.bench 'NormalMatrix/UpperT$' -test.cpu 1 -test.count 1 | grep ^Benchmark |
		sed 's#NormalMatrix/UpperT#LMAlgebra/normal-matrix#' >>"$OUT/go.txt"
	"$OUT/chol.test" -test.run '^$' -test.bench '(Factor|Solve)/chol$' -test.cpu 1 -test.count 1 | grep ^Benchmark |
		sed 's#Factor/chol#LMAlgebra/factor#; s#Solve/chol#LMAlgebra/solve#' >>"$OUT/go.txt"
	OPENBLAS_NUM_THREADS=1 $PY bench/lm_algebra.py -count 1 >>"$OUT/scipy.txt"
	i=$((i + 1))
done
benchstat "$OUT/go.txt" "$OUT/scipy.txt"

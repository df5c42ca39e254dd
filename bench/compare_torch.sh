#!/bin/sh
# Side-by-side medians of the Go kernels and PyTorch (float64, one thread),
# interleaved run by run so that both see the same machine load. Writes
# go.txt and torch.txt in $OUT (default /tmp/torchcmp) and prints benchstat's
# comparison (old = Go, new = PyTorch: a positive delta means PyTorch is
# slower). Run from the repository root:
#
#	sh bench/compare_torch.sh [count]
set -e
COUNT=${1:-6}
OUT=${OUT:-/tmp/torchcmp}
PY=${PY:-/usr/bin/python3}
mkdir -p "$OUT"
: >"$OUT/go.txt"
: >"$OUT/torch.txt"
go test -c -o "$OUT/mlp.test" ./mlp
go test -c -o "$OUT/train.test" ./train
i=0
while [ $i -lt "$COUNT" ]; do
	"$OUT/mlp.test" -test.run '^$' -test.bench 'LossGrad$/4-16-1' -test.cpu 1 -test.benchtime 200x -test.count 1 | grep ^Benchmark >>"$OUT/go.txt"
	$PY bench/torch_lossgrad.py -count 1 -iters 50 >>"$OUT/torch.txt"
	"$OUT/train.test" -test.run '^$' -test.bench 'AdamEpochWide' -test.cpu 1 -test.benchtime 5x -test.count 1 | grep ^Benchmark | sed 's#/\(go\|openblas\)/#/#' >>"$OUT/go.txt"
	$PY bench/torch_adam.py -count 1 | sed 's#/torch/#/#' >>"$OUT/torch.txt"
	i=$((i + 1))
done
benchstat "$OUT/go.txt" "$OUT/torch.txt"

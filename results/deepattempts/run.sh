#!/bin/sh
# Reruns every measurement of README.md here (one core each half; run the
# two halves side by side on a 2-core machine):
#   go build -o /tmp/deepattempts ./bench/deepattempts
#   sh results/deepattempts/run.sh a > results/deepattempts/a.log 2>&1 &
#   sh results/deepattempts/run.sh b > results/deepattempts/b.log 2>&1 &
set -x
D=/tmp/deepattempts
acts="tanh sigmoid softplus gelu silu relu leakyrelu(0.01) erf"
case "$1" in
a)
	# first-round recipe: subset (the default deep recipe's first phase) against all data
	for act in $acts; do GOMAXPROCS=1 $D -problem "deep-$act-4x3x5x1" -attempts 10 -iter 300 -target 1e-6 -subset 5 -gain 3 | tail -1; done
	for act in $acts; do GOMAXPROCS=1 $D -problem "deep-$act-4x3x5x1" -attempts 10 -iter 300 -target 1e-6 -subset 0 -gain 3 | tail -1; done
	# the layer above an exact first layer (sigmoid teacher of output variance 5e-3)
	GOMAXPROCS=1 $D -problem deep-sigmoid-4x3x5x1 -fix1 -attempts 5 -iter 600 -subset 0 -target 1e-13
	;;
b)
	# the default g teacher: gain, data, widths, seeding and crossover
	GOMAXPROCS=1 $D -problem deep-g-4x5x3x1 -attempts 10 -iter 400 -subset 5 -gain 3
	GOMAXPROCS=1 $D -problem deep-g-4x5x3x1 -attempts 10 -iter 400 -subset 0 -gain 3
	GOMAXPROCS=1 $D -problem deep-g-4x5x3x1 -attempts 20 -iter 400 -subset 0 -gain 1 -target 1e-6
	GOMAXPROCS=1 $D -problem deep-g-4x5x3x1 -attempts 10 -iter 400 -subset 0 -gain 1 -samples 10000
	GOMAXPROCS=1 $D -problem deep-g-4x5x3x1 -attempts 10 -iter 600 -subset 0 -gain 1 -widths 30,9 | tail -1
	GOMAXPROCS=1 $D -problem deep-g-4x5x3x1 -attempts 10 -iter 600 -subset 0 -gain 1 -scouts 6 | grep -v '^attempt'
	GOMAXPROCS=1 $D -problem deep-g-4x5x3x1 -attempts 10 -iter 300 -subset 0 -gain 1 -crossover 3 | grep -v '^attempt'
	;;
esac
# Added later: a second phase of variable projection for attempts left above the target
#   GOMAXPROCS=1 /tmp/deepattempts -problem deep-g-4x5x3x1 -attempts 10 -iter 300 -subset 0 -gain 1 -varpro 300 > results/deepattempts/c-g-varpro.log
#   GOMAXPROCS=1 /tmp/deepattempts -problem deep-gelu-4x3x5x1 -attempts 10 -iter 300 -subset 0 -gain 3 -varpro 300 -target 1e-10 > results/deepattempts/c-gelu-varpro.log
# Added later: geodesic acceleration (train.LM.Geodesic) against plain LM, the deep recipe's first
# phase (subset of 5 samples per parameter, 400 iterations, patience 10 % per 40), each pair side by
# side on one core each (logs in geodesic/, binary at 4b1f89c):
#   for p in "deep-tanh-6x3x5x3x2 3 6" "deep-softplus-4x4x3x2x1 3 8" "deep-g-4x5x3x1 1 12" "deep-sigmoid-8x6x3x3 3 8" "deep-softplus-6x4x4x2 3 8"; do
#     set -- $p
#     GOMAXPROCS=1 /tmp/deepattempts -problem $1 -gain $2 -attempts $3 -min-improve 0.1 > geodesic/$1-plain.log &
#     GOMAXPROCS=1 /tmp/deepattempts -problem $1 -gain $2 -attempts $3 -min-improve 0.1 -geodesic > geodesic/$1-geo.log; wait
#   done

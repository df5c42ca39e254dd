#!/usr/bin/python3
"""Loss + gradient of a 4→16→1 MLP on 10 000 samples in PyTorch, float64,
one thread: the counterpart of Go's BenchmarkLossGrad/4-16-1/<act>/n=10000
(mlp/bench_test.go). Prints Go benchmark lines (ns/op, samples/s) so that
benchstat can put the two side by side; see bench/README.md.

    /usr/bin/python3 bench/torch_lossgrad.py [-count 6] [-iters 200]
"""
import argparse
import time

import torch
import torch.nn.functional as F

ACTS = {
    "tanh": torch.tanh,
    "softplus": F.softplus,
    "g": lambda z: torch.sigmoid(4 * z) + F.softplus(z),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-count", type=int, default=6)
    ap.add_argument("-iters", type=int, default=200)
    ap.add_argument("-n", type=int, default=10000)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    n = args.n
    x = torch.randn(n, 4, dtype=torch.float64)
    y = torch.randn(n, 1, dtype=torch.float64)
    for name, act in ACTS.items():
        w1 = torch.randn(16, 4, dtype=torch.float64, requires_grad=True)
        b1 = torch.randn(16, dtype=torch.float64, requires_grad=True)
        w2 = torch.randn(1, 16, dtype=torch.float64, requires_grad=True)
        b2 = torch.randn(1, dtype=torch.float64, requires_grad=True)
        params = [w1, b1, w2, b2]

        def step():
            for p in params:
                p.grad = None
            out = F.linear(act(F.linear(x, w1, b1)), w2, b2)
            loss = ((out - y) ** 2).mean()
            loss.backward()
            return loss

        for _ in range(20):
            step()
        for _ in range(args.count):
            t0 = time.perf_counter()
            for _ in range(args.iters):
                step()
            dt = (time.perf_counter() - t0) / args.iters
            print(f"BenchmarkLossGrad/4-16-1/{name}/n={n} \t{args.iters}\t{dt * 1e9:.0f} ns/op\t{n / dt:.0f} samples/s", flush=True)


if __name__ == "__main__":
    main()

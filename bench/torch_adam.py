#!/usr/bin/python3
"""One minibatch Adam epoch (batch 640, shuffled) of a 784→128→10 MLP with
activation g(z) = sigmoid(4z) + softplus(z) on 20 000 samples, MSE loss, in
PyTorch, float64, one thread: the counterpart of Go's
BenchmarkAdamEpochWide (train/bench_test.go). Prints Go benchmark lines
(ns/op per epoch) for benchstat; see bench/README.md.

    /usr/bin/python3 bench/torch_adam.py [-count 6]
"""
import argparse
import time

import torch
import torch.nn.functional as F


def g(z):
    return torch.sigmoid(4 * z) + F.softplus(z)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-count", type=int, default=6)
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("-batch", type=int, default=640)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(3)
    n = args.n
    x = torch.rand(n, 784, dtype=torch.float64)
    y = torch.randn(n, 10, dtype=torch.float64)
    l1 = torch.nn.Linear(784, 128).double()
    l2 = torch.nn.Linear(128, 10).double()
    params = list(l1.parameters()) + list(l2.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)

    def epoch():
        perm = torch.randperm(n)
        for i in range(0, n, args.batch):
            idx = perm[i:i + args.batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = ((l2(g(l1(xb))) - yb) ** 2).mean()
            loss.backward()
            opt.step()

    epoch()
    for _ in range(args.count):
        t0 = time.perf_counter()
        epoch()
        dt = time.perf_counter() - t0
        print(f"BenchmarkAdamEpochWide/torch/784-128-10/g/n={n}/batch={args.batch} \t1\t{dt * 1e9:.0f} ns/op", flush=True)


if __name__ == "__main__":
    main()

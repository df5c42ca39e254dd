#!/usr/bin/python3
"""How much second-order signal a query distribution gives each teacher neuron.

For a query distribution x ~ N(m, s^2 I), a hidden neuron's pre-activation
z = w.x + b is N(mu, sd^2) with mu = w.m + b and sd = s |w|, so its output
sigma(z) = sigma(mu + sd g) with g standard normal. Expanding in the
probabilists' Hermite polynomials, sigma(mu + sd g) = sum_k c_k He_k(g)/sqrt(k!),
the share c_k^2 / Var of order k tells how the neuron shows in the outputs:
order 1 only through the teacher's linear part (a rank-10 map that does not
separate neurons), order 2 as a rank-one term w w^T that gradient steps pick
up quickly, order 3 and above only slowly (the "information exponent" of
single-index models). Around the origin the committed teachers' biases are
small, so tanh and sigmoid (odd about their centre) have no order-2 part at
all; centring the queries on the images' mean moves every neuron off its
odd point.

Run with Debian's python3 (numpy) from the repository root:

    /usr/bin/python3 bench/hermite_probes.py

It prints, per committed 784 -> 64 -> 10 Fashion-MNIST teacher and query
distribution, the median over the 64 neurons of the order-2 and order-3
shares and of the non-linear share 1 - c_1^2/Var.
"""
import gzip
import json

import numpy as np

IMAGES = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
TEACHERS = {
    "g": "results/fashionmnist/r64/teacher-g-e10-s1.json",
    "relu": "results/fashionmnist-gn/relu-r64/teacher-relu-e10-s1.json",
    "tanh": "results/fashionmnist-acts/tanh-r64/teacher-tanh-e10-s1.json",
    "sigmoid": "results/fashionmnist-acts/sigmoid-r64/teacher-sigmoid-e10-s1.json",
    "softplus": "results/fashionmnist-acts/softplus-r64/teacher-softplus-e10-s1.json",
}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softplus(z):
    return np.logaddexp(0, z)


ACTIVATIONS = {
    "g": lambda z: sigmoid(4 * z) + softplus(z),
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "softplus": softplus,
}

# (shift, std): queries N(shift * image mean, std^2 I).
DISTRIBUTIONS = [(0, 1), (0.5, 1), (1, 1)]


def first_layer(path):
    """The teacher's first-layer weights (out x in) and biases (mlp JSON)."""
    net = json.load(open(path))
    d, r = net["sizes"][0], net["sizes"][1]
    p = np.array(net["params"])
    return p[: d * r].reshape(r, d), p[d * r : d * r + r]


def hermite_shares(act, mu, sd):
    """Per neuron: order-2 share, order-3 share, non-linear share."""
    g, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    f = act(mu[:, None] + sd[:, None] * g[None, :])
    mean = f @ w
    var = (f**2) @ w - mean**2
    c1 = (f * g) @ w
    c2 = (f * (g**2 - 1)) @ w / np.sqrt(2)
    c3 = (f * (g**3 - 3 * g)) @ w / np.sqrt(6)
    return c2**2 / var, c3**2 / var, 1 - c1**2 / var


def main():
    raw = gzip.open(IMAGES).read()
    images = np.frombuffer(raw[16:], dtype=np.uint8).reshape(-1, 784) / 255.0
    image_mean = images.mean(axis=0)
    print("teacher   queries                 order 2  order 3  non-linear (medians over neurons)")
    for name, path in TEACHERS.items():
        w, b = first_layer(path)
        norms = np.linalg.norm(w, axis=1)
        for shift, std in DISTRIBUTIONS:
            mu = shift * (w @ image_mean) + b
            o2, o3, nonlin = hermite_shares(ACTIVATIONS[name], mu, std * norms)
            label = f"N({shift:g}*mean, {std:g}^2 I)"
            print(f"{name:9s} {label:22s} {np.median(o2):8.3f} {np.median(o3):8.3f} {np.median(nonlin):8.3f}")


if __name__ == "__main__":
    main()

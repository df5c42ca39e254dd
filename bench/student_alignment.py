"""How close a wide student's neurons are to a one-hidden-layer teacher's.

    /usr/bin/python3 bench/student_alignment.py STUDENT.json [TEACHER.json]

Both are expandcluster network JSON files (784 → width → 10, activation
irrelevant here). The neurons are compared in data space: each neuron is its
pre-activation vector over the first 20 000 Fashion-MNIST training images
(pixels / 255), and the distance is 1 − cosine. Prints, for the student's
neurons, the distance to the nearest teacher neuron (quantiles and counts
under 1e-2 … 1e-6) and the pairs of student neurons closer than 3e-2 to each
other. bench/gntrace -save writes such students. Needs numpy (Debian's
python3-numpy).
"""
import gzip
import json
import sys

import numpy as np

IMAGES = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'


def load(path):
    d = json.load(open(path))
    sizes, params = d['sizes'], np.array(d['params'])
    n_in, width = sizes[0], sizes[1]
    w = params[:n_in * width].reshape(width, n_in)
    b = params[n_in * width:n_in * width + width]
    a = params[n_in * width + width:][:sizes[2] * width].reshape(sizes[2], width)
    return w, b, a


def unit_preactivations(x, w, b):
    z = x @ w.T + b
    return z / np.linalg.norm(z, axis=0)


def main():
    student = sys.argv[1]
    teacher = sys.argv[2] if len(sys.argv) > 2 else 'results/fashionmnist/r64/teacher-g-e10-s1.json'
    with gzip.open(IMAGES) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:20000] / 255.0
    ws, bs, a = load(student)
    wt, bt, _ = load(teacher)
    zs, zt = unit_preactivations(x, ws, bs), unit_preactivations(x, wt, bt)
    nearest = 1 - (zs.T @ zt).max(axis=1)
    print('student neurons:', len(nearest))
    print('distance to the nearest teacher neuron, quantiles 0 .1 .25 .5 .75 .9 1:',
          np.array2string(np.quantile(nearest, [0, .1, .25, .5, .75, .9, 1]), precision=3))
    for tol in [1e-2, 1e-3, 1e-4, 1e-5, 1e-6]:
        print(f'  within {tol:g}: {(nearest < tol).sum()}')
    print('outgoing weight norms, quantiles:', np.array2string(np.quantile(np.linalg.norm(a, axis=0), [0, .5, 1]), precision=3))
    pairs = zs.T @ zs
    np.fill_diagonal(pairs, -1)
    close = np.argwhere(np.triu(1 - pairs < 3e-2, 1))
    print('student pairs closer than 3e-2:', len(close))


if __name__ == '__main__':
    main()

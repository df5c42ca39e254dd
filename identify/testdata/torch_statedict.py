"""PyTorch side of the state_dict round trip in identify/torch_test.go.

    torch_statedict.py save DIR         writes DIR/teacher.npz (a random
                                        5->4->2 tanh Sequential), DIR/x.npy
                                        and its outputs DIR/y.npy
    torch_statedict.py load DIR SIZES   loads DIR/recovered.npz into a tanh
                                        Sequential of SIZES (e.g. 5,4,2) with
                                        load_state_dict and writes its outputs
                                        on DIR/x.npy to DIR/y_torch.npy

The save and load lines are the snippets documented in synth/npz.go.
Run with Debian's python3 (python3-torch, python3-numpy).
"""
import sys

import numpy as np
import torch


def sequential(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers).double()


def save(d):
    torch.manual_seed(0)
    model = sequential([5, 4, 2])
    with torch.no_grad():  # standard normal weights, as synth's teachers
        for p in model.parameters():
            p.normal_()
    np.savez(d + "/teacher.npz", **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})
    x = torch.randn(2000, 5, dtype=torch.float64)
    np.save(d + "/x.npy", x.numpy())
    np.save(d + "/y.npy", model(x).detach().numpy())


def load(d, sizes):
    model = sequential([int(s) for s in sizes.split(",")])
    sd = np.load(d + "/recovered.npz")
    model.load_state_dict({k: torch.from_numpy(sd[k]) for k in sd.files})
    x = torch.from_numpy(np.load(d + "/x.npy"))
    np.save(d + "/y_torch.npy", model(x).detach().numpy())


if __name__ == "__main__":
    if sys.argv[1] == "save":
        save(sys.argv[2])
    else:
        load(sys.argv[2], sys.argv[3])

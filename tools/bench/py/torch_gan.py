"""The speed peer of a layer-list GAN: the same networks in PyTorch, trained as this project's
trainer trains them, timed per step.

Reads a JSON description on stdin: {"z": 100, "data": [1, 28, 28], "batch": 64, "steps": 20,
"warmup": 5, "threads": 2, "generator": [...], "discriminator": [...], "lr": [2e-4, 2e-4],
"betas": [[0.5, 0.999], [0.5, 0.999]]}, each network a list of layers in the config's normal
form (architecture.ts LayerOp). One step, as the project's GanTrainer makes it: D on a real and a
fake batch (two calls, so batch norm sees each apart), the standard loss on logits, Adam; then G on
a fresh z through D, the non-saturating loss, Adam. Prints {"sps": steps per second, "torch": version}.
"""
import json
import sys
import time

import torch
from torch import nn


def build(layers, shape):
    mods = []
    for op in layers:
        kind = op["kind"]
        if kind == "linear":
            mods.append(nn.Linear(shape[0], op["features"]))
            shape = [op["features"]]
        elif kind in ("conv", "convTranspose"):
            c, h, w = shape
            kh, kw = op["kernel"]
            sh, sw = op["stride"]
            ph, pw = op["padding"]
            if kind == "conv":
                mods.append(nn.Conv2d(c, op["channels"], (kh, kw), (sh, sw), (ph, pw), bias=op["bias"]))
                oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
            else:
                oph, opw = op["outputPadding"]
                mods.append(
                    nn.ConvTranspose2d(
                        c, op["channels"], (kh, kw), (sh, sw), (ph, pw), (oph, opw), bias=op["bias"]
                    )
                )
                oh, ow = (h - 1) * sh - 2 * ph + kh + oph, (w - 1) * sw - 2 * pw + kw + opw
            shape = [op["channels"], oh, ow]
        elif kind == "batchNorm":
            bn = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
            mods.append(bn(shape[0], eps=op["eps"], momentum=op["momentum"]))
        elif kind == "activation":
            a = op["activation"]
            mods.append(
                {
                    "relu": nn.ReLU(),
                    "leakyRelu": nn.LeakyReLU(op["slope"]),
                    "tanh": nn.Tanh(),
                    "sigmoid": nn.Sigmoid(),
                    "identity": nn.Identity(),
                }[a]
            )
        elif kind == "reshape":
            mods.append(nn.Unflatten(1, tuple(op["shape"])))
            shape = list(op["shape"])
        elif kind == "flatten":
            mods.append(nn.Flatten())
            n = 1
            for s in shape:
                n *= s
            shape = [n]
        else:
            raise ValueError(f"unknown layer kind {kind}")
    return nn.Sequential(*mods)


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    b, zs = spec["batch"], spec["z"]
    g = build(spec["generator"], [zs])
    d = build(spec["discriminator"], list(spec["data"]))
    opt_g = torch.optim.Adam(g.parameters(), lr=spec["lr"][0], betas=tuple(spec["betas"][0]))
    opt_d = torch.optim.Adam(d.parameters(), lr=spec["lr"][1], betas=tuple(spec["betas"][1]))
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)
    real = torch.rand(b, *spec["data"]) * 2 - 1

    def step():
        z = torch.rand(b, zs) * 2 - 1
        fake = g(z).detach()
        opt_d.zero_grad(set_to_none=True)
        loss_d = bce(d(real), ones) + bce(d(fake), zeros)
        loss_d.backward()
        opt_d.step()
        z = torch.rand(b, zs) * 2 - 1
        opt_g.zero_grad(set_to_none=True)
        loss_g = bce(d(g(z)), ones)
        loss_g.backward()
        opt_g.step()

    for _ in range(spec["warmup"]):
        step()
    t0 = time.perf_counter()
    for _ in range(spec["steps"]):
        step()
    dt = time.perf_counter() - t0
    print(json.dumps({"sps": spec["steps"] / dt, "torch": torch.__version__}))


if __name__ == "__main__":
    main()

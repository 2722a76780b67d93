"""numpy peers for `pnpm bench`: the same work as the TypeScript trainer, timed in the same run.

Modes (all print one JSON object on stdout):
  article   the article's numpy code generalised to any layer list: float64, batch 1, real and
            fake passes through D done separately, hand-written gradients, its Adam with constant
            bias correction written as the article writes it (with temporaries)
  standard  a standard MLP GAN step in float32 (OpenBLAS matmuls, Adam with bias correction),
            real and fake through D in one batch, LeakyReLU, tanh output
  matmul    GFLOP/s of C = A.B (and A^T.B, A.B^T) for given m, k, n in float32

Only a benchmark peer: the product never calls Python.
"""
import argparse
import json
import time

import numpy as np


def act(name):
    if name == "relu":
        return (lambda x: np.maximum(x, 0)), (lambda x, y: (x > 0).astype(x.dtype))
    if name == "leakyRelu":
        return (lambda x: np.where(x > 0, x, 0.2 * x)), (lambda x, y: np.where(x > 0, 1.0, 0.2).astype(x.dtype))
    if name == "tanh":
        return np.tanh, (lambda x, y: 1 - y * y)
    if name == "atan":
        return np.arctan, (lambda x, y: 1 / (1 + x * x))
    if name == "sigmoid":
        return (lambda x: 1 / (1 + np.exp(-x))), (lambda x, y: y * (1 - y))
    raise ValueError(name)


def mlp(sizes, dtype, rng, gain):
    return [
        [rng.normal(size=(a, b), scale=np.sqrt(2.0 / a)).astype(dtype) * gain, np.zeros(b, dtype=dtype)]
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


def forward(params, acts, x):
    cache = []
    h = x
    for (w, b), a in zip(params, acts):
        z = h.dot(w) + b
        y = act(a)[0](z)
        cache.append((h, z, y))
        h = y
    return h, cache


def backward(params, acts, cache, dy, want_params=True):
    grads = []
    for (w, b), a, (h, z, y) in reversed(list(zip(params, acts, cache))):
        dz = dy * act(a)[1](z, y)
        if want_params:
            grads.append([h.T.dot(dz), dz.sum(axis=0)])
        dy = dz.dot(w.T)
    grads.reverse()
    return grads, dy


def article(args):
    """The reference code's step: separate real and fake passes, float64, its Adam."""
    rng = np.random.default_rng(0)
    dt = np.float64
    g_sizes = [args.z] + args.g_hidden + [784]
    d_sizes = [784] + args.d_hidden + [1]
    g_acts = args.g_acts + ["sigmoid"]
    d_acts = ["relu"] * len(args.d_hidden) + ["sigmoid"]
    G = mlp(g_sizes, dt, rng, 0.002)
    D = mlp(d_sizes, dt, rng, 0.002)
    mG = [[0, 0] for _ in G]
    vG = [[0, 0] for _ in G]
    mD = [[0, 0] for _ in D]
    vD = [[0, 0] for _ in D]
    images = rng.integers(0, 256, size=(10000, 784)).astype(dt)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 3e-5

    def adam(params, grads, m, v):
        # As the article writes it: new arrays for every moment and update (numpy temporaries).
        for i, (p, g) in enumerate(zip(params, grads)):
            for j in range(2):
                m[i][j] = b1 * m[i][j] + (1 - b1) * g[j]
                v[i][j] = b2 * v[i][j] + (1 - b2) * g[j] ** 2
                p[j] = p[j] - (lr / (np.sqrt(v[i][j] / (1 - b2)) + eps)) * (m[i][j] / (1 - b1))

    def step():
        x = images[rng.integers(len(images) - 10)][None, :]
        z = rng.uniform(-1.0, 1.0, size=(1, args.z))
        fake, _ = forward(G, g_acts, z)
        pr, cr = forward(D, d_acts, x)
        pf, cf = forward(D, d_acts, fake)
        gr, _ = backward(D, d_acts, cr, -1 / pr)
        gf, _ = backward(D, d_acts, cf, 1 / (1 - pf))  # the article: grad_f_w2_part_1 = 1/(1.0 - Dl2_fA)
        adam(D, [[a[0] + b[0], a[1] + b[1]] for a, b in zip(gr, gf)], mD, vD)
        z = rng.uniform(-1.0, 1.0, size=(1, args.z))
        fake, cg = forward(G, g_acts, z)
        p, cd = forward(D, d_acts, fake)
        _, dfake = backward(D, d_acts, cd, -1 / p, want_params=False)
        gg, _ = backward(G, g_acts, cg, dfake)
        adam(G, gg, mG, vG)

    return timed(step, args.steps)


def standard(args):
    """A standard GAN step in float32: one D pass over real+fake, Adam with bias correction."""
    rng = np.random.default_rng(0)
    dt = np.float32
    g_sizes = [args.z] + args.g_hidden + [784]
    d_sizes = [784] + args.d_hidden + [1]
    g_acts = ["leakyRelu"] * len(args.g_hidden) + ["tanh"]
    d_acts = ["leakyRelu"] * len(args.d_hidden) + ["identity_logit"]
    G = mlp(g_sizes, dt, rng, 1.0)
    D = mlp(d_sizes, dt, rng, 1.0)
    state = {"t": 0}
    mom = {id(p): [np.zeros_like(p), np.zeros_like(p)] for layer in G + D for p in layer}
    images = rng.uniform(-1, 1, size=(10000, 784)).astype(dt)
    b = args.batch
    b1, b2, eps, lr = 0.5, 0.999, 1e-8, 2e-4

    def fwd(params, acts, x):
        cache = []
        h = x
        for (w, bias), a in zip(params, acts):
            z = h.dot(w) + bias
            y = z if a == "identity_logit" else act(a)[0](z)
            cache.append((h, z, y))
            h = y
        return h, cache

    def bwd(params, acts, cache, dy, want=True):
        grads = []
        for (w, bias), a, (h, z, y) in reversed(list(zip(params, acts, cache))):
            dz = dy if a == "identity_logit" else dy * act(a)[1](z, y)
            if want:
                grads.append([h.T.dot(dz), dz.sum(axis=0)])
            dy = dz.dot(w.T)
        grads.reverse()
        return grads, dy

    def adam(params, grads, t):
        c1 = 1 - b1**t
        c2 = 1 - b2**t
        for layer, gl in zip(params, grads):
            for p, g in zip(layer, gl):
                m, v = mom[id(p)]
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * g * g
                p -= lr * (m / c1) / (np.sqrt(v / c2) + eps)

    def sig(x):
        return 1 / (1 + np.exp(-x))

    def step():
        state["t"] += 1
        x = images[rng.integers(0, len(images), size=b)]
        z = rng.standard_normal((b, args.z), dtype=dt)
        fake, _ = fwd(G, g_acts, z)
        logits, cd = fwd(D, d_acts, np.concatenate([x, fake]))
        p = sig(logits)
        dl = np.concatenate([p[:b] - 1, p[b:]]) / b
        gd, _ = bwd(D, d_acts, cd, dl.astype(dt))
        adam(D, gd, state["t"])
        z = rng.standard_normal((b, args.z), dtype=dt)
        fake, cg = fwd(G, g_acts, z)
        logits, cd = fwd(D, d_acts, fake)
        dl = (sig(logits) - 1) / b
        _, dfake = bwd(D, d_acts, cd, dl.astype(dt), want=False)
        gg, _ = bwd(G, g_acts, cg, dfake)
        adam(G, gg, state["t"])

    return timed(step, args.steps)


def timed(step, steps):
    for _ in range(max(3, steps // 10)):
        step()  # warm-up: first calls allocate and page in
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    dt = time.perf_counter() - t0
    return {"steps": steps, "seconds": dt, "steps_per_s": steps / dt}


def matmul(args):
    rng = np.random.default_rng(0)
    m, k, n = args.m, args.k, args.n
    out = {}
    for form, (a_shape, b_shape, f) in {
        "A.B": ((m, k), (k, n), lambda a, b: a.dot(b)),
        "At.B": ((k, m), (k, n), lambda a, b: a.T.dot(b)),
        "A.Bt": ((m, k), (n, k), lambda a, b: a.dot(b.T)),
    }.items():
        a = rng.standard_normal(a_shape, dtype=np.float32)
        b = rng.standard_normal(b_shape, dtype=np.float32)
        f(a, b)
        reps = max(3, int(2e9 / (2 * m * k * n)))
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                f(a, b)
            times.append((time.perf_counter() - t0) / reps)
        out[form] = 2 * m * k * n / sorted(times)[2] / 1e9
    return {"gflops": out}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["article", "standard", "matmul"])
    ap.add_argument("--z", type=int, default=100)
    ap.add_argument("--g-hidden", type=lambda s: [int(x) for x in s.split(",")], default=[])
    ap.add_argument("--g-acts", type=lambda s: s.split(","), default=[])
    ap.add_argument("--d-hidden", type=lambda s: [int(x) for x in s.split(",")], default=[])
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--m", type=int, default=64)
    ap.add_argument("--k", type=int, default=784)
    ap.add_argument("--n", type=int, default=1024)
    args = ap.parse_args()
    res = {"article": article, "standard": standard, "matmul": matmul}[args.mode](args)
    res["numpy"] = np.__version__
    print(json.dumps(res))


if __name__ == "__main__":
    main()

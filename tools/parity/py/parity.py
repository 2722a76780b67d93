"""Replays a traced run of this project through the article's own arithmetic and compares them.

    python3 tools/parity/py/parity.py <run folder> [--precision float32|float64] [--steps N]
                                      [--reference NAME] [--json FILE] [--no-compare]
                                      [--save-weights FILE] [--record FILE]

The run must have been made with `pnpm exp <config> --trace log.every=1` (every step in
metrics.jsonl). Its trace gives the initial weights and each step's image draw and z; article.py
computes the steps as the reference file does, and every step's D cost, G cost, D(x) and D(G(z))
and learning rate is compared with metrics.jsonl, then every final weight with the run's last
checkpoint. The D cost is the one the file prints, metrics.jsonl's `dCostPrinted`, which a run
logs when its config says `loss.reportedDiscriminatorCost: article-printed` (the article's
configs do). Also checked before the replay: the trace's shapes against the file's sizes, the
initial weights' scales against the file's init (with its typo where it has one), z ~ U(-1, 1).

Exit status: 0 when everything agrees within the tolerances, 1 when something does not (the
report says what, and at which step first), 2 when the inputs are missing or unreadable.

--no-compare replays without comparing (for the float32-vs-float64 study: --record writes each
step's values as JSON lines, --save-weights the final weights as safetensors named like the
project's checkpoints).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import struct
import sys

# Batch-1 products are too small for threads to help, and on a busy machine OpenBLAS's threads
# slow every one of them down several times: one thread, unless the caller says otherwise.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from article import REFERENCES, ArticleGAN, init_scales  # noqa: E402

TRACE_FORMAT = 'gan-lab-trace/1'
# Per-step values: |ours - file's| <= RTOL * the value's scale (see scale_of); final weights:
# |ours - file's| <= WEIGHTS * the tensor's largest |value|. float32 carries about 7 digits.
TOLERANCE = {
    'float32': {'rtol': 1e-5, 'weights': 1e-4, 'updates': 1e-2},
    # A float32 run against the file in float64: what float32 itself costs over the same steps.
    'float64': {'rtol': 1e-4, 'weights': 1e-3, 'updates': 1e-1},
}
F32_EPS = float(np.finfo(np.float32).eps)
ULPS = 4
DTYPES = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'U32': '<u4', 'U8': 'u1', 'I64': '<i8'}


class InputError(Exception):
    """Missing or unreadable inputs: exit status 2."""


# -- files ----------------------------------------------------------------------------------------

def read_safetensors(path):
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as e:
        raise InputError(f'{path}: {e.strerror}') from e
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    tensors = {}
    for name, t in header.items():
        start, end = t['data_offsets']
        tensors[name] = np.frombuffer(raw[base + start:base + end], dtype=DTYPES[t['dtype']]).reshape(t['shape'])
    return tensors, meta


def write_safetensors(path, tensors, metadata):
    header, offset, chunks = {}, 0, []
    for name, a in tensors.items():
        a = np.ascontiguousarray(a, dtype='<f4')
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        chunks.append(a.tobytes())
        offset += a.nbytes
    header['__metadata__'] = metadata
    text = json.dumps(header).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))
    os.replace(tmp, path)


def read_idx_images(path):
    import gzip

    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        raw = f.read()
    magic, count, rows, cols = struct.unpack('>IIII', raw[:16])
    if magic != 0x00000803:
        raise InputError(f'{path}: not an IDX file of unsigned bytes with 3 dimensions (magic {magic:#x})')
    return np.frombuffer(raw[16:16 + count * rows * cols], dtype=np.uint8).reshape(count, rows * cols)


def read_metrics(path):
    rows = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    row = json.loads(line)
                    rows[row['step']] = row
    except OSError as e:
        raise InputError(f'{path}: {e.strerror}') from e
    return rows


def printed_cost(row):
    """The D cost the file prints, as a run that logs it wrote it: `dCostPrinted`; a run logged
    before that column existed held it in `dLoss` (as @gan/runs' currentMetricsRow reads it)."""
    return row['dCostPrinted'] if 'dCostPrinted' in row else row['dLoss']


def latest_checkpoint(run_dir):
    folder = os.path.join(run_dir, 'checkpoints')
    steps = []
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        if name.startswith('step-') and name.endswith('.safetensors'):
            steps.append((int(name[5:-12]), os.path.join(folder, name)))
    return max(steps) if steps else (None, None)


# The project's parameter names -> the files' names.
def file_name(project_name, n_layers):
    net, index, kind = project_name.split('.')
    k = int(index) // 2 + 1
    letter = 'W' if kind == 'weight' else 'b'
    return f"{'D' if net == 'discriminator' else 'G'}_{letter}{k}"


def project_weights(weights):
    out = {}
    for name, w in weights.items():
        net, k = name[0], int(name[3:])
        kind = 'weight' if name[2] == 'W' else 'bias'
        out[f"{'discriminator' if net == 'D' else 'generator'}.{2 * (k - 1)}.{kind}"] = np.asarray(w).reshape(-1 if kind == 'bias' else w.shape)
    return out


# -- the comparison -------------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.problems = []
        self.checks = []

    def check(self, ok, what, detail=''):
        (self.checks if ok else self.problems).append(f'{what}{": " + detail if detail else ""}')
        return ok


def scale_of(key, ours, theirs, rec):
    """What a difference is relative to: the values' magnitude, or for the D cost, a difference of
    two logs that starts at 0, the magnitude of its two terms (a sum's condition)."""
    if key == 'D_cost':
        return abs(math.log(rec.D_real)) + abs(math.log1p(-rec.D_fake)) or 1.0
    return max(abs(ours), abs(theirs)) or 1.0


def rel_err(a, b):
    d = abs(a - b)
    s = max(abs(a), abs(b))
    return 0.0 if d == 0 else d / s if s > 0 else math.inf


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('run_dir')
    p.add_argument('--precision', choices=['float32', 'float64'], default='float32')
    p.add_argument('--steps', type=int, default=None, help='replay only the first N steps')
    p.add_argument('--reference', choices=sorted(REFERENCES), default=None,
                   help="which file's arithmetic (default: the run's config name)")
    p.add_argument('--json', default=None, help='write the report as JSON to this file')
    p.add_argument('--no-compare', action='store_true', help='replay only (with --record / --save-weights)')
    p.add_argument('--record', default=None, help="write each step's values as JSON lines")
    p.add_argument('--save-weights', default=None, help='write the final weights (safetensors)')
    p.add_argument('--quiet', action='store_true')
    p.add_argument('--verbatim-adam', action='store_true',
                   help="Adam as the files write it, a new array per operation, instead of in place")
    p.add_argument('--check-inplace-adam', action='store_true',
                   help='replay twice, with the verbatim and the in-place Adam, and exit 0 only if every weight is bit-identical')
    args = p.parse_args(argv)
    try:
        if args.check_inplace_adam:
            return check_inplace_adam(args)
        result = run(args)
    except InputError as e:
        print(f'parity: {e}', file=sys.stderr)
        return 2
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    if not args.quiet:
        print(summary(result))
    return 0 if result['passed'] else 1


def run(args):
    run_dir = args.run_dir
    trace_dir = os.path.join(run_dir, 'trace')
    try:
        with open(os.path.join(trace_dir, 'manifest.json')) as f:
            manifest = json.load(f)
    except OSError as e:
        raise InputError(f'{trace_dir}: no trace ({e.strerror}); make the run with `pnpm exp <config> --trace log.every=1`') from e
    if manifest.get('format') != TRACE_FORMAT:
        raise InputError(f"{trace_dir}/manifest.json: format {manifest.get('format')!r}, expected {TRACE_FORMAT!r}")
    config = manifest['config']
    name = args.reference or config['name']
    if name not in REFERENCES:
        raise InputError(f"no reference file for config {name!r}: pass --reference (one of {', '.join(sorted(REFERENCES))})")
    ref = REFERENCES[name]
    dtype = np.float32 if args.precision == 'float32' else np.float64
    tol = TOLERANCE[args.precision]
    report = Report()

    # The structure of the file: batch 1, one D step, the test split, z of the file's size.
    files = manifest['files']
    data = manifest['data']
    report.check(manifest['batch'] == 1, 'batch size 1 (current_image = images[random_int])', f"the run has {manifest['batch']}")
    report.check(manifest['dSteps'] == 1, 'one D update per step', f"the run has {manifest['dSteps']}")
    report.check(data['dataset'] == 'mnist' and data['split'] == 'test', 'MNIST test split (mndata.load_testing())',
                 f"the run uses {data['dataset']} {data['split']}")
    report.check(data['scaling'] == 'raw', 'raw pixels 0..255 (never rescaled)', f"the run scales them '{data['scaling']}'")
    report.check(manifest['zSize'] == ref.G_input, f'z of size G_input = {ref.G_input}', f"the run's is {manifest['zSize']}")
    if not args.no_compare:
        reported = config.get('loss', {}).get('reportedDiscriminatorCost')
        report.check(reported == 'article-printed',
                     "metrics.jsonl logs the D cost the file prints (loss.reportedDiscriminatorCost: article-printed)",
                     f"the run's config says {reported!r}")
    if report.problems:
        return finish(report, ref, args, name, 0, {}, {})

    initial, _ = read_safetensors(os.path.join(trace_dir, files['initial']))
    initial = {k: v for k, v in initial.items() if k.startswith(('generator.', 'discriminator.'))}
    n_layers = len(ref.hidden) + 1
    weights = {}
    for pname, arr in initial.items():
        if pname.startswith(('generator.', 'discriminator.')) and arr.dtype == np.float32:
            weights[file_name(pname, n_layers)] = arr.astype(dtype).copy()
    expected_shapes = {'D_W1': (784, ref.D_hidden), 'D_b1': (ref.D_hidden,), 'D_W2': (ref.D_hidden, 1), 'D_b2': (1,)}
    sizes = (ref.G_input,) + ref.hidden + (784,)
    for k in range(1, n_layers + 1):
        expected_shapes[f'G_W{k}'] = (sizes[k - 1], sizes[k])
        expected_shapes[f'G_b{k}'] = (sizes[k],)
    for wname, shape in expected_shapes.items():
        got = weights.get(wname)
        report.check(got is not None and got.shape == shape, f'{wname} has the shape {shape}',
                     'missing' if got is None else f'the run has {got.shape}')
    if report.problems:
        return finish(report, ref, args, name, 0, {}, {})

    # The initialisation: N(0, 1/sqrt(fan/2)) * 0.002 (the file's fan, typo included), zero biases.
    for wname, scale in init_scales(ref).items():
        w = weights[wname]
        std = float(np.std(w.astype(np.float64)))
        tolerance = 5 / math.sqrt(2 * w.size) + 0.005  # five standard errors of a sample std, and 0.5 %
        report.check(abs(std / scale - 1) <= tolerance, f'{wname} drawn with std {scale:.4g}',
                     f'its std is {std:.4g} ({std / scale - 1:+.1%})')
    for wname in expected_shapes:
        if '_b' in wname:
            report.check(not np.any(weights[wname]), f'{wname} starts at zero')

    draws = np.fromfile(os.path.join(trace_dir, files['draws']), dtype='<u4')
    z_all = np.fromfile(os.path.join(trace_dir, files['z']), dtype='<f4')
    per_step = 2 * ref.G_input
    steps_in_trace = min(len(draws), len(z_all) // per_step)
    z_all = z_all[:steps_in_trace * per_step].reshape(steps_in_trace, 2, 1, ref.G_input)
    report.check(bool(np.all(np.abs(z_all) <= 1)), 'z in [-1, 1] (np.random.uniform(-1., 1.))')
    if z_all.size >= 1000:
        zs = z_all.astype(np.float64)
        report.check(abs(zs.mean()) < 0.05 and abs(zs.std() / (1 / math.sqrt(3)) - 1) < 0.05,
                     'z uniform on (-1, 1)', f'mean {zs.mean():.3f}, std {zs.std():.3f} (uniform: 0, 0.577)')

    images_file = data.get('imagesFile')
    if not images_file or not os.path.exists(images_file):
        raise InputError(f'MNIST images not found at {images_file!r} (from the trace manifest)')
    source = read_idx_images(images_file)
    source_rows = np.fromfile(os.path.join(trace_dir, files['sourceRows']), dtype='<i4')
    images = source[source_rows]  # the data shuffled once at load, as the run shuffled it
    report.check(len(images) == 10000, 'the 10,000 test images')

    metrics = {} if args.no_compare else read_metrics(os.path.join(run_dir, 'metrics.jsonl'))
    steps = steps_in_trace if args.steps is None else min(args.steps, steps_in_trace)
    if not args.no_compare:
        logged = [s for s in range(1, steps + 1) if s in metrics]
        if len(logged) < steps:
            raise InputError(f'{run_dir}/metrics.jsonl logs {len(logged)} of the first {steps} steps: run with log.every=1')

    gan = ArticleGAN(ref, weights, dtype, verbatim_adam=args.verbatim_adam)
    excluded_range = len(images) - ref.excluded
    worst = {k: {'rel': 0.0, 'step': None} for k in ('D_cost', 'G_cost', 'D_real', 'D_fake', 'learing_rate')}
    first_failure = None
    record = open(args.record, 'w') if args.record else None
    diverged_at = None
    for it in range(steps):
        random_int = int(draws[it]) % excluded_range  # np.random.randint(len(images) - excluded)
        current_image = images[random_int][None, :].astype(dtype)
        rec = gan.step(it, current_image, z_all[it, 0].astype(dtype), z_all[it, 1].astype(dtype))
        values = {'D_cost': rec.D_cost, 'G_cost': rec.G_cost, 'D_real': rec.D_real, 'D_fake': rec.D_fake,
                  'learing_rate': rec.learing_rate}
        if record:
            record.write(json.dumps({'step': it + 1, **values}) + '\n')
        if not all(math.isfinite(v) for v in values.values()):
            diverged_at = it + 1
            break
        if args.no_compare:
            continue
        row = metrics[it + 1]
        ours = {'D_cost': printed_cost(row), 'G_cost': row['gLoss'], 'D_real': row['dReal'], 'D_fake': row['dFake'],
                'learing_rate': row['lrG']}
        lr_ok = rel_err(row['lrD'], rec.learing_rate) <= 1e-9
        for key, theirs in values.items():
            e = abs(ours[key] - theirs) / scale_of(key, ours[key], theirs, rec) if ours[key] != theirs else 0.0
            if e > worst[key]['rel']:
                worst[key] = {'rel': e, 'step': it + 1, 'ours': ours[key], 'file': theirs}
            limit = 1e-9 if key == 'learing_rate' else tol['rtol']
            bad = abs(ours[key] - theirs) > limit * scale_of(key, ours[key], theirs, rec)
            if (bad or not lr_ok) and first_failure is None:
                first_failure = {'step': it + 1, 'value': key if bad else 'learing_rate (D)',
                                 'ours': ours[key] if bad else row['lrD'], 'file': theirs if bad else rec.learing_rate}
    if record:
        record.close()

    weight_errors = {}
    final = project_weights(gan.weights)
    if args.save_weights:
        write_safetensors(args.save_weights, final, {
            'format': 'gan-lab-parity-weights/1', 'reference': ref.file, 'config': name,
            'precision': args.precision, 'step': str(steps if diverged_at is None else diverged_at - 1),
        })
    if not args.no_compare:
        report.check(diverged_at is None, f'{ref.file} stays finite for {steps} steps', f'non-finite at step {diverged_at}')
        if first_failure is not None:
            f = first_failure
            report.check(False, f"per-step values agree within {tol['rtol']:g} relative",
                         f"first off at step {f['step']}: {f['value']} ours {f['ours']!r}, the file's {f['file']!r}")
        else:
            report.check(True, f"per-step values agree within {tol['rtol']:g} relative for {steps} steps")
        ck_step, ck_path = latest_checkpoint(run_dir)
        if ck_step != steps:
            report.check(False, 'final weights compared', f'the latest checkpoint is of step {ck_step}, the replay ran {steps} steps')
        else:
            ours, _ = read_safetensors(ck_path)
            # A layer's weight and bias feed the same pre-activation: a parameter's difference is
            # measured against the largest |value| of its layer (a bias of 1e-18 beside weights of
            # 1e-3, as in the decay generator's first layers, is float32 noise either way).
            # The weights barely move from their init at these rates, so the training is compared
            # through what it did to them: each parameter's total update (final - initial).
            layer = lambda pname: pname.rsplit('.', 1)[0]
            layer_scale = {}
            for pname, theirs in final.items():
                theirs64 = np.asarray(theirs, dtype=np.float64).reshape(-1)
                layer_scale[layer(pname)] = max(layer_scale.get(layer(pname), 0.0), float(np.max(np.abs(theirs64))))
            for pname, theirs in final.items():
                start = initial[pname].astype(np.float64).reshape(-1)
                mine = ours[pname].astype(np.float64).reshape(-1)
                theirs64 = np.asarray(theirs, dtype=np.float64).reshape(-1)
                diff = float(np.max(np.abs(mine - theirs64)))
                update = float(np.max(np.abs(theirs64 - start)))
                # An update smaller than the weight's float32 resolution is rounded to a few ulps of
                # it (at lr 9e-9 most are): differences within ULPS ulps of the weight are not counted.
                excess = float(np.max(np.maximum(np.abs(mine - theirs64) - ULPS * F32_EPS * np.abs(theirs64), 0)))
                weight_errors[pname] = {
                    'maxAbs': diff,
                    'relLayer': diff / (layer_scale[layer(pname)] or 1.0),
                    'relTensor': diff / (float(np.max(np.abs(theirs64))) or 1.0),
                    # the tensor's own update: a gradient off by a factor shows here even when the
                    # update is far smaller than the weights (h_multi_last.py's output layer)
                    'relUpdate': excess / update if update > 0 else (0.0 if excess == 0 else math.inf),
                    'relL2': float(np.linalg.norm(mine - theirs64) / (np.linalg.norm(theirs64) or 1.0)),
                }
            bad = {k: v for k, v in weight_errors.items() if v['relLayer'] > tol['weights']}
            report.check(not bad, f"every final parameter within {tol['weights']:g} of its layer's largest |value|",
                         ', '.join(f"{k} off by {v['relLayer']:.2g}" for k, v in bad.items()))
            bad = {k: v for k, v in weight_errors.items() if v['relUpdate'] > tol['updates']}
            report.check(not bad, f"every parameter's total update (final - initial) within {tol['updates']:g} of the tensor's largest update (beyond {ULPS} float32 ulps)",
                         ', '.join(f"{k} off by {v['relUpdate']:.2g}" for k, v in bad.items()))
    return finish(report, ref, args, name, steps, worst, weight_errors, diverged_at)


def check_inplace_adam(args):
    """The in-place Adam computes the files' lines bit for bit: replay both ways and compare."""
    finals = []
    for verbatim in (True, False):
        args.verbatim_adam, args.no_compare = verbatim, True
        args.save_weights = args.record = None
        captured = {}
        original = ArticleGAN.step

        def spy(self, *a, **k):
            captured['gan'] = self
            return original(self, *a, **k)

        ArticleGAN.step = spy
        try:
            run(args)
        finally:
            ArticleGAN.step = original
        finals.append({k: np.array(w) for k, w in captured['gan'].weights.items()})
    same = all(np.array_equal(finals[0][k], finals[1][k]) and finals[0][k].dtype == finals[1][k].dtype for k in finals[0])
    print(f"in-place Adam {'bit-identical to' if same else 'DIFFERS from'} the files' lines ({args.precision})")
    return 0 if same else 1


def finish(report, ref, args, name, steps, worst, weight_errors, diverged_at=None):
    return {
        'passed': not report.problems,
        'reference': ref.file,
        'config': name,
        'precision': args.precision,
        'steps': steps,
        'divergedAt': diverged_at,
        'problems': report.problems,
        'checks': report.checks,
        'worst': worst,
        'weights': weight_errors,
    }


def summary(r):
    lines = [f"{r['config']} vs {r['reference']} ({r['precision']}, {r['steps']} steps): {'PASS' if r['passed'] else 'FAIL'}"]
    for p in r['problems']:
        lines.append(f'  FAIL {p}')
    for key, w in r['worst'].items():
        if w.get('step') is not None:
            lines.append(f"  worst {key}: {w['rel']:.2e} relative at step {w['step']}")
    if r['weights']:
        worst = lambda key: max(r['weights'].items(), key=lambda kv: kv[1][key])
        name, w = worst('relLayer')
        lines.append(f"  final weights: largest difference {w['relLayer']:.2e} of its layer's largest |value| ({name})")
        name, w = worst('relUpdate')
        lines.append(f"                 {w['relUpdate']:.2e} of its tensor's largest update ({name})")
        name, w = worst('relTensor')
        lines.append(f"                 {w['relTensor']:.2e} of its own tensor's largest ({name}), {max(v['relL2'] for v in r['weights'].values()):.2e} in L2")
    return '\n'.join(lines)


if __name__ == '__main__':
    sys.exit(main())

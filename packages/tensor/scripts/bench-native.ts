/**
 * Speed of the native backend against the TypeScript reference and numpy (float32, OpenBLAS) on the
 * products of an MLP layer and on a fused Adam step.
 *
 *   npx tsx scripts/bench-native.ts            # in packages/tensor
 *   npx tsx scripts/bench-native.ts --quick    # fewer repetitions
 *   npx tsx scripts/bench-native.ts --variant avx2   # one variant instead of the best this CPU runs
 *
 * Every figure is the median of many timed calls after a warm-up. numpy runs in one `python3`
 * process started by this script (skipped when python3 or numpy is missing); the ratio column is
 * native / numpy for the same product in the same run. Timings on a shared machine are noisy:
 * compare ratios, and rerun when the load changes.
 */
import { spawnSync } from 'node:child_process';
import type { Backend } from '../src/backend.ts';
import { loadNativeBackend, loadNativeVariant, type NativeVariant } from '../src/backends/native.ts';
import { ReferenceBackend } from '../src/backends/reference.ts';
import { Rng } from '../src/random.ts';

interface GemmCase {
  name: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
}

// The three products of a Linear layer: y = x·W, dW += xᵀ·dy, dx = dy·Wᵀ (W stored [in, out]).
function layer(batch: number, fanIn: number, fanOut: number): GemmCase[] {
  const shape = `[${batch},${fanIn}]x[${fanIn},${fanOut}]`;
  return [
    {
      name: `${shape} forward x·W`,
      m: batch,
      n: fanOut,
      k: fanIn,
      transA: false,
      transB: false,
      accumulate: false,
    },
    {
      name: `${shape} weight grad xᵀ·dy`,
      m: fanIn,
      n: fanOut,
      k: batch,
      transA: true,
      transB: false,
      accumulate: true,
    },
    {
      name: `${shape} input grad dy·Wᵀ`,
      m: batch,
      n: fanIn,
      k: fanOut,
      transA: false,
      transB: true,
      accumulate: false,
    },
  ];
}

const CASES: GemmCase[] = [...layer(64, 784, 1024), ...layer(1, 686, 784), ...layer(1, 784, 128)];
const ADAM_N = 1_500_000;

const quick = process.argv.includes('--quick');
const BUDGET_S = quick ? 0.15 : 0.6;

/** Median seconds per call: warm-up (3 calls and 50 ms), then calls until the budget or 5000 calls. */
function time(f: () => void, budget = BUDGET_S): number {
  const warm = process.hrtime.bigint();
  for (let i = 0; i < 3 || Number(process.hrtime.bigint() - warm) < 5e7; i++) f();
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  while (samples.length < 5000) {
    const t = process.hrtime.bigint();
    f();
    samples.push(Number(process.hrtime.bigint() - t) / 1e9);
    if (samples.length >= 5 && Number(process.hrtime.bigint() - start) / 1e9 > budget) break;
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const flops = (c: GemmCase) => 2 * c.m * c.n * c.k;

function gemmSeconds(be: Backend, c: GemmCase, budget?: number): number {
  const rng = Rng.create(1, c.name);
  const a = rng.fillNormal(new Float32Array(c.m * c.k));
  const b = rng.fillNormal(new Float32Array(c.k * c.n));
  const out = new Float32Array(c.m * c.n);
  return time(() => be.gemm(a, b, out, c.m, c.n, c.k, c.transA, c.transB, c.accumulate), budget);
}

function adamSeconds(be: Backend, budget?: number): number {
  const rng = Rng.create(2, 'adam');
  const p = rng.fillNormal(new Float32Array(ADAM_N), 0, 0.01);
  const g = rng.fillNormal(new Float32Array(ADAM_N), 0, 0.01);
  const m = new Float32Array(ADAM_N);
  const v = new Float32Array(ADAM_N);
  const args = { lr: 9e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 0.1, c2: 0.001 };
  return time(() => be.adam(p, g, m, v, ADAM_N, args), budget);
}

/** Seconds per call measured by numpy, by case name (plus 'adam'), or the reason it is missing. */
function numpySeconds(): Map<string, number> | string {
  const script = `
import json, sys, time
import numpy as np
cases = json.loads(sys.argv[1]); budget = float(sys.argv[2]); adam_n = int(sys.argv[3])
rng = np.random.default_rng(0)
def med(f):
    w = time.perf_counter()
    for i in range(1000000):
        f()
        if i >= 2 and time.perf_counter() - w > 0.05: break
    s = []; start = time.perf_counter()
    while len(s) < 5000:
        t = time.perf_counter(); f(); s.append(time.perf_counter() - t)
        if len(s) >= 5 and time.perf_counter() - start > budget: break
    s.sort(); return s[len(s) // 2]
out = {}
for c in cases:
    m, n, k = c['m'], c['n'], c['k']
    a = rng.standard_normal((k, m) if c['transA'] else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if c['transB'] else (k, n), dtype=np.float32)
    A = a.T if c['transA'] else a
    B = b.T if c['transB'] else b
    C = np.zeros((m, n), dtype=np.float32)
    if c['accumulate']:
        f = lambda A=A, B=B, C=C: np.add(C, A @ B, out=C)
    else:
        f = lambda A=A, B=B, C=C: np.matmul(A, B, out=C)
    out[c['name']] = med(f)
p = rng.standard_normal(adam_n, dtype=np.float32); g = rng.standard_normal(adam_n, dtype=np.float32)
mm = np.zeros(adam_n, np.float32); vv = np.zeros(adam_n, np.float32)
b1, b2, lr, eps, c1, c2 = np.float32(0.9), np.float32(0.999), np.float32(9e-5), np.float32(1e-8), np.float32(0.1), np.float32(0.001)
def adam():
    mm[:] = b1 * mm + (1 - b1) * g
    vv[:] = b2 * vv + (1 - b2) * g * g
    p[:] -= lr * (mm / c1) / (np.sqrt(vv / c2) + eps)
out['adam'] = med(adam)
print(json.dumps(out))
`;
  const res = spawnSync('python3', ['-c', script, JSON.stringify(CASES), String(BUDGET_S), String(ADAM_N)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (res.error) return `python3 not available (${res.error.message})`;
  if (res.status !== 0) return `numpy run failed: ${res.stderr.trim().split('\n').pop()}`;
  return new Map(Object.entries(JSON.parse(res.stdout) as Record<string, number>));
}

function fmt(x: number | undefined, digits = 1, width = 9): string {
  return (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits)).padStart(width);
}

function main(): void {
  const at = process.argv.indexOf('--variant');
  const loaded =
    at > 0 ? { backend: loadNativeVariant(process.argv[at + 1] as NativeVariant) } : loadNativeBackend();
  if (loaded.backend === null) {
    console.error(`native backend unavailable: ${loaded.reason}`);
    process.exit(1);
  }
  const native = loaded.backend;
  const reference = new ReferenceBackend();
  const threads = native.threads();
  console.log(`native backend: ${native.variant} variant, ${threads} thread(s); numpy timing in python3 ...`);

  const np = numpySeconds();
  if (typeof np === 'string') console.log(`numpy skipped: ${np}`);
  const npTime = (name: string) => (typeof np === 'string' ? undefined : np.get(name));

  console.log(
    `\n${'GFLOP/s (median)'.padEnd(44)}${'native'.padStart(9)}${'1 thread'.padStart(9)}${'reference'.padStart(10)}${'numpy'.padStart(9)}${'native/numpy'.padStart(14)}${'native µs'.padStart(11)}`,
  );
  for (const c of CASES) {
    native.setThreads(threads);
    const tn = gemmSeconds(native, c);
    native.setThreads(1);
    const t1 = gemmSeconds(native, c);
    native.setThreads(threads);
    // The reference is slow on the large products: a short budget is enough for its median.
    const tr = gemmSeconds(reference, c, Math.min(BUDGET_S, 0.3));
    const tp = npTime(c.name);
    const g = (t: number | undefined) => (t === undefined ? undefined : flops(c) / t / 1e9);
    console.log(
      `${c.name.padEnd(44)}${fmt(g(tn))}${fmt(g(t1))}${fmt(g(tr), 2, 10)}${fmt(g(tp))}${fmt(tp === undefined ? undefined : tp / tn, 2, 14)}${fmt(tn * 1e6, 1, 11)}`,
    );
  }

  native.setThreads(threads);
  const an = adamSeconds(native);
  native.setThreads(1);
  const a1 = adamSeconds(native);
  native.setThreads(threads);
  const ar = adamSeconds(reference, 0.5);
  const ap = npTime('adam');
  const us = (t: number | undefined) => fmt(t === undefined ? undefined : t * 1e6, 0, 9);
  console.log(
    `\n${`Adam step, ${ADAM_N} parameters (µs)`.padEnd(44)}${us(an)}${us(a1)}${fmt(ar * 1e6, 0, 10)}${us(ap)}${fmt(ap === undefined ? undefined : ap / an, 2, 14)}`,
  );
}

main();

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith, type Requirement } from '../../../../test-support/requirements.ts';
import { ACTIVATION_KINDS, type ActivationKind, type BinaryOp, type UnaryOp } from '../backend.ts';
import { Rng } from '../random.ts';
import {
  type CpuFeature,
  cpuFeatures,
  loadNativeBackend,
  loadNativeVariant,
  missingCpuFeatures,
  NATIVE_VARIANTS,
  type NativeBackend,
  type NativeVariant,
} from './native.ts';
import { ReferenceBackend } from './reference.ts';
import { type BackendKind, kernelsOf, selectBackend } from './select.ts';

const loaded = loadNativeBackend();
const ref = new ReferenceBackend();

/** What the failure (CI) or the skip line (locally) says when the addon is missing. */
const BUILD_HINT = 'pnpm test installs g++ (test-support/ensure-system.mjs) and its typecheck step builds it';
const nativeBuilt: Requirement = {
  missing: loaded.backend === null ? loaded.reason : null,
  enable: BUILD_HINT,
};

/** The variants this CPU can run, best first (none when the addon is not built at all). */
const runnable: NativeVariant[] =
  loaded.backend === null
    ? []
    : NATIVE_VARIANTS.filter((v) => missingCpuFeatures(v.name).length === 0).map((v) => v.name);

/** Why each variant this CPU runs cannot be loaded (not built), or null when it loads. */
const unavailable = new Map<NativeVariant, string | null>();
for (const variant of runnable) {
  try {
    loadNativeVariant(variant);
    unavailable.set(variant, null);
  } catch (err) {
    unavailable.set(variant, err instanceof Error ? err.message : String(err));
  }
}

describe('native backend loading', () => {
  it('loads the best variant this CPU runs, or says why it cannot', () => {
    if (loaded.backend === null) {
      expect(loaded.reason.length).toBeGreaterThan(0);
      expect(selectBackend('auto').note).toContain(loaded.reason);
      expect(() => selectBackend('native')).toThrow(loaded.reason);
    } else {
      const best = runnable.find((v) => unavailable.get(v) === null);
      expect(loaded.backend.name).toBe('native');
      expect(loaded.backend.variant).toBe(best);
      if (best === runnable[0]) {
        expect(loaded.note).toBeUndefined();
        expect(selectBackend('auto')).toEqual({ backend: loaded.backend });
      } else {
        // A better variant the CPU runs is not built: said, not silent.
        expect(loaded.note).toContain(`${runnable[0]} unavailable`);
        expect(selectBackend('auto').note).toBe(loaded.note);
      }
      expect(selectBackend('native').backend).toBe(loaded.backend);
    }
    expect(selectBackend('reference').backend.name).toBe('reference');
  });
});

function variantTests(): void {
  it('reads the CPU features that decide the variant', () => {
    const features = cpuFeatures();
    if (process.arch === 'x64') {
      // x86-64 has SSE2 by definition, and every x86-64 CPU since 2008 has SSE3 and CX16.
      expect(features.has('sse3')).toBe(true);
      // AVX-512 registers are only usable when AVX ones are.
      if (features.has('os_avx512')) expect(features.has('os_avx')).toBe(true);
    }
    expect(runnable).toContain('baseline');
    const hidden = cpuFeatures({ hideCpuFeatures: ['sse3'] });
    expect(hidden.has('sse3')).toBe(false);
  });

  it('refuses every variant this CPU lacks a feature for, naming the features', () => {
    for (const { name, requires } of NATIVE_VARIANTS) {
      if (runnable.includes(name)) continue;
      const missing = requires.filter((f) => !cpuFeatures().has(f));
      expect(missing.length).toBeGreaterThan(0);
      expect(() => loadNativeVariant(name)).toThrow(
        `native variant '${name}' refused: this CPU lacks ${missing.join(', ')}`,
      );
    }
  });

  it('refuses an unknown variant name', () => {
    expect(() => loadNativeVariant('sse9' as NativeVariant)).toThrow(
      "unknown native variant 'sse9' (expected avx512, avx2, baseline, baseline-fast)",
    );
    expect(() => selectBackend('native:sse9' as BackendKind)).toThrow(
      `selectBackend: unknown backend 'native:sse9' (expected auto, native, ${NATIVE_VARIANTS.map((v) => `native:${v.name}`).join(', ')}, reference)`,
    );
  });

  it('says how each variant was built and which CPU features its code uses', () => {
    // The -march each variant is built with (scripts/build-native.mjs), on x86-64.
    const MARCH: Record<NativeVariant, string> = {
      baseline: '-march=x86-64',
      avx2: '-march=x86-64-v3',
      avx512: '-march=x86-64-v4',
      'baseline-fast': '-march=x86-64',
    };
    for (const variant of runnable.filter((v) => unavailable.get(v) === null)) {
      const backend = loadNativeVariant(variant);
      const { requires } = NATIVE_VARIANTS.find((v) => v.name === variant)!;
      expect(backend.cpuFeatures).toEqual(requires);
      expect(backend.build.compiler).toMatch(/^(g\+\+|clang\+\+) \S/);
      expect(backend.build.flags).toMatch(/(^| )-O3( |$)/);
      if (process.arch === 'x64') expect(backend.build.flags.split(' ')).toContain(MARCH[variant]);
      expect(kernelsOf(backend)).toEqual({
        backend: 'native',
        variant,
        simd: backend.simd,
        cpuFeatures: [...requires],
        compiler: backend.build.compiler,
        flags: backend.build.flags,
        // Every reproducible variant of one build shares its bits; baseline-fast has its own.
        bits: `${variant === 'baseline-fast' ? 'baseline-fast' : 'native'} ${backend.build.sources}`,
      });
      expect(backend.build.sources).toMatch(/^[0-9a-f]{12}$/);
      // `--backend native:<variant>` forces it.
      expect(selectBackend(`native:${variant}`).backend).toBe(backend);
    }
    expect(kernelsOf(selectBackend('reference').backend)).toEqual({
      backend: 'reference',
      variant: null,
      simd: null,
      cpuFeatures: [],
      compiler: null,
      flags: null,
      bits: 'reference',
    });
  });

  it('refuses to force a variant this CPU lacks features for, naming them and what it runs', () => {
    const hide: CpuFeature[] = ['avx2', 'fma'];
    const runs = NATIVE_VARIANTS.filter((v) =>
      v.requires.every((f) => cpuFeatures({ hideCpuFeatures: hide }).has(f)),
    );
    expect(() => selectBackend('native:avx2', { hideCpuFeatures: hide })).toThrow(
      "native variant 'avx2' refused: this CPU lacks avx2 (hidden by hideCpuFeatures), fma (hidden by " +
        'hideCpuFeatures); running it could kill the process with an illegal instruction (this CPU runs ' +
        `${runs.map((v) => v.name).join(', ')})`,
    );
  });

  // A CPU without AVX2 (or without AVX-512) simulated by hiding the feature, in a fresh process, so
  // that /proc/self/maps shows which addon files were mapped: the refused one never is.
  const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
  const simulate = (variant: NativeVariant, hide: CpuFeature) => {
    const script = `
      import { existsSync, readFileSync } from 'node:fs';
      import { loadNativeBackend, loadNativeVariant } from './src/backends/native.ts';
      const options = { hideCpuFeatures: [${JSON.stringify(hide)}] };
      let refused = '';
      try {
        loadNativeVariant(${JSON.stringify(variant)}, options);
      } catch (err) {
        refused = err.message;
      }
      const auto = loadNativeBackend(options);
      const a = new Float32Array([1, 2, 3, 4]);
      const c = new Float32Array(4);
      auto.backend.gemm(a, a, c, 2, 2, 2, false, false, false);
      const maps = existsSync('/proc/self/maps') ? readFileSync('/proc/self/maps', 'utf8') : null;
      const mapped = maps === null ? null : [...new Set(maps.match(/tensor_native-\\w+\\.node/g))].sort();
      console.log(JSON.stringify({ refused, auto: auto.backend.variant, c: [...c], mapped }));
    `;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: pkgDir,
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    return JSON.parse(res.stdout) as {
      refused: string;
      auto: NativeVariant;
      c: number[];
      mapped: string[] | null;
    };
  };

  // FMA alone too: an AVX2 CPU without FMA (some VIA and Zhaoxin parts, some hypervisors' masks)
  // must not get the AVX2 + FMA kernels.
  for (const [variant, hide] of [
    ['avx2', 'avx2'],
    ['avx2', 'fma'],
    ['avx512', 'avx512f'],
  ] as const) {
    it(`on a CPU without ${hide}, refuses the ${variant} variant without loading it and runs the next one down`, {
      timeout: 60_000,
    }, () => {
      const has = new Set(cpuFeatures({ hideCpuFeatures: [hide] }));
      const expected = NATIVE_VARIANTS.find(
        (v) => v.requires.every((f) => has.has(f)) && unavailable.get(v.name) === null,
      )!.name;
      const out = simulate(variant, hide);
      expect(out.refused).toContain(`native variant '${variant}' refused: this CPU lacks`);
      expect(out.refused).toContain(`${hide} (hidden by hideCpuFeatures)`);
      expect(out.auto).toBe(expected);
      expect(out.c).toEqual([7, 10, 15, 22]);
      if (out.mapped !== null) {
        const files = [...new Set(['baseline', expected])].map((v) => `tensor_native-${v}.node`).sort();
        expect(out.mapped).toEqual(files);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const GUARD = 7;
const SENTINEL = -12345.5;

/**
 * `data` copied into the middle of a larger buffer: the kernels get a `subarray` view with a
 * non-zero byte offset, and `guardsIntact` checks that nothing was written outside it.
 */
function view(data: Float32Array, offset = GUARD): Float32Array {
  const buf = new Float32Array(offset + data.length + GUARD).fill(SENTINEL);
  buf.set(data, offset);
  return buf.subarray(offset, offset + data.length);
}

function guardsIntact(v: Float32Array): boolean {
  const buf = new Float32Array(v.buffer);
  const start = v.byteOffset / 4;
  for (let i = 0; i < buf.length; i++) {
    if ((i < start || i >= start + v.length) && buf[i] !== SENTINEL) return false;
  }
  return true;
}

function normal(rng: Rng, n: number, std = 1): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, std);
}

function uniform(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  return rng.fillUniform(new Float32Array(n), lo, hi);
}

const bits = (x: Float32Array): Uint32Array => new Uint32Array(x.buffer, x.byteOffset, x.length);

/** Index of the first element whose bits differ (any two NaNs count as equal), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const ua = bits(a);
  const ub = bits(b);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  }
  return -1;
}

function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const i = firstBitDifference(actual, expected);
  expect(i, `${what}: first difference at ${i}: ${actual[i]} vs ${expected[i]}`).toBe(-1);
}

/** Distance in float32 ulps (0 for equal values, including two NaNs). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return Object.is(a, b) || a !== 0 ? 0 : 1;
  const f = new Float32Array([a, b]);
  const u = new Int32Array(f.buffer);
  const key = (x: number) => (x < 0 ? -2147483648 - x : x);
  return Math.abs(key(u[0]) - key(u[1]));
}

function expectWithinUlps(actual: Float32Array, expected: Float32Array, maxUlps: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const d = ulps(actual[i], expected[i]);
    if (d > maxUlps)
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (${d} ulps)`);
  }
}

/**
 * Every kernel of one variant against the reference backend, on odd shapes, views with guard
 * zones and 1, 2 and 3 threads. `load` runs before the first test.
 */
function kernelSuite(load: () => NativeBackend): void {
  let native: NativeBackend;
  let defaultThreads = 1;
  beforeAll(() => {
    native = load();
    defaultThreads = native.threads();
  });
  afterAll(() => native?.setThreads(defaultThreads));

  /**
   * Runs `f` with 1, 2 and 3 threads on fresh copies of `inputs` and checks that every array comes
   * out bit-identical (3 threads split the work unevenly). Returns the arrays of the 1-thread run.
   */
  function sameForAnyThreadCount(
    inputs: Float32Array[],
    f: (arrays: Float32Array[]) => void,
  ): Float32Array[] {
    let first: Float32Array[] | undefined;
    for (const t of [1, 2, 3]) {
      native.setThreads(t);
      const arrays = inputs.map((x) => view(x));
      f(arrays);
      for (const a of arrays) expect(guardsIntact(a), `write outside the view with ${t} threads`).toBe(true);
      if (first === undefined) first = arrays;
      else arrays.forEach((a, i) => expectSameBits(a, first![i], `array ${i} with ${t} threads vs 1`));
    }
    native.setThreads(defaultThreads);
    return first!;
  }

  describe('gemm', () => {
    /** op(A)·op(B) (+ C) in float64, and Σ|a·b| + |c| for the error bound. */
    function exact(
      a: Float32Array,
      b: Float32Array,
      c0: Float32Array,
      m: number,
      n: number,
      k: number,
      transA: boolean,
      transB: boolean,
      accumulate: boolean,
    ): { val: Float64Array; mag: Float64Array } {
      const val = new Float64Array(m * n);
      const mag = new Float64Array(m * n);
      const bt = new Float64Array(k * n);
      for (let p = 0; p < k; p++)
        for (let j = 0; j < n; j++) bt[p * n + j] = transB ? b[j * k + p] : b[p * n + j];
      for (let i = 0; i < m; i++) {
        const o = i * n;
        for (let p = 0; p < k; p++) {
          const aip = transA ? a[p * m + i] : a[i * k + p];
          const bo = p * n;
          for (let j = 0; j < n; j++) {
            const t = aip * bt[bo + j];
            val[o + j] += t;
            mag[o + j] += Math.abs(t);
          }
        }
        if (accumulate)
          for (let j = 0; j < n; j++) {
            val[o + j] += c0[o + j];
            mag[o + j] += Math.abs(c0[o + j]);
          }
      }
      return { val, mag };
    }

    function check(m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean) {
      const rng = Rng.create(m * 1000003 + k * 1009 + n, 'gemm');
      const a = normal(rng, m * k);
      const b = normal(rng, k * n);
      const c0 = normal(rng, m * n);
      const [, , c] = sameForAnyThreadCount([a, b, c0], ([va, vb, vc]) =>
        native.gemm(va, vb, vc, m, n, k, transA, transB, accumulate),
      );
      const { val, mag } = exact(a, b, c0, m, n, k, transA, transB, accumulate);
      // A float32 sum of k products has error at most about k·u·Σ|a·b| (u = 2^-24); a wrong element
      // is off by O(|c|), far above it.
      const u = 2 ** -24;
      for (let i = 0; i < m * n; i++) {
        const bound = (2 * k + 4) * u * mag[i] + 1e-30;
        if (!(Math.abs(c[i] - val[i]) <= bound)) {
          expect.fail(`C[${Math.floor(i / n)},${i % n}] = ${c[i]}, expected ${val[i]} (bound ${bound})`);
        }
      }
    }

    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [1, 7, 1],
      [7, 7, 7],
      [7, 1, 785],
      [785, 1, 7],
      [3, 4, 5],
      [5, 5, 9],
      [2, 33, 17],
      [1, 785, 7],
      [16, 100, 50],
      [17, 785, 33],
      [8, 257, 48],
      [9, 64, 785],
      [33, 300, 97],
      [48, 50, 100],
      [49, 37, 70],
      [130, 520, 100],
      [300, 200, 40],
      [40, 700, 300],
      [5, 600, 300],
      [1, 686, 784],
      [686, 1, 784],
      [1, 784, 686],
    ];
    for (const [m, k, n] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`[${m},${k}]x[${k},${n}] transA=${transA} transB=${transB}, accumulate off and on`, () => {
            check(m, k, n, transA, transB, false);
            check(m, k, n, transA, transB, true);
          });
        }
      }
    }

    // The MLP layer at batch 64: forward x·W, weight gradient xᵀ·dy, input gradient dy·Wᵀ; all
    // four transpose forms of the forward shape.
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`[64,784]x[784,1024] transA=${transA} transB=${transB}`, { timeout: 120_000 }, () => {
          check(64, 784, 1024, transA, transB, transA === transB);
        });
      }
    }
    it('[784,64]x[64,1024] (weight gradient) and [64,1024]x[1024,784] (input gradient)', {
      timeout: 120_000,
    }, () => {
      check(784, 64, 1024, true, false, true);
      check(64, 1024, 784, false, true, false);
    });

    it('computes k = 0 as zeros (or leaves C when accumulating) and handles empty outputs', () => {
      const c = new Float32Array([1, 2, 3, 4]);
      native.gemm(new Float32Array(0), new Float32Array(0), c, 2, 2, 0, false, false, true);
      expect(Array.from(c)).toEqual([1, 2, 3, 4]);
      native.gemm(new Float32Array(0), new Float32Array(0), c, 2, 2, 0, false, false, false);
      expect(Array.from(c)).toEqual([0, 0, 0, 0]);
      native.gemm(
        new Float32Array(0),
        new Float32Array(6),
        new Float32Array(0),
        0,
        2,
        3,
        false,
        false,
        false,
      );
    });

    it('rejects arrays shorter than the sizes, other array types and an overlapping C', () => {
      const a = new Float32Array(6);
      expect(() =>
        native.gemm(a, new Float32Array(5), new Float32Array(4), 2, 2, 3, false, false, false),
      ).toThrow(RangeError);
      expect(() =>
        native.gemm(
          new Float64Array(6) as unknown as Float32Array,
          a,
          new Float32Array(4),
          2,
          2,
          3,
          false,
          false,
          false,
        ),
      ).toThrow(/a must be a Float32Array/);
      const buf = new Float32Array(12);
      expect(() =>
        native.gemm(buf.subarray(0, 6), a, buf.subarray(4, 8), 2, 2, 3, false, false, false),
      ).toThrow(/overlap/);
    });
  });

  describe('elementwise', () => {
    // 100_003 is above the size where the work is split across threads, and odd.
    const sizes = [1, 7, 785, 100_003];
    const rng = Rng.create(7, 'elementwise');

    /** Random values plus the special ones every kernel must get right. */
    function inputs(n: number, lo = -4, hi = 4): Float32Array {
      const x = uniform(rng, n, lo, hi);
      const specials = [0, -0, 1, -1, 1e-40, -1e-40, 1000, -1000, Infinity, -Infinity, Number.NaN];
      if (n >= 100) specials.forEach((s, i) => (x[(i * 37) % n] = s));
      return x;
    }

    const binaryOps: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];
    for (const op of binaryOps) {
      it(`binary, binaryRow and binaryScalar '${op}' equal the reference`, () => {
        for (const n of sizes) {
          const a = inputs(n);
          const b = inputs(n);
          b[0] = -0; // signed zeros against each other
          a[0] = 0;
          const expected = new Float32Array(n);
          ref.binary(op, a, b, expected, n);
          const [, , out] = sameForAnyThreadCount([a, b, new Float32Array(n)], ([va, vb, vo]) =>
            native.binary(op, va, vb, vo, n),
          );
          expectSameBits(out, expected, `binary ${op} n=${n}`);

          for (const s of [0.1, -3, 0, Number.NaN]) {
            ref.binaryScalar(op, a, s, expected, n);
            const [, o] = sameForAnyThreadCount([a, new Float32Array(n)], ([va, vo]) =>
              native.binaryScalar(op, va, s, vo, n),
            );
            expectSameBits(o, expected, `binaryScalar ${op} ${s} n=${n}`);
          }
        }
        for (const [rows, cols] of [
          [1, 1],
          [3, 7],
          [64, 785],
          [200, 1024],
        ]) {
          const a = inputs(rows * cols);
          const row = inputs(cols);
          const expected = new Float32Array(rows * cols);
          ref.binaryRow(op, a, row, expected, rows, cols);
          const [, , out] = sameForAnyThreadCount([a, row, new Float32Array(rows * cols)], ([va, vr, vo]) =>
            native.binaryRow(op, va, vr, vo, rows, cols),
          );
          expectSameBits(out, expected, `binaryRow ${op} [${rows},${cols}]`);
        }
      });
    }

    it('addBias equals the reference, also in place', () => {
      for (const [rows, cols] of [
        [1, 7],
        [64, 1024],
        [5, 785],
      ]) {
        const x = inputs(rows * cols);
        const bias = inputs(cols);
        const expected = new Float32Array(rows * cols);
        ref.addBias(x, bias, expected, rows, cols);
        const [vx] = sameForAnyThreadCount([x, bias], ([a, b]) => native.addBias(a, b, a, rows, cols));
        expectSameBits(vx, expected, `addBias [${rows},${cols}] in place`);
      }
    });

    const unaryOps: UnaryOp[] = ['neg', 'abs', 'exp', 'log', 'sqrt', 'square', 'sign'];
    // exp and log are polynomial approximations (a few ulps); the others are exact in float32.
    const unaryUlps: Record<UnaryOp, number> = {
      neg: 0,
      abs: 0,
      exp: 2,
      log: 2,
      sqrt: 0,
      square: 0,
      sign: 0,
    };
    for (const op of unaryOps) {
      it(`unary '${op}' equals the reference (within ${unaryUlps[op]} ulps)`, () => {
        for (const n of sizes) {
          const x = op === 'exp' ? inputs(n, -100, 90) : op === 'log' ? inputs(n, -1, 1e6) : inputs(n);
          if (op === 'log') x[n - 1] = 1e-42; // subnormal
          const expected = new Float32Array(n);
          ref.unary(op, x, expected, n);
          const [out] = sameForAnyThreadCount([x], ([v]) => native.unary(op, v, v, n));
          expectWithinUlps(out, expected, unaryUlps[op], `unary ${op} n=${n}`);
        }
      });
    }

    const approxActivations = new Set<ActivationKind>(['tanh', 'atan', 'sigmoid']);
    for (const kind of ACTIVATION_KINDS) {
      it(`activation '${kind}' and its gradient equal the reference`, () => {
        for (const n of sizes) {
          const x = inputs(n, -12, 12);
          const expected = new Float32Array(n);
          ref.activation(kind, x, expected, n, 0.2);
          const [, y] = sameForAnyThreadCount([x, new Float32Array(n)], ([vx, vo]) =>
            native.activation(kind, vx, vo, n, 0.2),
          );
          if (approxActivations.has(kind)) expectWithinUlps(y, expected, 3, `${kind} n=${n}`);
          else expectSameBits(y, expected, `${kind} n=${n}`);
          // In place gives the same values.
          const inPlace = view(x);
          native.activation(kind, inPlace, inPlace, n, 0.2);
          expectSameBits(inPlace, y, `${kind} in place`);

          const dy = inputs(n);
          const dxRef = new Float32Array(n);
          ref.activationGrad(kind, x, expected, dy, dxRef, n, 0.2);
          const [, , d] = sameForAnyThreadCount([x, expected, dy], ([vx, vy, vdy]) =>
            native.activationGrad(kind, vx, vy, vdy, vdy, n, 0.2),
          );
          expectSameBits(d, dxRef, `${kind} gradient n=${n} (dx aliasing dy)`);
        }
      });
    }

    it('sigmoid, tanh and exp stay finite and saturate cleanly at ±1000', () => {
      const x = new Float32Array([1000, -1000, 88, -88, 1e-30, -0]);
      const s = new Float32Array(6);
      native.activation('sigmoid', x, s, 6, 0);
      expect(Array.from(s.subarray(0, 2))).toEqual([1, 0]);
      expect(s.every(Number.isFinite)).toBe(true);
      expect(s[4]).toBe(0.5);
      native.activation('tanh', x, s, 6, 0);
      expect(Array.from(s.subarray(0, 2))).toEqual([1, -1]);
      expect(s[4]).toBe(Math.fround(1e-30));
      expect(Object.is(s[5], -0)).toBe(true);
      native.unary('exp', x, s, 6);
      expect(Array.from(s.subarray(0, 2))).toEqual([Infinity, 0]);
    });
  });

  describe('reductions', () => {
    const rng = Rng.create(11, 'reduce');
    for (const [outer, len, inner] of [
      [1, 1, 1],
      [1, 7, 1],
      [3, 100_003, 1],
      [1, 64, 1024],
      [1, 1, 785],
      [5, 7, 3],
      [2, 785, 130],
      [40, 300, 70],
    ]) {
      it(`sumAxis [${outer},${len},${inner}] equals the reference, accumulate off and on`, () => {
        const x = normal(rng, outer * len * inner);
        const old = normal(rng, outer * inner);
        for (const accumulate of [false, true]) {
          const expected = old.slice();
          ref.sumAxis(x, expected, outer, len, inner, accumulate);
          const [, out] = sameForAnyThreadCount([x, old], ([vx, vo]) =>
            native.sumAxis(vx, vo, outer, len, inner, accumulate),
          );
          // Sums are accumulated in float64: at most one float32 rounding apart.
          expectWithinUlps(out, expected, 1, `sumAxis accumulate=${accumulate}`);
        }
      });
    }

    it('sumSquares equals the float64 reference', () => {
      for (const n of [0, 1, 7, 785, 1_500_001]) {
        const x = normal(rng, n);
        const v = view(x);
        const s = native.sumSquares(v, n);
        expect(Math.abs(s - ref.sumSquares(x, n))).toBeLessThanOrEqual(1e-12 * Math.max(1, s));
        native.setThreads(1);
        expect(native.sumSquares(v, n)).toBe(s);
        native.setThreads(defaultThreads);
      }
    });
  });

  describe('convolution layout', () => {
    const rng = Rng.create(13, 'conv');

    /** Random values with signed zeros among them (0 + -0 is +0: col2im must start from +0 too). */
    function values(n: number): Float32Array {
      const x = normal(rng, n);
      for (let i = 0; i < n; i += 11) x[i] = i % 22 === 0 ? -0 : 0;
      return x;
    }

    interface Geometry {
      n: number;
      c: number;
      h: number;
      w: number;
      kh: number;
      kw: number;
      sh: number;
      sw: number;
      ph: number;
      pw: number;
    }
    // Channels 1, 3, 5 (12 for a 7 x 7 output big enough to split); kernels 1, 2, 3, 4, 5 (and
    // 3 x 5); strides 1, 2, 3; paddings 0, 1, 2; batches 1 and 7; non-square images; kernels larger
    // than the image; rows that read only padding; output rows of at most 8 (paired on AVX-512)
    // and of more than 16. The ones marked 'threads' have enough work to be split across threads.
    const geometries: [string, Geometry][] = [
      ['3x3 s1 p1 on 5x5', { n: 1, c: 1, h: 5, w: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }],
      ['4x4 s2 p1 on 9x6', { n: 7, c: 3, h: 9, w: 6, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1 }],
      [
        '4x4 s2 p1 on 28x28 (threads)',
        { n: 7, c: 5, h: 28, w: 28, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1 },
      ],
      ['5x5 s3 p2 on 11x7', { n: 1, c: 3, h: 11, w: 7, kh: 5, kw: 5, sh: 3, sw: 3, ph: 2, pw: 2 }],
      ['1x1 s1 p0 on 10x13', { n: 7, c: 1, h: 10, w: 13, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 }],
      ['3x5 s1,2 p2,0 on 13x17', { n: 7, c: 5, h: 13, w: 17, kh: 3, kw: 5, sh: 1, sw: 2, ph: 2, pw: 0 }],
      ['4x4 s2 p1 on 7x7', { n: 7, c: 3, h: 7, w: 7, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1 }],
      [
        '5x5 s1 p2 on 4x6 (kernel taller than the image)',
        { n: 1, c: 5, h: 4, w: 6, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2 },
      ],
      [
        '3x3 s1 p1 on 30x31 (threads)',
        { n: 7, c: 5, h: 30, w: 31, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
      ],
      [
        '3x3 s2 p1 on 9x40 (rows of 20 outputs)',
        { n: 1, c: 3, h: 9, w: 40, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 },
      ],
      [
        '2x2 s2 p0 on 6x10 (stride = kernel)',
        { n: 7, c: 3, h: 6, w: 10, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
      ],
      [
        '4x4 s2 p1 on 14x14 -> 7x7 (threads)',
        { n: 7, c: 12, h: 14, w: 14, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1 },
      ],
      ['4x4 s3 p2 on 3x3', { n: 7, c: 3, h: 3, w: 3, kh: 4, kw: 4, sh: 3, sw: 3, ph: 2, pw: 2 }],
      ['5x3 s2,3 p2,1 on 1x40', { n: 7, c: 1, h: 1, w: 40, kh: 5, kw: 3, sh: 2, sw: 3, ph: 2, pw: 1 }],
      [
        '4x4 s2 p0 on 30x30 (threads)',
        { n: 7, c: 5, h: 30, w: 30, kh: 4, kw: 4, sh: 2, sw: 2, ph: 0, pw: 0 },
      ],
    ];

    const outSize = (len: number, k: number, stride: number, pad: number) =>
      Math.floor((len + 2 * pad - k) / stride) + 1;

    for (const [name, g] of geometries) {
      const { n, c, h, w, kh, kw, sh, sw, ph, pw } = g;
      const oh = outSize(h, kh, sh, ph);
      const ow = outSize(w, kw, sw, pw);
      const image = n * c * h * w;
      const ncols = c * kh * kw * n * oh * ow;

      it(`im2col ${name}, n=${n} c=${c}, equals the reference bit for bit`, () => {
        const x = values(image);
        const expected = new Float32Array(ncols);
        ref.im2col(x, expected, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
        // cols starts as garbage: every entry, padding included, must be written.
        const [, cols] = sameForAnyThreadCount([x, normal(rng, ncols)], ([vx, vc]) =>
          native.im2col(vx, vc, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow),
        );
        expectSameBits(cols, expected, `im2col ${name}`);
      });

      it(`col2im ${name}, n=${n} c=${c}, equals the reference bit for bit, accumulate off and on`, () => {
        const cols = values(ncols);
        const old = values(image);
        for (const accumulate of [false, true]) {
          const expected = old.slice();
          ref.col2im(cols, expected, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, accumulate);
          const [, x] = sameForAnyThreadCount([cols, old], ([vc, vx]) =>
            native.col2im(vc, vx, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, accumulate),
          );
          expectSameBits(x, expected, `col2im ${name} accumulate=${accumulate}`);
        }
      });
    }

    for (const [a, b, inner] of [
      [1, 1, 1],
      [1, 7, 3],
      [7, 1, 5],
      [3, 5, 1],
      [17, 33, 1],
      [128, 64, 1],
      [300, 257, 1],
      [64, 5, 4],
      [7, 5, 3],
      [5, 7, 196],
      [64, 128, 49],
      [9, 13, 8],
    ]) {
      it(`swapAxes [${a},${b},${inner}] equals the reference bit for bit`, () => {
        const x = values(a * b * inner);
        const expected = new Float32Array(a * b * inner);
        ref.swapAxes(x, expected, a, b, inner);
        const [, out] = sameForAnyThreadCount([x, new Float32Array(a * b * inner)], ([vx, vo]) =>
          native.swapAxes(vx, vo, a, b, inner),
        );
        expectSameBits(out, expected, `swapAxes [${a},${b},${inner}]`);
      });
    }

    it('rejects arrays shorter than the sizes, a zero stride and overlapping arrays', () => {
      const [n, c, h, w, k, s, p, o] = [2, 3, 6, 6, 4, 2, 1, 3];
      const x = new Float32Array(n * c * h * w);
      const cols = new Float32Array(c * k * k * n * o * o);
      const im2col = (xs: Float32Array, cs: Float32Array, stride = s) =>
        native.im2col(xs, cs, n, c, h, w, k, k, stride, stride, p, p, o, o);
      const col2im = (cs: Float32Array, xs: Float32Array) =>
        native.col2im(cs, xs, n, c, h, w, k, k, s, s, p, p, o, o, false);
      expect(() => im2col(x, cols)).not.toThrow();
      expect(() => im2col(x.subarray(1), cols)).toThrow(RangeError);
      expect(() => im2col(x, cols.subarray(1))).toThrow(/cols has \d+ elements, the sizes need/);
      expect(() => im2col(x, cols, 0)).toThrow(/strides must be at least 1/);
      expect(() => col2im(cols.subarray(1), x)).toThrow(RangeError);
      expect(() => col2im(cols, x.subarray(1))).toThrow(RangeError);
      const both = new Float32Array(x.length + cols.length);
      expect(() => im2col(both.subarray(0, x.length), both.subarray(x.length - 1))).toThrow(RangeError);
      expect(() => col2im(both.subarray(0, cols.length), both.subarray(cols.length - 1))).toThrow(
        /must not overlap/,
      );
      expect(() => native.swapAxes(x, new Float32Array(x.length - 1), 2, 3, 36)).toThrow(RangeError);
      expect(() => native.swapAxes(x, x, 2, 3, 36)).toThrow(/must not overlap/);
      expect(() => native.swapAxes(x, new Float32Array(x.length), 2, 3, 37)).toThrow(RangeError);
    });
  });

  describe('per-channel statistics', () => {
    const rng = Rng.create(17, 'channels');
    // [n, c, s]: channels 1, 3, 5 and more, batches 1 and 7 (and 64), s = 1 (a BatchNorm1d batch),
    // shorter and longer than a vector, and sizes that are split across threads.
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [7, 3, 5],
      [1, 5, 49],
      [7, 5, 196],
      [7, 13, 196],
      [64, 64, 49],
      [600, 130, 1],
      [7, 3, 1],
      [1, 1, 100_003],
      [7, 9, 3],
    ];

    for (const [n, c, s] of shapes) {
      const total = n * c * s;
      it(`channelMoments and channelSums [${n},${c},${s}] equal the reference bit for bit`, () => {
        // Off-centre values, so the two passes of the variance differ from a one-pass formula.
        const x = normal(rng, total, 2).map((v) => v + 3);
        const y = normal(rng, total);
        const [mean, variance] = [new Float32Array(c), new Float32Array(c)];
        ref.channelMoments(x, mean, variance, n, c, s);
        const [, m, v] = sameForAnyThreadCount(
          [x, new Float32Array(c), new Float32Array(c)],
          ([vx, vm, vv]) => native.channelMoments(vx, vm, vv, n, c, s),
        );
        expectSameBits(m, mean, 'mean');
        expectSameBits(v, variance, 'variance');

        const [sumA, sumAB] = [new Float32Array(c), new Float32Array(c)];
        ref.channelSums(x, y, sumA, sumAB, n, c, s);
        const [, , sa, sab] = sameForAnyThreadCount(
          [x, y, new Float32Array(c), new Float32Array(c)],
          ([va, vb, vsa, vsab]) => native.channelSums(va, vb, vsa, vsab, n, c, s),
        );
        expectSameBits(sa, sumA, 'sumA');
        expectSameBits(sab, sumAB, 'sumAB');
        // Without b: Σ a only. With b but no sumAB: Σ a, nothing else written.
        for (const b of [null, y]) {
          const [, only] = sameForAnyThreadCount([x, new Float32Array(c)], ([va, vsa]) =>
            native.channelSums(va, b, vsa, null, n, c, s),
          );
          expectSameBits(only, sumA, `sumA with b ${b === null ? 'null' : 'and sumAB null'}`);
        }
      });

      it(`channelAffine [${n},${c},${s}] equals the reference bit for bit, with and without b, in place`, () => {
        const a = normal(rng, total);
        const b = normal(rng, total);
        const sa = normal(rng, c);
        const sb = normal(rng, c);
        const shift = normal(rng, c);
        a[0] = -0;
        for (const withB of [false, true]) {
          const expected = new Float32Array(total);
          ref.channelAffine(a, sa, withB ? b : null, withB ? sb : null, shift, expected, n, c, s);
          const what = `channelAffine ${withB ? 'a·sa + b·sb + t' : 'a·sa + t'}`;
          const [, , , , , out] = sameForAnyThreadCount(
            [a, sa, b, sb, shift, new Float32Array(total)],
            ([va, vsa, vb, vsb, vt, vo]) =>
              native.channelAffine(va, vsa, withB ? vb : null, withB ? vsb : null, vt, vo, n, c, s),
          );
          expectSameBits(out, expected, what);
          // out aliasing a, then b.
          const [inA] = sameForAnyThreadCount([a, sa, b, sb, shift], ([va, vsa, vb, vsb, vt]) =>
            native.channelAffine(va, vsa, withB ? vb : null, withB ? vsb : null, vt, va, n, c, s),
          );
          expectSameBits(inA, expected, `${what}, out = a`);
          if (withB) {
            const [, , inB] = sameForAnyThreadCount([a, sa, b, sb, shift], ([va, vsa, vb, vsb, vt]) =>
              native.channelAffine(va, vsa, vb, vsb, vt, vb, n, c, s),
            );
            expectSameBits(inB, expected, `${what}, out = b`);
          }
        }
      });
    }

    it('rejects arrays shorter than the sizes and overlapping outputs; b and sumAB may be null', () => {
      const [n, c, s] = [2, 3, 5];
      const x = new Float32Array(n * c * s);
      const short = x.subarray(1);
      const cs = () => new Float32Array(c);
      expect(() => native.channelMoments(short, cs(), cs(), n, c, s)).toThrow(RangeError);
      expect(() => native.channelMoments(x, cs().subarray(1), cs(), n, c, s)).toThrow(
        /mean has 2 elements, the sizes need 3/,
      );
      expect(() => native.channelMoments(x, cs(), cs().subarray(1), n, c, s)).toThrow(RangeError);
      expect(() => native.channelMoments(x, x.subarray(0, c), cs(), n, c, s)).toThrow(/must not overlap/);

      expect(() => native.channelSums(x, null, cs(), null, n, c, s)).not.toThrow();
      expect(() => native.channelSums(short, null, cs(), null, n, c, s)).toThrow(RangeError);
      expect(() => native.channelSums(x, short, cs(), cs(), n, c, s)).toThrow(/b has 29 elements/);
      expect(() => native.channelSums(x, x, cs(), cs().subarray(1), n, c, s)).toThrow(RangeError);
      expect(() => native.channelSums(x, null, cs().subarray(1), null, n, c, s)).toThrow(RangeError);
      expect(() => native.channelSums(x, x, x.subarray(0, c), null, n, c, s)).toThrow(/must not overlap/);

      const affine = (
        a: Float32Array,
        sa: Float32Array,
        b: Float32Array | null,
        sb: Float32Array | null,
        sh: Float32Array,
        out: Float32Array,
      ) => native.channelAffine(a, sa, b, sb, sh, out, n, c, s);
      expect(() => affine(x, cs(), null, null, cs(), x)).not.toThrow();
      expect(() => affine(x, cs(), x, cs(), cs(), x)).not.toThrow();
      expect(() => affine(short, cs(), null, null, cs(), x)).toThrow(RangeError);
      expect(() => affine(x, cs().subarray(1), null, null, cs(), x)).toThrow(RangeError);
      expect(() => affine(x, cs(), short, cs(), cs(), x)).toThrow(RangeError);
      expect(() => affine(x, cs(), x, cs().subarray(1), cs(), x)).toThrow(RangeError);
      expect(() => affine(x, cs(), null, null, cs().subarray(1), x)).toThrow(RangeError);
      expect(() => affine(x, cs(), null, null, cs(), short)).toThrow(RangeError);
      const buf = new Float32Array(n * c * s + 1);
      expect(() => affine(buf.subarray(1), cs(), null, null, cs(), buf.subarray(0, n * c * s))).toThrow(
        /out must be a or b itself/,
      );
      expect(() => affine(x, x.subarray(0, c), null, null, cs(), x)).toThrow(
        /must not overlap sa, sb or shift/,
      );
    });
  });

  describe('optimisers', () => {
    const rng = Rng.create(3, 'optim');

    for (const n of [1, 7, 785, 150_001]) {
      for (const [name, c] of [
        ['Kingma-Ba bias correction', 0],
        ['seed-constant correction', 1],
      ] as const) {
        it(`adam over ${n} parameters (${name}) follows the reference for 5 steps`, () => {
          const p = normal(rng, n);
          const m = new Float32Array(n);
          const v = new Float32Array(n);
          const [rp, rm, rv] = [p.slice(), m.slice(), v.slice()];
          let arrays = [p, m, v];
          for (let t = 1; t <= 5; t++) {
            const g = normal(rng, n, 0.1 * t);
            const args = {
              lr: 1e-3,
              beta1: 0.9,
              beta2: 0.999,
              eps: 1e-8,
              c1: c === 0 ? 1 - 0.9 ** t : 1 - 0.9,
              c2: c === 0 ? 1 - 0.999 ** t : 1 - 0.999,
            };
            ref.adam(rp, g, rm, rv, n, args);
            arrays = sameForAnyThreadCount([...arrays, g], ([vp, vm, vv, vg]) =>
              native.adam(vp, vg, vm, vv, n, args),
            ).slice(0, 3);
            // Same float64 formula, rounded once: equal to the last bit (1 ulp allowed).
            expectWithinUlps(arrays[0], rp, 1, `p after step ${t}`);
            expectWithinUlps(arrays[1], rm, 1, `m after step ${t}`);
            expectWithinUlps(arrays[2], rv, 1, `v after step ${t}`);
          }
        });
      }
    }

    for (const [momentum, nesterov] of [
      [0, false],
      [0.9, false],
      [0.9, true],
    ] as const) {
      it(`sgd momentum=${momentum} nesterov=${nesterov} follows the reference for 5 steps`, () => {
        const n = 100_003;
        const p = normal(rng, n);
        const buf = new Float32Array(n);
        const [rp, rb] = [p.slice(), buf.slice()];
        let arrays = [p, buf];
        for (let t = 0; t < 5; t++) {
          const g = normal(rng, n);
          ref.sgd(rp, g, momentum > 0 ? rb : null, n, 0.01, momentum, nesterov);
          arrays = sameForAnyThreadCount([...arrays, g], ([vp, vb, vg]) =>
            native.sgd(vp, vg, momentum > 0 ? vb : null, n, 0.01, momentum, nesterov),
          ).slice(0, 2);
          expectWithinUlps(arrays[0], rp, 1, `p after step ${t}`);
          expectWithinUlps(arrays[1], rb, 1, `buf after step ${t}`);
        }
      });
    }
  });

  describe('threads', () => {
    it('reports and sets the thread count, rejecting bad values', () => {
      expect(defaultThreads).toBeGreaterThanOrEqual(1);
      native.setThreads(3);
      expect(native.threads()).toBe(3);
      native.setThreads(defaultThreads);
      expect(native.threads()).toBe(defaultThreads);
      expect(() => native.setThreads(0)).toThrow(RangeError);
      expect(() => native.setThreads(1.5)).toThrow(/integer/);
    });
  });

  describe('errors', () => {
    it('turns a bad call of any kernel into a JavaScript error, not a crash', () => {
      const kernels = [
        'gemm',
        'addBias',
        'sumAxis',
        'sumSquares',
        'activation',
        'activationGrad',
        'binary',
        'binaryRow',
        'binaryScalar',
        'unary',
        'adam',
        'sgd',
        'im2col',
        'col2im',
        'swapAxes',
        'channelMoments',
        'channelSums',
        'channelAffine',
      ] as const;
      for (const k of kernels) {
        const call = native[k] as (...args: unknown[]) => unknown;
        expect(() => call.call(native), k).toThrow(TypeError);
      }
    });
  });
}

// The CPU checks, then every variant this CPU runs against the reference. In CI a missing addon, or
// a variant the CPU runs but that is not built, fails; locally it is skipped with one line.
describeWith(nativeBuilt, 'native backend', () => {
  describe('variants', variantTests);
  if (loaded.backend === null) {
    // Only reached to list the skipped tests, so that the count shows what a missing addon costs.
    describe('baseline variant', () => kernelSuite(() => loadNativeVariant('baseline')));
    return;
  }
  for (const variant of runnable) {
    describeWith(
      { missing: unavailable.get(variant) ?? null, enable: BUILD_HINT },
      `${variant} variant`,
      () => kernelSuite(() => loadNativeVariant(variant)),
    );
  }
});

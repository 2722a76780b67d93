/**
 * glibcLog against glibc's own `log` (through python3's `math.log`, which calls it) on millions of
 * arguments: the ones numpy's `gauss` passes it (r2 = x1² + x2² of 53-bit uniforms), 53-bit
 * uniforms, random bit patterns over every exponent, subnormals, powers of two and their
 * neighbours, and both sides of the near-1 branch's bounds; all must agree bit for bit. Without
 * python: special values, the emulated `fma` against exact BigInt arithmetic, and a few arguments
 * on which glibc is not correctly rounded (found with a 200-bit log), where glibcLog must follow
 * glibc and not the correct rounding.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  commandRuns,
  itWith,
  type Requirement,
  glibcFmaLogMissing,
} from '../../../test-support/requirements.ts';
import { fma, glibcLog } from './exact-log.ts';
import { NumpyRandomState } from './numpy-random.ts';

const python: Requirement = {
  missing: commandRuns('python3', ['-c', 'import array, math']) ? null : 'python3 not found',
  enable: 'apt-get install python3',
};

const glibcFma: Requirement = {
  missing: python.missing ?? glibcFmaLogMissing(),
  enable: 'apt-get install python3, on Linux x86-64 with FMA and AVX2 (every x86-64 CPU since about 2013)',
};

/** `x` and its `count` neighbours on each side, those positive and finite, into `into`. */
function around(x: number, count: number, into: number[]): void {
  const f = new Float64Array(1);
  const u = new BigUint64Array(f.buffer);
  f[0] = x;
  const bits = u[0];
  for (let d = -count; d <= count; d++) {
    u[0] = bits + BigInt(d);
    if (f[0] > 0 && Number.isFinite(f[0])) into.push(f[0]);
  }
}

/** Several million arguments, deterministic. */
function testArguments(): Float64Array {
  const rs = new NumpyRandomState(20240607);
  const xs: number[] = [];
  // What gauss passes log: r2 of two uniforms in (-1, 1), inside the unit circle.
  while (xs.length < 2_500_000) {
    const x1 = 2 * rs.randomSample() - 1;
    const x2 = 2 * rs.randomSample() - 1;
    const r2 = x1 * x1 + x2 * x2;
    if (r2 < 1 && r2 !== 0) xs.push(r2);
  }
  for (let i = 0; i < 200_000; i++) xs.push(rs.randomSample() || 0.5);
  // Random bit patterns: every exponent, subnormals included.
  const f = new Float64Array(1);
  const w = new Uint32Array(f.buffer);
  for (let i = 0; i < 300_000; i++) {
    w[0] = rs.nextUint32();
    w[1] = rs.nextUint32() >>> 1;
    if (f[0] > 0 && Number.isFinite(f[0])) xs.push(f[0]);
  }
  // Subnormals, and the near-1 branch densely (x in [1 - 2^-4, 1 + 0x1.09p-4)).
  for (let i = 0; i < 50_000; i++) xs.push((rs.randomSample() + 2 ** -53) * 2 ** -1022);
  for (let i = 0; i < 300_000; i++) xs.push(1 - 2 ** -4 + rs.randomSample() * (2 ** -4 + 0x109 / 2 ** 12));
  // Tiny, near 1, powers of two and their neighbours, the branch bounds, the extremes.
  const edges: number[] = [];
  for (let e = -1074; e <= 1023; e++) around(2 ** e, 3, edges);
  for (const x of [1, 1 - 2 ** -4, 1 + 0x109 / 2 ** 12, 0.6875, 1.375, 2 ** -1022, Number.MAX_VALUE]) {
    around(x, 1000, edges);
  }
  for (let i = 1; i <= 1000; i++) edges.push(i, 1 / i, Math.E ** (i / 100), 10 ** -(i % 300));
  for (const x of edges) xs.push(x);
  return Float64Array.from(xs);
}

const PYTHON_LOG = `
import array, math, sys
xs = array.array('d')
xs.frombytes(sys.stdin.buffer.read())
sys.stdout.buffer.write(array.array('d', map(math.log, xs)).tobytes())
`;

describe('glibcLog', () => {
  it('gives the special values glibc gives', () => {
    expect(glibcLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(glibcLog(-0)).toBe(Number.NEGATIVE_INFINITY);
    expect(glibcLog(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(glibcLog(Number.NEGATIVE_INFINITY)).toBeNaN();
    expect(glibcLog(-1)).toBeNaN();
    expect(glibcLog(-Number.MIN_VALUE)).toBeNaN();
    expect(glibcLog(Number.NaN)).toBeNaN();
    expect(Object.is(glibcLog(1), 0)).toBe(true);
    expect(glibcLog(2)).toBe(Math.LN2);
    expect(glibcLog(Number.MIN_VALUE)).toBe(-744.4400719213812);
    expect(glibcLog(Number.MAX_VALUE)).toBe(709.782712893384);
  });

  it('follows glibc where glibc is not correctly rounded', () => {
    // [x, glibc's log(x), the correctly rounded log(x)]: the main branch, the near-1 branch, and
    // arguments far from 1. glibc's error is up to 0.52 ulp; on ~8 in 10 000 of gauss's
    // arguments its result is the other neighbour of the exact value.
    const cases = [
      [0.9064473345642213, -0.09822234803235487, -0.09822234803235488],
      [0.7984236820640318, -0.22511589252094094, -0.22511589252094097],
      [0.648644114033535, -0.432871073185682, -0.43287107318568196],
      [0.9458370816992944, -0.055684942838350446, -0.05568494283835045],
      [1.0557414068228788, 0.054243275393513715, 0.05424327539351372],
      [0.985600115850681, -0.014504568659584076, -0.014504568659584074],
      [0.028798198309648304, -3.547442452489881, -3.5474424524898804],
      [515.384740997079, 6.244913691643167, 6.244913691643166],
      // glibc's SSE2 build (CPUs without FMA) happens to round this one correctly.
      [0.6264949482318449, -0.46761456815522806, -0.4676145681552281],
    ];
    for (const [x, glibc, correct] of cases) {
      expect(glibcLog(x), `log(${x})`).toBe(glibc);
      expect(glibc).not.toBe(correct);
    }
  });

  itWith(
    glibcFma,
    "agrees with glibc's log (python3's math.log) on several million arguments",
    () => {
      const xs = testArguments();
      const run = spawnSync('python3', ['-c', PYTHON_LOG], {
        input: Buffer.from(xs.buffer),
        maxBuffer: 1 << 30,
      });
      expect(run.status, String(run.stderr)).toBe(0);
      const out = Uint8Array.from(run.stdout);
      const want = new Float64Array(out.buffer);
      expect(want.length).toBe(xs.length);
      const mismatches: string[] = [];
      let mathLog = 0;
      for (let i = 0; i < xs.length; i++) {
        const got = glibcLog(xs[i]);
        if (!Object.is(got, want[i])) mismatches.push(`log(${xs[i]}): ${got}, glibc ${want[i]}`);
        if (Math.log(xs[i]) !== want[i]) mathLog++;
      }
      expect(xs.length).toBeGreaterThan(3_000_000);
      expect(mismatches.slice(0, 10), `${mismatches.length} of ${xs.length} differ`).toEqual([]);
      // The comparison can tell logs apart: V8's Math.log differs from glibc on some 3% of these.
      expect(mathLog).toBeGreaterThan(xs.length / 100);
    },
    120_000,
  );
});

/** a·b + c rounded once, from exact BigInt arithmetic (for finite a, b, c with no underflow). */
function exactFma(a: number, b: number, c: number): number {
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const ep = ea + eb;
  let e = Math.min(ep, ec);
  let n = ((ma * mb) << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (n === 0n) return 0;
  const negative = n < 0n;
  if (negative) n = -n;
  // Keep 55 bits and a sticky bit, so that Number() (round to nearest even) rounds as the exact
  // value would.
  const extra = n.toString(2).length - 55;
  if (extra > 0) {
    const sticky = (n & ((1n << BigInt(extra)) - 1n)) === 0n ? 0n : 1n;
    n = (n >> BigInt(extra)) | sticky;
    e += extra;
  }
  const v = Number(n) * 2 ** e;
  return negative ? -v : v;
}

/** x = m · 2^e exactly, m an integer (x normal or zero). */
function decompose(x: number): [bigint, number] {
  if (x === 0) return [0n, 0];
  const f = new Float64Array([x]);
  const bits = new BigUint64Array(f.buffer)[0];
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const m = (bits & 0xfffffffffffffn) | 0x10000000000000n;
  return [x < 0 ? -m : m, exponent - 1075];
}

describe('fma', () => {
  it('rounds a·b + c once, as exact arithmetic does', () => {
    const rs = new NumpyRandomState(7);
    const cases: [number, number, number][] = [];
    // Random operands over the magnitudes the log uses, with and without cancellation.
    for (let i = 0; i < 20_000; i++) {
      const a = (rs.randomSample() - 0.5) * 2 ** (rs.interval(60) - 40);
      const b = (rs.randomSample() - 0.5) * 2 ** (rs.interval(60) - 40);
      const c = i % 2 === 0 ? (rs.randomSample() - 0.5) * 2 ** (rs.interval(80) - 60) : -a * b;
      cases.push([a, b, c]);
    }
    // Exact ties and near-ties: a·b + c = 1 + m·2^-52 + 2^-53 + d with a, b = 1 + small·2^-30,
    // c = that - a·b, whose bits span at most 53 places so that it is exact.
    const tie = (i: number, j: number, m: number, d: number): void => {
      const a = 1 + i * 2 ** -30;
      const b = 1 + j * 2 ** -30;
      const c = m * 2 ** -52 + 2 ** -53 - (i + j) * 2 ** -30 - i * j * 2 ** -60 + d;
      cases.push([a, b, c], [-a, b, -c]);
    };
    for (const m of [0, 1, 2, 3]) {
      for (const i of [1, 3, 5, 7]) {
        for (const j of [1, 2, 7]) {
          for (const d of [0, 2 ** -75, -(2 ** -75)]) tie(i, j, m, d);
        }
      }
      for (const [i, j] of [
        [1000, 999],
        [123456, 99999],
      ]) {
        tie(i, j, m, 0);
      }
    }
    let wrong = 0;
    for (const [a, b, c] of cases) {
      const want = exactFma(a, b, c);
      if (!Object.is(fma(a, b, c) + 0, want + 0)) {
        wrong++;
        if (wrong <= 5) expect(fma(a, b, c), `fma(${a}, ${b}, ${c})`).toBe(want);
      }
    }
    expect(wrong).toBe(0);
    // Round to nearest even on an exact tie: 1 + 2^-53 rounds to 1, 1 + 3·2^-53 to 1 + 2^-51.
    expect(fma(1 + 2 ** -30, 1 + 2 ** -30, 2 ** -53 - 2 ** -29 - 2 ** -60)).toBe(1);
    expect(fma(1 + 2 ** -30, 1 + 2 ** -30, 3 * 2 ** -53 - 2 ** -29 - 2 ** -60)).toBe(1 + 2 ** -51);
    expect(fma(1 + 2 ** -30, 1 + 2 ** -30, 2 ** -53 - 2 ** -29 - 2 ** -60 + 2 ** -80)).toBe(1 + 2 ** -52);
  });
});

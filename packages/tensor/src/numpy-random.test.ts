/**
 * numpy's legacy stream against numpy itself (python3 with numpy, e.g. Debian's python3-numpy): the
 * same seeds and calls must give the same values, bit for bit, for every draw kind, the normal
 * values included (their log is glibc's, transcribed in exact-log.ts, as numpy calls the C
 * library's log; glibc's x86-64 FMA build, so these tests need such a machine). Also: the article's
 * weight initialisations (`np.random.normal(size=(784, 128), scale=1/sqrt(784/2)) * 0.002`) through
 * the fill helpers into float64 and float32 arrays, interleaved calls that leave a normal value
 * pending across other draws, and `state()` equal to numpy's `get_state()`, restored through JSON
 * (or from numpy's own state) to continue the same stream.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  commandRuns,
  itWith,
  type Requirement,
  glibcFmaLogMissing,
} from '../../../test-support/requirements.ts';
import { NumpyRandomState, type NumpyRandomStateSnapshot } from './numpy-random.ts';

const numpy: Requirement = {
  missing: commandRuns('python3', ['-c', 'import numpy'])
    ? glibcFmaLogMissing()
    : 'python3 with numpy not found',
  enable:
    'apt-get install python3-numpy (pnpm test installs it), on Linux x86-64 with FMA and AVX2 (every x86-64 CPU since about 2013)',
};

const SEEDS = [0, 1, 127, 32432, 4294967295];

/** The article's first layer: `np.random.normal(size=(784, 128), scale=1/sqrt(784/2)) * 0.002`. */
const FAN_IN = 784;
const FAN_OUT = 128;
const GAIN = 0.002;

/**
 * For each seed, four fresh streams: the original call sequence, the article's initialisations,
 * interleaved draws, and uniform fills. Doubles travel as base64 of little-endian float64 bytes
 * (exact, -0 included); integers as JSON.
 */
const REFERENCE = `
import base64, json, sys
import numpy as np
def f64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype='<f8').tobytes()).decode()
def state():
    kind, key, pos, has_gauss, gauss = np.random.get_state()
    assert kind == 'MT19937'
    return {'kind': 'numpy-mt19937', 'key': [int(k) for k in key], 'pos': int(pos), 'hasGauss': bool(has_gauss), 'gauss': float(gauss)}
out = {}
for seed in ${JSON.stringify(SEEDS)}:
    r = {}
    np.random.seed(seed)
    r['sample'] = f64(np.random.random_sample(2000))
    r['normal1'] = f64(np.random.normal(0, 1, 1001))
    r['normal2'] = f64(np.random.normal(2, 3, 1000))
    r['uniform'] = f64(np.random.uniform(-1, 1, 1000))
    r['randint10'] = np.random.randint(0, 10, 1000).tolist()
    r['randintBig'] = [int(np.random.randint(5, 2**31)) for _ in range(300)]
    r['randintImages'] = [int(np.random.randint(10000 - 5)) for _ in range(300)]
    r['mixed'] = f64([float(np.random.normal()), int(np.random.randint(100)), float(np.random.normal()), float(np.random.normal())])
    a = np.arange(10000); np.random.shuffle(a); r['shuffle'] = a.tolist()
    r['after'] = f64(np.random.random_sample(10))

    np.random.seed(seed)
    r['w1'] = f64(np.random.normal(size=(${FAN_IN}, ${FAN_OUT}), scale=(1. / np.sqrt(${FAN_IN} / 2.))) * ${GAIN})
    r['w2'] = f64(np.random.normal(size=(${FAN_OUT}, 11), scale=(1. / np.sqrt(${FAN_OUT} / 2.))) * ${GAIN})
    r['w3'] = f64(np.random.normal(size=(7,), scale=(1. / np.sqrt(7 / 2.))) * ${GAIN})
    r['zeroScale'] = f64(np.concatenate([np.random.normal(size=5, scale=0.0) * ${GAIN}, np.random.normal(size=5, scale=0.0) * -${GAIN}]))
    r['articleState'] = state()
    r['articleNext'] = f64(np.random.normal(size=9))

    np.random.seed(seed)
    floats, ints = [], []
    for it in range(120):
        floats.extend(np.random.normal(size=it % 5).tolist())
        ints.append(int(np.random.randint(0, 1000 + it)))
        floats.extend(np.random.normal(loc=0.5, scale=0.25 + it, size=(it * 7) % 3).tolist())
        floats.extend(np.random.uniform(-it - 1, it + 2, size=it % 4).tolist())
        a = np.arange(it % 9 + 2); np.random.shuffle(a); ints.extend(a.tolist())
        if it == 60:
            r['midState'] = state()
    r['interleavedFloats'] = f64(floats)
    r['interleavedInts'] = ints
    r['interleavedState'] = state()

    np.random.seed(seed)
    r['fillUniform'] = f64(np.random.uniform(-0.05, 0.05, size=(300, 7)))
    r['fillUniformReversed'] = f64(np.random.uniform(2, -3, size=11))
    out[str(seed)] = r
json.dump(out, sys.stdout)
`;

type Reference = Record<string, string | number[] | NumpyRandomStateSnapshot>;

/** Base64 of little-endian float64 bytes (from the reference) as doubles. */
function doubles(base64: unknown): Float64Array {
  const bytes = Uint8Array.from(Buffer.from(base64 as string, 'base64'));
  return new Float64Array(bytes.buffer);
}

/** Every element the same double (Object.is: -0 is not +0); lists the first few that are not. */
function expectSameDoubles(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  const wrong: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) wrong.push(`[${i}] ${show(got[i])} != ${show(want[i])}`);
  }
  expect(wrong.slice(0, 5), `${label}: ${wrong.length} of ${want.length} differ`).toEqual([]);
}

/** A double as a string that tells -0 from +0. */
function show(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Shuffles 0..n-1 with the stream, as `np.random.shuffle(np.arange(n))`. */
function shuffled(rs: NumpyRandomState, n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  rs.shuffle(a.length, (i, j) => {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  });
  return a;
}

/** The original call sequence on our stream. */
function original(seed: number): Record<string, ArrayLike<number>> {
  const rs = new NumpyRandomState(seed);
  return {
    sample: Array.from({ length: 2000 }, () => rs.randomSample()),
    normal1: rs.normal(0, 1, new Float64Array(1001)),
    normal2: rs.normal(2, 3, new Float64Array(1000)),
    uniform: rs.uniform(-1, 1, new Float64Array(1000)),
    randint10: Array.from({ length: 1000 }, () => rs.randint(0, 10)),
    randintBig: Array.from({ length: 300 }, () => rs.randint(5, 2 ** 31)),
    randintImages: Array.from({ length: 300 }, () => rs.randint(0, 10000 - 5)),
    mixed: [rs.gauss(), rs.randint(0, 100), rs.gauss(), rs.gauss()],
    shuffle: shuffled(rs, 10000),
    after: Array.from({ length: 10 }, () => rs.randomSample()),
  };
}

const DOUBLE_KEYS = new Set(['sample', 'normal1', 'normal2', 'uniform', 'mixed', 'after']);

/** The interleaved sequence on our stream: normals (some odd counts), randint, uniform, shuffle. */
function interleaved(seed: number): {
  floats: number[];
  ints: number[];
  mid: NumpyRandomStateSnapshot;
  end: NumpyRandomStateSnapshot;
} {
  const rs = new NumpyRandomState(seed);
  const floats: number[] = [];
  const ints: number[] = [];
  let mid: NumpyRandomStateSnapshot | undefined;
  for (let it = 0; it < 120; it++) {
    floats.push(...rs.normal(0, 1, new Float64Array(it % 5)));
    ints.push(rs.randint(0, 1000 + it));
    floats.push(...rs.normal(0.5, 0.25 + it, new Float64Array((it * 7) % 3)));
    floats.push(...rs.uniform(-it - 1, it + 2, new Float64Array(it % 4)));
    ints.push(...shuffled(rs, (it % 9) + 2));
    if (it === 60) mid = rs.state();
  }
  return { floats, ints, mid: mid!, end: rs.state() };
}

/** A JSON round trip, as a checkpoint file makes. */
function throughJson(s: NumpyRandomStateSnapshot): unknown {
  return JSON.parse(JSON.stringify(s));
}

/** A mix of every draw kind, to compare two streams by. */
function drawMix(rs: NumpyRandomState): number[] {
  const out: number[] = [];
  for (let i = 0; i < 50; i++) {
    out.push(rs.gauss(), rs.randint(0, 7 + i), rs.randomSample());
    out.push(...rs.fillNormalScaled(new Float64Array(i % 3), 0.1, 0.002));
    out.push(...rs.fillUniform(new Float32Array(i % 4), -1, 1));
    out.push(...shuffled(rs, 5));
  }
  for (let i = 0; i < 700; i++) out.push(rs.nextUint32());
  return out;
}

describe("numpy's legacy RandomState", () => {
  itWith(
    numpy,
    'gives numpy values bit for bit: every draw kind, the article initialisations, interleaved calls, state',
    () => {
      const run = spawnSync('python3', ['-c', REFERENCE], { encoding: 'utf8', maxBuffer: 256 << 20 });
      expect(run.status, run.stderr).toBe(0);
      const reference = JSON.parse(run.stdout) as Record<string, Reference>;
      for (const seed of SEEDS) {
        const want = reference[String(seed)];

        const got = original(seed);
        for (const key of Object.keys(got)) {
          if (DOUBLE_KEYS.has(key)) expectSameDoubles(got[key], doubles(want[key]), `${seed} ${key}`);
          else expect(Array.from(got[key]), `${seed} ${key}`).toEqual(want[key]);
        }

        // The article's initialisations, into float64 and float32 arrays.
        const w1 = doubles(want.w1);
        const w2 = doubles(want.w2);
        const w3 = doubles(want.w3);
        for (const Kind of [Float64Array, Float32Array]) {
          const round = Kind === Float64Array ? (x: number) => x : Math.fround;
          const rs = new NumpyRandomState(seed);
          const layers: [number, number, Float64Array][] = [
            [FAN_IN, FAN_IN * FAN_OUT, w1],
            [FAN_OUT, FAN_OUT * 11, w2],
            [7, 7, w3],
          ];
          for (const [fanIn, size, reference64] of layers) {
            const out = rs.fillNormalScaled(new Kind(size), 1 / Math.sqrt(fanIn / 2), GAIN);
            expectSameDoubles(out, reference64.map(round), `${seed} ${Kind.name} fan-in ${fanIn}`);
          }
          const zero = [
            ...rs.fillNormalScaled(new Kind(5), 0, GAIN),
            ...rs.fillNormalScaled(new Kind(5), 0, -GAIN),
          ];
          expectSameDoubles(zero, doubles(want.zeroScale), `${seed} ${Kind.name} scale 0`);
          // 7 + 5 + 5 values after an even count: a normal value is pending, as in numpy.
          expect(rs.state(), `${seed} ${Kind.name} state`).toEqual(want.articleState);
          expectSameDoubles(rs.normal(0, 1, new Float64Array(9)), doubles(want.articleNext), `${seed} next`);
        }

        const mixed = interleaved(seed);
        expectSameDoubles(mixed.floats, doubles(want.interleavedFloats), `${seed} interleaved doubles`);
        expect(mixed.ints, `${seed} interleaved integers`).toEqual(want.interleavedInts);
        expect(mixed.mid, `${seed} state at call 60`).toEqual(want.midState);
        expect(mixed.end, `${seed} final state`).toEqual(want.interleavedState);

        // numpy's own state, restored here, continues as numpy did.
        const restored = NumpyRandomState.fromState(want.articleState);
        expectSameDoubles(
          restored.normal(0, 1, new Float64Array(9)),
          doubles(want.articleNext),
          `${seed} restored`,
        );

        for (const Kind of [Float64Array, Float32Array]) {
          const round = Kind === Float64Array ? (x: number) => x : Math.fround;
          const rs = new NumpyRandomState(seed);
          const u = rs.fillUniform(new Kind(300 * 7), -0.05, 0.05);
          expectSameDoubles(u, doubles(want.fillUniform).map(round), `${seed} ${Kind.name} fillUniform`);
          const v = rs.fillUniform(new Kind(11), 2, -3);
          expectSameDoubles(
            v,
            doubles(want.fillUniformReversed).map(round),
            `${seed} ${Kind.name} low > high`,
          );
        }
      }
    },
    120_000,
  );

  it('continues bit-identically after a snapshot through JSON', () => {
    for (const seed of SEEDS) {
      // Fresh (pos 624), mid-block, and with a normal value pending.
      const prefixes: ((rs: NumpyRandomState) => void)[] = [
        () => {},
        (rs) => rs.randint(0, 10),
        (rs) => rs.fillNormalScaled(new Float64Array(3), 1, 1),
        (rs) => drawMix(rs),
      ];
      for (const prefix of prefixes) {
        const a = new NumpyRandomState(seed);
        prefix(a);
        const snapshot = a.state();
        const b = NumpyRandomState.fromState(throughJson(snapshot));
        expect(b.state()).toEqual(snapshot);
        expectSameDoubles(drawMix(b), drawMix(a), `seed ${seed}`);
      }
    }
    const pending = new NumpyRandomState(5);
    pending.gauss();
    expect(pending.state().hasGauss).toBe(true);
    expect(pending.state().gauss).not.toBe(0);
    pending.gauss();
    expect(pending.state()).toMatchObject({ hasGauss: false, gauss: 0 });
  });

  it('refuses a malformed snapshot, naming what is wrong', () => {
    const good = (): Record<string, unknown> => ({ ...new NumpyRandomState(1).state() });
    const withKey = (i: number, word: unknown): Record<string, unknown> => {
      const s = good();
      s.key = [...(s.key as number[])];
      (s.key as unknown[])[i] = word;
      return s;
    };
    const cases: [unknown, RegExp][] = [
      [null, /expected a snapshot object, got null/],
      [[1, 2], /expected a snapshot object, got an array of length 2/],
      ['numpy', /expected a snapshot object/],
      [{ ...good(), kind: 'MT19937' }, /kind must be 'numpy-mt19937', got "MT19937"/],
      [{ ...good(), kind: undefined }, /kind must be 'numpy-mt19937', got undefined/],
      [{ ...good(), key: undefined }, /key must be an array of 624 words, got undefined/],
      [
        { ...good(), key: new Array(623).fill(0) },
        /key must be an array of 624 words, got an array of length 623/,
      ],
      [
        { ...good(), key: Buffer.alloc(2496).toString('base64') },
        /key must be an array of 624 words, got "AAAA/,
      ],
      [withKey(17, -1), /key\[17\] must be an integer in \[0, 2\*\*32 - 1\], got -1/],
      [withKey(3, 2 ** 32), /key\[3\] must be an integer/],
      [withKey(600, 1.5), /key\[600\] must be an integer/],
      [withKey(0, '5'), /key\[0\] must be an integer .*got "5"/],
      [{ ...good(), pos: 625 }, /pos must be an integer in \[0, 624\], got 625/],
      [{ ...good(), pos: '3' }, /pos must be an integer/],
      [{ ...good(), hasGauss: 1 }, /hasGauss must be a boolean, got 1/],
      [{ ...good(), gauss: Number.NaN }, /gauss must be a finite number, got NaN/],
      [{ ...good(), gauss: null }, /gauss must be a finite number, got null/],
    ];
    for (const [snapshot, message] of cases) {
      expect(() => NumpyRandomState.fromState(snapshot)).toThrow(message);
      expect(() => NumpyRandomState.fromState(snapshot)).toThrow(TypeError);
    }
    expect(() => NumpyRandomState.fromState(good())).not.toThrow();
  });

  it('refuses seeds, scales and ranges numpy refuses', () => {
    expect(() => new NumpyRandomState(-1)).toThrow(RangeError);
    expect(() => new NumpyRandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new NumpyRandomState(1.5)).toThrow(RangeError);
    const rs = new NumpyRandomState(0);
    expect(() => rs.fillNormalScaled(new Float32Array(2), -1, 1)).toThrow(/scale < 0/);
    expect(() => rs.fillNormalScaled(new Float32Array(2), -0, 1)).toThrow(/scale < 0/);
    expect(() => rs.normal(0, -0.5, new Float64Array(2))).toThrow(/scale < 0/);
    expect(rs.fillNormalScaled(new Float64Array(2), Number.NaN, 1).every(Number.isNaN)).toBe(true);
    expect(() => rs.fillUniform(new Float64Array(2), 0, Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(() => rs.fillUniform(new Float64Array(2), -1e308, 1e308)).toThrow(/finite/);
  });

  it('rounds a float32 fill as Math.fround rounds the float64 value', () => {
    const a = new NumpyRandomState(3).fillNormalScaled(new Float64Array(1000), 0.05, 3);
    const b = new NumpyRandomState(3).fillNormalScaled(new Float32Array(1000), 0.05, 3);
    expectSameDoubles(b, a.map(Math.fround), 'normal');
    const c = new NumpyRandomState(3).fillUniform(new Float64Array(1000), -0.3, 0.7);
    const d = new NumpyRandomState(3).fillUniform(new Float32Array(1000), -0.3, 0.7);
    expectSameDoubles(d, c.map(Math.fround), 'uniform');
    // scale 0 gives +0 (numpy adds its loc 0.0), so a positive gain keeps +0, a negative one -0.
    expect(
      new NumpyRandomState(3).fillNormalScaled(new Float64Array(8), 0, 2).every((x) => Object.is(x, 0)),
    ).toBe(true);
    expect(
      new NumpyRandomState(3).fillNormalScaled(new Float64Array(8), 0, -2).every((x) => Object.is(x, -0)),
    ).toBe(true);
  });
});

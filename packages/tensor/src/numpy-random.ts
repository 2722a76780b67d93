/**
 * numpy's legacy random stream (`np.random.seed(s)`, `np.random.RandomState(s)`), draw for draw:
 * MT19937 seeded as numpy seeds it from an integer, and the legacy methods the article's files
 * call, each consuming the 32-bit words numpy consumes, so the same seed and the same calls give
 * the same doubles as numpy, bit for bit. Written from numpy's C sources (`mt19937.c`,
 * `randomkit.c`, `distributions.c`, `legacy-distributions.c`, and `mtrand.pyx` around them):
 *
 * - `randomSample`: a 53-bit double from two words, `((a >> 5) · 2²⁶ + (b >> 6)) / 2⁵³`;
 * - `gauss`: the polar (Marsaglia) method on two doubles, the second value of each pair kept for
 *   the next call (RandomState's `has_gauss`), as `np.random.normal` draws; its `log` is glibc's,
 *   transcribed in `exact-log.ts` (V8's `Math.log` rounds some 3% of these arguments differently);
 * - `interval(max)`: a uniform integer in [0, max] by masked rejection on one word (legacy
 *   `shuffle` and `randint` for ranges below 2³²);
 * - `shuffle`: Fisher-Yates from the last element down, `j = interval(i)`;
 * - `state` / `fromState`: the whole stream state (what `np.random.get_state()` returns), as a
 *   plain JSON-serialisable object, to checkpoint and resume a stream.
 */
import { glibcLog } from './exact-log.ts';

/**
 * A {@link NumpyRandomState}'s whole state, plain data that survives `JSON.stringify`/`parse`: the
 * same fields as numpy's `get_state()` tuple `('MT19937', key, pos, has_gauss, cached_gaussian)`.
 */
export interface NumpyRandomStateSnapshot {
  readonly kind: 'numpy-mt19937';
  /** The 624 words of MT19937's state, each an integer in [0, 2³² - 1] (numpy's `key`). */
  readonly key: number[];
  /** How many of those words have been used since the last regeneration, in [0, 624]. */
  readonly pos: number;
  /** Whether a second normal value of a pair is waiting for the next `gauss` call. */
  readonly hasGauss: boolean;
  /** That value; 0 when none is waiting (numpy resets it to 0.0 when it hands it out). */
  readonly gauss: number;
}

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private gaussNext = 0;

  /** `np.random.seed(seed)` for an integer seed in [0, 2³² - 1] (numpy's `init_genrand`). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`NumpyRandomState: the seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    }
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.mt[i] = s;
      // 1812433253 · (s ^ (s >> 30)) + i + 1, modulo 2³²
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
  }

  private generate(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & UPPER) | (mt[(i + 1) % N] & LOWER);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.pos = 0;
  }

  /** The next 32-bit word (tempered), as `rk_random`. */
  nextUint32(): number {
    if (this.pos >= N) this.generate();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits (`np.random.random_sample`). */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A standard normal value, legacy `legacy_gauss` (`legacy-distributions.c`): two doubles
   * x1, x2 = 2·u - 1 until 0 < r2 = x1² + x2² < 1, f = sqrt(-2·log(r2) / r2), return f·x2 and keep
   * f·x1 for the next call (then reset to 0, as numpy does). log is {@link glibcLog}, the C
   * library's log that numpy calls, so the values are numpy's bit for bit.
   */
  gauss(): number {
    if (this.hasGauss) {
      const cached = this.gaussNext;
      this.hasGauss = false;
      this.gaussNext = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * glibcLog(r2)) / r2);
    this.gaussNext = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /**
   * `np.random.normal(loc, scale, out.length)` into `out` (float64, as numpy): legacy
   * `legacy_normal` is `loc + scale · gauss()`. numpy refuses a scale with its sign bit set.
   */
  normal(loc: number, scale: number, out: Float64Array): Float64Array {
    checkScale('normal', scale);
    for (let i = 0; i < out.length; i++) out[i] = loc + scale * this.gauss();
    return out;
  }

  /**
   * `np.random.normal(size=out.length, scale=scale) * gain` into `out`: each value is
   * `(0 + scale · gauss()) · gain` in float64 (numpy's loc 0.0 is added: it turns the -0 that
   * scale = 0 gives for a negative gauss value into +0, as in numpy), then stored into `out`, so a
   * Float32Array gets that double rounded to float32 (numpy's `.astype(np.float32)`).
   */
  fillNormalScaled<T extends Float32Array | Float64Array>(out: T, scale: number, gain: number): T {
    checkScale('fillNormalScaled', scale);
    for (let i = 0; i < out.length; i++) out[i] = (0 + scale * this.gauss()) * gain;
    return out;
  }

  /** `np.random.uniform(low, high, out.length)` into `out` (see {@link fillUniform}). */
  uniform(low: number, high: number, out: Float64Array): Float64Array {
    this.fillUniform(out, low, high);
    return out;
  }

  /**
   * `np.random.uniform(low, high, size=out.length)` into `out`: each value is numpy's
   * `low + (high - low) · random_sample()` (`random_uniform` in `distributions.c`) in float64,
   * stored into `out` (rounded to float32 for a Float32Array). numpy allows low > high and refuses
   * an infinite or NaN high - low.
   */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low: number, high: number): T {
    const range = high - low;
    if (!Number.isFinite(range)) {
      throw new RangeError(`NumpyRandomState.fillUniform: high - low must be finite, got ${low}, ${high}`);
    }
    for (let i = 0; i < out.length; i++) out[i] = low + range * this.randomSample();
    return out;
  }

  /** A uniform integer in [0, max] for 0 <= max < 2³², by masked rejection (legacy `rk_interval`). */
  interval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new RangeError(`NumpyRandomState.interval: expected an integer in [0, 2**32 - 1], got ${max}`);
    }
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /**
   * `np.random.randint(low, high)`: a uniform integer in [low, high), for ranges below 2³² (legacy
   * RandomState draws these from one masked word each).
   */
  randint(low: number, high: number): number {
    const range = high - low - 1;
    if (!Number.isInteger(low) || !Number.isInteger(high) || range < 0 || range > 0xffffffff) {
      throw new RangeError(
        `NumpyRandomState.randint: expected integers low < high, high - low <= 2**32, got ${low}, ${high}`,
      );
    }
    return low + this.interval(range);
  }

  /** `np.random.shuffle(x)` of a 1-d array (or of the rows a `swap(i, j)` exchanges), in place. */
  shuffle(n: number, swap: (i: number, j: number) => void): void {
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      swap(i, j);
    }
  }

  /**
   * The whole state, as plain data ({@link NumpyRandomStateSnapshot}); {@link fromState} on it
   * (also after a JSON round trip) gives a stream that continues exactly as this one does.
   */
  state(): NumpyRandomStateSnapshot {
    return {
      kind: 'numpy-mt19937',
      key: Array.from(this.mt),
      pos: this.pos,
      hasGauss: this.hasGauss,
      gauss: this.gaussNext,
    };
  }

  /**
   * A stream in the state `snapshot` describes: what {@link state} returned, also through JSON,
   * or numpy's `get_state()` fields under these names. Throws a TypeError naming the first field
   * that is missing or wrong.
   */
  static fromState(snapshot: unknown): NumpyRandomState {
    if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) {
      throw invalidSnapshot('expected a snapshot object', snapshot);
    }
    const { kind, key, pos, hasGauss, gauss } = snapshot as Record<string, unknown>;
    if (kind !== 'numpy-mt19937') throw invalidSnapshot("kind must be 'numpy-mt19937'", kind);
    if (!Array.isArray(key) || key.length !== N) {
      throw invalidSnapshot(`key must be an array of ${N} words`, key);
    }
    for (let i = 0; i < N; i++) {
      const word: unknown = key[i];
      if (typeof word !== 'number' || !Number.isInteger(word) || word < 0 || word > 0xffffffff) {
        throw invalidSnapshot(`key[${i}] must be an integer in [0, 2**32 - 1]`, word);
      }
    }
    if (typeof pos !== 'number' || !Number.isInteger(pos) || pos < 0 || pos > N) {
      throw invalidSnapshot(`pos must be an integer in [0, ${N}]`, pos);
    }
    if (typeof hasGauss !== 'boolean') throw invalidSnapshot('hasGauss must be a boolean', hasGauss);
    if (typeof gauss !== 'number' || !Number.isFinite(gauss)) {
      throw invalidSnapshot('gauss must be a finite number', gauss);
    }
    const rs = new NumpyRandomState(0);
    rs.mt.set(key);
    rs.pos = pos;
    rs.hasGauss = hasGauss;
    rs.gaussNext = gauss;
    return rs;
  }
}

/** numpy's check on `scale` (`CONS_NON_NEGATIVE`): its sign bit must be clear; NaN passes. */
function checkScale(method: string, scale: number): void {
  if (scale < 0 || Object.is(scale, -0)) {
    throw new RangeError(`NumpyRandomState.${method}: scale < 0 (numpy refuses it), got ${scale}`);
  }
}

/** The error of {@link NumpyRandomState.fromState}: what is wrong, and a short look at what it got. */
function invalidSnapshot(what: string, got: unknown): TypeError {
  let seen: string;
  if (Array.isArray(got)) seen = `an array of length ${got.length}`;
  else if (typeof got === 'string') seen = JSON.stringify(got.length > 40 ? `${got.slice(0, 40)}…` : got);
  else if (typeof got === 'object' && got !== null) seen = 'an object';
  else seen = String(got);
  return new TypeError(`NumpyRandomState.fromState: ${what}, got ${seen}`);
}

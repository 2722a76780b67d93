import { type FloatArray, Tensor } from './tensor.ts';
import type { Shape } from './shape.ts';

/** Serialisable generator state (for checkpoints): four 32-bit words and a cached normal deviate. */
export interface RngState {
  s: [number, number, number, number];
  spare: number | null;
}

const TWO_POW_24 = 16777216;
const TWO_POW_53 = 9007199254740992;

/**
 * A seeded, reproducible PRNG: xoshiro128** (Blackman & Vigna), seeded through SplitMix32.
 *
 * Integer streams are bit-identical on every machine (only 32-bit integer arithmetic). Normal
 * deviates use the Marsaglia polar method, which needs only `Math.log` and `Math.sqrt`
 * (sqrt is exact in IEEE 754; V8's log is a port of fdlibm, the same on every platform).
 *
 * Streams: `Rng.create(seed, 'init')` and `Rng.create(seed, 'data')` are independent generators
 * derived from one seed, so adding a consumer of randomness never shifts another one.
 *
 * ```ts
 * const rng = Rng.create(42, 'init');
 * rng.uniform(); // in [0, 1)
 * rng.normal();  // N(0, 1)
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  private constructor(s: readonly number[]) {
    this.s0 = s[0] >>> 0;
    this.s1 = s[1] >>> 0;
    this.s2 = s[2] >>> 0;
    this.s3 = s[3] >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  /** A generator for `seed` (any safe integer) and a named stream. */
  static create(seed: number, stream = 'default'): Rng {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng: seed must be a safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let state = (mix32(lo) ^ mix32((hi + 0x632be5ab) | 0) ^ fnv1a(stream)) | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      state = (state + 0x9e3779b9) | 0;
      words.push(mix32(state));
    }
    return new Rng(words);
  }

  static fromState(state: RngState): Rng {
    if (!Array.isArray(state.s) || state.s.length !== 4 || state.s.some((w) => !Number.isInteger(w))) {
      throw new TypeError('Rng.fromState: expected { s: [four 32-bit integers], spare }');
    }
    const r = new Rng(state.s);
    r.spare = state.spare;
    return r;
  }

  state(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  /** An independent generator derived from this one's current state and a name. */
  fork(stream: string): Rng {
    const h = fnv1a(stream);
    const words = [this.nextUint32() ^ h, this.nextUint32(), this.nextUint32() ^ mix32(h), this.nextUint32()];
    return new Rng(words.map((w) => mix32(w)));
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    let s2 = this.s2 ^ s0;
    let s3 = this.s3 ^ s1;
    this.s1 = (s1 ^ s2) >>> 0;
    this.s0 = (s0 ^ s3) >>> 0;
    s2 ^= t;
    s3 = rotl(s3, 11);
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits, or in [lo, hi) when bounds are given. */
  uniform(lo = 0, hi = 1): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    const u = (a * 67108864 + b) / TWO_POW_53;
    return lo + (hi - lo) * u;
  }

  /** Uniform integer in [0, n), without modulo bias: `intDraw(n) % n`. */
  int(n: number): number {
    return this.intDraw(n) % n;
  }

  /**
   * The 32-bit draw behind {@link Rng.int}: the first `nextUint32()` below the largest multiple of
   * `n` (draws above it are rejected, so `% n` is unbiased). Recorded by run traces, so another
   * program can reduce it by its own range and see whether it picks the same index.
   */
  intDraw(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296)
      throw new RangeError(`Rng.int: n must be in 1..2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x;
    }
  }

  /** Normal deviate (Marsaglia polar method). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return mean + std * s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return mean + std * u * m;
  }

  /**
   * Fills `out` with Uniform[lo, hi) values (24 random bits each, one draw per value, the same
   * values in a float64 array as in a float32 one).
   */
  fillUniform<T extends FloatArray>(out: T, lo = 0, hi = 1): T {
    const span = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + (span * (this.nextUint32() >>> 8)) / TWO_POW_24;
    return out;
  }

  /** Fills `out` with N(mean, std²) values. */
  fillNormal<T extends FloatArray>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Fisher–Yates shuffle, in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A tensor of Uniform[lo, hi) values. */
  uniformTensor(shape: Shape, lo = 0, hi = 1): Tensor {
    const t = Tensor.zeros(shape);
    this.fillUniform(t.data, lo, hi);
    return t;
  }

  /** A tensor of N(mean, std²) values. */
  normalTensor(shape: Shape, mean = 0, std = 1): Tensor {
    const t = Tensor.zeros(shape);
    this.fillNormal(t.data, mean, std);
    return t;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The SplitMix32 / murmur3 finaliser: a bijective 32-bit mixer. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a stream name. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

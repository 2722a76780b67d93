/**
 * numpy's legacy random stream (`np.random.seed(s)`, `np.random.RandomState(s)`), draw for draw:
 * MT19937 seeded as numpy seeds it from an integer, and the legacy methods the article's files
 * call, each consuming the 32-bit words numpy consumes, so the same seed and the same calls give
 * the same values as numpy. Written from numpy's C sources (`randomkit`/`legacy-distributions`):
 *
 * - `randomSample`: a 53-bit double from two words, `((a >> 5) · 2²⁶ + (b >> 6)) / 2⁵³`;
 * - `gauss`: the polar (Marsaglia) method on two doubles, the second value of each pair kept for
 *   the next call (RandomState's `has_gauss`), as `np.random.normal` draws;
 * - `interval(max)`: a uniform integer in [0, max] by masked rejection on one word (legacy
 *   `shuffle` and `randint` for ranges below 2³²);
 * - `shuffle`: Fisher-Yates from the last element down, `j = interval(i)`.
 */

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

  /** A standard normal value, the legacy polar method with its cached second value. */
  gauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gaussNext;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gaussNext = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** `np.random.normal(loc, scale, out.length)` into `out` (float64, as numpy). */
  normal(loc: number, scale: number, out: Float64Array): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = loc + scale * this.gauss();
    return out;
  }

  /** `np.random.uniform(low, high, out.length)` into `out`. */
  uniform(low: number, high: number, out: Float64Array): Float64Array {
    const range = high - low;
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
}

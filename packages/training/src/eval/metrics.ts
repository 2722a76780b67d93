/**
 * The numbers behind "collapsed" and "worked", as pure functions of arrays: class histograms and
 * their coverage, KL from uniform, the Inception Score, confidence, pairwise and nearest-neighbour
 * distances. Natural logarithms throughout (KL in nats).
 */
import type { Scaling } from '@gan/data';
import { type FloatArray, formatShape, matmul, ShapeError, Tensor } from '@gan/tensor';

/**
 * A class (or mode) counts as covered when it holds at least this share of the samples: 2%, a
 * fifth of a uniform share of MNIST's ten classes. Low enough that a rarely drawn but present
 * digit counts, high enough that the classifier's ~1.5% of stray labels on a one-digit generator
 * do not add modes.
 */
export const COVERAGE_THRESHOLD = 0.02;

/**
 * Maps generated values from a data scaling to the classifier's unit scale, exactly as the real
 * images are mapped (`scalePixels(bytes, 'unit')` is `byte / 255`): raw `x / 255`, unit `x`, tanh
 * `(x + 1) / 2`, then clamped to [0, 1] (NaN becomes 0, as `toPixels` makes it black).
 *
 * ```ts
 * toUnitScale(Float32Array.of(-1, 0, 1), 'tanh'); // [0, 0.5, 1]
 * ```
 */
export function toUnitScale(values: FloatArray, scaling: Scaling, out?: Float32Array): Float32Array {
  const n = values.length;
  out ??= new Float32Array(n);
  if (out.length !== n) throw new RangeError(`toUnitScale: out has ${out.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const u = scaling === 'raw' ? v / 255 : scaling === 'unit' ? v : (v + 1) / 2;
    out[i] = Number.isNaN(u) ? 0 : Math.min(1, Math.max(u, 0));
  }
  return out;
}

function rowsCols(op: string, t: Tensor): [number, number] {
  if (t.rank !== 2 || t.shape[0] < 1)
    throw new ShapeError(`${op}: expected a non-empty [N,C] tensor, got ${formatShape(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

/**
 * Share of rows whose most probable class is `c`, for each class: sums to 1.
 *
 * ```ts
 * classHistogram(Tensor.fromArray([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])); // [2/3, 1/3]
 * ```
 * @param probs `[N, C]` class probabilities
 */
export function classHistogram(probs: Tensor): number[] {
  const [n, c] = rowsCols('classHistogram', probs);
  const counts = new Array<number>(c).fill(0);
  const p = probs.data;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (p[i * c + k] > p[i * c + best]) best = k;
    counts[best]++;
  }
  return counts.map((k) => k / n);
}

/** Number of entries of a histogram (shares) at or above `threshold`. */
export function modesCovered(histogram: readonly number[], threshold = COVERAGE_THRESHOLD): number {
  return histogram.filter((s) => s >= threshold).length;
}

/**
 * KL(h ‖ uniform) = Σ h_k log(K h_k) in nats, with 0 log 0 = 0: 0 for a uniform histogram, log K
 * (2.30 for ten classes) when everything falls in one class.
 */
export function klFromUniform(histogram: readonly number[]): number {
  const k = histogram.length;
  let kl = 0;
  for (const h of histogram) if (h > 0) kl += h * Math.log(k * h);
  return Math.max(0, kl);
}

/**
 * The Inception Score (Salimans et al. 2016) with this project's classifier in place of
 * Inception: `exp(E_x KL(p(y|x) ‖ p(y)))`, `p(y)` the mean of `p(y|x)` over the samples. Between
 * 1 (every sample gets the same prediction, or every prediction is uniform) and C (confident,
 * evenly spread predictions); real MNIST test images score close to 10.
 *
 * @param probs `[N, C]` class probabilities
 */
export function inceptionScore(probs: Tensor): number {
  const [n, c] = rowsCols('inceptionScore', probs);
  const p = probs.data;
  const marginal = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) marginal[k] += p[i * c + k];
  for (let k = 0; k < c; k++) marginal[k] /= n;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const q = p[i * c + k];
      if (q > 0) kl += q * (Math.log(q) - Math.log(marginal[k]));
    }
  }
  return Math.exp(kl / n);
}

/**
 * Mean over the samples of the largest class probability. NOTE: on its own this proves nothing:
 * a blob can get a confident label, and sixteen identical images all get the same confident one.
 */
export function meanConfidence(probs: Tensor): number {
  const [n, c] = rowsCols('meanConfidence', probs);
  const p = probs.data;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let m = p[i * c];
    for (let k = 1; k < c; k++) if (p[i * c + k] > m) m = p[i * c + k];
    s += m;
  }
  return s / n;
}

/** Σ x² of each row, the norms the distance formula below needs. */
export function rowSquaredNorms(x: Tensor): Float32Array {
  const [n, d] = rowsCols('rowSquaredNorms', x);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[i * d + j] ** 2;
    out[i] = s;
  }
  return out;
}

/** Rows per block of the distance matrices below: a [256, M] block of float32 stays small. */
const BLOCK = 256;

/**
 * Visits the Euclidean distances between every row of `a` and every row of `b`, block by block,
 * through one matrix product per block: `‖x - y‖² = ‖x‖² + ‖y‖² - 2 x·y` (clamped at 0, which
 * float32 rounding can undershoot for identical rows).
 */
function forEachDistanceBlock(
  a: Tensor,
  b: Tensor,
  bNorms: Float32Array,
  visit: (row: number, distances2: FloatArray) => void,
): void {
  const [n, d] = rowsCols('distances', a);
  const [m, db] = rowsCols('distances', b);
  if (d !== db) throw new ShapeError(`distances: rows of ${d} and ${db} values cannot be compared`);
  const aNorms = rowSquaredNorms(a);
  const block = Tensor.zeros([Math.min(BLOCK, n), m]);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    const out = end - start === block.shape[0] ? block : Tensor.zeros([end - start, m]);
    matmul(a.rows(start, end), b, { transB: true, out });
    for (let r = 0; r < end - start; r++) {
      const row = out.data.subarray(r * m, (r + 1) * m);
      const an = aNorms[start + r];
      for (let j = 0; j < m; j++) {
        const d2 = an + bNorms[j] - 2 * row[j];
        row[j] = Math.max(d2, 0);
      }
      visit(start + r, row);
    }
  }
}

/**
 * Mean Euclidean distance over all pairs of distinct rows of `x` (`[N, D]`, N >= 2). One image
 * repeated gives 0; real MNIST test images about 10 (unit scale).
 */
export function meanPairwiseDistance(x: Tensor): number {
  const [n] = rowsCols('meanPairwiseDistance', x);
  if (n < 2) throw new ShapeError(`meanPairwiseDistance: needs at least 2 rows, got ${n}`);
  let sum = 0;
  forEachDistanceBlock(x, x, rowSquaredNorms(x), (i, d2) => {
    for (let j = i + 1; j < n; j++) sum += Math.sqrt(d2[j]);
  });
  return sum / ((n * (n - 1)) / 2);
}

/**
 * For each row of `queries` (`[Q, D]`), the Euclidean distance to its nearest row of `reference`
 * (`[M, D]`), whose squared row norms `refNorms` the caller computes once
 * ({@link rowSquaredNorms}).
 */
export function nearestNeighbourDistances(
  queries: Tensor,
  reference: Tensor,
  refNorms: Float32Array,
): Float64Array {
  if (refNorms.length !== reference.shape[0]) {
    throw new ShapeError(
      `nearestNeighbourDistances: ${refNorms.length} norms for ${reference.shape[0]} reference rows`,
    );
  }
  const out = new Float64Array(queries.shape[0]);
  forEachDistanceBlock(queries, reference, refNorms, (i, d2) => {
    let best = Number.POSITIVE_INFINITY;
    for (let j = 0; j < d2.length; j++) if (d2[j] < best) best = d2[j];
    out[i] = Math.sqrt(best);
  });
  return out;
}

/** Mean of an array. */
export function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/**
 * Sample quality against coverage, from k-nearest-neighbour balls in a feature space:
 *
 * - improved precision and recall (Kynkäänniemi et al., "Improved Precision and Recall Metric for
 *   Assessing Generative Models", NeurIPS 2019; code `kynkaat/improved-precision-and-recall-metric`
 *   `precision_recall.py`): k = 3, a point is inside a ball when its distance is `<=` the radius;
 * - density and coverage (Naeem et al., "Reliable Fidelity and Diversity Metrics for Generative
 *   Models", ICML 2020; code `clovaai/generative-evaluation-prdc` `prdc/prdc.py`): k = 5, strictly
 *   inside (`<`).
 *
 * The radius of a point is the distance to its k-th nearest neighbour in its own set, the point
 * itself excluded (both codes take the (k+1)-th smallest distance of its row, self included, so a
 * duplicate of the point counts as a neighbour at distance 0).
 *
 * Distances come from one float32 matrix product per block of rows (`‖x‖² + ‖y‖² - 2 x·y`, after
 * centring both sets on the real mean), and every comparison the float32 rounding could decide
 * wrongly (the approximate squared distance within a proven error bound of the threshold) is
 * redone exactly in float64: the results are those of an all-float64 computation, ties and
 * duplicates included, at the speed of the matrix product.
 */
import { formatShape, matmul, ShapeError, Tensor } from '@gan/tensor';

/** k of improved precision and recall (Kynkäänniemi et al. 2019, `nhood_sizes=[3]`). */
export const PRECISION_RECALL_K = 3;
/** k of density and coverage (Naeem et al. 2020, the clovaai README's `nearest_k = 5`). */
export const DENSITY_COVERAGE_K = 5;

/** The four scores, each a share of samples except density (about 1 for identical distributions). */
export interface ManifoldScores {
  /** Share of fake samples inside the real manifold (k-NN balls of the real samples, `<=`). */
  precision: number;
  /** Share of real samples inside the fake manifold (k-NN balls of the fake samples, `<=`). */
  recall: number;
  /** `(1/(kM)) Σ_j #{i : fake_j strictly inside the ball of real_i}`; can exceed 1. */
  density: number;
  /** Share of real samples whose ball strictly contains at least one fake sample. */
  coverage: number;
}

export interface ManifoldOptions {
  /** k of precision and recall (default {@link PRECISION_RECALL_K}). */
  precisionRecallK?: number;
  /** k of density and coverage (default {@link DENSITY_COVERAGE_K}). */
  densityCoverageK?: number;
}

/** A feature matrix prepared for distances: centred float32 rows and their float64 squared norms. */
interface Points {
  x: Tensor;
  norms: Float64Array;
  n: number;
  d: number;
}

/**
 * The real side of the scores, computed once and reused for every fake set of the same size:
 * the centred real features and their k-NN radii (squared) for both ks.
 */
export interface RealManifold {
  readonly points: Points;
  /** Feature mean of the real samples, the centre both sets are shifted by. */
  readonly center: Float64Array;
  readonly precisionRecallK: number;
  readonly densityCoverageK: number;
  /** Squared distance of each real sample to its `precisionRecallK`-th nearest real neighbour. */
  readonly radiiPR: Float64Array;
  /** Squared distance of each real sample to its `densityCoverageK`-th nearest real neighbour. */
  readonly radiiDC: Float64Array;
}

function rowsCols(op: string, t: Tensor): [number, number] {
  if (t.rank !== 2 || t.shape[0] < 1 || t.shape[1] < 1)
    throw new ShapeError(`${op}: expected a non-empty [N,d] feature matrix, got ${formatShape(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

function checkK(op: string, k: number, n: number, what: string): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${op}: k must be an integer >= 1, got ${k}`);
  if (k >= n) {
    throw new RangeError(
      `${op}: k = ${k} nearest neighbours (self excluded) need at least ${k + 1} ${what} samples, got ${n}`,
    );
  }
}

function prepare(x: Tensor, center: Float64Array): Points {
  const [n, d] = rowsCols('manifold', x);
  if (d !== center.length)
    throw new ShapeError(`manifold: real features have ${center.length} values, fake ${d}`);
  const out = Tensor.zeros([n, d]);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const v = Math.fround(x.data[i * d + c] - center[c]);
      out.data[i * d + c] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  return { x: out, norms, n, d };
}

/** The exact (float64) squared distance between row i of `a` and row j of `b`. */
function exact(a: Points, i: number, b: Points, j: number): number {
  const d = a.d;
  const ad = a.x.data;
  const bd = b.x.data;
  let s = 0;
  for (let c = 0; c < d; c++) {
    const t = ad[i * d + c] - bd[j * d + c];
    s += t * t;
  }
  return s;
}

/**
 * A bound on |approximate - exact| squared distance per unit of `‖x‖² + ‖y‖²`: the float32 dot
 * product errs by at most `γ_d ‖x‖‖y‖ <= γ_d (‖x‖² + ‖y‖²) / 2` with `γ_d ≈ d u`, `u = 2^-24`,
 * plus `u |x·y|` for storing it; doubled in `- 2 x·y`, and doubled again for margin.
 */
const slackPerNorm = (d: number) => (2 * (d + 2)) / 2 ** 24;

/** Rows per matrix product: a [256, M] float32 block stays small (10 MB for M = 10,000). */
const BLOCK = 256;

/**
 * Visits the approximate squared distances between every row of `a` and every row of `b`, block
 * by block: `visit(i, d2, slack)` gets row i's distances to all of `b` (float64, clamped at 0;
 * an exact 0 on the diagonal when `a === b`) and its error bounds. The buffers are reused.
 */
function forEachRow(
  a: Points,
  b: Points,
  visit: (i: number, d2: Float64Array, slack: Float64Array) => void,
): void {
  const m = b.n;
  const perNorm = slackPerNorm(a.d);
  const dots = Tensor.zeros([Math.min(BLOCK, a.n), m]);
  const d2 = new Float64Array(m);
  const slack = new Float64Array(m);
  for (let start = 0; start < a.n; start += BLOCK) {
    const end = Math.min(a.n, start + BLOCK);
    const out = end - start === dots.shape[0] ? dots : Tensor.zeros([end - start, m]);
    matmul(a.x.rows(start, end), b.x, { transB: true, out });
    for (let r = 0; r < end - start; r++) {
      const i = start + r;
      const an = a.norms[i];
      for (let j = 0; j < m; j++) {
        d2[j] = Math.max(an + b.norms[j] - 2 * out.data[r * m + j], 0);
        slack[j] = perNorm * (an + b.norms[j]);
      }
      if (a === b) {
        d2[i] = 0;
        slack[i] = 0;
      }
      visit(i, d2, slack);
    }
  }
}

/**
 * For each row of `points`, the squared distance to its k-th nearest other row, for each k of
 * `ks`: the (k+1)-th smallest of its distances to all rows, itself included.
 *
 * The (k+1) smallest upper bounds `d2 + slack` bound the true (k+1)-th distance from above; every
 * row that can be nearer is recomputed exactly, and the answer read from the exact values.
 */
function kthNeighbourRadii(points: Points, ks: readonly number[]): Float64Array[] {
  const kMax = Math.max(...ks);
  const radii = ks.map(() => new Float64Array(points.n));
  const top = new Float64Array(kMax + 1);
  const candidates: number[] = [];
  forEachRow(points, points, (i, d2, slack) => {
    // The kMax + 1 smallest upper bounds, by insertion into a sorted array.
    top.fill(Number.POSITIVE_INFINITY);
    for (let j = 0; j < points.n; j++) {
      const u = d2[j] + slack[j];
      if (u >= top[kMax]) continue;
      let p = kMax;
      while (p > 0 && top[p - 1] > u) {
        top[p] = top[p - 1];
        p--;
      }
      top[p] = u;
    }
    const bound = top[kMax];
    candidates.length = 0;
    for (let j = 0; j < points.n; j++)
      if (d2[j] - slack[j] <= bound) candidates.push(j === i ? 0 : exact(points, i, points, j));
    candidates.sort((x, y) => x - y);
    for (let q = 0; q < ks.length; q++) radii[q][i] = candidates[ks[q]];
  });
  return radii;
}

/**
 * The real side of {@link manifoldScores}: centres the real features and finds their k-NN radii.
 * Build it once per real set and score many fake sets against it.
 *
 * ```ts
 * const real = realManifold(realFeatures);           // [N, d]; k = 3 and 5
 * manifoldScores(real, fakeFeatures).precision;       // [M, d]
 * ```
 * @throws RangeError when a k is not below N (k neighbours other than the point itself)
 */
export function realManifold(real: Tensor, options: ManifoldOptions = {}): RealManifold {
  const { precisionRecallK = PRECISION_RECALL_K, densityCoverageK = DENSITY_COVERAGE_K } = options;
  const [n, d] = rowsCols('realManifold', real);
  checkK('realManifold', precisionRecallK, n, 'real');
  checkK('realManifold', densityCoverageK, n, 'real');
  const center = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) center[c] += real.data[i * d + c];
  for (let c = 0; c < d; c++) center[c] /= n;
  const points = prepare(real, center);
  const [radiiPR, radiiDC] = kthNeighbourRadii(points, [precisionRecallK, densityCoverageK]);
  return { points, center, precisionRecallK, densityCoverageK, radiiPR, radiiDC };
}

/**
 * Improved precision and recall, density and coverage of fake features `[M, d]` against a real
 * manifold ({@link realManifold}, N real samples), all in one pass over the N x M distances.
 *
 * Sample counts: Kynkäänniemi et al. use 50,000 real and 50,000 generated samples (VGG-16 fc2
 * features); the clovaai README example 10,000 and 10,000 (1000-D). The scores depend on N, M,
 * k and the dimension, not only on the distributions: two draws of one 1000-D Gaussian with
 * N = M = 10,000 score far from 1. The README's reference output for that setting, k = 5 for all
 * four, is precision 0.477, recall 0.471, density 1.056, coverage 0.974; this code gives 0.494,
 * 0.474, 1.014, 0.972 on its own draw (and precision 0.403, recall 0.391 with k = 3), measured
 * once (about a minute), not in the tests. Density's expectation is exactly 1 for identical
 * distributions (a new sample is among a real point's k nearest with probability k/N); precision
 * and recall fall as N grows (two 256-D Gaussian draws, k = 3: about 0.54 at N = M = 1000, 0.44
 * at 10,000). So compare runs at the same N and M, and N = M as both papers do.
 *
 * ```ts
 * const s = manifoldScores(realManifold(real), fake);
 * s.recall;   // 0 for a generator collapsed to one point
 * ```
 * @throws RangeError when the fake set has no more than `precisionRecallK` samples
 */
export function manifoldScores(real: RealManifold, fake: Tensor): ManifoldScores {
  const [m] = rowsCols('manifoldScores', fake);
  const kPR = real.precisionRecallK;
  checkK('manifoldScores', kPR, m, 'fake');
  const y = prepare(fake, real.center);
  const [fakeRadii] = kthNeighbourRadii(y, [kPR]);
  const x = real.points;
  const inReal = new Uint8Array(m);
  const ballsHit = new Float64Array(m);
  let recalled = 0;
  let covered = 0;
  forEachRow(x, y, (i, d2, slack) => {
    const rPR = real.radiiPR[i];
    const rDC = real.radiiDC[i];
    let inFake = false;
    let hit = false;
    for (let j = 0; j < m; j++) {
      const a = d2[j];
      const s = slack[j];
      // Each test is settled by the approximation unless it lies within the bound of the threshold.
      const needExact = Math.abs(a - rPR) <= s || Math.abs(a - rDC) <= s || Math.abs(a - fakeRadii[j]) <= s;
      const e = needExact ? exact(x, i, y, j) : a;
      if (e <= rPR) inReal[j] = 1;
      if (e < rDC) {
        ballsHit[j]++;
        hit = true;
      }
      if (e <= fakeRadii[j]) inFake = true;
    }
    if (inFake) recalled++;
    if (hit) covered++;
  });
  let precise = 0;
  let balls = 0;
  for (let j = 0; j < m; j++) {
    precise += inReal[j];
    balls += ballsHit[j];
  }
  return {
    precision: precise / m,
    recall: recalled / x.n,
    density: balls / (real.densityCoverageK * m),
    coverage: covered / x.n,
  };
}

/**
 * {@link manifoldScores} of `fake` `[M, d]` against `real` `[N, d]` in one call.
 *
 * ```ts
 * precisionRecallDensityCoverage(real, real); // precision = recall = coverage = 1 (<= and < on itself)
 * ```
 */
export function precisionRecallDensityCoverage(
  real: Tensor,
  fake: Tensor,
  options: ManifoldOptions = {},
): ManifoldScores {
  return manifoldScores(realManifold(real, options), fake);
}

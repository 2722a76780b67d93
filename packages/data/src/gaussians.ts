/**
 * The standard 2-D testbed for mode collapse: a mixture of Gaussians evenly spaced on a ring
 * (8 modes of std 0.02 on a circle of radius 2, as in the Unrolled GAN and VEEGAN papers), and
 * the evaluation that counts which modes a generator's samples cover. Below it, the named 2-D
 * mixtures (`mixture2d`: this ring, PacGAN's ring and 5x5 grid) and PacGAN's mode assignment.
 */
import { formatShape, type Rng, ShapeError, Tensor } from '@gan/tensor';
import type { Dataset } from './dataset.ts';

/** Geometry of the ring. */
export interface RingOptions {
  /** Number of Gaussians, 1..256 (labels are bytes). Default 8. */
  modes?: number;
  /** Distance of every centre from the origin. Default 2. */
  radius?: number;
  /** Standard deviation of each Gaussian, per coordinate. Default 0.02. */
  std?: number;
}

export interface GaussianRingOptions extends RingOptions {
  /** Number of points. */
  n: number;
  rng: Rng;
}

/**
 * The centres of the ring: mode `k` sits at angle `2πk / modes`.
 *
 * ```ts
 * ringCenters(4, 1); // [[1, 0], [0, 1], [-1, 0], [0, -1]] (up to rounding)
 * ```
 */
export function ringCenters(modes = 8, radius = 2): Array<[number, number]> {
  checkGeometry('ringCenters', modes, radius, 1);
  const centres: Array<[number, number]> = [];
  for (let k = 0; k < modes; k++) {
    const a = (2 * Math.PI * k) / modes;
    centres.push([radius * Math.cos(a), radius * Math.sin(a)]);
  }
  return centres;
}

/**
 * `n` points from the ring mixture, each from a uniformly chosen mode.
 *
 * ```ts
 * const { points, labels } = gaussianRing({ n: 1000, rng: Rng.create(0, 'data') });
 * points.shape; // [1000, 2]; labels[i] is the mode point i came from
 * ```
 */
export function gaussianRing(options: GaussianRingOptions): { points: Tensor; labels: Uint8Array } {
  const { n, modes = 8, radius = 2, std = 0.02, rng } = options;
  checkGeometry('gaussianRing', modes, radius, std);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`gaussianRing: n must be a non-negative integer, got ${n}`);
  // The ring is the mixture of its centres: the same draws, in the same order.
  return gaussianMixture({ n, centres: ringCenters(modes, radius), std, rng });
}

/**
 * The ring as a {@link Dataset}, so a trainer handles it like MNIST: `images` are the points
 * `[n, 2]`, `width` 2, `height` 1, one class per mode.
 *
 * ```ts
 * const ds = gaussianDataset({ n: 10000, rng: Rng.create(1, 'data') }); // ds.name 'ring-8'
 * ```
 */
export function gaussianDataset(options: GaussianRingOptions): Dataset {
  const { points, labels } = gaussianRing(options);
  const modes = options.modes ?? 8;
  return {
    name: `ring-${modes}`,
    split: 'train',
    scaling: 'raw',
    images: points,
    labels,
    width: 2,
    height: 1,
    numClasses: modes,
  };
}

/** What {@link assignModes} finds. */
export interface ModeAssignment {
  /** `[n]`: the index of each point's nearest centre. */
  labels: Int32Array;
  /** Fraction of points within 3 std of their nearest centre (0 when there are no points). */
  highQuality: number;
  /** Number of modes with at least `minCount` high-quality points. */
  modesCovered: number;
  /** High-quality points per mode. */
  counts: number[];
}

/**
 * Evaluates 2-D samples against the ring: assigns each point to its nearest centre, calls it
 * high quality when within `3 * std` of it, and counts the modes that received high-quality
 * points. A collapsed generator covers 1 mode; the data itself covers all of them.
 *
 * ```ts
 * const { modesCovered, highQuality } = assignModes(samples, { modes: 8, radius: 2, std: 0.02 });
 * ```
 * @param points `[n, 2]`
 * @param options.minCount high-quality points a mode needs to count as covered (default 1)
 */
export function assignModes(
  points: Tensor,
  options: RingOptions & { minCount?: number } = {},
): ModeAssignment {
  const { modes = 8, radius = 2, std = 0.02, minCount = 1 } = options;
  checkGeometry('assignModes', modes, radius, std);
  if (points.rank !== 2 || points.shape[1] !== 2) {
    throw new ShapeError(`assignModes: expected points [n,2], got ${formatShape(points.shape)}`);
  }
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new RangeError(`assignModes: minCount must be a positive integer, got ${minCount}`);
  }
  const centres = ringCenters(modes, radius);
  const n = points.shape[0];
  const p = points.data;
  const labels = new Int32Array(n);
  const counts = new Array<number>(modes).fill(0);
  const limit2 = (3 * std) ** 2;
  let good = 0;
  for (let i = 0; i < n; i++) {
    const x = p[2 * i];
    const y = p[2 * i + 1];
    let best = 0;
    let bestD2 = Number.POSITIVE_INFINITY;
    for (let k = 0; k < modes; k++) {
      const dx = x - centres[k][0];
      const dy = y - centres[k][1];
      const d2 = dx * dx + dy * dy;
      if (d2 < bestD2) {
        bestD2 = d2;
        best = k;
      }
    }
    labels[i] = best;
    // A NaN point keeps label 0 and is never high quality: every comparison with NaN is false.
    if (bestD2 <= limit2) {
      good++;
      counts[best]++;
    }
  }
  return {
    labels,
    highQuality: n === 0 ? 0 : good / n,
    modesCovered: counts.filter((c) => c >= minCount).length,
    counts,
  };
}

function checkGeometry(op: string, modes: number, radius: number, std: number): void {
  if (!Number.isInteger(modes) || modes < 1 || modes > 256) {
    throw new RangeError(`${op}: modes must be an integer in 1..256, got ${modes}`);
  }
  if (!(Number.isFinite(radius) && radius >= 0)) {
    throw new RangeError(`${op}: radius must be a finite non-negative number, got ${radius}`);
  }
  if (!(Number.isFinite(std) && std > 0))
    throw new RangeError(`${op}: std must be a positive number, got ${std}`);
}

// ---------------------------------------------------------------------------------------------
// Named 2-D mixtures: the ring above and PacGAN's ring and grid, with the papers' evaluation

/**
 * A 2-D mixture of equally weighted isotropic Gaussians: its centres and the standard deviation of
 * every coordinate (the same for all modes).
 */
export interface Mixture2d {
  centres: Array<[number, number]>;
  std: number;
}

/** The 2-D datasets a config can name (`data.dataset`). */
export const MIXTURE_2D_NAMES = ['gaussians8', 'ring8', 'grid25'] as const;
export type Mixture2dName = (typeof MIXTURE_2D_NAMES)[number];

/**
 * The centres of a square grid, x-major: `(v[0], v[0]), (v[0], v[1]), ...`, the order of
 * `itertools.product(range(-4, 5, 2), range(-4, 5, 2))` in PacGAN's grid config (Lin et al. 2018,
 * fjxmlzn/PacGAN synthetic_data_experiments/2DGrid_GAN&PacGAN/config.py).
 *
 * ```ts
 * gridCenters([-1, 1]); // [[-1, -1], [-1, 1], [1, -1], [1, 1]]
 * gridCenters().length; // 25: {-4, -2, 0, 2, 4}²
 * ```
 */
export function gridCenters(values: readonly number[] = [-4, -2, 0, 2, 4]): Array<[number, number]> {
  const centres: Array<[number, number]> = [];
  for (const x of values) for (const y of values) centres.push([x, y]);
  return centres;
}

/**
 * The geometry of a named 2-D dataset:
 *
 * - `gaussians8`: this project's ring, 8 modes on radius 2, std 0.02 (see {@link gaussianRing}).
 * - `ring8`: PacGAN's ring (Lin et al. 2018, fjxmlzn/PacGAN
 *   synthetic_data_experiments/2DRing_GAN&PacGAN/config.py): 8 modes at `[cos(2πi/8), sin(2πi/8)]`,
 *   radius 1, `VARIANCES = 0.01**2 * I`, so std 0.01.
 * - `grid25`: PacGAN's grid (same repository, 2DGrid_GAN&PacGAN/config.py): 25 modes at
 *   {-4, -2, 0, 2, 4}², `VARIANCES = 0.05**2 * I`, so std 0.05.
 *
 * ```ts
 * mixture2d('grid25').centres.length; // 25
 * mixture2d('ring8').std; // 0.01
 * ```
 */
export function mixture2d(name: Mixture2dName): Mixture2d {
  switch (name) {
    case 'gaussians8':
      return { centres: ringCenters(8, 2), std: 0.02 };
    case 'ring8':
      return { centres: ringCenters(8, 1), std: 0.01 };
    case 'grid25':
      return { centres: gridCenters(), std: 0.05 };
    default:
      throw new RangeError(
        `mixture2d: unknown 2-D dataset ${JSON.stringify(name)}, expected one of ${MIXTURE_2D_NAMES.join(', ')}`,
      );
  }
}

export interface GaussianMixtureOptions extends Mixture2d {
  /** Number of points. */
  n: number;
  rng: Rng;
}

/**
 * `n` points from a 2-D mixture, each from a uniformly chosen mode (PacGAN's mixture priors are
 * `None`, i.e. uniform). The draws per point are those of {@link gaussianRing}: the mode, then x,
 * then y, so a ring's centres give exactly `gaussianRing`'s points.
 *
 * ```ts
 * const { points, labels } = gaussianMixture({ ...mixture2d('grid25'), n: 1000, rng: Rng.create(0, 'data') });
 * points.shape; // [1000, 2]; labels[i] in 0..24
 * ```
 */
export function gaussianMixture(options: GaussianMixtureOptions): { points: Tensor; labels: Uint8Array } {
  const { n, centres, std, rng } = options;
  checkMixture('gaussianMixture', centres, std);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`gaussianMixture: n must be a non-negative integer, got ${n}`);
  const modes = centres.length;
  const points = Tensor.zeros([n, 2]);
  const labels = new Uint8Array(n);
  const p = points.data;
  for (let i = 0; i < n; i++) {
    const k = rng.int(modes);
    labels[i] = k;
    p[2 * i] = centres[k][0] + rng.normal(0, std);
    p[2 * i + 1] = centres[k][1] + rng.normal(0, std);
  }
  return { points, labels };
}

/**
 * A 2-D mixture as a {@link Dataset} (`images` the points `[n, 2]`, `width` 2, `height` 1, one
 * class per mode), drawn once: a fixed training set, as PacGAN's `num_sample = 100000`.
 *
 * ```ts
 * const ds = gaussianMixtureDataset({ name: 'grid25', ...mixture2d('grid25'), n: 100_000, rng: Rng.create(1, 'data-gen') });
 * ```
 */
export function gaussianMixtureDataset(options: GaussianMixtureOptions & { name: string }): Dataset {
  const { points, labels } = gaussianMixture(options);
  return {
    name: options.name,
    split: 'train',
    scaling: 'raw',
    images: points,
    labels,
    width: 2,
    height: 1,
    numClasses: options.centres.length,
  };
}

/** What {@link scoreMixture} finds. */
export interface MixtureScore {
  /** `[n]`: the index of each point's nearest centre (0 for a NaN point). */
  labels: Int32Array;
  /** High-quality points per mode. */
  counts: number[];
  /** Number of high-quality points. */
  good: number;
}

/**
 * Assigns 2-D points to a mixture's modes as PacGAN's evaluation does (Lin et al. 2018,
 * fjxmlzn/PacGAN synthetic_data_experiments/PacGAN/pacgan/extensions.py `MetricLogger`): each point
 * goes to its nearest centre under the distance scaled by the std, `sqrt(Σ (x - μ)² / σ²)`, and is
 * high quality only if that distance is `< 3` (strictly; `strict: false` gives `<= 3`, the rule
 * of {@link assignModes} and of GDPP's re-implementation). The nearest mode is chosen first, then
 * the threshold tested.
 *
 * ```ts
 * const { counts, good } = scoreMixture(samples, mixture2d('grid25'));
 * counts.filter((c) => c > 0).length; // PacGAN's "modes"
 * ```
 * @param points `[n, 2]`
 */
export function scoreMixture(
  points: Tensor,
  mixture: Mixture2d,
  options: { strict?: boolean } = {},
): MixtureScore {
  const { centres, std } = mixture;
  const strict = options.strict ?? true;
  checkMixture('scoreMixture', centres, std);
  if (points.rank !== 2 || points.shape[1] !== 2) {
    throw new ShapeError(`scoreMixture: expected points [n,2], got ${formatShape(points.shape)}`);
  }
  const n = points.shape[0];
  const p = points.data;
  const labels = new Int32Array(n);
  const counts = new Array<number>(centres.length).fill(0);
  const limit2 = (3 * std) ** 2;
  let good = 0;
  for (let i = 0; i < n; i++) {
    const x = p[2 * i];
    const y = p[2 * i + 1];
    let best = 0;
    let bestD2 = Number.POSITIVE_INFINITY;
    for (let k = 0; k < centres.length; k++) {
      const dx = x - centres[k][0];
      const dy = y - centres[k][1];
      const d2 = dx * dx + dy * dy;
      if (d2 < bestD2) {
        bestD2 = d2;
        best = k;
      }
    }
    labels[i] = best;
    // NOTE: every std is the same, so comparing d² with (3σ)² is comparing d/σ with 3. A NaN
    // point is never high quality: every comparison with NaN is false.
    if (strict ? bestD2 < limit2 : bestD2 <= limit2) {
      good++;
      counts[best]++;
    }
  }
  return { labels, counts, good };
}

function checkMixture(op: string, centres: ReadonlyArray<readonly [number, number]>, std: number): void {
  if (centres.length < 1 || centres.length > 256) {
    throw new RangeError(`${op}: expected 1..256 centres (labels are bytes), got ${centres.length}`);
  }
  for (const c of centres) {
    if (c.length !== 2 || !Number.isFinite(c[0]) || !Number.isFinite(c[1]))
      throw new RangeError(`${op}: every centre must be two finite numbers, got ${JSON.stringify(c)}`);
  }
  if (!(Number.isFinite(std) && std > 0))
    throw new RangeError(`${op}: std must be a positive number, got ${std}`);
}

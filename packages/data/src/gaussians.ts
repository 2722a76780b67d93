/**
 * The standard 2-D testbed for mode collapse: a mixture of Gaussians evenly spaced on a ring
 * (8 modes of std 0.02 on a circle of radius 2, as in the Unrolled GAN and VEEGAN papers), and
 * the evaluation that counts which modes a generator's samples cover.
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
  const centres = ringCenters(modes, radius);
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

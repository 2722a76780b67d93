/**
 * The picture of a 2-D point set, drawn once for the run's sample PNGs, `pnpm sample` and the web
 * page's generator (which must give the same pixels). Imports nothing but types: the page uses it.
 */
import type { Mixture2d } from './gaussians.ts';

/** Side of the square picture of a 2-D point set, in pixels. */
export const SCATTER_SIZE = 112;
/** Half-width of the plotted square without a mixture: the 8-Gaussians ring has radius 2. */
const SCATTER_EXTENT = 3;
/** Grey level of a mode's 3-std disc under the points. */
const MODE_GRAY = 72;

/**
 * Draws `n` 2-D points (`xy`, interleaved x, y) as white dots on black, y up, over [-3, 3]², or,
 * given the mixture the points should come from, over [-e, e]² with e 1.5 times the largest centre
 * coordinate (3 for the gaussians8 ring, 1.5 for ring8, 6 for grid25) and each mode's high-quality
 * region (within 3 std of its centre) as a dim grey disc under the points. At 112 pixels a disc is
 * only a few pixels wide: it marks where the modes are.
 *
 * ```ts
 * const { gray, width } = scatterPixels(samples.data, 512, mixture2d('grid25')); // width 112
 * ```
 */
export function scatterPixels(
  xy: ArrayLike<number>,
  n: number,
  mixture?: Mixture2d,
): { gray: Uint8Array; width: number; height: number } {
  const size = SCATTER_SIZE;
  const extent = mixture
    ? 1.5 * Math.max(...mixture.centres.map(([cx, cy]) => Math.max(Math.abs(cx), Math.abs(cy))), 1e-3)
    : SCATTER_EXTENT;
  const gray = new Uint8Array(size * size);
  const toPx = (x: number) => ((x + extent) / (2 * extent)) * size;
  const toPy = (y: number) => ((extent - y) / (2 * extent)) * size;
  if (mixture) {
    // Pixel (px, py) is lit when its centre lies within 3 std of a mode's centre.
    const r = ((3 * mixture.std) / (2 * extent)) * size;
    for (const [cx, cy] of mixture.centres) {
      const [mx, my] = [toPx(cx), toPy(cy)];
      for (let py = Math.floor(my - r); py <= Math.ceil(my + r); py++) {
        for (let px = Math.floor(mx - r); px <= Math.ceil(mx + r); px++) {
          if (px < 0 || py < 0 || px >= size || py >= size) continue;
          if ((px + 0.5 - mx) ** 2 + (py + 0.5 - my) ** 2 <= r * r) gray[py * size + px] = MODE_GRAY;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const px = Math.floor(toPx(xy[2 * i]));
    const py = Math.floor(toPy(xy[2 * i + 1]));
    if (px < 0 || py < 0 || px >= size || py >= size) continue;
    gray[py * size + px] = 255;
  }
  return { gray, width: size, height: size };
}

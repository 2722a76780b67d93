import { type GrayImage, halfBlockLines, type TerminalMode } from '@gan/training';

/** Below this share of lit pixels a picture counts as sparse: a scatter plot of points. */
const SPARSE_SHARE = 0.05;

/** True when fewer than 5% of the pixels are above black. */
export function isSparse(image: GrayImage): boolean {
  let lit = 0;
  for (let i = 0; i < image.gray.length; i++) if (image.gray[i] > 0) lit++;
  return lit < SPARSE_SHARE * image.gray.length;
}

/** Shrinks by `factor`, each output pixel the brightest of its block (edge blocks included). */
export function maxPool(image: GrayImage, factor: number): GrayImage {
  const { gray, width, height } = image;
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * w;
    for (let x = 0; x < width; x++) {
      const v = gray[y * width + x];
      const o = row + Math.floor(x / factor);
      if (v > out[o]) out[o] = v;
    }
  }
  return { gray: out, width: w, height: h };
}

/**
 * The sample picture as terminal lines (half blocks, see `halfBlockLines`), shrunk by `factor`.
 * Pictures of digits are shrunk by averaging; sparse ones (a scatter of 2-D points) by taking
 * the brightest pixel, or a single point would fade to near black.
 */
export function pictureLines(image: GrayImage, mode: TerminalMode, factor: number): string[] {
  if (factor > 1 && isSparse(image)) {
    const small = maxPool(image, factor);
    return halfBlockLines(small.gray, small.width, small.height, { mode });
  }
  return halfBlockLines(image.gray, image.width, image.height, {
    mode,
    factor,
    ...(image.rgb !== undefined && { rgb: image.rgb }),
  });
}

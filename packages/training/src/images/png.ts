import { readFile } from 'node:fs/promises';
import pngjs from 'pngjs';
import {
  ensureSubfolder,
  RunFormatError,
  type RunOwner,
  samplePath,
  samplesDir,
  writeFileAtomic,
} from '@gan/runs';
import { assertGray, type GrayImage, lumaOf, toByte } from './gray.ts';

const { PNG } = pngjs;

export interface GridOptions {
  /** Width of one image, in pixels. */
  width: number;
  /** Height of one image, in pixels. */
  height: number;
  rows: number;
  cols: number;
  /** Padding between images and around the grid, in output pixels (not scaled). Default 2. */
  pad?: number;
  /** Integer upscaling of each image (nearest neighbour). Default 1. */
  scale?: number;
  /** Value of the padding and of empty cells, 0..255. Default 0 (dark). */
  padValue?: number;
  /**
   * Planes per image: 1 (grey, default) or 3 (RGB, each image channel-major `[3][height][width]`
   * as stacked MNIST's rows): a 3-channel grid also has `rgb`, and its `gray` is the luma.
   */
  channels?: number;
}

/**
 * Tiles `n` images into one grayscale grid, row by row (image k goes to row `floor(k / cols)`,
 * column `k % cols`), with `pad` pixels of `padValue` between and around them. Cells beyond `n`
 * stay `padValue`.
 *
 * `images` holds the images one after another, each `height * width` row-major pixel values
 * already in 0..255 (use `toPixels` of @gan/data on generator outputs); values are rounded and
 * clamped, NaN becomes 0.
 *
 * Size: `cols * width * scale + (cols + 1) * pad` by `rows * height * scale + (rows + 1) * pad`.
 *
 * ```ts
 * const grid = imageGrid(pixels, { width: 28, height: 28, rows: 4, cols: 4, scale: 2 });
 * await writePng(samplePath(runDir, step), grid.gray, grid.width, grid.height);
 * ```
 */
export function imageGrid(images: ArrayLike<number>, options: GridOptions): GrayImage {
  const { width, height, rows, cols, pad = 2, scale = 1, padValue = 0, channels = 1 } = options;
  if (channels !== 1 && channels !== 3)
    throw new RangeError(`imageGrid: channels must be 1 or 3, got ${channels}`);
  for (const [name, value, min] of [
    ['width', width, 1],
    ['height', height, 1],
    ['rows', rows, 1],
    ['cols', cols, 1],
    ['pad', pad, 0],
    ['scale', scale, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      throw new RangeError(`imageGrid: ${name} must be an integer >= ${min}, got ${value}`);
  }
  const pixels = channels * width * height;
  if (images.length % pixels !== 0) {
    throw new RangeError(
      `imageGrid: ${images.length} values is not a whole number of ${width}x${height} images`,
    );
  }
  const n = images.length / pixels;
  if (n > rows * cols) throw new RangeError(`imageGrid: ${n} images do not fit a ${rows}x${cols} grid`);

  const cellW = width * scale;
  const cellH = height * scale;
  const outW = cols * cellW + (cols + 1) * pad;
  const outH = rows * cellH + (rows + 1) * pad;
  if (channels === 3) return rgbGrid(images, options, n, outW, outH);
  const gray = new Uint8Array(outW * outH).fill(toByte(padValue));
  for (let k = 0; k < n; k++) {
    const left = pad + (k % cols) * (cellW + pad);
    const top = pad + Math.floor(k / cols) * (cellH + pad);
    const base = k * pixels;
    for (let y = 0; y < cellH; y++) {
      const src = base + Math.floor(y / scale) * width;
      const dst = (top + y) * outW + left;
      for (let x = 0; x < cellW; x++) gray[dst + x] = toByte(images[src + Math.floor(x / scale)]);
    }
  }
  return { gray, width: outW, height: outH };
}

/** {@link imageGrid} of channel-major RGB images: interleaved `rgb`, and its luma as `gray`. */
function rgbGrid(
  images: ArrayLike<number>,
  options: GridOptions,
  n: number,
  outW: number,
  outH: number,
): GrayImage {
  const { width, height, cols, pad = 2, scale = 1, padValue = 0 } = options;
  const plane = width * height;
  const rgb = new Uint8Array(3 * outW * outH).fill(toByte(padValue));
  for (let k = 0; k < n; k++) {
    const left = pad + (k % cols) * (width * scale + pad);
    const top = pad + Math.floor(k / cols) * (height * scale + pad);
    for (let c = 0; c < 3; c++) {
      const base = (3 * k + c) * plane;
      for (let y = 0; y < height * scale; y++) {
        const src = base + Math.floor(y / scale) * width;
        const dst = (top + y) * outW + left;
        for (let x = 0; x < width * scale; x++)
          rgb[3 * (dst + x) + c] = toByte(images[src + Math.floor(x / scale)]);
      }
    }
  }
  return { gray: lumaOf(rgb), rgb, width: outW, height: outH };
}

/** An 8-bit RGB PNG (color type 2) of interleaved `rgb` (`3 * width * height` bytes, row-major). */
export function encodePngRgb(rgb: Uint8Array, width: number, height: number): Buffer {
  assertGray(rgb, 3 * width, height, 'encodePngRgb');
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, bitDepth: 8 });
}

/**
 * Writes a picture as a PNG atomically: RGB when it has `rgb`, else grayscale (byte for byte what
 * {@link writePng} writes).
 */
export async function writeImagePng(path: string, image: GrayImage, owner?: RunOwner): Promise<void> {
  const bytes =
    image.rgb !== undefined
      ? encodePngRgb(image.rgb, image.width, image.height)
      : encodePng(image.gray, image.width, image.height);
  await writeFileAtomic(path, bytes, owner);
}

/** An 8-bit grayscale PNG (color type 0) of `gray` (`width * height` bytes, row-major). */
export function encodePng(gray: Uint8Array, width: number, height: number): Buffer {
  assertGray(gray, width, height, 'encodePng');
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(gray.buffer, gray.byteOffset, gray.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}

/** Writes a grayscale PNG atomically (a file of a run folder: as the run's `owner`). */
export async function writePng(
  path: string,
  gray: Uint8Array,
  width: number,
  height: number,
  owner?: RunOwner,
): Promise<void> {
  await writeFileAtomic(path, encodePng(gray, width, height), owner);
}

/**
 * Writes the owner's run's sample grid for `step` to `samples/step-XXXXXX.png` (creating
 * `samples/` if needed); returns the path.
 *
 * ```ts
 * await writeSampleGrid(owner, 500, imageGrid(pixels, { width: 28, height: 28, rows: 4, cols: 4 }));
 * ```
 */
export async function writeSampleGrid(owner: RunOwner, step: number, image: GrayImage): Promise<string> {
  const path = samplePath(owner.runDir, step);
  await ensureSubfolder(samplesDir(owner.runDir));
  await writeImagePng(path, image, owner);
  return path;
}

/**
 * Decodes a PNG to grayscale (luma of its RGB; exact for the grayscale PNGs written here), with
 * `rgb` as well when some pixel is not grey. `source` names the file in errors.
 */
export function decodePng(buf: Uint8Array, source = '<buffer>'): GrayImage {
  let png: { width: number; height: number; data: Buffer };
  try {
    png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  } catch (error) {
    throw new RunFormatError(source, `not a valid PNG: ${(error as Error).message}`, { cause: error });
  }
  const { width, height, data } = png;
  const gray = new Uint8Array(width * height);
  let colour = false;
  for (let i = 0; i < gray.length; i++) {
    const r = data[4 * i];
    const g = data[4 * i + 1];
    const b = data[4 * i + 2];
    if (r !== g || g !== b) colour = true;
    gray[i] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  if (!colour) return { gray, width, height };
  const rgb = new Uint8Array(3 * width * height);
  for (let i = 0; i < gray.length; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = data[4 * i + c];
  return { gray, rgb, width, height };
}

/** Reads a PNG file as grayscale; errors name `path`. */
export async function readPng(path: string): Promise<GrayImage> {
  return decodePng(await readFile(path), path);
}

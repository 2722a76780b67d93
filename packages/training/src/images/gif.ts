/// <reference path="./gifenc.d.ts" />
import gifenc from 'gifenc';
import { gifPath, listStepFiles, type RunOwner, SAMPLE_EXT, samplesDir, writeFileAtomic } from '@gan/runs';
import { assertGray, grayToRgb } from './gray.ts';
import { readPng } from './png.ts';

const GIFEncoder = typeof gifenc === 'function' ? gifenc : gifenc.GIFEncoder;

// Every grey level is its own palette entry, so a grayscale frame is its own index image.
const GREY_PALETTE: number[][] = Array.from({ length: 256 }, (_, i) => [i, i, i]);

// RGB frames: the 6x6x6 colour cube (levels 0, 51, ..., 255), padded to 256 entries with black.
// Fixed, so every frame maps the same way and no quantiser runs; stacked MNIST's channels sit
// mostly at 0 or 255, which the cube holds exactly.
const CUBE_PALETTE: number[][] = Array.from({ length: 256 }, (_, i) =>
  i < 216 ? [Math.floor(i / 36) * 51, (Math.floor(i / 6) % 6) * 51, (i % 6) * 51] : [0, 0, 0],
);

/** Interleaved RGB bytes as indices into {@link CUBE_PALETTE} (each channel to its nearest level). */
export function cubeIndices(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  const q = (v: number) => Math.round(v / 51);
  for (let i = 0; i < out.length; i++)
    out[i] = 36 * q(rgb[3 * i]) + 6 * q(rgb[3 * i + 1]) + q(rgb[3 * i + 2]);
  return out;
}

export interface GifOptions {
  /** Delay between frames in milliseconds (GIF stores 10 ms units). Default 100. */
  delayMs?: number;
  /** Loop forever (true, default) or play once. */
  loop?: boolean;
}

/**
 * An animated GIF of grayscale frames (each `width * height` bytes, row-major, all the same
 * size), with a fixed 256-level grey palette: no quantisation, grey levels are exact.
 *
 * ```ts
 * const bytes = encodeGif([frameA, frameB], 122, 122, { delayMs: 200 });
 * ```
 */
export function encodeGif(
  frames: Uint8Array[],
  width: number,
  height: number,
  options: GifOptions = {},
): Uint8Array {
  return encodeFrames('encodeGif', frames, width, height, 1, options, (f) => f, GREY_PALETTE);
}

/**
 * An animated GIF of RGB frames (interleaved, `3 * width * height` bytes each), in the 216
 * colours of the 6x6x6 cube (each channel to the nearest of 0, 51, ..., 255).
 *
 * ```ts
 * const bytes = encodeRgbGif([grid.rgb], grid.width, grid.height);
 * ```
 */
export function encodeRgbGif(
  frames: Uint8Array[],
  width: number,
  height: number,
  options: GifOptions = {},
): Uint8Array {
  return encodeFrames('encodeRgbGif', frames, width, height, 3, options, cubeIndices, CUBE_PALETTE);
}

/**
 * The GIF of `frames` (`channels` bytes a pixel), checked under `name`, each frame turned into
 * palette indices by `indices`, the palette given with the first frame.
 */
function encodeFrames(
  name: string,
  frames: Uint8Array[],
  width: number,
  height: number,
  channels: number,
  options: GifOptions,
  indices: (frame: Uint8Array) => Uint8Array,
  palette: number[][],
): Uint8Array {
  const { delayMs = 100, loop = true } = options;
  if (frames.length === 0) throw new RangeError(`${name}: no frames`);
  if (width > 0xffff || height > 0xffff)
    throw new RangeError(`${name}: ${width}x${height} is too large for a GIF`);
  if (!(delayMs >= 0)) throw new RangeError(`${name}: delayMs must be >= 0, got ${delayMs}`);
  frames.forEach((frame, i) => {
    assertGray(frame, channels * width, height, `${name} frame ${i}`);
  });
  const gif = GIFEncoder();
  frames.forEach((frame, i) => {
    gif.writeFrame(indices(frame), width, height, {
      delay: delayMs,
      ...(i === 0 ? { palette, repeat: loop ? 0 : -1 } : {}),
    });
  });
  gif.finish();
  return gif.bytes();
}

/** Writes an animated GIF atomically (a file of a run folder: as the run's `owner`). */
export async function writeGif(
  path: string,
  frames: Uint8Array[],
  width: number,
  height: number,
  options?: GifOptions,
  owner?: RunOwner,
): Promise<void> {
  await writeFileAtomic(path, encodeGif(frames, width, height, options), owner);
}

export interface SampleFrames {
  frames: Uint8Array[];
  /** The step of each frame. */
  steps: number[];
  /** The frames as interleaved RGB, when some grid is in colour (grey ones expanded); else absent. */
  rgbFrames?: Uint8Array[];
  width: number;
  height: number;
}

/** `count` indices spread evenly over `0 .. n-1`, first and last included (all of them if n <= count). */
export function evenlySpaced(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  if (count < 2) throw new RangeError(`evenlySpaced: count must be >= 2, got ${count}`);
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1)));
}

/**
 * The `step-*.png` sample grids of `dir` as frames, in step order. With more than `maxFrames`
 * (default 200) files, an evenly spaced subset is read that keeps the first and the last. All
 * grids must have the same size; an empty or missing folder gives no frames.
 */
export async function framesFromSamplePngs(
  dir: string,
  options: { maxFrames?: number } = {},
): Promise<SampleFrames> {
  const { maxFrames = 200 } = options;
  if (!Number.isInteger(maxFrames) || maxFrames < 2)
    throw new RangeError(`maxFrames must be an integer >= 2, got ${maxFrames}`);
  const files = await listStepFiles(dir, SAMPLE_EXT);
  const picked = evenlySpaced(files.length, maxFrames).map((i) => files[i]);
  const result: SampleFrames = { frames: [], steps: [], width: 0, height: 0 };
  const rgb: Uint8Array[] = [];
  let colour = false;
  for (const file of picked) {
    const image = await readPng(file.path);
    if (result.frames.length === 0) {
      result.width = image.width;
      result.height = image.height;
    } else if (image.width !== result.width || image.height !== result.height) {
      throw new Error(
        `${file.path}: sample grid is ${image.width}x${image.height}, earlier ones are ${result.width}x${result.height}`,
      );
    }
    result.frames.push(image.gray);
    rgb.push(image.rgb ?? grayToRgb(image.gray));
    if (image.rgb !== undefined) colour = true;
    result.steps.push(file.step);
  }
  if (colour) result.rgbFrames = rgb;
  return result;
}

/**
 * Writes the owner's run's `samples.gif` from its sample grids; returns the number of frames
 * (0, and no file, when the run has no samples yet).
 */
export async function writeRunGif(
  owner: RunOwner,
  options: GifOptions & { maxFrames?: number } = {},
): Promise<number> {
  const { frames, rgbFrames, width, height } = await framesFromSamplePngs(samplesDir(owner.runDir), options);
  if (frames.length === 0) return 0;
  if (rgbFrames !== undefined) {
    await writeFileAtomic(gifPath(owner.runDir), encodeRgbGif(rgbFrames, width, height, options), owner);
    return frames.length;
  }
  await writeGif(gifPath(owner.runDir), frames, width, height, options, owner);
  return frames.length;
}

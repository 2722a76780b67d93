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

export interface Size {
  width: number;
  height: number;
}

/**
 * The integer shrink factor that fits a `image` picture into `box` cells with half blocks
 * (one cell = one pixel wide, two pixels tall); at least 1.
 */
export function pictureFactor(image: Size, box: Size): number {
  if (box.width < 1 || box.height < 1) return Math.max(image.width, image.height);
  return Math.max(1, Math.ceil(image.width / box.width), Math.ceil(image.height / (2 * box.height)));
}

/** The picture's size in cells at `factor`. */
export function pictureCells(image: Size, factor: number): Size {
  return { width: Math.ceil(image.width / factor), height: Math.ceil(Math.ceil(image.height / factor) / 2) };
}

/** Where the samples sit in a sample grid picture: `rows` x `cols` cells between `pad`-pixel black lines. */
export interface SampleGrid {
  rows: number;
  cols: number;
  pad: number;
  /** One sample's size in pixels (its image, scaled up). */
  cellWidth: number;
  cellHeight: number;
}

/**
 * The layout of the sample grids a run saves (@gan/training `samplePicture`: 4 x 4 samples,
 * 2 black pixels around each).
 */
export const SAMPLE_GRID = { rows: 4, cols: 4, pad: 2 } as const;

const grids = new WeakMap<GrayImage, SampleGrid | null>();

/**
 * The grid of samples `image` is, or null when it is not one: a scatter plot of 2-D points (sparse),
 * or a picture whose size or black separating lines do not match {@link SAMPLE_GRID}.
 * Remembered per image (the views ask on every frame).
 */
export function sampleGridOf(image: GrayImage): SampleGrid | null {
  let grid = grids.get(image);
  if (grid === undefined) {
    grid = findGrid(image);
    grids.set(image, grid);
  }
  return grid;
}

function findGrid(image: GrayImage): SampleGrid | null {
  const { rows, cols, pad } = SAMPLE_GRID;
  const { gray, width, height } = image;
  const cellWidth = (width - (cols + 1) * pad) / cols;
  const cellHeight = (height - (rows + 1) * pad) / rows;
  if (!Number.isInteger(cellWidth) || !Number.isInteger(cellHeight) || cellWidth < 1 || cellHeight < 1)
    return null;
  if (isSparse(image)) return null;
  const separator = (i: number, cell: number) => i % (cell + pad) < pad;
  for (let y = 0; y < height; y++) {
    const lineY = separator(y, cellHeight);
    for (let x = 0; x < width; x++) {
      if ((lineY || separator(x, cellWidth)) && gray[y * width + x] !== 0) return null;
    }
  }
  return { rows, cols, pad, cellWidth, cellHeight };
}

/** The top-left `rows` x `cols` samples of a grid picture, with their separating lines. */
export function cropGrid(image: GrayImage, grid: SampleGrid, rows: number, cols: number): GrayImage {
  if (rows >= grid.rows && cols >= grid.cols) return image;
  const width = cols * (grid.cellWidth + grid.pad) + grid.pad;
  const height = rows * (grid.cellHeight + grid.pad) + grid.pad;
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    gray.set(image.gray.subarray(y * image.width, y * image.width + width), y * width);
  if (image.rgb === undefined) return { gray, width, height };
  const rgb = new Uint8Array(3 * width * height);
  for (let y = 0; y < height; y++)
    rgb.set(image.rgb.subarray(3 * y * image.width, 3 * (y * image.width + width)), 3 * y * width);
  return { gray, width, height, rgb };
}

/**
 * Fewer samples are shown rather than samples shrunk below this many pixels across (a digit of
 * 28 pixels still reads at 8, as the 8 x 8 digits of scikit-learn's set do).
 */
export const MIN_SAMPLE_PIXELS = 8;

/** How a sample picture is drawn in a box of cells. */
export interface PicturePlan {
  /** Samples shown, as rows x cols from the top left (1 x 1 for a picture that is not a grid). */
  rows: number;
  cols: number;
  /** Samples in the whole picture (1 when it is not a grid). */
  of: number;
  factor: number;
  /** The drawn picture's size in cells. */
  cells: Size;
}

/**
 * How to draw `image` in `box` cells: a grid of samples whole when each sample keeps at least
 * {@link MIN_SAMPLE_PIXELS} pixels across, else its top-left 3 x 3, 2 x 2 or 1 sample, whichever
 * is the most that do (one sample when none does); any other picture whole, shrunk to fit.
 */
export function planPicture(image: GrayImage, box: Size): PicturePlan {
  const grid = sampleGridOf(image);
  if (grid === null) {
    const factor = pictureFactor(image, box);
    return { rows: 1, cols: 1, of: 1, factor, cells: pictureCells(image, factor) };
  }
  const of = grid.rows * grid.cols;
  for (let k = Math.max(grid.rows, grid.cols); ; k--) {
    const rows = Math.min(k, grid.rows);
    const cols = Math.min(k, grid.cols);
    const size = {
      width: cols * (grid.cellWidth + grid.pad) + grid.pad,
      height: rows * (grid.cellHeight + grid.pad) + grid.pad,
    };
    const factor = pictureFactor(size, box);
    if (k === 1 || grid.cellWidth / factor >= MIN_SAMPLE_PIXELS)
      return { rows, cols, of, factor, cells: pictureCells(size, factor) };
  }
}

/** The lines of `image` drawn as `plan` says (see {@link planPicture}). */
export function plannedLines(
  image: GrayImage,
  plan: Pick<PicturePlan, 'rows' | 'cols' | 'factor'>,
  mode: TerminalMode,
): string[] {
  const grid = sampleGridOf(image);
  const shown = grid === null ? image : cropGrid(image, grid, plan.rows, plan.cols);
  return pictureLines(shown, mode, plan.factor);
}

/** Grey levels two samples may differ by and still look the same (3% of the range). */
const ALIKE_TOLERANCE = 8;

export interface Alike {
  /** Samples in the largest group of samples that look the same. */
  largest: number;
  /** Samples in the picture. */
  of: number;
}

const alikes = new WeakMap<GrayImage, Alike | null>();

/**
 * The samples of a grid picture that look the same, as the largest group of samples no pixel
 * of which differs by more than `tolerance` grey levels from the group's first (a difference
 * too small to see). Null for a picture that is not a grid of samples. Remembered per image.
 *
 * ```ts
 * alikeSamples(grid); // { largest: 16, of: 16 }: sixteen copies of one image
 * ```
 */
export function alikeSamples(image: GrayImage, tolerance = ALIKE_TOLERANCE): Alike | null {
  if (tolerance !== ALIKE_TOLERANCE) return groupAlike(image, tolerance);
  let alike = alikes.get(image);
  if (alike === undefined) {
    alike = groupAlike(image, tolerance);
    alikes.set(image, alike);
  }
  return alike;
}

function groupAlike(image: GrayImage, tolerance: number): Alike | null {
  const grid = sampleGridOf(image);
  if (grid === null) return null;
  const { rows, cols, pad, cellWidth, cellHeight } = grid;
  const channels = image.rgb === undefined ? 1 : 3;
  const pixels = image.rgb ?? image.gray;
  const stride = channels * image.width;
  const origin = (k: number) =>
    (pad + Math.floor(k / cols) * (cellHeight + pad)) * stride +
    channels * (pad + (k % cols) * (cellWidth + pad));
  const same = (a: number, b: number) => {
    for (let y = 0; y < cellHeight; y++) {
      const ra = a + y * stride;
      const rb = b + y * stride;
      for (let i = 0; i < channels * cellWidth; i++)
        if (Math.abs(pixels[ra + i] - pixels[rb + i]) > tolerance) return false;
    }
    return true;
  };
  const n = rows * cols;
  const leader: number[] = [];
  const size: number[] = [];
  for (let k = 0; k < n; k++) {
    const g = leader.findIndex((l) => same(origin(l), origin(k)));
    if (g < 0) {
      leader.push(k);
      size.push(1);
    } else size[g]++;
  }
  return { largest: Math.max(...size), of: n };
}

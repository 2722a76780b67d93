/**
 * The in-memory dataset every trainer consumes, and the few operations on it: shuffle, limit,
 * gather a batch of rows, count classes.
 */
import { formatShape, type Rng, ShapeError, Tensor } from '@gan/tensor';
import { pixelLut, scalePixels } from './pixels.ts';

/** Which part of a dataset: MNIST's 60,000 training or 10,000 test images. */
export type Split = 'train' | 'test';

/**
 * How pixel bytes 0..255 map to float values:
 * - `raw`: 0..255 unchanged (the seed article never rescales);
 * - `unit`: x / 255, in 0..1 (matches a sigmoid output);
 * - `tanh`: x / 127.5 - 1, in -1..1 (matches a tanh output).
 */
export type Scaling = 'raw' | 'unit' | 'tanh';

/**
 * A labelled set of rows. For images, row `i` of `images` is image `i` flattened row-major
 * (`height` rows of `width` pixels); for 2-d point sets `width` is 2 and `height` 1. An image of
 * several channels (stacked MNIST: 3) is channel-major, as PyTorch's CHW: `channels` planes of
 * `height x width` one after another, value `(c * height + y) * width + x`.
 *
 * Datasets are treated as read-only: helpers that reorder return new ones, and
 * {@link limitDataset} returns a view. An image dataset may keep its rows as bytes (`pixels`,
 * a quarter of the memory): its float `images` are then built only if something reads them, and
 * training batches come from the bytes ({@link gatherBatch}).
 */
export interface Dataset {
  /** Short identifier for logs and reports, e.g. `mnist-test`. */
  name: string;
  split: Split;
  /** How `images` was scaled from bytes (points are `raw`: their values are used as they are). */
  scaling: Scaling;
  /**
   * `[N, channels * width * height]` float32 values (built on first access when the dataset has
   * `pixels`).
   */
  readonly images: Tensor;
  /** The rows as bytes 0..255, as `images` (`N * channels * width * height`), when the dataset keeps them so. */
  readonly pixels?: Uint8Array;
  /** `[N]`: the class of each row, in `0..numClasses-1` (16-bit when there are more than 256 classes). */
  labels: Uint8Array | Uint16Array;
  width: number;
  height: number;
  /** Colour planes per image: 1 (grey, the default when absent) or 3 (stacked MNIST's RGB). */
  channels?: number;
  numClasses: number;
  /**
   * For each row, the row of the source (the IDX file, the generated set) it came from, when rows
   * were reordered ({@link shuffleDataset}); absent means row `i` is source row `i`.
   */
  sourceRows?: Int32Array;
}

/** The dataset's fields other than its rows. */
export type DatasetInfo = Omit<Dataset, 'images' | 'pixels' | 'labels' | 'sourceRows'>;

/**
 * Values per row: `channels * width * height` (784 for MNIST, 2352 for stacked MNIST, 2 for points).
 *
 * ```ts
 * rowSize(loadMnist({ split: 'test', scaling: 'unit' })); // 784
 * ```
 */
export function rowSize(ds: Pick<Dataset, 'width' | 'height' | 'channels'>): number {
  return (ds.channels ?? 1) * ds.width * ds.height;
}

/** The source row of every row of `ds` (see {@link Dataset.sourceRows}). */
export function sourceRowsOf(ds: Dataset): Int32Array {
  if (ds.sourceRows !== undefined) return ds.sourceRows;
  const rows = new Int32Array(rowCount(ds));
  for (let i = 0; i < rows.length; i++) rows[i] = i;
  return rows;
}

/**
 * A dataset kept as bytes: `images` (`scalePixels(pixels, scaling)`) is built on first access only.
 *
 * ```ts
 * const ds = pixelDataset({ name: 'digits', split: 'test', scaling: 'unit', width: 28, height: 28, numClasses: 10 }, bytes, labels);
 * ```
 */
export function pixelDataset(
  info: DatasetInfo,
  pixels: Uint8Array,
  labels: Uint8Array | Uint16Array,
  sourceRows?: Int32Array,
): Dataset {
  const d = rowSize(info);
  if (pixels.length !== labels.length * d) {
    throw new ShapeError(
      `pixelDataset: ${info.name} has ${pixels.length} pixel bytes for ${labels.length} labels of ${d} pixels`,
    );
  }
  let images: Tensor | null = null;
  return {
    name: info.name,
    split: info.split,
    scaling: info.scaling,
    width: info.width,
    height: info.height,
    ...(info.channels !== undefined && { channels: info.channels }),
    numClasses: info.numClasses,
    pixels,
    labels,
    ...(sourceRows !== undefined && { sourceRows }),
    get images(): Tensor {
      images ??= new Tensor(scalePixels(pixels, info.scaling), [labels.length, d]);
      return images;
    },
  };
}

function infoOf(ds: Dataset): DatasetInfo {
  const { name, split, scaling, width, height, numClasses, channels } = ds;
  return { name, split, scaling, width, height, numClasses, ...(channels !== undefined && { channels }) };
}

/** Number of rows. */
export function rowCount(ds: Dataset): number {
  return ds.labels.length;
}

/**
 * A new dataset with rows and labels permuted together by a seeded shuffle (the article shuffles
 * once at load). The input is left untouched.
 *
 * ```ts
 * const ds = shuffleDataset(loadMnist({ split: 'test', scaling: 'raw' }), Rng.create(127, 'data'));
 * ```
 */
export function shuffleDataset<D extends Dataset>(ds: D, rng: Rng): D {
  const n = checkDataset('shuffleDataset', ds);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  rng.shuffle(perm);
  const labels = ds.labels instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = ds.labels[perm[i]];
  const before = ds.sourceRows;
  const sourceRows = before === undefined ? perm : perm.map((p) => before[p]);
  if (ds.pixels !== undefined) {
    const d = rowSize(ds);
    const pixels = new Uint8Array(ds.pixels.length);
    for (let i = 0; i < n; i++) pixels.set(ds.pixels.subarray(perm[i] * d, (perm[i] + 1) * d), i * d);
    return pixelDataset(infoOf(ds), pixels, labels, sourceRows) as D;
  }
  const images = gatherRows(ds.images, perm, Tensor.zeros(ds.images.shape));
  return { ...ds, images, labels, sourceRows };
}

/**
 * The first `n` rows of a dataset. The result shares memory with `ds` (no copy).
 *
 * ```ts
 * const small = limitDataset(ds, 1000); // small.images.shape = [1000, 784]
 * ```
 * @throws RangeError when `n` is not an integer in `1..N`.
 */
export function limitDataset<D extends Dataset>(ds: D, n: number): D {
  const size = checkDataset('limitDataset', ds);
  if (!Number.isInteger(n) || n < 1 || n > size) {
    throw new RangeError(
      `limitDataset: n must be an integer in 1..${size} (the size of ${ds.name}), got ${n}`,
    );
  }
  const labels = ds.labels.subarray(0, n);
  const sourceRows = ds.sourceRows?.subarray(0, n);
  if (ds.pixels !== undefined) {
    const pixels = ds.pixels.subarray(0, n * rowSize(ds));
    return pixelDataset(infoOf(ds), pixels, labels, sourceRows) as D;
  }
  return { ...ds, images: ds.images.rows(0, n), labels, ...(sourceRows && { sourceRows }) };
}

/**
 * Copies rows `idx[0], idx[1], ...` of `src` into rows `0, 1, ...` of `out`, allocating nothing
 * (this runs once per training step).
 *
 * ```ts
 * const batch = Tensor.zeros([64, 784]);
 * gatherRows(ds.images, sampler.next(indices), batch);
 * ```
 * @param src `[N, D]`
 * @param idx `B` row indices into `src`
 * @param out `[B, D]`, overwritten
 * @returns `out`
 */
export function gatherRows(src: Tensor, idx: Int32Array | ArrayLike<number>, out: Tensor): Tensor {
  if (src.rank !== 2 || out.rank !== 2 || src.shape[1] !== out.shape[1]) {
    throw new ShapeError(
      `gatherRows: expected src [N,D] and out [B,D], got ${formatShape(src.shape)} and ${formatShape(out.shape)}`,
    );
  }
  const [n, d] = src.shape;
  const b = out.shape[0];
  if (idx.length !== b) {
    throw new ShapeError(
      `gatherRows: ${idx.length} indices for an output of ${b} rows ${formatShape(out.shape)}`,
    );
  }
  const s = src.data;
  const o = out.data;
  for (let r = 0; r < b; r++) {
    const j = idx[r];
    if (!(j >= 0 && j < n) || Math.floor(j) !== j) {
      throw new RangeError(
        `gatherRows: index ${j} at position ${r} is not a row of ${formatShape(src.shape)}`,
      );
    }
    // A plain loop rather than set(subarray()): subarray allocates a view per row.
    const from = j * d;
    const to = r * d;
    for (let k = 0; k < d; k++) o[to + k] = s[from + k];
  }
  return out;
}

/**
 * Rows `idx[0], idx[1], ...` of a dataset as values of `scaling` (default: the dataset's own)
 * into `out`, allocating nothing: from the bytes when the dataset keeps them (one table lookup
 * per pixel), otherwise from `images`.
 *
 * @param out `[B, D]`, overwritten
 * @returns `out`
 */
export function gatherBatch(
  ds: Dataset,
  idx: Int32Array | ArrayLike<number>,
  out: Tensor,
  scaling: Scaling = ds.scaling,
): Tensor {
  if (ds.pixels === undefined) {
    if (scaling !== ds.scaling) {
      throw new RangeError(
        `gatherBatch: ${ds.name} holds ${ds.scaling} values and cannot give ${scaling} ones`,
      );
    }
    return gatherRows(ds.images, idx, out);
  }
  const d = rowSize(ds);
  const n = ds.labels.length;
  if (out.rank !== 2 || out.shape[1] !== d || out.shape[0] !== idx.length) {
    throw new ShapeError(
      `gatherBatch: ${idx.length} rows of ${d} values do not fit out ${formatShape(out.shape)}`,
    );
  }
  const lut = pixelLut(scaling);
  const px = ds.pixels;
  const o = out.data;
  for (let r = 0; r < idx.length; r++) {
    const j = idx[r];
    if (!(j >= 0 && j < n) || Math.floor(j) !== j) {
      throw new RangeError(`gatherBatch: index ${j} at position ${r} is not a row of ${ds.name} (${n} rows)`);
    }
    const from = j * d;
    const to = r * d;
    for (let k = 0; k < d; k++) o[to + k] = lut[px[from + k]];
  }
  return out;
}

/**
 * How many labels fall in each class.
 *
 * ```ts
 * classCounts(Uint8Array.of(0, 2, 2), 3); // [1, 0, 2]
 * ```
 * @throws RangeError for a label outside `0..numClasses-1`.
 */
export function classCounts(labels: ArrayLike<number>, numClasses: number): number[] {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`classCounts: numClasses must be a positive integer, got ${numClasses}`);
  }
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(c >= 0 && c < numClasses) || Math.floor(c) !== c) {
      throw new RangeError(`classCounts: label ${c} at index ${i} is outside 0..${numClasses - 1}`);
    }
    counts[c]++;
  }
  return counts;
}

/** Checks that images and labels agree and returns the number of rows. */
function checkDataset(op: string, ds: Dataset): number {
  const n = ds.labels.length;
  if (ds.pixels !== undefined) return n; // checked by pixelDataset
  if (ds.images.rank !== 2 || ds.images.shape[0] !== n) {
    throw new ShapeError(
      `${op}: ${ds.name} has images ${formatShape(ds.images.shape)} but ${n} labels (expected images [${n}, D])`,
    );
  }
  return n;
}

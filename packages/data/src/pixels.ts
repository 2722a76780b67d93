/**
 * Pixel scalings: bytes 0..255 to the float values a model sees, and back.
 */
import type { Scaling } from './dataset.ts';

const SCALINGS: readonly Scaling[] = ['raw', 'unit', 'tanh'];

// Lookup tables from byte to value: one table read per pixel, and every pixel of a given byte
// value maps to exactly the same float, which makes the inverse exact.
const LUTS: Record<Scaling, Float32Array> = {
  raw: makeLut((v) => v),
  unit: makeLut((v) => v / 255),
  tanh: makeLut((v) => v / 127.5 - 1),
};

/** The byte-to-value table of a scaling: `lut[b]` is the value of pixel byte `b`. */
export function pixelLut(scaling: Scaling): Float32Array {
  assertScaling('pixelLut', scaling);
  return LUTS[scaling];
}

function makeLut(f: (v: number) => number): Float32Array {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = f(v);
  return lut;
}

/**
 * Maps pixel bytes to model values with `scaling` (see {@link Scaling}).
 *
 * ```ts
 * scalePixels(Uint8Array.of(0, 255), 'tanh'); // Float32Array [-1, 1]
 * ```
 * @param out written in place when given; must have `bytes.length` elements
 */
export function scalePixels(bytes: Uint8Array, scaling: Scaling, out?: Float32Array): Float32Array {
  assertScaling('scalePixels', scaling);
  const n = bytes.length;
  out ??= new Float32Array(n);
  if (out.length !== n) throw new RangeError(`scalePixels: out has ${out.length} elements, expected ${n}`);
  const lut = LUTS[scaling];
  for (let i = 0; i < n; i++) out[i] = lut[bytes[i]];
  return out;
}

/**
 * The inverse of {@link scalePixels}: model values back to bytes, clamped to 0..255 and rounded
 * (NaN becomes 0). Used to write images of generated samples, whatever the model's output range.
 *
 * ```ts
 * toPixels(Float32Array.of(-1, 0, 1, 3), 'tanh'); // Uint8Array [0, 128, 255, 255]
 * ```
 * @param out written in place when given; must have `values.length` elements
 */
export function toPixels(
  values: Float32Array | Float64Array,
  scaling: Scaling,
  out?: Uint8Array,
): Uint8Array {
  assertScaling('toPixels', scaling);
  const n = values.length;
  out ??= new Uint8Array(n);
  if (out.length !== n) throw new RangeError(`toPixels: out has ${out.length} elements, expected ${n}`);
  const [lo, hi] = pixelRange(scaling);
  const a = 255 / (hi - lo);
  const b = -lo * a;
  for (let i = 0; i < n; i++) {
    const x = values[i] * a + b;
    // NaN fails both comparisons and `NaN | 0` is 0.
    out[i] = x <= 0 ? 0 : x >= 255 ? 255 : (x + 0.5) | 0;
  }
  return out;
}

/**
 * Model values of `n` images of `size` pixels each to bytes, each image stretched from its own
 * minimum to its maximum (matplotlib's `imshow`); an image with one value stays mid-grey (128).
 * What the article saw of its generators' 0..1 outputs on 0..255 data.
 *
 * ```ts
 * stretchToPixels(Float32Array.of(0.5, 0.25, 0.75, 1, 1, 1), 2, 3); // [128, 0, 255, 128, 128, 128]
 * ```
 * @param out written in place when given; must have `n * size` elements
 */
export function stretchToPixels(
  values: Float32Array | Float64Array,
  n: number,
  size: number,
  out?: Uint8Array,
): Uint8Array {
  if (values.length !== n * size)
    throw new RangeError(`stretchToPixels: ${values.length} values are not ${n} images of ${size}`);
  out ??= new Uint8Array(n * size);
  if (out.length !== n * size)
    throw new RangeError(`stretchToPixels: out has ${out.length} elements, expected ${n * size}`);
  for (let i = 0; i < n; i++) {
    const row = values.subarray(i * size, (i + 1) * size);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of row) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo;
    for (let j = 0; j < size; j++)
      out[i * size + j] = span > 0 ? Math.round(((row[j] - lo) / span) * 255) : 128;
  }
  return out;
}

/**
 * The value range of scaled pixels: `[0, 255]`, `[0, 1]` or `[-1, 1]`.
 *
 * ```ts
 * pixelRange('unit'); // [0, 1]
 * ```
 */
export function pixelRange(scaling: Scaling): [lo: number, hi: number] {
  assertScaling('pixelRange', scaling);
  return scaling === 'raw' ? [0, 255] : scaling === 'unit' ? [0, 1] : [-1, 1];
}

/** Throws a RangeError naming `op` unless `scaling` is one of the three scalings. */
export function assertScaling(op: string, scaling: Scaling): void {
  if (!SCALINGS.includes(scaling)) {
    throw new RangeError(
      `${op}: scaling must be one of ${SCALINGS.map((s) => `'${s}'`).join(', ')}, got '${String(scaling)}'`,
    );
  }
}

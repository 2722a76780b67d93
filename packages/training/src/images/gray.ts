/**
 * An 8-bit grayscale image, row-major: `gray[y * width + x]`, 0 black .. 255 white. A colour
 * picture (stacked MNIST) also has `rgb`, interleaved `rgb[3 * (y * width + x) + c]`, and its
 * `gray` is then the luma of `rgb` ({@link lumaOf}), so a reader that knows only grey still works.
 */
export interface GrayImage {
  gray: Uint8Array;
  width: number;
  height: number;
  /** Interleaved RGB bytes (`3 * width * height`), for colour pictures only. */
  rgb?: Uint8Array;
}

/**
 * Rec. 601 luma of interleaved RGB bytes, a grey pixel kept exactly (as `decodePng` reads colour).
 *
 * ```ts
 * lumaOf(Uint8Array.of(255, 0, 0, 9, 9, 9)); // [76, 9]
 * ```
 */
export function lumaOf(rgb: Uint8Array): Uint8Array {
  const gray = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < gray.length; i++) {
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    gray[i] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return gray;
}

/** Grey bytes as interleaved RGB (each level three times). */
export function grayToRgb(gray: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(3 * gray.length);
  for (let i = 0; i < gray.length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
  return rgb;
}

/** Throws unless `gray` holds exactly `width * height` pixels of a positive-size image. */
export function assertGray(gray: ArrayLike<number>, width: number, height: number, what = 'image'): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (gray.length !== width * height) {
    throw new RangeError(`${what}: ${width}x${height} needs ${width * height} pixels, got ${gray.length}`);
  }
}

/** A pixel value as a byte: rounded and clamped to 0..255; NaN (a diverged generator) becomes 0. */
export function toByte(value: number): number {
  if (!(value > 0)) return 0;
  return value >= 255 ? 255 : Math.round(value);
}

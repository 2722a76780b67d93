/** An 8-bit grayscale image, row-major: `gray[y * width + x]`, 0 black .. 255 white. */
export interface GrayImage {
  gray: Uint8Array;
  width: number;
  height: number;
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

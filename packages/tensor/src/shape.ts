/** Shapes, sizes and the one error type every shape check throws. */

export type Shape = readonly number[];

/** Thrown when shapes do not fit an operation; the message names the op and both shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Number of elements of a shape; validates that every dimension is a non-negative integer. */
export function sizeOf(shape: Shape, op = 'tensor'): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${op}: invalid shape ${formatShape(shape)}: dimensions must be non-negative integers`,
      );
    }
    n *= d;
  }
  return n;
}

/**
 * The most values one tensor may hold: a Float32Array of Node 20 holds at most 2^32 (later
 * versions allow more; this is the bound every supported version meets).
 */
export const MAX_TENSOR_SIZE = 2 ** 32;

/**
 * {@link sizeOf} for a tensor about to be allocated: a ShapeError naming the op and the shape
 * when it would hold more than {@link MAX_TENSOR_SIZE} values, instead of V8's bare
 * "RangeError: Invalid typed array length".
 */
export function allocationSize(shape: Shape, op = 'tensor'): number {
  const n = sizeOf(shape, op);
  if (n > MAX_TENSOR_SIZE) {
    throw new ShapeError(
      `${op}: shape ${formatShape(shape)} holds ${n.toLocaleString('en-US')} values; a tensor holds at most ` +
        `${MAX_TENSOR_SIZE.toLocaleString('en-US')} (2^32)`,
    );
  }
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Resolves one `-1` in a reshape target against the element count. */
export function resolveShape(target: Shape, size: number, op = 'reshape'): number[] {
  const out = [...target];
  const free = out.indexOf(-1);
  if (free !== out.lastIndexOf(-1))
    throw new ShapeError(`${op}: only one dimension may be -1, got ${formatShape(target)}`);
  if (free >= 0) {
    out[free] = 1;
    const known = sizeOf(out, op);
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${size} elements into ${formatShape(target)}`);
    }
    out[free] = size / known;
  }
  if (sizeOf(out, op) !== size)
    throw new ShapeError(`${op}: cannot reshape ${size} elements into ${formatShape(target)}`);
  return out;
}

/** Splits a shape around `axis` into (outer, axisLen, inner) so reductions walk contiguous memory. */
export function splitAxis(
  shape: Shape,
  axis: number,
  op: string,
): { outer: number; len: number; inner: number; axis: number } {
  const rank = shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= rank) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for shape ${formatShape(shape)}`);
  }
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= shape[i];
  let inner = 1;
  for (let i = ax + 1; i < rank; i++) inner *= shape[i];
  return { outer, len: shape[ax], inner, axis: ax };
}

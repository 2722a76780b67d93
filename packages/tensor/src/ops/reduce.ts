import { formatShape, ShapeError, splitAxis } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { kernelsFor, output } from './common.ts';

function reducedShape(shape: readonly number[], axis: number, keepDims: boolean): number[] {
  const s = [...shape];
  if (keepDims) s[axis] = 1;
  else s.splice(axis, 1);
  return s;
}

/** Sum of all values (accumulated in float64). */
export function sum(x: Tensor): number;
/** Sum over `axis` (negative counts from the end), as numpy's `x.sum(axis)`. */
export function sum(
  x: Tensor,
  axis: number,
  opts?: { keepDims?: boolean; out?: Tensor; accumulate?: boolean },
): Tensor;
export function sum(
  x: Tensor,
  axis?: number,
  opts: { keepDims?: boolean; out?: Tensor; accumulate?: boolean } = {},
): number | Tensor {
  if (axis === undefined) {
    let s = 0;
    const d = x.data;
    for (let i = 0; i < d.length; i++) s += d[i];
    return s;
  }
  const { outer, len, inner, axis: ax } = splitAxis(x.shape, axis, 'sum');
  const res = output('sum', reducedShape(x.shape, ax, opts.keepDims ?? false), opts.out, x.dtype);
  kernelsFor('sum', x, res).sumAxis(x.data, res.data, outer, len, inner, opts.accumulate ?? false);
  return res;
}

/** Mean of all values. */
export function mean(x: Tensor): number;
/** Mean over `axis`. */
export function mean(x: Tensor, axis: number, opts?: { keepDims?: boolean }): Tensor;
export function mean(x: Tensor, axis?: number, opts: { keepDims?: boolean } = {}): number | Tensor {
  if (axis === undefined) {
    if (x.size === 0) throw new ShapeError('mean: empty tensor');
    return sum(x) / x.size;
  }
  const res = sum(x, axis, opts);
  const n = x.shape[axis < 0 ? axis + x.rank : axis];
  kernelsFor('mean', res).binaryScalar('div', res.data, n, res.data, res.size);
  return res;
}

/** Σ x² (float64), e.g. for gradient norms. */
export function sumSquares(x: Tensor): number {
  return kernelsFor('sumSquares', x).sumSquares(x.data, x.size);
}

/** Euclidean norm of all values. */
export function norm(x: Tensor): number {
  return Math.sqrt(sumSquares(x));
}

/** Largest value. */
export function max(x: Tensor): number {
  if (x.size === 0) throw new ShapeError('max: empty tensor');
  let m = -Infinity;
  for (const v of x.data) if (v > m || Number.isNaN(v)) m = v;
  return m;
}

/** Smallest value. */
export function min(x: Tensor): number {
  if (x.size === 0) throw new ShapeError('min: empty tensor');
  let m = Infinity;
  for (const v of x.data) if (v < m || Number.isNaN(v)) m = v;
  return m;
}

/** Index of the largest value over the flattened tensor (first one on ties). */
export function argmax(x: Tensor): number;
/** Indices of the largest values along `axis`, shaped like the reduced tensor, as an Int32Array. */
export function argmax(x: Tensor, axis: number): Int32Array;
export function argmax(x: Tensor, axis?: number): number | Int32Array {
  if (x.size === 0) throw new ShapeError(`argmax: empty tensor ${formatShape(x.shape)}`);
  if (axis === undefined) {
    let best = 0;
    for (let i = 1; i < x.size; i++) if (x.data[i] > x.data[best]) best = i;
    return best;
  }
  const { outer, len, inner } = splitAxis(x.shape, axis, 'argmax');
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestV = x.data[o * len * inner + i];
      for (let j = 1; j < len; j++) {
        const v = x.data[(o * len + j) * inner + i];
        if (v > bestV) {
          bestV = v;
          best = j;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}

/** 2-d transpose (a copy). */
export function transpose(x: Tensor, out?: Tensor): Tensor {
  if (x.rank !== 2)
    throw new ShapeError(`transpose: expected a 2-d tensor, got shape ${formatShape(x.shape)}`);
  const [r, c] = x.shape;
  const res = output('transpose', [c, r], out, x.dtype);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) res.data[j * r + i] = x.data[i * c + j];
  return res;
}

/** Stacks 2-d tensors with equal column counts on top of each other. */
export function concatRows(parts: readonly Tensor[], out?: Tensor): Tensor {
  if (parts.length === 0) throw new ShapeError('concatRows: no tensors given');
  const cols = parts[0].shape[1];
  let rows = 0;
  for (const p of parts) {
    if (p.rank !== 2 || p.shape[1] !== cols) {
      throw new ShapeError(
        `concatRows: shapes ${parts.map((q) => formatShape(q.shape)).join(' and ')} do not match`,
      );
    }
    if (p.dtype !== parts[0].dtype) throw new TypeError('concatRows: the tensors mix float32 and float64');
    rows += p.shape[0];
  }
  const res = output('concatRows', [rows, cols], out, parts[0].dtype);
  let off = 0;
  for (const p of parts) {
    res.data.set(p.data, off);
    off += p.size;
  }
  return res;
}

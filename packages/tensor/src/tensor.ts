import {
  allocationSize,
  formatShape,
  resolveShape,
  type Shape,
  ShapeError,
  sameShape,
  sizeOf,
} from './shape.ts';

/** A nested array of numbers, as produced by `toArray()` and accepted by `fromArray()`. */
export type NestedArray = number | NestedArray[];

/**
 * A tensor's element type. float32 is the project's working precision; float64 is for runs that
 * must compute what a float64 program computes (the article's numpy files), as
 * `torch.set_default_dtype(torch.float64)` would.
 */
export type DType = 'float32' | 'float64';

/** The storage of a tensor of either dtype. */
export type FloatArray = Float32Array | Float64Array;

/** A new zeroed array of `dtype` with `n` elements. */
export function allocate(dtype: DType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** The dtype of an array. */
export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/**
 * A dense, row-major n-d array of float32 (by default) or float64 values.
 *
 * The data is always contiguous: `reshape` shares the buffer, every other op writes into a new
 * tensor or into an `out` tensor given by the caller (the in-place form the hot path uses).
 *
 * ```ts
 * const w = Tensor.fromArray([[1, 2], [3, 4]]); // shape [2,2]
 * w.get(1, 0); // 3
 * ```
 */
export class Tensor {
  readonly data: FloatArray;
  readonly shape: Shape;

  constructor(data: FloatArray, shape: Shape) {
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new ShapeError(`tensor: shape ${formatShape(shape)} needs ${n} elements, got ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(allocate(dtype, allocationSize(shape, 'zeros')), shape);
  }

  static ones(shape: Shape, dtype: DType = 'float32'): Tensor {
    return Tensor.full(shape, 1, dtype);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    return new Tensor(allocate(dtype, allocationSize(shape, 'full')).fill(value), shape);
  }

  /** The element type: float64 when the storage is a Float64Array. */
  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** A copy in `dtype` (float64 to float32 rounds to nearest), or this tensor if it already is. */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const out = allocate(dtype, this.size);
    out.set(this.data);
    return new Tensor(out, this.shape);
  }

  /**
   * From a nested array (shape inferred, ragged input rejected) or from a flat array and a shape.
   */
  static fromArray(values: NestedArray | ArrayLike<number>, shape?: Shape, dtype: DType = 'float32'): Tensor {
    if (shape !== undefined) {
      const flat = typeof values === 'number' ? [values] : (values as ArrayLike<number>);
      const n = sizeOf(shape, 'fromArray');
      if (flat.length !== n) {
        throw new ShapeError(
          `fromArray: shape ${formatShape(shape)} needs ${n} elements, got ${flat.length}`,
        );
      }
      const out = allocate(dtype, n);
      for (let i = 0; i < n; i++) out[i] = (flat as ArrayLike<number>)[i];
      return new Tensor(out, shape);
    }
    if (ArrayBuffer.isView(values)) {
      const flat = values as unknown as ArrayLike<number>;
      const out = allocate(dtype, flat.length);
      for (let i = 0; i < flat.length; i++) out[i] = flat[i];
      return new Tensor(out, [flat.length]);
    }
    const inferred = inferShape(values as NestedArray);
    const out = allocate(dtype, allocationSize(inferred, 'fromArray'));
    let k = 0;
    const walk = (v: NestedArray, depth: number): void => {
      if (depth === inferred.length) {
        if (typeof v !== 'number') throw new ShapeError('fromArray: ragged nested array');
        out[k++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== inferred[depth]) {
        throw new ShapeError(
          `fromArray: ragged nested array (expected length ${inferred[depth]} at depth ${depth})`,
        );
      }
      for (const item of v) walk(item, depth + 1);
    };
    walk(values as NestedArray, 0);
    return new Tensor(out, inferred);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Same buffer, new shape; one dimension may be -1. */
  reshape(shape: Shape): Tensor {
    return new Tensor(this.data, resolveShape(shape, this.size));
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Copies `src` into this tensor; shapes must match exactly. */
  copyFrom(src: Tensor): this {
    assertSameShape('copyFrom', this, src);
    this.data.set(src.data);
    return this;
  }

  fill(value: number): this {
    this.data.fill(value);
    return this;
  }

  private offset(index: readonly number[]): number {
    if (index.length !== this.rank) {
      throw new ShapeError(
        `index: expected ${this.rank} indices for shape ${formatShape(this.shape)}, got ${index.length}`,
      );
    }
    let off = 0;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i];
      const j = index[i];
      if (!Number.isInteger(j) || j < 0 || j >= d) {
        throw new ShapeError(
          `index: ${j} is out of bounds for axis ${i} of shape ${formatShape(this.shape)}`,
        );
      }
      off = off * d + j;
    }
    return off;
  }

  get(...index: number[]): number {
    return this.data[this.offset(index)];
  }

  set(value: number, ...index: number[]): void {
    this.data[this.offset(index)] = value;
  }

  /** Row `i` of a 2-d tensor as a view `[cols]` (shares the buffer). */
  row(i: number): Tensor {
    const [rows, cols] = as2d('row', this);
    if (!Number.isInteger(i) || i < 0 || i >= rows) {
      throw new ShapeError(`row: ${i} is out of bounds for shape ${formatShape(this.shape)}`);
    }
    return new Tensor(this.data.subarray(i * cols, (i + 1) * cols), [cols]);
  }

  /** Rows `start..end` (end exclusive) of a 2-d tensor as a view (shares the buffer). */
  rows(start: number, end: number): Tensor {
    const [rows, cols] = as2d('rows', this);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > rows || start > end) {
      throw new ShapeError(
        `rows: range ${start}..${end} is out of bounds for shape ${formatShape(this.shape)}`,
      );
    }
    return new Tensor(this.data.subarray(start * cols, end * cols), [end - start, cols]);
  }

  toArray(): NestedArray {
    if (this.rank === 0) return this.data[0];
    let k = 0;
    const build = (depth: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[depth]; i++) {
        out.push(depth === this.rank - 1 ? this.data[k++] : build(depth + 1));
      }
      return out;
    };
    return build(0);
  }

  toString(): string {
    return `Tensor${formatShape(this.shape)}`;
  }
}

function inferShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new ShapeError(`${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not match`);
  }
}

/** Checks that `t` is 2-d and returns [rows, cols]. */
export function as2d(op: string, t: Tensor): [number, number] {
  if (t.rank !== 2) throw new ShapeError(`${op}: expected a 2-d tensor, got shape ${formatShape(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

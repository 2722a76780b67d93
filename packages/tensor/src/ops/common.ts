import { type Backend, backendFor } from '../backend.ts';
import { formatShape, type Shape, ShapeError, sameShape } from '../shape.ts';
import { type DType, Tensor } from '../tensor.ts';

/**
 * Returns `out` after checking its shape and dtype, or a new zero tensor of `shape` and `dtype`
 * (an op's output has its inputs' dtype).
 */
export function output(op: string, shape: Shape, out: Tensor | undefined, dtype: DType): Tensor {
  if (out === undefined) return Tensor.zeros(shape, dtype);
  if (!sameShape(out.shape, shape)) {
    throw new ShapeError(`${op}: out has shape ${formatShape(out.shape)}, expected ${formatShape(shape)}`);
  }
  if (out.dtype !== dtype) throw new TypeError(`${op}: out is ${out.dtype}, the inputs are ${dtype}`);
  return out;
}

/**
 * The backend for an op on these tensors (the first is the one whose dtype rules), after checking
 * that they all have one dtype: ops never mix float32 and float64 silently, as numpy would by
 * promoting. Fixed arity, so the hot path allocates no argument array.
 */
export function kernelsFor(op: string, a: Tensor, b?: Tensor, c?: Tensor, d?: Tensor): Backend {
  const f64 = a.data instanceof Float64Array;
  if (
    (b !== undefined && b.data instanceof Float64Array !== f64) ||
    (c !== undefined && c.data instanceof Float64Array !== f64) ||
    (d !== undefined && d.data instanceof Float64Array !== f64)
  ) {
    const dtypes = [a, b, c, d].filter((t) => t !== undefined).map((t) => (t as Tensor).dtype);
    throw new TypeError(`${op}: the tensors mix dtypes (${dtypes.join(', ')}); convert one with .to()`);
  }
  return backendFor(a.data);
}

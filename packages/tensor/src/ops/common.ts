import { formatShape, type Shape, ShapeError, sameShape } from '../shape.ts';
import { Tensor } from '../tensor.ts';

/** Returns `out` after checking its shape, or a new zero tensor of `shape`. */
export function output(op: string, shape: Shape, out?: Tensor): Tensor {
  if (out === undefined) return Tensor.zeros(shape);
  if (!sameShape(out.shape, shape)) {
    throw new ShapeError(`${op}: out has shape ${formatShape(out.shape)}, expected ${formatShape(shape)}`);
  }
  return out;
}

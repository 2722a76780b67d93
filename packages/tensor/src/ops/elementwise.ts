import type { ActivationKind, BinaryOp, UnaryOp } from '../backend.ts';
import { formatShape, ShapeError, sameShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { kernelsFor, output } from './common.ts';

/**
 * `a op b` elementwise. `b` may be a number, a tensor of the same shape, or a row `[cols]` /
 * `[1,cols]` broadcast over every row of a 2-d (or n-d, last axis) `a`, as numpy does for biases.
 */
export function binary(op: BinaryOp, a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  const res = output(op, a.shape, out, a.dtype);
  const be = typeof b === 'number' ? kernelsFor(op, a, res) : kernelsFor(op, a, b, res);
  if (typeof b === 'number') {
    be.binaryScalar(op, a.data, b, res.data, a.size);
  } else if (sameShape(a.shape, b.shape)) {
    be.binary(op, a.data, b.data, res.data, a.size);
  } else {
    const cols = a.rank > 0 ? a.shape[a.rank - 1] : 1;
    const isRow = b.size === cols && (b.rank === 1 || (b.rank === 2 && b.shape[0] === 1));
    if (!isRow || a.rank < 1) {
      throw new ShapeError(
        `${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`,
      );
    }
    be.binaryRow(op, a.data, b.data, res.data, a.size / Math.max(cols, 1), cols);
  }
  return res;
}

export const add = (a: Tensor, b: Tensor | number, out?: Tensor): Tensor => binary('add', a, b, out);
export const sub = (a: Tensor, b: Tensor | number, out?: Tensor): Tensor => binary('sub', a, b, out);
export const mul = (a: Tensor, b: Tensor | number, out?: Tensor): Tensor => binary('mul', a, b, out);
export const div = (a: Tensor, b: Tensor | number, out?: Tensor): Tensor => binary('div', a, b, out);
export const maximum = (a: Tensor, b: Tensor | number, out?: Tensor): Tensor => binary('max', a, b, out);
export const minimum = (a: Tensor, b: Tensor | number, out?: Tensor): Tensor => binary('min', a, b, out);

/** `op(x)` elementwise. */
export function unary(op: UnaryOp, x: Tensor, out?: Tensor): Tensor {
  const res = output(op, x.shape, out, x.dtype);
  kernelsFor(op, x, res).unary(op, x.data, res.data, x.size);
  return res;
}

export const neg = (x: Tensor, out?: Tensor): Tensor => unary('neg', x, out);
export const abs = (x: Tensor, out?: Tensor): Tensor => unary('abs', x, out);
export const exp = (x: Tensor, out?: Tensor): Tensor => unary('exp', x, out);
export const log = (x: Tensor, out?: Tensor): Tensor => unary('log', x, out);
export const sqrt = (x: Tensor, out?: Tensor): Tensor => unary('sqrt', x, out);
export const square = (x: Tensor, out?: Tensor): Tensor => unary('square', x, out);
export const sign = (x: Tensor, out?: Tensor): Tensor => unary('sign', x, out);

/** `f(x)` for an activation; `slope` is LeakyReLU's negative slope. */
export function activate(kind: ActivationKind, x: Tensor, out?: Tensor, slope = 0.01): Tensor {
  const res = output(kind, x.shape, out, x.dtype);
  kernelsFor(kind, x, res).activation(kind, x.data, res.data, x.size, slope);
  return res;
}

/** `dy · f'(x)`, given the pre-activation `x` and `y = f(x)`. */
export function activateGrad(
  kind: ActivationKind,
  x: Tensor,
  y: Tensor,
  dy: Tensor,
  out?: Tensor,
  slope = 0.01,
): Tensor {
  if (!sameShape(x.shape, y.shape) || !sameShape(x.shape, dy.shape)) {
    throw new ShapeError(
      `${kind}Grad: shapes ${formatShape(x.shape)}, ${formatShape(y.shape)} and ${formatShape(dy.shape)} do not match`,
    );
  }
  const res = output(`${kind}Grad`, x.shape, out, x.dtype);
  kernelsFor(`${kind}Grad`, x, y, dy, res).activationGrad(
    kind,
    x.data,
    y.data,
    dy.data,
    res.data,
    x.size,
    slope,
  );
  return res;
}

export const relu = (x: Tensor, out?: Tensor): Tensor => activate('relu', x, out);
export const leakyRelu = (x: Tensor, slope = 0.01, out?: Tensor): Tensor =>
  activate('leakyRelu', x, out, slope);
export const tanh = (x: Tensor, out?: Tensor): Tensor => activate('tanh', x, out);
export const atan = (x: Tensor, out?: Tensor): Tensor => activate('atan', x, out);
export const sigmoid = (x: Tensor, out?: Tensor): Tensor => activate('sigmoid', x, out);

/** `x[r,c] + bias[c]` over a 2-d x. */
export function addBias(x: Tensor, bias: Tensor, out?: Tensor): Tensor {
  if (x.rank !== 2 || bias.size !== x.shape[1]) {
    throw new ShapeError(
      `addBias: shapes ${formatShape(x.shape)} and ${formatShape(bias.shape)} do not match`,
    );
  }
  const res = output('addBias', x.shape, out, x.dtype);
  kernelsFor('addBias', x, bias, res).addBias(x.data, bias.data, res.data, x.shape[0], x.shape[1]);
  return res;
}

/** True when every value is finite (no NaN, no ±Infinity). */
export function allFinite(x: Tensor): boolean {
  const d = x.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  return true;
}

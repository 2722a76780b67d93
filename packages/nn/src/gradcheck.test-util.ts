import type { Rng, Tensor, FloatArray } from '@gan/tensor';
import { expect } from 'vitest';
import type { Layer } from './layer.ts';
import { zeroGrad } from './parameter.ts';

/**
 * Central finite differences of a scalar function of the values in `x` (float32 or float64
 * storage, float64 loss), compared with an analytic gradient by the relative error
 * ‖a - n‖ / (‖a‖ + ‖n‖). The actual step is measured after rounding to the storage, so `h` need
 * not be representable.
 */
export function expectGradClose(
  what: string,
  f: () => number,
  x: FloatArray,
  analytic: ArrayLike<number>,
  { h = 1e-2, tol = 2e-3 } = {},
): void {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    x[i] = x0 + h;
    const xp = x[i];
    const fp = f();
    x[i] = x0 - h;
    const xm = x[i];
    const fm = f();
    x[i] = x0;
    const numeric = (fp - fm) / (xp - xm);
    diff += (numeric - analytic[i]) ** 2;
    norm += Math.abs(numeric) + Math.abs(analytic[i]);
  }
  const rel = Math.sqrt(diff) / Math.max(norm / x.length, 1e-12) / Math.sqrt(x.length);
  expect(rel, `${what}: relative error ${rel.toExponential(2)}`).toBeLessThan(tol);
}

/** Σ r·y in float64, a loss whose gradient w.r.t. y is r. */
export function dotLoss(y: FloatArray, r: FloatArray): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * r[i];
  return s;
}

/**
 * Checks a layer's dL/dx and every dL/dθ against finite differences of L = Σ r·layer(x), for an
 * upstream gradient r drawn from `rng`. Parameter gradients start from zero.
 */
export function expectLayerGradsClose(
  what: string,
  layer: Layer,
  x: Tensor,
  rng: Rng,
  opts: { h?: number; tol?: number } = {},
): void {
  const y = layer.forward(x);
  const r = rng.normalTensor(y.shape).to(y.dtype);
  zeroGrad(layer.parameters());
  const dx = Float64Array.from(layer.backward(r)!.data);
  const grads = layer.parameters().map((p) => Float64Array.from(p.grad.data));
  const loss = () => dotLoss(layer.forward(x).data, r.data);
  expectGradClose(`${what} dx`, loss, x.data, dx, opts);
  layer
    .parameters()
    .forEach((p, i) => expectGradClose(`${what} d${p.name}`, loss, p.value.data, grads[i], opts));
}

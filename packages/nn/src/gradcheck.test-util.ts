import { expect } from 'vitest';

/**
 * Central finite differences of a scalar function of the values in `x` (float32 storage, float64
 * loss), compared with an analytic gradient by the relative error ‖a - n‖ / (‖a‖ + ‖n‖).
 * The actual step is measured after rounding to float32, so `h` need not be representable.
 */
export function expectGradClose(
  what: string,
  f: () => number,
  x: Float32Array,
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
export function dotLoss(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * r[i];
  return s;
}

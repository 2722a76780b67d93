/**
 * Finite differences of a training step's loss against the gradients the step computed, for the
 * trainer's tests: central differences with the perturbed values as float32 stores them.
 */
import type { GanTrainer } from './gan.ts';

export interface GradcheckOptions {
  /** The step h of the central difference. */
  h: number;
  /** A value passes when |analytic - numeric| <= atol + rtol · |numeric|. */
  atol: number;
  rtol: number;
  /** Check every `stride`-th value of each tensor (1: all), for large layers. */
  stride?: (size: number) => number;
}

/** Each parameter's gradient as computed, copied (the checks below overwrite nothing in it). */
export const gradsOf = (params: GanTrainer['dParams']) => params.map((p) => Float32Array.from(p.grad.data));

/**
 * The parameter values whose analytic and numeric derivatives of `loss` disagree, as
 * `name[i]: analytic vs numeric`, and the relative error over all checked values,
 * sqrt(Σ (a - n)² / Σ (a² + n²)).
 */
export function gradientMismatches(
  params: GanTrainer['dParams'],
  analytic: Float32Array[],
  loss: () => number,
  opts: GradcheckOptions,
): { bad: string[]; relative: number } {
  const bad: string[] = [];
  let diff = 0;
  let norm = 0;
  params.forEach((p, k) => {
    const x = p.value.data;
    const step = opts.stride?.(x.length) ?? 1;
    for (let i = 0; i < x.length; i += step) {
      const x0 = x[i];
      x[i] = x0 + opts.h;
      const up = x[i];
      const fUp = loss();
      x[i] = x0 - opts.h;
      const down = x[i];
      const fDown = loss();
      x[i] = x0;
      const numeric = (fUp - fDown) / (up - down); // the steps as float32 stored them
      const a = analytic[k][i];
      if (!(Math.abs(a - numeric) <= opts.atol + opts.rtol * Math.abs(numeric)))
        bad.push(`${p.name}[${i}]: ${a} vs ${numeric}`);
      diff += (a - numeric) ** 2;
      norm += a * a + numeric * numeric;
    }
  });
  return { bad, relative: Math.sqrt(diff / norm) };
}

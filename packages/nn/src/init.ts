import type { Rng, Tensor } from '@gan/tensor';

/**
 * Weight initialisers for a `[fanIn, fanOut]` weight, all drawn from an injected seeded Rng.
 *
 * - `he-normal`: N(0, sqrt(2 / fanIn)) · gain. The article uses this with gain 0.002
 *   (`np.random.normal(scale=1/sqrt(fan_in/2)) * 0.002`).
 * - `xavier-uniform`: U(-a, a), a = gain · sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio).
 * - `xavier-normal`: N(0, gain · sqrt(2 / (fanIn + fanOut))).
 * - `normal`: N(0, std) (DCGAN's 0.02).
 * - `zeros`.
 */
export type InitScheme = 'he-normal' | 'xavier-uniform' | 'xavier-normal' | 'normal' | 'zeros';

export interface InitOptions {
  scheme: InitScheme;
  /** Multiplies the scale of he-normal and xavier-* (default 1). */
  gain?: number;
  /** Standard deviation of `normal` (default 0.02). */
  std?: number;
  /**
   * The fan-in the scale is computed from, instead of the weight's own. NOTE: only for reproducing
   * code that got it wrong (one of the article's files scales its output layer by its first hidden
   * layer's width).
   */
  fanIn?: number;
}

export function initWeight(w: Tensor, ownFanIn: number, fanOut: number, rng: Rng, opts: InitOptions): void {
  const gain = opts.gain ?? 1;
  const fanIn = opts.fanIn ?? ownFanIn;
  switch (opts.scheme) {
    case 'he-normal':
      rng.fillNormal(w.data, 0, Math.sqrt(2 / fanIn) * gain);
      return;
    case 'xavier-uniform': {
      const a = gain * Math.sqrt(6 / (fanIn + fanOut));
      rng.fillUniform(w.data, -a, a);
      return;
    }
    case 'xavier-normal':
      rng.fillNormal(w.data, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
      return;
    case 'normal':
      rng.fillNormal(w.data, 0, opts.std ?? 0.02);
      return;
    case 'zeros':
      w.data.fill(0);
      return;
  }
}

import { formatShape, ShapeError, sigmoidScalar, type Tensor } from '@gan/tensor';

/**
 * Losses on a discriminator's output, computed either from logits (numerically stable) or from
 * probabilities (the article's way: `log` of a sigmoid output, which overflows to ±Infinity and
 * then NaN once the sigmoid rounds to exactly 0 or 1).
 *
 * Every loss is a mean over the batch and writes its gradient w.r.t. its input (logits or
 * probabilities) into `grad` when one is given. Values are accumulated in float64.
 */

/** Which log term: `log p` or `log(1 - p)`. */
type LogTerm = 'logP' | 'log1mP';

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * `coef · mean(term)` over the values of `input`, gradient `coef · dterm/dinput / n` into `grad`.
 *
 *                 from logits l                    from probabilities p
 *   log p         -softplus(-l),  d/dl = 1 - σ(l)   log p,      d/dp = 1 / p
 *   log(1 - p)    -softplus(l),   d/dl = -σ(l)      log(1 - p), d/dp = -1 / (1 - p)
 */
function logTerm(
  input: Tensor,
  term: LogTerm,
  coef: number,
  fromProbabilities: boolean,
  grad?: Tensor,
): number {
  const n = input.size;
  if (n === 0) throw new ShapeError('loss: empty batch');
  if (grad !== undefined && grad.size !== n) {
    throw new ShapeError(
      `loss: gradient shape ${formatShape(grad.shape)} does not match input ${formatShape(input.shape)}`,
    );
  }
  const x = input.data;
  const g = grad?.data;
  const scale = coef / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    let value: number;
    let d: number;
    if (fromProbabilities) {
      if (term === 'logP') {
        value = Math.log(v);
        d = 1 / v;
      } else {
        value = Math.log(1 - v);
        d = -1 / (1 - v);
      }
    } else if (term === 'logP') {
      value = -softplus(-v);
      d = sigmoidScalar(-v);
    } else {
      value = -softplus(v);
      d = -sigmoidScalar(v);
    }
    total += value;
    if (g !== undefined) g[i] = scale * d;
  }
  return coef * (total / n);
}

function checkTarget(target: number): void {
  if (target !== 0 && target !== 1)
    throw new RangeError(`binary cross-entropy: target must be 0 or 1, got ${target}`);
}

/** Binary cross-entropy on probabilities: `-mean(t·log p + (1-t)·log(1-p))` for a target t of 0 or 1. */
export function binaryCrossEntropy(p: Tensor, target: 0 | 1, grad?: Tensor): number {
  checkTarget(target);
  return logTerm(p, target === 1 ? 'logP' : 'log1mP', -1, true, grad);
}

/** Binary cross-entropy on logits, stable for any logit: the loss of `sigmoid(l)` against t (0 or 1). */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: 0 | 1, grad?: Tensor): number {
  checkTarget(target);
  return logTerm(logits, target === 1 ? 'logP' : 'log1mP', -1, false, grad);
}

/**
 * Discriminator losses, on D's outputs for a real batch and a fake batch:
 * - `standard` (Goodfellow et al. 2014): `-mean log D(x) - mean log(1 - D(G(z)))`. The article's
 *   code trains D on this one: its hand-derived gradients are `-1/D(x)` and `1/(1 - D(G(z)))`.
 * - `flipped`: `-mean log D(x) + mean log(1 - D(G(z)))`, the cost the article *prints*, descended
 *   as if the code had followed its own formula. NOTE: minimising it pushes D(G(z)) up, towards
 *   calling fakes real; it is a counterfactual, not what the article trained.
 */
export type DiscriminatorLossKind = 'standard' | 'flipped';

/**
 * Generator losses on D's output for a fake batch:
 * - `non-saturating`: `-mean log D(G(z))` (what the article and practice use);
 * - `minimax`: `mean log(1 - D(G(z)))` (the original game; its gradient vanishes when D wins).
 */
export type GeneratorLossKind = 'non-saturating' | 'minimax';

export interface GanLossOptions {
  /** Inputs are probabilities (after a sigmoid) instead of logits. */
  fromProbabilities: boolean;
}

export function discriminatorLoss(
  kind: DiscriminatorLossKind,
  real: Tensor,
  fake: Tensor,
  opts: GanLossOptions,
  gradReal?: Tensor,
  gradFake?: Tensor,
): number {
  const realTerm = logTerm(real, 'logP', -1, opts.fromProbabilities, gradReal);
  const fakeTerm = logTerm(fake, 'log1mP', kind === 'standard' ? -1 : 1, opts.fromProbabilities, gradFake);
  return realTerm + fakeTerm;
}

/**
 * The discriminator cost as the article prints it, `-mean log D(x) + mean log(1 - D(G(z)))`,
 * whatever D is trained on: the value to compare with the article's `Current D cost` lines.
 * (With D(x) = D(G(z)) = 0.5 it is 0; it goes negative as D learns to reject fakes.)
 */
export function articlePrintedDiscriminatorCost(real: Tensor, fake: Tensor, opts: GanLossOptions): number {
  return (
    logTerm(real, 'logP', -1, opts.fromProbabilities) + logTerm(fake, 'log1mP', 1, opts.fromProbabilities)
  );
}

export function generatorLoss(
  kind: GeneratorLossKind,
  fake: Tensor,
  opts: GanLossOptions,
  grad?: Tensor,
): number {
  return kind === 'non-saturating'
    ? logTerm(fake, 'logP', -1, opts.fromProbabilities, grad)
    : logTerm(fake, 'log1mP', 1, opts.fromProbabilities, grad);
}

/** Mean of D's probability over a batch of outputs (logits or probabilities). */
export function meanProbability(out: Tensor, fromProbabilities: boolean): number {
  let s = 0;
  for (let i = 0; i < out.size; i++) s += fromProbabilities ? out.data[i] : sigmoidScalar(out.data[i]);
  return s / out.size;
}

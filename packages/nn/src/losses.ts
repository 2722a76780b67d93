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

/** The batch size of a loss's input; throws when it is empty or `grad` does not match it. */
function checkLossShapes(input: Tensor, grad?: Tensor): number {
  const n = input.size;
  if (n === 0) throw new ShapeError('loss: empty batch');
  if (grad !== undefined && grad.size !== n) {
    throw new ShapeError(
      `loss: gradient shape ${formatShape(grad.shape)} does not match input ${formatShape(input.shape)}`,
    );
  }
  return n;
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
  const n = checkLossShapes(input, grad);
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
export type DiscriminatorLossKind = 'standard' | 'flipped' | LogitOnlyLossKind;

/**
 * Losses defined on D's raw output (a logit or a critic score), never on a probability:
 * - `least-squares` (LSGAN, Mao et al. 2017, 0-1 coding a = 0, b = 1, c = 1, as
 *   `xudonmao/LSGAN stability_comparison/mixture_gaussian/ls.py`, where `tf.nn.l2_loss` carries the
 *   ½): D `½·mean (D(x) - 1)² + ½·mean D(G(z))²`, G `½·mean (D(G(z)) - 1)²`;
 * - `hinge` (as `pfnet-research/sngan_projection updater.py`): D `mean relu(1 - D(x)) +
 *   mean relu(1 + D(G(z)))`, G `-mean D(G(z))`;
 * - `wasserstein` (WGAN, Arjovsky et al. 2017): D `mean D(G(z)) - mean D(x)`, G `-mean D(G(z))`;
 *   only meaningful with D's weights clipped (the trainer's `loss.clip`).
 *
 * NOTE: on a probability these losses would change meaning (a critic squashed into 0..1 is no
 * longer a critic), so they throw when asked to work from probabilities.
 */
export type LogitOnlyLossKind = 'least-squares' | 'hinge' | 'wasserstein';

/** Whether a D or G loss kind is defined on logits only (see {@link LogitOnlyLossKind}). */
export function isLogitOnlyLoss(kind: DiscriminatorLossKind | GeneratorLossKind): kind is LogitOnlyLossKind {
  return kind === 'least-squares' || kind === 'hinge' || kind === 'wasserstein';
}

/** Which raw-output term: `½(x - 1)²`, `½x²`, `relu(1 - x)`, `relu(1 + x)` or `x`. */
type RawTerm = 'halfSqMinus1' | 'halfSq' | 'hingeReal' | 'hingeFake' | 'linear';

/**
 * `coef · mean(term)` over the raw outputs in `input`, gradient `coef · dterm/dx / n` into `grad`.
 * (relu's derivative at its kink is taken as 0, as PyTorch and TensorFlow do.)
 */
function rawTerm(input: Tensor, term: RawTerm, coef: number, grad?: Tensor): number {
  const n = checkLossShapes(input, grad);
  const x = input.data;
  const g = grad?.data;
  const scale = coef / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    let value: number;
    let d: number;
    if (term === 'halfSqMinus1') {
      value = 0.5 * (v - 1) * (v - 1);
      d = v - 1;
    } else if (term === 'halfSq') {
      value = 0.5 * v * v;
      d = v;
    } else if (term === 'hingeReal') {
      value = v < 1 ? 1 - v : 0;
      d = v < 1 ? -1 : 0;
    } else if (term === 'hingeFake') {
      value = v > -1 ? 1 + v : 0;
      d = v > -1 ? 1 : 0;
    } else {
      value = v;
      d = 1;
    }
    total += value;
    if (g !== undefined) g[i] = scale * d;
  }
  return coef * (total / n);
}

function checkLogits(kind: LogitOnlyLossKind, opts: GanLossOptions): void {
  if (opts.fromProbabilities) {
    throw new RangeError(`loss '${kind}' is defined on D's raw output (logits), not on probabilities`);
  }
}

/**
 * Generator losses on D's output for a fake batch:
 * - `non-saturating`: `-mean log D(G(z))` (what the article and practice use);
 * - `minimax`: `mean log(1 - D(G(z)))` (the original game; its gradient vanishes when D wins).
 */
export type GeneratorLossKind = 'non-saturating' | 'minimax' | LogitOnlyLossKind;

export interface GanLossOptions {
  /** Inputs are probabilities (after a sigmoid) instead of logits. */
  fromProbabilities: boolean;
  /**
   * The real target of D's cross-entropy (`standard` and `flipped`), 1 unless set: one-sided label
   * smoothing (Salimans et al. 2016, `openai/improved-gan imagenet/build_model.py`) uses α < 1 for
   * real samples and keeps fakes at 0. The real term becomes `-mean(α log D(x) + (1-α) log(1-D(x)))`.
   */
  realLabel?: number;
}

export function discriminatorLoss(
  kind: DiscriminatorLossKind,
  real: Tensor,
  fake: Tensor,
  opts: GanLossOptions,
  gradReal?: Tensor,
  gradFake?: Tensor,
): number {
  if (isLogitOnlyLoss(kind)) {
    checkLogits(kind, opts);
    if (kind === 'least-squares') {
      return rawTerm(real, 'halfSqMinus1', 1, gradReal) + rawTerm(fake, 'halfSq', 1, gradFake);
    }
    if (kind === 'hinge') {
      return rawTerm(real, 'hingeReal', 1, gradReal) + rawTerm(fake, 'hingeFake', 1, gradFake);
    }
    return rawTerm(fake, 'linear', 1, gradFake) + rawTerm(real, 'linear', -1, gradReal);
  }
  const alpha = opts.realLabel ?? 1;
  const realTerm =
    alpha === 1
      ? logTerm(real, 'logP', -1, opts.fromProbabilities, gradReal)
      : smoothedRealTerm(real, alpha, opts.fromProbabilities, gradReal);
  const fakeTerm = logTerm(fake, 'log1mP', kind === 'standard' ? -1 : 1, opts.fromProbabilities, gradFake);
  return realTerm + fakeTerm;
}

/**
 * `-mean(α log p + (1-α) log(1-p))`, the real term with target α: its gradient is `(σ(l) - α) / n`
 * on logits, `(-α/p + (1-α)/(1-p)) / n` on probabilities.
 */
function smoothedRealTerm(real: Tensor, alpha: number, fromProbabilities: boolean, grad?: Tensor): number {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`loss: realLabel must be in (0, 1], got ${alpha}`);
  const n = checkLossShapes(real, grad);
  const x = real.data;
  const g = grad?.data;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    let value: number;
    let d: number;
    if (fromProbabilities) {
      value = -(alpha * Math.log(v) + (1 - alpha) * Math.log(1 - v));
      d = -alpha / v + (1 - alpha) / (1 - v);
    } else {
      value = alpha * softplus(-v) + (1 - alpha) * softplus(v);
      d = sigmoidScalar(v) - alpha;
    }
    total += value;
    if (g !== undefined) g[i] = d / n;
  }
  return total / n;
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
  if (isLogitOnlyLoss(kind)) {
    checkLogits(kind, opts);
    return kind === 'least-squares'
      ? rawTerm(fake, 'halfSqMinus1', 1, grad)
      : rawTerm(fake, 'linear', -1, grad);
  }
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

import {
  addBias,
  formatShape,
  matmul,
  type Rng,
  ShapeError,
  sum,
  Tensor,
  type FloatArray,
} from '@gan/tensor';
import { Buffer2d } from './buffers.ts';
import { type InitOptions, initWeight } from './init.ts';
import type { BackwardOptions, Layer } from './layer.ts';
import { type Parameter, parameter } from './parameter.ts';

/** The floor of a norm in the power iteration's normalisations (PyTorch `F.normalize`'s eps; the
 * official chainer code, `sngan_projection source/functions/max_sv.py`, adds the same 1e-12). */
export const SPECTRAL_NORM_EPS = 1e-12;

/** A layer's state that is not trained but must be checkpointed (PyTorch's buffers). */
export interface LayerBuffer {
  /** Dotted name, unique within a network, as PyTorch's state_dict keys (`0.weight_u`). */
  readonly name: string;
  readonly value: Tensor;
}

/**
 * A fully connected layer with spectral normalisation (Miyato et al. 2018): `y = x·W̄ + b`,
 * `W̄ = W / σ(W)`, with `W: [in, out]` stored as {@link Linear} stores it (the transpose of
 * PyTorch's). σ is estimated by one power iteration per forward pass from a persistent `u: [out]`
 * (`Ip = 1` and `register_persistent('u')` in `pfnet-research/sngan_projection
 * source/links/sn_linear.py`; PyTorch's `torch.nn.utils.spectral_norm` does the same):
 *
 *   v = normalize(W u),   u ← normalize(Wᵀ v),   σ = vᵀ W u
 *
 * with normalize(a) = a / max(‖a‖, 1e-12). The gradient flows through σ with u and v held
 * constant, as the official code (`F.sum(F.linear(_u, F.transpose(W)) * _v)`, u and v computed
 * on `W.data`): for `G = dL/dW̄ = xᵀ·dy`,
 *
 *   dW += G / σ - (⟨G, W̄⟩ / σ) · v uᵀ,   db += Σ_rows dy,   dx = dy·W̄ᵀ
 *
 * `u` is state, not a parameter: checkpoint it (see {@link buffers}) so a resumed run continues
 * bit-identically. Setting `powerIteration = false` holds u and v (and so σ's estimate) fixed
 * across forwards, for finite-difference checks of the gradient.
 *
 * ```ts
 * const fc = new SpectralNormLinear(784, 128, 'd.0');
 * fc.resetParameters(Rng.create(0, 'init'), { scheme: 'normal', std: 0.02 });
 * fc.resetU(Rng.create(0, 'spectral-u'));
 * const h = fc.forward(x); // [batch, 128], with ‖W̄‖₂ ≈ 1
 * ```
 */
export class SpectralNormLinear implements Layer {
  readonly weight: Parameter;
  readonly bias: Parameter;
  /** The persistent left singular vector estimate, `[out]` (PyTorch's `weight_u`). */
  readonly u: Tensor;
  /** The right singular vector of the last power iteration, `[in]` (recomputed from u each forward). */
  readonly v: Tensor;
  /** False: forwards reuse u and v as they are (for gradient checks). */
  powerIteration = true;
  private sigmaValue = 1;
  private readonly wBar: Tensor;
  private readonly gBar: Tensor;
  private input: Tensor | null = null;
  private readonly out = new Buffer2d();
  private readonly dx = new Buffer2d();

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly name = 'linear',
  ) {
    if (
      !Number.isInteger(inFeatures) ||
      inFeatures < 1 ||
      !Number.isInteger(outFeatures) ||
      outFeatures < 1
    ) {
      throw new RangeError(
        `SpectralNormLinear ${name}: sizes must be integers >= 1, got ${inFeatures} -> ${outFeatures}`,
      );
    }
    const prefix = name === '' ? '' : `${name}.`;
    this.weight = parameter(`${prefix}weight`, Tensor.zeros([inFeatures, outFeatures]));
    this.bias = parameter(`${prefix}bias`, Tensor.zeros([outFeatures]));
    this.u = Tensor.zeros([outFeatures]);
    this.u.data[0] = 1;
    this.v = Tensor.zeros([inFeatures]);
    this.wBar = Tensor.zeros([inFeatures, outFeatures]);
    this.gBar = Tensor.zeros([inFeatures, outFeatures]);
  }

  /** Draws the weight from `init` and zeroes the bias, as {@link Linear}; u is drawn by {@link resetU}. */
  resetParameters(rng: Rng, init: InitOptions): void {
    initWeight(this.weight.value, this.inFeatures, this.outFeatures, rng, init);
    this.bias.value.data.fill(0);
  }

  /** Draws u ~ N(0, I) and normalises it (PyTorch's `normalize(weight.new_empty(h).normal_(0, 1))`). */
  resetU(rng: Rng): void {
    rng.fillNormal(this.u.data, 0, 1);
    normalize(this.u.data);
  }

  /** σ(W) as estimated by the last forward pass. */
  get sigma(): number {
    return this.sigmaValue;
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(
        `SpectralNormLinear ${this.name}: input shape ${formatShape(x.shape)} does not match [batch,${this.inFeatures}]`,
      );
    }
    const w = this.weight.value.data;
    const u = this.u.data;
    const v = this.v.data;
    const nIn = this.inFeatures;
    const nOut = this.outFeatures;
    if (this.powerIteration) {
      // v = normalize(W u), then u = normalize(Wᵀ v), in float64 sums.
      for (let i = 0; i < nIn; i++) {
        let s = 0;
        for (let o = 0; o < nOut; o++) s += w[i * nOut + o] * u[o];
        v[i] = s;
      }
      normalize(v);
      for (let o = 0; o < nOut; o++) {
        let s = 0;
        for (let i = 0; i < nIn; i++) s += w[i * nOut + o] * v[i];
        u[o] = s;
      }
      normalize(u);
    }
    let sigma = 0;
    for (let i = 0; i < nIn; i++) {
      let s = 0;
      for (let o = 0; o < nOut; o++) s += w[i * nOut + o] * u[o];
      sigma += v[i] * s;
    }
    this.sigmaValue = sigma;
    const wb = this.wBar.data;
    for (let k = 0; k < wb.length; k++) wb[k] = w[k] / sigma;
    this.input = x;
    const y = this.out.get(x.shape[0], nOut);
    matmul(x, this.wBar, { out: y });
    addBias(y, this.bias.value, y);
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    const x = this.input;
    if (x === null) throw new Error(`SpectralNormLinear ${this.name}: backward before forward`);
    if (dy.rank !== 2 || dy.shape[0] !== x.shape[0] || dy.shape[1] !== this.outFeatures) {
      throw new ShapeError(
        `SpectralNormLinear ${this.name}: gradient shape ${formatShape(dy.shape)} does not match the output`,
      );
    }
    if (opts.paramGrads ?? true) {
      matmul(x, dy, { transA: true, out: this.gBar });
      const g = this.gBar.data;
      const wb = this.wBar.data;
      let dot = 0;
      for (let k = 0; k < g.length; k++) dot += g[k] * wb[k];
      const sigma = this.sigmaValue;
      const c = dot / sigma;
      const u = this.u.data;
      const v = this.v.data;
      const dw = this.weight.grad.data;
      const nOut = this.outFeatures;
      for (let i = 0; i < this.inFeatures; i++) {
        for (let o = 0; o < nOut; o++) {
          const k = i * nOut + o;
          dw[k] += g[k] / sigma - c * v[i] * u[o];
        }
      }
      sum(dy, 0, { out: this.bias.grad, accumulate: true });
    }
    if (!(opts.inputGrad ?? true)) return null;
    const dx = this.dx.get(x.shape[0], this.inFeatures);
    matmul(dy, this.wBar, { transB: true, out: dx });
    return dx;
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }

  /** The state to checkpoint besides the parameters: u, named `<name>.weight_u` as PyTorch does. */
  buffers(): LayerBuffer[] {
    const prefix = this.name === '' ? '' : `${this.name}.`;
    return [{ name: `${prefix}weight_u`, value: this.u }];
  }
}

/** a ← a / max(‖a‖, 1e-12), the norm summed in float64. */
function normalize(a: FloatArray): void {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  const n = Math.max(Math.sqrt(s), SPECTRAL_NORM_EPS);
  for (let i = 0; i < a.length; i++) a[i] /= n;
}

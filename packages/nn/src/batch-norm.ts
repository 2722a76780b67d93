import { backend, formatShape, ShapeError, Tensor, type FloatArray } from '@gan/tensor';
import { Buffer2d, SegmentViews } from './buffers.ts';
import type { BackwardOptions, Layer } from './layer.ts';
import { type Parameter, parameter } from './parameter.ts';
import type { LayerBuffer } from './spectral-norm.ts';

export interface BatchNormOptions {
  /** Channels C (the features of a BatchNorm1d). */
  features: number;
  /** Values per channel in a row, S: 1 after a Linear (BatchNorm1d), H·W after a conv (BatchNorm2d). Default 1. */
  spatial?: number;
  /** Added to the variance under the square root. Default 1e-5. */
  eps?: number;
  /** The weight of a batch in the running statistics, in [0, 1]. Default 0.1. */
  momentum?: number;
  /** Learn a per-channel scale γ (`weight`, starts at 1) and shift β (`bias`, starts at 0). Default true. */
  affine?: boolean;
  /** Training batches split into consecutive segments of this many rows, each normalised alone. Default: one. */
  segmentRows?: number;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015), PyTorch's `nn.BatchNorm1d` (`spatial` 1) and
 * `nn.BatchNorm2d` (`spatial` H·W), on rows `x: [N, C·S]`, channel-major (the memory of
 * `[N, C, S]`). Per channel, over its m = N·S values in the batch:
 *
 *   μ = (1/m) Σ x,   σ² = (1/m) Σ (x - μ)²,   x̂ = (x - μ) / sqrt(σ² + eps),   y = γ·x̂ + β
 *
 * In training, each batch also moves the running statistics (PyTorch's convention, with the
 * unbiased variance): `running_mean ← (1 - momentum)·running_mean + momentum·μ`,
 * `running_var ← (1 - momentum)·running_var + momentum·σ²·m / (m - 1)`, and counts itself in
 * `num_batches_tracked`. In evaluation (`setTraining(false)`) the running statistics stand in for
 * μ and σ², and nothing is updated.
 *
 * Backward, for `dy` (sums over the channel's m values):
 *
 *   dγ += Σ dy·x̂,   dβ += Σ dy
 *   dx = γ / sqrt(σ² + eps) · (dy - (1/m) Σ dy - x̂ · (1/m) Σ dy·x̂)    (training: μ, σ² depend on x)
 *   dx = γ / sqrt(running_var + eps) · dy                              (evaluation)
 *
 * `segmentRows` splits a training batch into consecutive segments of that many rows (all of it
 * when it has fewer rows), as {@link MinibatchStd} does: each segment is normalised by its own
 * statistics, with m its own values, and moves the running statistics once, in order. That is
 * PyTorch calling D once on the real batch and once on the fake one, where this project's trainer
 * feeds D both in one batch. Evaluation ignores segments.
 *
 * `num_batches_tracked` is stored as float32 (PyTorch: int64), exact up to 2²⁴ batches.
 *
 * ```ts
 * const bn = new BatchNorm({ features: 128, spatial: 7 * 7, segmentRows: 64 }, 'd.3');
 * const h = bn.forward(x); // [128, 128·7·7]: 64 real rows, then 64 fake ones
 * bn.setTraining(false);   // running statistics from now on
 * ```
 */
export class BatchNorm implements Layer {
  readonly features: number;
  readonly spatial: number;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly segmentRows: number;
  /** γ, `[C]`; null without `affine`. */
  readonly weight: Parameter | null;
  /** β, `[C]`; null without `affine`. */
  readonly bias: Parameter | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  /** `[1]`: the training batches (segments) seen. */
  readonly numBatchesTracked: Tensor;
  /** True: batch statistics, updating the running ones; false: the running statistics. */
  training = true;
  private input: Tensor | null = null;
  /** x̂ of the last forward, for backward. */
  private normalized: Tensor | null = null;
  /** Whether the last forward was in training mode, and in how many segments it split the batch. */
  private lastTraining = true;
  private lastSegments = 1;
  /** Per segment of the last forward: μ and 1 / sqrt(σ² + eps) (the running ones in evaluation). */
  private mean: FloatArray[] = [];
  private invStd: FloatArray[] = [];
  private readonly out = new Buffer2d();
  private readonly xhat = new Buffer2d();
  private readonly dx = new Buffer2d();
  private readonly views = new SegmentViews();
  /** Per-channel scratch: γ and β when not affine, and the coefficients of the kernels. */
  private readonly ones: FloatArray;
  private readonly zeros: FloatArray;
  private readonly variance: FloatArray;
  private readonly scale: FloatArray;
  private readonly scale2: FloatArray;
  private readonly shift: FloatArray;
  private readonly sumDy: FloatArray;
  private readonly sumDyXhat: FloatArray;

  constructor(
    opts: BatchNormOptions,
    readonly name = 'batchNorm',
  ) {
    const { features, spatial = 1, eps = 1e-5, momentum = 0.1, affine = true } = opts;
    const seg = opts.segmentRows ?? Number.POSITIVE_INFINITY;
    const layer = `BatchNorm ${name}`;
    if (!Number.isInteger(features) || features < 1) {
      throw new RangeError(`${layer}: features must be an integer >= 1, got ${features}`);
    }
    if (!Number.isInteger(spatial) || spatial < 1) {
      throw new RangeError(`${layer}: spatial must be an integer >= 1, got ${spatial}`);
    }
    if (!(eps > 0 && Number.isFinite(eps)))
      throw new RangeError(`${layer}: eps must be a number > 0, got ${eps}`);
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new RangeError(`${layer}: momentum must be in [0, 1], got ${momentum}`);
    }
    if (!(seg === Number.POSITIVE_INFINITY || (Number.isInteger(seg) && seg >= 1))) {
      throw new RangeError(`${layer}: segmentRows must be an integer >= 1, got ${seg}`);
    }
    this.features = features;
    this.spatial = spatial;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.segmentRows = seg;
    const prefix = name === '' ? '' : `${name}.`;
    this.weight = affine ? parameter(`${prefix}weight`, Tensor.ones([features])) : null;
    this.bias = affine ? parameter(`${prefix}bias`, Tensor.zeros([features])) : null;
    this.runningMean = Tensor.zeros([features]);
    this.runningVar = Tensor.ones([features]);
    this.numBatchesTracked = Tensor.zeros([1]);
    this.ones = new Float32Array(features).fill(1);
    this.zeros = new Float32Array(features);
    this.variance = new Float32Array(features);
    this.scale = new Float32Array(features);
    this.scale2 = new Float32Array(features);
    this.shift = new Float32Array(features);
    this.sumDy = new Float32Array(features);
    this.sumDyXhat = new Float32Array(features);
  }

  setTraining(training: boolean): void {
    this.training = training;
  }

  /** γ = 1, β = 0, running mean 0, running variance 1, no batches tracked (PyTorch's initial state). */
  resetParameters(): void {
    this.weight?.value.data.fill(1);
    this.bias?.value.data.fill(0);
    this.runningMean.data.fill(0);
    this.runningVar.data.fill(1);
    this.numBatchesTracked.data[0] = 0;
  }

  /** The state to checkpoint besides the parameters, named as PyTorch's state_dict names it. */
  buffers(): LayerBuffer[] {
    const prefix = this.name === '' ? '' : `${this.name}.`;
    return [
      { name: `${prefix}running_mean`, value: this.runningMean },
      { name: `${prefix}running_var`, value: this.runningVar },
      { name: `${prefix}num_batches_tracked`, value: this.numBatchesTracked },
    ];
  }

  /** Segments of a training batch of `n` rows: how many, and the rows of each. */
  private layout(n: number): { segments: number; rows: number } {
    const rows = Math.min(this.segmentRows, n);
    if (rows < 1 || n % rows !== 0) {
      throw new ShapeError(
        `BatchNorm ${this.name}: a batch of ${n} rows does not split into segments of ${rows} rows`,
      );
    }
    if (rows * this.spatial < 2) {
      throw new ShapeError(
        `BatchNorm ${this.name}: training needs more than 1 value per channel, got segments of ` +
          `${rows} row(s) x ${this.spatial} (PyTorch refuses them too)`,
      );
    }
    return { segments: n / rows, rows };
  }

  forward(x: Tensor): Tensor {
    const c = this.features;
    const s = this.spatial;
    if (x.rank !== 2 || x.shape[1] !== c * s) {
      throw new ShapeError(
        `BatchNorm ${this.name}: input shape ${formatShape(x.shape)} does not match [batch,${c * s}] (${c} channels x ${s})`,
      );
    }
    const n = x.shape[0];
    const training = this.training;
    const { segments, rows } = training ? this.layout(n) : { segments: 1, rows: n };
    while (this.mean.length < segments) {
      this.mean.push(new Float32Array(c));
      this.invStd.push(new Float32Array(c));
    }
    const be = backend();
    const xhat = this.xhat.get(n, c * s);
    const xs = this.views.get(x.data, segments, rows * c * s);
    const hs = this.views.get(xhat.data, segments, rows * c * s);
    const rm = this.runningMean.data;
    const rv = this.runningVar.data;
    const m = this.momentum;
    for (let g = 0; g < segments; g++) {
      const mean = this.mean[g];
      const inv = this.invStd[g];
      if (training) {
        be.channelMoments(xs[g], mean, this.variance, rows, c, s);
        const unbias = (rows * s) / (rows * s - 1);
        for (let ch = 0; ch < c; ch++) {
          inv[ch] = 1 / Math.sqrt(this.variance[ch] + this.eps);
          rm[ch] = (1 - m) * rm[ch] + m * mean[ch];
          rv[ch] = (1 - m) * rv[ch] + m * this.variance[ch] * unbias;
        }
        this.numBatchesTracked.data[0] += 1;
      } else {
        mean.set(rm);
        for (let ch = 0; ch < c; ch++) inv[ch] = 1 / Math.sqrt(rv[ch] + this.eps);
      }
      // x̂ = x·inv - μ·inv
      for (let ch = 0; ch < c; ch++) this.shift[ch] = -mean[ch] * inv[ch];
      be.channelAffine(xs[g], inv, null, null, this.shift, hs[g], rows, c, s);
    }
    const y = this.out.get(n, c * s);
    be.channelAffine(
      xhat.data,
      this.weight?.value.data ?? this.ones,
      null,
      null,
      this.bias?.value.data ?? this.zeros,
      y.data,
      n,
      c,
      s,
    );
    this.input = x;
    this.normalized = xhat;
    this.lastTraining = training;
    this.lastSegments = segments;
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    const x = this.input;
    const xhat = this.normalized;
    if (x === null || xhat === null) throw new Error(`BatchNorm ${this.name}: backward before forward`);
    const [n, cols] = x.shape;
    if (dy.rank !== 2 || dy.shape[0] !== n || dy.shape[1] !== cols) {
      throw new ShapeError(
        `BatchNorm ${this.name}: gradient shape ${formatShape(dy.shape)} does not match the output [${n},${cols}]`,
      );
    }
    const paramGrads = (opts.paramGrads ?? true) && this.affine;
    const inputGrad = opts.inputGrad ?? true;
    if (!paramGrads && !inputGrad) return null;
    const c = this.features;
    const s = this.spatial;
    const training = this.lastTraining;
    const segments = this.lastSegments;
    const rows = n / segments;
    const count = rows * s;
    const be = backend();
    const dys = this.views.get(dy.data, segments, rows * cols);
    const hs = this.views.get(xhat.data, segments, rows * cols);
    const dx = inputGrad ? this.dx.get(n, cols) : null;
    const dxs = dx === null ? null : this.views.get(dx.data, segments, rows * cols);
    const gamma = this.weight?.value.data ?? this.ones;
    for (let g = 0; g < segments; g++) {
      // Σ dy and Σ dy·x̂: the parameter gradients, and in training the batch statistics' terms of dx.
      if (paramGrads || training) be.channelSums(dys[g], hs[g], this.sumDy, this.sumDyXhat, rows, c, s);
      if (paramGrads) {
        const dGamma = (this.weight as Parameter).grad.data;
        const dBeta = (this.bias as Parameter).grad.data;
        for (let ch = 0; ch < c; ch++) {
          dGamma[ch] += this.sumDyXhat[ch];
          dBeta[ch] += this.sumDy[ch];
        }
      }
      if (dxs === null) continue;
      const inv = this.invStd[g];
      for (let ch = 0; ch < c; ch++) this.scale[ch] = gamma[ch] * inv[ch];
      if (training) {
        // dx = a·dy - (a/m)·Σdy·x̂ · x̂ - (a/m)·Σdy, with a = γ / sqrt(σ² + eps)
        for (let ch = 0; ch < c; ch++) {
          this.scale2[ch] = (-this.scale[ch] * this.sumDyXhat[ch]) / count;
          this.shift[ch] = (-this.scale[ch] * this.sumDy[ch]) / count;
        }
        be.channelAffine(dys[g], this.scale, hs[g], this.scale2, this.shift, dxs[g], rows, c, s);
      } else {
        be.channelAffine(dys[g], this.scale, null, null, this.zeros, dxs[g], rows, c, s);
      }
    }
    return dx;
  }

  parameters(): Parameter[] {
    return this.weight === null || this.bias === null ? [] : [this.weight, this.bias];
  }
}

import { addBias, type DType, formatShape, matmul, type Rng, ShapeError, sum, Tensor } from '@gan/tensor';
import { Buffer2d } from './buffers.ts';
import { type InitOptions, initWeight } from './init.ts';
import type { BackwardOptions, Layer } from './layer.ts';
import { type Parameter, parameter } from './parameter.ts';

/**
 * Fully connected layer `y = x·W + b`, with `x: [batch, in]`, `W: [in, out]`, `b: [out]`.
 * The weight is stored `[in, out]` as in the article's numpy code (`x.dot(W)`); PyTorch stores
 * the transpose.
 *
 * Backward, for `dy: [batch, out]`:
 *   dW += xᵀ·dy,  db += Σ_rows dy,  dx = dy·Wᵀ
 *
 * ```ts
 * const fc = new Linear(784, 128, 'd.0');
 * fc.resetParameters(Rng.create(0, 'init'), { scheme: 'he-normal', gain: 0.002 });
 * const h = fc.forward(x); // [batch, 128]
 * ```
 */
export class Linear implements Layer {
  readonly weight: Parameter;
  readonly bias: Parameter;
  private input: Tensor | null = null;
  private readonly out = new Buffer2d();
  private readonly dx = new Buffer2d();

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly name = 'linear',
    /** The parameters' dtype (float64 for a float64 run); inputs must have it too. */
    readonly dtype: DType = 'float32',
  ) {
    if (
      !Number.isInteger(inFeatures) ||
      inFeatures < 1 ||
      !Number.isInteger(outFeatures) ||
      outFeatures < 1
    ) {
      throw new RangeError(
        `Linear ${name}: sizes must be integers >= 1, got ${inFeatures} -> ${outFeatures}`,
      );
    }
    const prefix = name === '' ? '' : `${name}.`;
    this.weight = parameter(`${prefix}weight`, Tensor.zeros([inFeatures, outFeatures], dtype));
    this.bias = parameter(`${prefix}bias`, Tensor.zeros([outFeatures], dtype));
  }

  /** Draws the weight from `init` and zeroes the bias. */
  resetParameters(rng: Rng, init: InitOptions): void {
    initWeight(this.weight.value, this.inFeatures, this.outFeatures, rng, init);
    this.bias.value.data.fill(0);
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(
        `Linear ${this.name}: input shape ${formatShape(x.shape)} does not match [batch,${this.inFeatures}]`,
      );
    }
    this.input = x;
    const y = this.out.get(x.shape[0], this.outFeatures, x.dtype);
    matmul(x, this.weight.value, { out: y });
    addBias(y, this.bias.value, y);
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    const x = this.input;
    if (x === null) throw new Error(`Linear ${this.name}: backward before forward`);
    if (dy.rank !== 2 || dy.shape[0] !== x.shape[0] || dy.shape[1] !== this.outFeatures) {
      throw new ShapeError(
        `Linear ${this.name}: gradient shape ${formatShape(dy.shape)} does not match the output`,
      );
    }
    if (opts.paramGrads ?? true) {
      this.accumulateWeightGrad(dy);
      sum(dy, 0, { out: this.bias.grad, accumulate: true });
    }
    if (!(opts.inputGrad ?? true)) return null;
    const dx = this.dx.get(x.shape[0], this.inFeatures, dy.dtype);
    matmul(dy, this.weight.value, { transB: true, out: dx });
    return dx;
  }

  /** `dW += xᵀ·d` for the input of the last forward. Exposed for layers that need a different
   * upstream signal for the weight than for the bias (the article's output-layer gradient typo). */
  accumulateWeightGrad(d: Tensor): void {
    const x = this.input;
    if (x === null) throw new Error(`Linear ${this.name}: backward before forward`);
    matmul(x, d, { transA: true, out: this.weight.grad, accumulate: true });
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }
}

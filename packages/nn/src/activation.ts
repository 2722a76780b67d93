import {
  type ActivationKind,
  activate,
  activateGrad,
  formatShape,
  ShapeError,
  type Tensor,
} from '@gan/tensor';
import { Buffer2d } from './buffers.ts';
import type { BackwardOptions, Layer } from './layer.ts';
import type { Parameter } from './parameter.ts';

/**
 * An elementwise activation as a layer. Forward and derivative, side by side:
 *
 * | kind      | f(x)                 | f'(x)                 |
 * |-----------|----------------------|-----------------------|
 * | relu      | max(x, 0)            | 1 if x > 0 else 0     |
 * | leakyRelu | x if x > 0 else a·x  | 1 if x > 0 else a     |
 * | tanh      | tanh x               | 1 - tanh² x           |
 * | atan      | arctan x             | 1 / (1 + x²)          |
 * | sigmoid   | 1 / (1 + e^-x)       | σ(x)(1 - σ(x))        |
 * | identity  | x                    | 1                     |
 *
 * The kernels live in @gan/tensor's backend (`activation`, `activationGrad`).
 */
export class Activation implements Layer {
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private readonly out = new Buffer2d();
  private readonly dx = new Buffer2d();

  constructor(
    readonly kind: ActivationKind,
    readonly slope = 0.01,
    readonly name: string = kind,
  ) {
    if (kind === 'leakyRelu' && !(slope >= 0 && slope < 1)) {
      throw new RangeError(`Activation ${name}: leakyRelu slope must be in [0, 1), got ${slope}`);
    }
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2)
      throw new ShapeError(`Activation ${this.name}: expected [batch,features], got ${formatShape(x.shape)}`);
    this.input = x;
    const y = this.out.get(x.shape[0], x.shape[1], x.dtype);
    activate(this.kind, x, y, this.slope);
    this.output = y;
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    if (this.input === null || this.output === null)
      throw new Error(`Activation ${this.name}: backward before forward`);
    if (!(opts.inputGrad ?? true)) return null;
    const dx = this.dx.get(dy.shape[0], dy.shape[1], dy.dtype);
    activateGrad(this.kind, this.input, this.output, dy, dx, this.slope);
    return dx;
  }

  /** The input and output of the last forward (for layers that reuse them). */
  get lastInput(): Tensor | null {
    return this.input;
  }

  get lastOutput(): Tensor | null {
    return this.output;
  }

  parameters(): Parameter[] {
    return [];
  }
}

export const ReLU = (name?: string) => new Activation('relu', 0, name);
export const LeakyReLU = (slope = 0.01, name?: string) => new Activation('leakyRelu', slope, name);
export const Tanh = (name?: string) => new Activation('tanh', 0, name);
export const Atan = (name?: string) => new Activation('atan', 0, name);
export const Sigmoid = (name?: string) => new Activation('sigmoid', 0, name);

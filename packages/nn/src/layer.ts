import type { Tensor } from '@gan/tensor';
import type { Parameter } from './parameter.ts';

export interface BackwardOptions {
  /** Accumulate parameter gradients (default true). False lets a gradient flow through a network
   * into its input without touching its own gradients: the generator's step through D. */
  paramGrads?: boolean;
  /** Compute the gradient w.r.t. the input (default true). False saves work on a first layer. */
  inputGrad?: boolean;
}

/**
 * A layer with an explicit forward and backward, in the article's style.
 *
 * `forward` keeps what `backward` needs (its input, its output). The tensor it returns is owned by
 * the layer and reused by the next `forward` with the same batch size: the hot loop allocates
 * nothing. Copy it if you need it beyond the next call.
 */
export interface Layer {
  readonly name: string;
  forward(x: Tensor): Tensor;
  /** Given dL/dy of the last forward, accumulates dL/dθ (`+=`) and returns dL/dx (or null when not asked). */
  backward(dy: Tensor, opts?: BackwardOptions): Tensor | null;
  parameters(): Parameter[];
  /**
   * Switches between training (true) and evaluation (false) behaviour, for layers that have both
   * (BatchNorm: batch statistics or running ones). Layers without a mode leave it out.
   */
  setTraining?(training: boolean): void;
}

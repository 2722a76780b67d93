import type { Tensor } from '@gan/tensor';
import type { BackwardOptions, Layer } from './layer.ts';
import type { Parameter } from './parameter.ts';

/**
 * Layers applied in order; backward runs them in reverse.
 *
 * ```ts
 * const d = new Sequential([new Linear(784, 128, '0'), ReLU(), new Linear(128, 1, '2')]);
 * const logits = d.forward(x);
 * const dx = d.backward(dLogits, { paramGrads: false }); // flows to the input, D untouched
 * d.setTraining(false); // BatchNorm layers inside use their running statistics
 * ```
 */
export class Sequential implements Layer {
  readonly layers: readonly Layer[];

  constructor(
    layers: readonly Layer[],
    readonly name = 'sequential',
  ) {
    if (layers.length === 0) throw new RangeError(`Sequential ${name}: needs at least one layer`);
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h);
    return h;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    let g: Tensor | null = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const first = i === 0;
      g = this.layers[i].backward(g as Tensor, {
        paramGrads: opts.paramGrads,
        inputGrad: first ? opts.inputGrad : true,
      });
    }
    return g;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** Puts every layer that has a mode (see {@link Layer.setTraining}) in training or evaluation mode. */
  setTraining(training: boolean): void {
    for (const layer of this.layers) layer.setTraining?.(training);
  }
}

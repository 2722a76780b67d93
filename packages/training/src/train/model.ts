import {
  Activation,
  type BackwardOptions,
  type InitOptions,
  type Layer,
  Linear,
  type Parameter,
  Sequential,
} from '@gan/nn';
import { type ActivationKind, mul, type Rng, sum, Tensor } from '@gan/tensor';
import type { ExperimentConfig } from '../config/index.ts';

/**
 * The generator's last Linear + activation with the typo of the article's final decay file
 * (`h_multi_last.py`: `grad_G_w7 = Gl6A.T.dot(grad_G_w7_part_1 * grad_G_w7_part_1)`) reproduced:
 * the weight gradient is `xᵀ·(g∘g)`, where `g` is the upstream gradient w.r.t. the activation's
 * output, instead of `xᵀ·(g∘f')`. The bias gradient and the gradient passed down stay correct, as
 * in that file. Built when `model.generator.outputWeightGrad` is `upstream-squared`.
 */
export class UpstreamSquaredOutput implements Layer {
  readonly name: string;
  private squared: Tensor | null = null;

  constructor(
    readonly linear: Linear,
    readonly activation: Activation,
  ) {
    this.name = `${linear.name}+${activation.name}`;
  }

  forward(x: Tensor): Tensor {
    return this.activation.forward(this.linear.forward(x));
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    const dz = this.activation.backward(dy)!;
    if (opts.paramGrads ?? true) {
      if (this.squared === null || this.squared.shape[0] !== dy.shape[0])
        this.squared = Tensor.zeros(dy.shape);
      this.linear.accumulateWeightGrad(mul(dy, dy, this.squared));
      sum(dz, 0, { out: this.linear.bias.grad, accumulate: true });
    }
    return this.linear.backward(dz, { paramGrads: false, inputGrad: opts.inputGrad });
  }

  parameters(): Parameter[] {
    return this.linear.parameters();
  }
}

function activationList(spec: ActivationKind | readonly ActivationKind[], n: number): ActivationKind[] {
  return typeof spec === 'string' ? new Array<ActivationKind>(n).fill(spec) : [...spec];
}

/** An MLP as PyTorch would name it: Linear layers at even indices (`g.0`, `g.2`, ...). */
function mlp(
  prefix: string,
  sizes: readonly number[],
  activations: readonly ActivationKind[],
  slope: number,
): { layers: Layer[]; linears: Linear[] } {
  const layers: Layer[] = [];
  const linears: Linear[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const lin = new Linear(sizes[i], sizes[i + 1], `${prefix}.${layers.length}`);
    linears.push(lin);
    layers.push(lin);
    const kind = activations[i];
    if (kind !== undefined) layers.push(new Activation(kind, kind === 'leakyRelu' ? slope : 0));
  }
  return { layers, linears };
}

export interface GanModels {
  generator: Sequential;
  discriminator: Sequential;
  generatorLinears: Linear[];
  discriminatorLinears: Linear[];
}

/**
 * Builds G: z -> hidden... -> data, with the output activation, and D: data -> hidden... -> 1
 * logit, plus a final sigmoid when losses are computed from probabilities (the article's way).
 */
export function buildModels(config: ExperimentConfig, dataDim: number): GanModels {
  const { generator: g, discriminator: d, z } = config.model;
  const gActs = [...activationList(g.activation, g.hidden.length), g.output];
  const gen = mlp('generator', [z.size, ...g.hidden, dataDim], gActs, g.leakySlope);
  let gLayers = gen.layers;
  if (g.outputWeightGrad === 'upstream-squared') {
    const act = gLayers[gLayers.length - 1] as Activation;
    const lin = gLayers[gLayers.length - 2] as Linear;
    gLayers = [...gLayers.slice(0, -2), new UpstreamSquaredOutput(lin, act)];
  }
  const dActs = activationList(d.activation, d.hidden.length);
  const fromProbabilities = config.loss.fromProbabilities;
  const disc = mlp(
    'discriminator',
    [dataDim, ...d.hidden, 1],
    [...dActs, ...(fromProbabilities ? ['sigmoid' as const] : [])],
    d.leakySlope,
  );
  return {
    generator: new Sequential(gLayers, 'generator'),
    discriminator: new Sequential(disc.layers, 'discriminator'),
    generatorLinears: gen.linears,
    discriminatorLinears: disc.linears,
  };
}

/**
 * Draws every weight from the config's initialiser, one seeded stream per network. With
 * `outputInitFanIn: first-hidden` the generator's output layer is scaled by the first hidden
 * width instead of its own fan-in, as the article's failed-attempts file does.
 */
export function initModels(models: GanModels, config: ExperimentConfig, initG: Rng, initD: Rng): void {
  const init: InitOptions = {
    scheme: config.model.init.scheme,
    gain: config.model.init.gain,
    std: config.model.init.std,
  };
  const g = config.model.generator;
  const linears = models.generatorLinears;
  for (const [i, l] of linears.entries()) {
    const isOutput = i === linears.length - 1;
    const fanIn = isOutput && g.outputInitFanIn === 'first-hidden' ? g.hidden[0] : undefined;
    l.resetParameters(initG, fanIn === undefined ? init : { ...init, fanIn });
  }
  for (const l of models.discriminatorLinears) l.resetParameters(initD, init);
}

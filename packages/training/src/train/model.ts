import {
  Activation,
  type BackwardOptions,
  type InitOptions,
  type Layer,
  type LayerBuffer,
  Linear,
  MinibatchStd,
  type Parameter,
  Sequential,
  SpectralNormLinear,
} from '@gan/nn';
import { type ActivationKind, mul, Rng, sum, Tensor } from '@gan/tensor';
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
  discriminatorLinears: (Linear | SpectralNormLinear)[];
  /** D's state that is not trained but checkpointed: spectral norm's u vectors (else empty). */
  discriminatorBuffers: LayerBuffer[];
}

/**
 * D as configured: data (x packing) -> hidden... -> 1, with every Linear spectrally normalised
 * when `spectralNorm` is set, and the minibatch-std layer inserted at the input of the last hidden
 * layer when `minibatchStd` is set (ProGAN's `D_paper` applies it before its final block's conv and
 * dense layers, so the statistic still passes a nonlinearity before the logit); its groups stay
 * within `data.batchSize` rows, so real and fake packs are never grouped together.
 */
function discriminatorLayers(
  config: ExperimentConfig,
  dataDim: number,
  activations: readonly ActivationKind[],
): { layers: Layer[]; linears: (Linear | SpectralNormLinear)[] } {
  const d = config.model.discriminator;
  const mbstd = d.minibatchStd;
  // The index of the Linear whose input gets the extra feature: the last hidden one (or the output).
  const mbstdAt = Math.max(d.hidden.length - 1, 0);
  const sizes = [d.packing * dataDim, ...d.hidden, 1];
  const layers: Layer[] = [];
  const linears: (Linear | SpectralNormLinear)[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    let inSize = sizes[i];
    if (mbstd !== null && i === mbstdAt) {
      layers.push(
        new MinibatchStd(
          mbstd.groupSize,
          { segmentRows: config.data.batchSize },
          `discriminator.${layers.length}`,
        ),
      );
      inSize += 1;
    }
    const name = `discriminator.${layers.length}`;
    const lin = d.spectralNorm
      ? new SpectralNormLinear(inSize, sizes[i + 1], name)
      : new Linear(inSize, sizes[i + 1], name);
    linears.push(lin);
    layers.push(lin);
    const kind = activations[i];
    if (kind !== undefined) layers.push(new Activation(kind, kind === 'leakyRelu' ? d.leakySlope : 0));
  }
  return { layers, linears };
}

/**
 * Builds G: z -> hidden... -> data, with the output activation, and D: data -> hidden... -> 1
 * logit, plus a final sigmoid when losses are computed from probabilities (the article's way).
 * D's input is `packing x dataDim` wide, and it has spectral norm and minibatch std when the config
 * asks (see {@link discriminatorLayers}).
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
  const dActsOut = [...dActs, ...(fromProbabilities ? ['sigmoid' as const] : [])];
  const plain = d.packing === 1 && d.minibatchStd === null && !d.spectralNorm;
  const disc = plain
    ? mlp('discriminator', [dataDim, ...d.hidden, 1], dActsOut, d.leakySlope)
    : discriminatorLayers(config, dataDim, dActsOut);
  const discriminatorBuffers = disc.linears.flatMap((l) =>
    l instanceof SpectralNormLinear ? l.buffers() : [],
  );
  return {
    generator: new Sequential(gLayers, 'generator'),
    discriminator: new Sequential(disc.layers, 'discriminator'),
    generatorLinears: gen.linears,
    discriminatorLinears: disc.linears,
    discriminatorBuffers,
  };
}

/**
 * Draws every weight from the config's initialiser, one seeded stream per network (and spectral
 * norm's u vectors from `init-d-spectral-u`, derived from `config.seed`). With
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
  // Spectral norm's u vectors from a stream of their own, so D's weights are those of the same
  // config without it.
  const initU = Rng.create(config.seed, 'init-d-spectral-u');
  for (const l of models.discriminatorLinears) if (l instanceof SpectralNormLinear) l.resetU(initU);
}

import {
  Activation,
  type BackwardOptions,
  BatchNorm,
  Conv2d,
  ConvTranspose2d,
  type InitOptions,
  type Layer,
  type LayerBuffer,
  Linear,
  MinibatchStd,
  type Parameter,
  Sequential,
  SpectralNormLinear,
} from '@gan/nn';
import { type ActivationKind, type DType, mul, Rng, sum, Tensor } from '@gan/tensor';
import {
  checkDiscriminatorLayers,
  checkGeneratorLayers,
  type ResolvedLayer,
} from '../config/architecture.ts';
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
      if (this.squared === null || this.squared.shape[0] !== dy.shape[0] || this.squared.dtype !== dy.dtype)
        this.squared = Tensor.zeros(dy.shape, dy.dtype);
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
  dtype: DType,
): { layers: Layer[]; linears: Linear[] } {
  const layers: Layer[] = [];
  const linears: Linear[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const lin = new Linear(sizes[i], sizes[i + 1], `${prefix}.${layers.length}`, dtype);
    linears.push(lin);
    layers.push(lin);
    const kind = activations[i];
    if (kind !== undefined) layers.push(new Activation(kind, kind === 'leakyRelu' ? slope : 0));
  }
  return { layers, linears };
}

/** A layer with weights drawn by the config's initialiser. */
export type WeightedLayer = Linear | SpectralNormLinear | Conv2d | ConvTranspose2d;

export interface GanModels {
  generator: Sequential;
  discriminator: Sequential;
  /** G's layers with weights, input side first (an MLP's Linear layers). */
  generatorWeighted: WeightedLayer[];
  /** D's layers with weights, input side first. */
  discriminatorWeighted: WeightedLayer[];
  /**
   * The state that is not trained but checkpointed: spectral norm's u vectors, batch norm's
   * running statistics (empty for a plain MLP).
   */
  buffers: LayerBuffer[];
}

/**
 * A layer list's `reshape` or `flatten`: the rows of a batch are already the channel-major
 * features either way, so it passes them on unchanged. It keeps its place in the Sequential so
 * that layers are numbered as in the PyTorch `nn.Sequential` the list describes.
 */
class View implements Layer {
  constructor(readonly name: string) {}
  forward(x: Tensor): Tensor {
    return x;
  }
  backward(dy: Tensor): Tensor {
    return dy;
  }
  parameters(): Parameter[] {
    return [];
  }
}

/**
 * The layers of a resolved layer list (config/architecture.ts), named `<net>.<index>` as PyTorch
 * names an `nn.Sequential`'s. Batch norm normalises each `segmentRows` rows apart (D sees a real
 * and a fake batch in one pass, as PyTorch's two calls).
 */
function layerList(
  net: 'generator' | 'discriminator',
  resolved: readonly ResolvedLayer[],
  segmentRows: number | undefined,
): { layers: Layer[]; weighted: WeightedLayer[]; buffers: LayerBuffer[] } {
  const layers: Layer[] = [];
  const weighted: WeightedLayer[] = [];
  const buffers: LayerBuffer[] = [];
  for (const { op, input } of resolved) {
    const name = `${net}.${layers.length}`;
    switch (op.kind) {
      case 'linear': {
        const lin = new Linear(input[0], op.features, name);
        weighted.push(lin);
        layers.push(lin);
        break;
      }
      case 'conv':
      case 'convTranspose': {
        const [c, h, w] = input as readonly [number, number, number];
        const common = {
          inChannels: c,
          outChannels: op.channels,
          kernel: [...op.kernel] as [number, number],
          stride: [...op.stride] as [number, number],
          padding: [...op.padding] as [number, number],
          bias: op.bias,
          input: { height: h, width: w },
        };
        const conv =
          op.kind === 'conv'
            ? new Conv2d(common, name)
            : new ConvTranspose2d(
                { ...common, outputPadding: [...op.outputPadding] as [number, number] },
                name,
              );
        weighted.push(conv);
        layers.push(conv);
        break;
      }
      case 'batchNorm': {
        const image = input.length === 3;
        const bn = new BatchNorm(
          {
            features: input[0],
            spatial: image ? (input[1] as number) * (input[2] as number) : 1,
            eps: op.eps,
            momentum: op.momentum,
            ...(segmentRows !== undefined && { segmentRows }),
          },
          name,
        );
        buffers.push(...bn.buffers());
        layers.push(bn);
        break;
      }
      case 'activation':
        layers.push(new Activation(op.activation, op.slope));
        break;
      case 'reshape':
      case 'flatten':
        layers.push(new View(name));
        break;
    }
  }
  return { layers, weighted, buffers };
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
 * Builds G and D from the config: each its layer list (`model.*.layers`), or the MLP of its
 * `hidden` widths: G z -> hidden... -> data with the output activation, D data -> hidden... -> 1
 * logit. D's input is `packing x dataDim` wide; D has spectral norm and minibatch std when the
 * config asks (see {@link discriminatorLayers}).
 */
export function buildModels(config: ExperimentConfig, dataDim: number): GanModels {
  const gen = generatorNetwork(config, dataDim);
  const disc = discriminatorNetwork(config, dataDim);
  return {
    generator: new Sequential(gen.layers, 'generator'),
    discriminator: new Sequential(disc.layers, 'discriminator'),
    generatorWeighted: gen.weighted,
    discriminatorWeighted: disc.weighted,
    buffers: [...gen.buffers, ...disc.buffers],
  };
}

interface Network {
  layers: Layer[];
  weighted: WeightedLayer[];
  buffers: LayerBuffer[];
}

function resolvedOrThrow(net: string, r: ReturnType<typeof checkGeneratorLayers>): ResolvedLayer[] {
  // The config's validation refused a list that does not fit: this is for configs built in code.
  if (r.problem !== null) throw new Error(`model.${net}.layers: ${r.problem.message}`);
  return r.layers;
}

/**
 * G alone, as {@link buildModels} builds it (the same layers and names), for drawing samples
 * without a trainer: `pnpm ui`'s page runs it in the browser.
 */
export function buildGenerator(
  config: ExperimentConfig,
  dataDim: number,
): { net: Sequential; buffers: LayerBuffer[] } {
  const gen = generatorNetwork(config, dataDim);
  return { net: new Sequential(gen.layers, 'generator'), buffers: gen.buffers };
}

/** G: its layer list, or z -> hidden... -> data with the output activation (and the article's typo when asked). */
function generatorNetwork(config: ExperimentConfig, dataDim: number): Network {
  const { generator: g, z } = config.model;
  if (g.layers !== null) {
    return layerList('generator', resolvedOrThrow('generator', checkGeneratorLayers(config)), undefined);
  }
  const acts = [...activationList(g.activation, g.hidden.length), g.output];
  const gen = mlp('generator', [z.size, ...g.hidden, dataDim], acts, g.leakySlope, config.train.precision);
  let layers = gen.layers;
  if (g.outputWeightGrad === 'upstream-squared') {
    const act = layers[layers.length - 1] as Activation;
    const lin = layers[layers.length - 2] as Linear;
    layers = [...layers.slice(0, -2), new UpstreamSquaredOutput(lin, act)];
  }
  return { layers, weighted: gen.linears, buffers: [] };
}

/**
 * D: its layer list (batch norm per real and fake half), or the MLP with its remedies; either way
 * with a final sigmoid when losses are computed from probabilities (the article's way).
 */
function discriminatorNetwork(config: ExperimentConfig, dataDim: number): Network {
  const d = config.model.discriminator;
  const sigmoid = config.loss.fromProbabilities ? (['sigmoid'] as const) : [];
  if (d.layers !== null) {
    const resolved = resolvedOrThrow('discriminator', checkDiscriminatorLayers(config));
    const net = layerList('discriminator', resolved, config.data.batchSize);
    for (const kind of sigmoid) net.layers.push(new Activation(kind, 0));
    return net;
  }
  const acts = [...activationList(d.activation, d.hidden.length), ...sigmoid];
  const plain = d.packing === 1 && d.minibatchStd === null && !d.spectralNorm;
  const disc = plain
    ? mlp('discriminator', [dataDim, ...d.hidden, 1], acts, d.leakySlope, config.train.precision)
    : discriminatorLayers(config, dataDim, acts);
  const buffers = disc.linears.flatMap((l) => (l instanceof SpectralNormLinear ? l.buffers() : []));
  return { layers: disc.layers, weighted: disc.linears, buffers };
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
  const weighted = models.generatorWeighted;
  for (const [i, l] of weighted.entries()) {
    const isOutput = i === weighted.length - 1;
    const fanIn = isOutput && g.outputInitFanIn === 'first-hidden' ? g.hidden[0] : undefined;
    l.resetParameters(initG, fanIn === undefined ? init : { ...init, fanIn });
  }
  for (const l of models.discriminatorWeighted) l.resetParameters(initD, init);
  // Spectral norm's u vectors from a stream of their own, so D's weights are those of the same
  // config without it.
  const initU = Rng.create(config.seed, 'init-d-spectral-u');
  for (const l of models.discriminatorWeighted) if (l instanceof SpectralNormLinear) l.resetU(initU);
}

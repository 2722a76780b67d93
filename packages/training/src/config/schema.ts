/**
 * The experiment config schema: the single source of truth for the config's keys, types,
 * defaults, documentation (each `.describe()` becomes the JSON Schema description editors show on
 * hover) and validation messages. The TypeScript types below are inferred from it.
 *
 * Defaults describe a standard GAN that works; the article's quirks (raw pixels, batch 1, its
 * printed discriminator cost, constant Adam bias correction, its files' typos, ...) are opt-in
 * values that the article's configs in `configs/` set explicitly.
 */
import { z } from 'zod';
import { checkDiscriminatorLayers, checkGeneratorLayers } from './architecture.ts';
import { didYouMean, quoteList, showValue } from './text.ts';

// ---------------------------------------------------------------------------------------------
// Value lists (exported so code can switch over them exhaustively)

export const ACTIVATIONS = ['relu', 'leakyRelu', 'tanh', 'atan', 'sigmoid', 'identity'] as const;
export const DATASETS = ['mnist', 'gaussians8', 'grid25', 'ring8', 'stacked-mnist'] as const;
export const SPLITS = ['train', 'test'] as const;
export const SCALINGS = ['raw', 'unit', 'tanh'] as const;
export const SAMPLINGS = ['replacement', 'epochs'] as const;
export const Z_DISTRIBUTIONS = ['uniform', 'normal'] as const;
export const GENERATOR_OUTPUTS = ['sigmoid', 'tanh', 'identity'] as const;
export const SAMPLE_SCALES = ['output', 'per-image'] as const;
export const INIT_SCHEMES = ['he-normal', 'xavier-uniform', 'xavier-normal', 'normal'] as const;
export const D_LOSSES = ['standard', 'flipped', 'least-squares', 'hinge', 'wasserstein'] as const;
export const REPORTED_D_COSTS = ['objective', 'article-printed'] as const;
export const G_LOSSES = ['non-saturating', 'minimax', 'least-squares', 'hinge', 'wasserstein'] as const;
/** The losses defined on D's raw output only (see @gan/nn losses.ts). */
export const LOGIT_ONLY_LOSSES = ['least-squares', 'hinge', 'wasserstein'] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export const BIAS_CORRECTIONS = ['standard', 'constant'] as const;
export const OUTPUT_WEIGHT_GRADS = ['chain-rule', 'upstream-squared'] as const;
export const OUTPUT_INIT_FAN_INS = ['own', 'first-hidden'] as const;
export const SCHEDULES = ['constant', 'step', 'exponential', 'cosine'] as const;
export const RANDOM_STREAMS = ['xoshiro', 'numpy'] as const;
export const PRECISIONS = ['float32', 'float64'] as const;

/** `name` must be usable as a folder name: `experiments/<name>/`. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

// ---------------------------------------------------------------------------------------------
// Building blocks that carry their own message: "expected <what>, got <found>"

type ErrorFn = (issue: { input?: unknown }) => string;

/** The message for a value that is not `expected`; a missing key is said to be missing. */
export function mismatch(expected: string, input: unknown): string {
  return input === undefined
    ? `missing: expected ${expected}`
    : `expected ${expected}, got ${showValue(input)}`;
}

function expecting(expected: string): { error: ErrorFn } {
  return { error: (issue) => mismatch(expected, issue.input) };
}

function int(min: number, orNull = false) {
  const e = expecting(`an integer >= ${min}${orNull ? ', or null' : ''}`);
  return z.number(e).int(e).min(min, e);
}

function positive() {
  const e = expecting('a number > 0');
  return z.number(e).gt(0, e);
}

function nonNegative() {
  const e = expecting('a number >= 0');
  return z.number(e).min(0, e);
}

/** A number in [0, 1): betas, momentum, leaky slopes. */
function fraction() {
  const e = expecting('a number in [0, 1)');
  return z.number(e).min(0, e).lt(1, e);
}

function bool() {
  return z.boolean(expecting('true or false'));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      `${mismatch(`one of ${quoteList(values)}`, issue.input)}${didYouMean(issue.input, values)}`,
  });
}

function nonEmptyList<T extends z.ZodType>(item: T, itemsText: string) {
  const e = expecting(`a non-empty list of ${itemsText}`);
  return z.array(item, e).min(1, e);
}

/** A strict object: unknown keys are errors (worded, with a suggestion, by the loader). */
function obj<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      'code' in issue && issue.code === 'unrecognized_keys'
        ? 'unknown key'
        : mismatch('a mapping', issue.input),
  });
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

export const activationSchema = oneOf(ACTIVATIONS).describe(
  'A hidden-layer activation. relu: max(0, x); leakyRelu: max(slope * x, x); tanh; atan: arctan(x) ' +
    '(the article alternates arctan and ReLU); sigmoid: 1 / (1 + e^-x); identity: x.',
);

const activationListSchema = z.array(activationSchema).min(1);

/** One activation for every hidden layer, or a list with one entry per hidden layer. */
export const activationSpecSchema = z.union([activationSchema, activationListSchema], {
  error: (issue) =>
    typeof issue.input === 'string'
      ? `${mismatch(`one of ${quoteList(ACTIVATIONS)}, or a list of them`, issue.input)}${didYouMean(issue.input, ACTIVATIONS)}`
      : mismatch('an activation name or a non-empty list of them (one per hidden layer)', issue.input),
});

function hiddenSizes(defaults: number[], what: string) {
  return nonEmptyList(int(1), 'integers >= 1')
    .prefault(defaults)
    .describe(`Widths of the ${what}'s hidden layers, input side first (units). Example: [256, 512, 1024].`);
}

/** The cross-field check every MLP section shares: a per-layer activation list matches `hidden`. */
function checkActivationLength(net: { hidden: unknown; activation: unknown }, ctx: z.RefinementCtx): void {
  const { hidden, activation } = net;
  if (!Array.isArray(hidden) || !Array.isArray(activation) || activation.length === hidden.length) return;
  ctx.addIssue({
    code: 'custom',
    path: ['activation'],
    input: activation,
    message:
      `expected ${hidden.length} activation${hidden.length === 1 ? '' : 's'}, one per hidden layer ` +
      `(hidden has ${hidden.length}), got ${activation.length}`,
  });
}

// ---------------------------------------------------------------------------------------------
// data

export const dataSchema = obj({
  dataset: oneOf(DATASETS)
    .default('mnist')
    .describe(
      'mnist: 28x28 digits as flat 784-vectors; gaussians8: 2-D points from 8 Gaussians on a circle ' +
        '(radius 2, std 0.02; 10,000 points drawn once); grid25: 25 Gaussians at {-4,-2,0,2,4}^2, ' +
        'std 0.05, and ring8: 8 Gaussians on radius 1, std 0.01, the 2-D benchmarks of PacGAN (Lin et ' +
        'al. 2018), each 100,000 points drawn once as in PacGAN. data.limit, when set, is the number ' +
        'of 2-D points drawn instead. ' +
        'stacked-mnist: three MNIST digits drawn independently, one per colour channel, as flat ' +
        '2352-vectors (channel-major 3x28x28, as CHW), 1000 modes (VEEGAN, Srivastava et al. 2017); ' +
        'data.limit images (default 128,000, PacGAN VEEGAN setting), drawn from data.split.',
    ),
  split: oneOf(SPLITS)
    .default('train')
    .describe('Which split to sample: train (60,000 MNIST images) or test (10,000; the article uses test).'),
  scaling: oneOf(SCALINGS)
    .default('tanh')
    .describe(
      'Pixel scaling: raw = 0..255 as stored (the article, whose generator outputs 0..1); unit = 0..1; ' +
        'tanh = -1..1. Ignored by the 2-D datasets.',
    ),
  shuffleOnLoad: bool()
    .default(false)
    .describe('Shuffle the images once at load, before limit and excludeLast apply (the article does).'),
  limit: int(1, true)
    .nullable()
    .default(null)
    .describe('Use only the first N images (after the load shuffle); null = all.'),
  excludeLast: int(0)
    .default(0)
    .describe('Sample only from the first len - excludeLast images (the article: 10).'),
  sampling: oneOf(SAMPLINGS)
    .default('epochs')
    .describe(
      'replacement: every batch drawn uniformly with replacement (the article); epochs: a fresh ' +
        'permutation per epoch, each image once per epoch.',
    ),
  batchSize: int(1).default(64).describe('Images per step, for both networks (the article: 1).'),
});

// ---------------------------------------------------------------------------------------------
// model

export const zSchema = obj({
  size: int(1).default(100).describe('Length of the noise vector z fed to the generator.'),
  distribution: oneOf(Z_DISTRIBUTIONS)
    .default('normal')
    .describe('normal: z ~ N(0, 1); uniform: z ~ U(-1, 1) (the article).'),
});

// ---------------------------------------------------------------------------------------------
// Layer lists: a network written out layer by layer (convolutional GANs), instead of an MLP's widths

/** The layers a list may name by themselves, without options. */
export const BARE_LAYERS = [...ACTIVATIONS, 'batchNorm', 'flatten'] as const;
/** The layers written as a mapping with one key, `{ conv: { ... } }`. */
export const LAYER_KEYS = ['linear', 'conv', 'convTranspose', 'batchNorm', 'leakyRelu', 'reshape'] as const;

/** A kernel, stride or padding: one integer for both sides, or [height, width]. */
function pair(min: number) {
  const e = expecting(`an integer >= ${min} or a list [height, width] of them`);
  return z.union([int(min), z.tuple([int(min), int(min)], e)], e);
}

const convOptions = {
  channels: int(1).describe('Output channels.'),
  kernel: pair(1).describe('Kernel size: k or [kh, kw].'),
  stride: pair(1).default(1).describe('Stride: s or [sh, sw].'),
  padding: pair(0).default(0).describe('Zero padding on each side: p or [ph, pw].'),
  bias: bool().default(true).describe('A bias per output channel (DCGAN leaves it out before a batchNorm).'),
};

const layerMappingSchemas = [
  obj({
    linear: int(1).describe(
      'Fully connected layer to this many features, with a bias (its input is flat: flatten an image first).',
    ),
  }),
  obj({
    conv: obj(convOptions).describe(
      "2-D convolution (PyTorch's Conv2d, dilation 1) of an image [channels, height, width]: output size floor((size + 2 padding - kernel) / stride) + 1.",
    ),
  }),
  obj({
    convTranspose: obj({
      ...convOptions,
      outputPadding: pair(0)
        .default(0)
        .describe('Extra rows and columns at the bottom and right of the output.'),
    }).describe(
      "2-D transposed convolution (PyTorch's ConvTranspose2d, dilation 1): output size (size - 1) stride - 2 padding + kernel + outputPadding.",
    ),
  }),
  obj({
    batchNorm: obj({
      eps: positive().default(1e-5).describe('Added to the variance (PyTorch: 1e-5).'),
      momentum: fraction().default(0.1).describe("Running statistics' update weight (PyTorch: 0.1)."),
    }).describe(
      'Batch normalisation (Ioffe & Szegedy 2015) per feature of a flat input, per channel of an image; ' +
        'batch statistics in training, running statistics when sampling and evaluating.',
    ),
  }),
  obj({ leakyRelu: fraction().describe('Leaky ReLU with this negative-side slope.') }),
  obj({
    reshape: z
      .tuple([int(1), int(1), int(1)], expecting('a list [channels, height, width]'))
      .describe('Views flat features as an image [channels, height, width] (channel-major, as NCHW).'),
  }),
] as const;

/** One entry of a layer list: a bare name or a one-key mapping (see BARE_LAYERS, LAYER_KEYS). */
export const layerSpecSchema = z
  .union([oneOf(BARE_LAYERS), ...layerMappingSchemas], {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `${mismatch(`a layer: one of ${quoteList(BARE_LAYERS)}, or a mapping with one of the keys ${quoteList(LAYER_KEYS)}`, issue.input)}${didYouMean(issue.input, BARE_LAYERS)}`
        : mismatch(
            `a layer: one of ${quoteList(BARE_LAYERS)}, or a mapping with one of the keys ${quoteList(LAYER_KEYS)}`,
            issue.input,
          ),
  })
  .describe(
    'A layer. Bare: relu, leakyRelu (slope 0.2), tanh, atan, sigmoid, identity, batchNorm, flatten. ' +
      'Mappings: { linear: 256 }, { conv: { channels, kernel, stride, padding, bias } }, ' +
      '{ convTranspose: { channels, kernel, stride, padding, outputPadding, bias } }, ' +
      '{ batchNorm: { eps, momentum } }, { leakyRelu: 0.2 }, { reshape: [c, h, w] }.',
  );

export type LayerSpec = z.infer<typeof layerSpecSchema>;

function layerList(what: string) {
  return nonEmptyList(layerSpecSchema, 'layers')
    .nullable()
    .default(null)
    .describe(
      `The ${what} written out layer by layer (a convolutional GAN, e.g. DCGAN), in PyTorch's terms; ` +
        `replaces hidden, activation${what === 'generator' ? ' and output' : ''}. null = the MLP those keys describe. ` +
        (what === 'generator'
          ? 'Input: z, flat; the last layer must give the data shape ([1, 28, 28] or 784 for MNIST, [3, 28, 28] for stacked MNIST, 2 for the 2-D sets), its activation included.'
          : "Input: the data shape (with packing m, m images stacked along channels, PacGAN's DCGAN form); the last layer must give one logit (a sigmoid follows when loss.fromProbabilities)."),
    );
}

export const generatorSchema = obj({
  layers: layerList('generator'),
  hidden: hiddenSizes([256, 512, 1024], 'generator'),
  activation: activationSpecSchema
    .prefault('leakyRelu')
    .describe(
      'Hidden activation: one name for all layers, or a list with one per hidden layer ' +
        '(the article: [atan, relu, atan, ...]).',
    ),
  output: oneOf(GENERATOR_OUTPUTS)
    .default('tanh')
    .describe(
      "Output activation: tanh (-1..1, matches scaling tanh), sigmoid (0..1, the article's, even " +
        'with raw 0..255 data) or identity.',
    ),
  leakySlope: fraction().default(0.2).describe('Negative-side slope of leakyRelu.'),
  outputWeightGrad: oneOf(OUTPUT_WEIGHT_GRADS)
    .default('chain-rule')
    .describe(
      "The output layer's weight gradient. chain-rule: x^T (g * f'(a)), g the gradient w.r.t. the " +
        "output, f' the output activation's derivative; upstream-squared: x^T (g * g), the typo of " +
        "the article's final decay file (h_multi_last.py: Gl6A.T.dot(part_1 * part_1)), which it ran " +
        'with. The bias gradient and the gradient passed down stay correct either way.',
    ),
  outputInitFanIn: oneOf(OUTPUT_INIT_FAN_INS)
    .default('own')
    .describe(
      "The fan-in of the output layer's he-normal / xavier scale. own: its input width (the last " +
        "hidden size); first-hidden: the first hidden size, the typo of the article's failed-attempts " +
        'file (f_Generator_Multilayer.py scales G_W3 by 1/sqrt(hidden_input / 2)).',
    ),
}).superRefine(checkActivationLength);

export const discriminatorSchema = obj({
  layers: layerList('discriminator'),
  hidden: hiddenSizes([1024, 512, 256], 'discriminator'),
  activation: activationSpecSchema
    .prefault('leakyRelu')
    .describe('Hidden activation: one name for all layers, or a list with one per hidden layer.'),
  leakySlope: fraction().default(0.2).describe('Negative-side slope of leakyRelu.'),
  packing: z
    .number(expecting('an integer in 1..4'))
    .int(expecting('an integer in 1..4'))
    .min(1, expecting('an integer in 1..4'))
    .max(4, expecting('an integer in 1..4'))
    .default(1)
    .describe(
      'PacGAN packing m (Lin et al. 2018): D judges m samples at once, concatenated along features ' +
        '(input m x data size; only its first layer grows). A step then draws batchSize packs of m ' +
        'independent real rows and makes batchSize x m fakes, packed in order. 1 = off; PacGAN ' +
        'reports m = 2..4 (fjxmlzn/PacGAN config.py: num_packing in {1,2,3,4}).',
    ),
  minibatchStd: obj({
    groupSize: int(1)
      .default(4)
      .describe(
        "Samples per group, G = min(groupSize, batch) (ProGAN's mbstd_group_size = 4, " +
          'tkarras/progressive_growing_of_gans networks.py). The batch must be divisible by G.',
      ),
  })
    .nullable()
    .default(null)
    .describe(
      'Minibatch standard deviation (ProGAN, Karras et al. 2018): the std of each feature over a group ' +
        'of samples, averaged over features, appended as one extra feature to every member of the group, ' +
        "at the input of D's last hidden layer (ProGAN appends it before its final block's conv and dense " +
        'layers, so the statistic passes a nonlinearity before the logit). Reals and fakes are grouped ' +
        'apart. null = off.',
    ),
  spectralNorm: bool()
    .default(false)
    .describe(
      'Spectral normalisation (Miyato et al. 2018) of every D Linear layer: W / sigma(W), sigma from one ' +
        'power iteration per forward pass with a persistent u (checkpointed), the gradient flowing ' +
        'through sigma with u, v held (pfnet-research/sngan_projection sn_linear.py, max_sv.py).',
    ),
}).superRefine(checkActivationLength);

export const initSchema = obj({
  scheme: oneOf(INIT_SCHEMES)
    .default('xavier-uniform')
    .describe(
      'Weight initialisation (biases are always zero). he-normal: N(0, sqrt(2 / fan_in)) * gain ' +
        '(the article, with gain 0.002); xavier-uniform / xavier-normal: Glorot * gain; normal: N(0, std).',
    ),
  gain: positive().default(1).describe('Multiplier of he-normal and xavier-* weights (the article: 0.002).'),
  std: positive().default(0.02).describe("Standard deviation of scheme 'normal' (unused by the others)."),
});

export const modelSchema = obj({
  z: zSchema.prefault({}).describe('The noise input of the generator.'),
  generator: generatorSchema
    .prefault({})
    .describe(
      'Generator MLP: z -> hidden layers -> output of the data size (784 for MNIST, 2 for the 2-D sets).',
    ),
  discriminator: discriminatorSchema
    .prefault({})
    .describe('Discriminator MLP: data -> hidden layers -> one logit, followed by a sigmoid.'),
  init: initSchema.prefault({}).describe('Weight initialisation of both networks.'),
});

// ---------------------------------------------------------------------------------------------
// loss

export const lossSchema = obj({
  discriminator: oneOf(D_LOSSES)
    .default('standard')
    .describe(
      "The objective D descends. standard: -log D(x) - log(1 - D(G(z))), what the article's code " +
        'trains (its hand-derived gradients are -1/D(x) and 1/(1 - D(G(z)))); flipped: ' +
        '-log D(x) + log(1 - D(G(z))), the cost the article prints, descended as if the code had ' +
        "followed its own formula (a counterfactual: it pushes D to call fakes real). On D's raw " +
        'output (logits; fromProbabilities must be false): least-squares (LSGAN, Mao et al. 2017): ' +
        '0.5 (D(x) - 1)^2 + 0.5 D(G(z))^2; hinge: relu(1 - D(x)) + relu(1 + D(G(z))); wasserstein ' +
        '(WGAN, Arjovsky et al. 2017): D(G(z)) - D(x), with clip set. Each term a mean over the batch.',
    ),
  reportedDiscriminatorCost: oneOf(REPORTED_D_COSTS)
    .default('objective')
    .describe(
      'Whether metrics.jsonl also logs the D cost the article prints. objective: only dLoss, the ' +
        'loss D descends; article-printed: also dCostPrinted, -log D(x) + log(1 - D(G(z))), the cost ' +
        "the article's code prints whatever D is trained on (its own column, named D cost (printed)).",
    ),
  generator: oneOf(G_LOSSES)
    .default('non-saturating')
    .describe(
      'non-saturating: -log D(G(z)) (the article); minimax: log(1 - D(G(z))). On logits only: ' +
        'least-squares: 0.5 (D(G(z)) - 1)^2; hinge and wasserstein: -D(G(z)). Each a mean over the batch.',
    ),
  realLabel: z
    .number(expecting('a number in (0, 1]'))
    .gt(0, expecting('a number in (0, 1]'))
    .max(1, expecting('a number in (0, 1]'))
    .default(1)
    .describe(
      "The real target of D's cross-entropy (standard or flipped): 1 = no smoothing; below 1 = " +
        'one-sided label smoothing (Salimans et al. 2016): real samples get target realLabel ' +
        '(commonly 0.9; openai/improved-gan uses 0.75), fakes keep 0.',
    ),
  clip: positive()
    .nullable()
    .default(null)
    .describe(
      "WGAN weight clipping: after every D update, each of D's parameters is clamped to [-clip, clip] " +
        '(Arjovsky et al. 2017: 0.01); null = none. Only with discriminator: wasserstein.',
    ),
  fromProbabilities: bool()
    .default(false)
    .describe(
      'true: losses and gradients from the sigmoid output as the article does (log of a probability ' +
        'that can round to 0 or 1: inf/NaN when D saturates); false: from logits (numerically stable).',
    ),
}).superRefine(checkLossCombination);

/** Cross-field checks of `loss`: the logit-only losses, clip and realLabel go with certain losses. */
function checkLossCombination(
  loss: {
    discriminator: string;
    generator: string;
    fromProbabilities: boolean;
    clip: number | null;
    realLabel: number;
  },
  ctx: z.RefinementCtx,
): void {
  const logitOnly = (k: string) => (LOGIT_ONLY_LOSSES as readonly string[]).includes(k);
  for (const key of ['discriminator', 'generator'] as const) {
    if (loss.fromProbabilities && logitOnly(loss[key])) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        input: loss[key],
        message:
          `'${loss[key]}' is defined on D's raw output: expected fromProbabilities: false, or one of ` +
          `${quoteList(key === 'discriminator' ? ['standard', 'flipped'] : ['non-saturating', 'minimax'])}`,
      });
    }
  }
  if (loss.clip !== null && loss.discriminator !== 'wasserstein') {
    ctx.addIssue({
      code: 'custom',
      path: ['clip'],
      input: loss.clip,
      message: `weight clipping goes with the Wasserstein critic: expected null (discriminator is '${loss.discriminator}'), got ${loss.clip}`,
    });
  }
  if (loss.realLabel !== 1 && logitOnly(loss.discriminator)) {
    ctx.addIssue({
      code: 'custom',
      path: ['realLabel'],
      input: loss.realLabel,
      message: `label smoothing applies to the cross-entropy losses: expected 1 (discriminator is '${loss.discriminator}'), got ${loss.realLabel}`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// optim

const milestoneSchema = obj({
  step: int(0).describe('Step t (counted from 0) from which the factor applies.'),
  factor: positive().describe('Multiplier of the learning rate from that step on (0.01 = divide by 100).'),
});

const milestoneListSchema = nonEmptyList(milestoneSchema, '{ step, factor } entries').superRefine(
  (milestones, ctx) => {
    for (let i = 1; i < milestones.length; i++) {
      const prev = milestones[i - 1]?.step;
      const cur = milestones[i]?.step;
      if (typeof prev === 'number' && typeof cur === 'number' && cur <= prev) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'step'],
          input: cur,
          message: `expected a step > ${prev} (milestones must be in strictly increasing step order), got ${cur}`,
        });
      }
    }
  },
);

export const scheduleSchema = z
  .discriminatedUnion(
    'type',
    [
      obj({ type: z.literal('constant').describe('The learning rate never changes.') }),
      obj({
        type: z.literal('step').describe('lr(t) = lr * product of factor over milestones with step <= t.'),
        milestones: milestoneListSchema.describe(
          'Where the rate drops, in increasing step order. The decay trick: [{ step: 1, factor: 0.01 }, ' +
            '{ step: 41, factor: 0.01 }] = x0.01 after step 0 and again after step 40.',
        ),
      }),
      obj({
        type: z.literal('exponential').describe('lr(t) = lr * gamma^floor(t / every).'),
        gamma: z
          .number(expecting('a number in (0, 1]'))
          .gt(0, expecting('a number in (0, 1]'))
          .max(1, expecting('a number in (0, 1]'))
          .describe('Decay factor per period.'),
        every: int(1).default(1).describe('Period length in steps.'),
      }),
      obj({
        type: z
          .literal('cosine')
          .describe(
            'Linear warmup over the first `warmup` steps, then a half cosine from lr down to minLr, ' +
              'reached at step `steps` (warmup included).',
          ),
        steps: int(1, true)
          .nullable()
          .default(null)
          .describe('Step at which the rate reaches minLr (warmup included); null = train.steps.'),
        minLr: nonNegative().default(0).describe('Learning rate at the end of the cosine.'),
        warmup: int(0).default(0).describe('Steps of linear warmup before the cosine.'),
      }),
    ],
    {
      error: (issue) => {
        const input = issue.input;
        const allowed = `one of ${quoteList(SCHEDULES)}`;
        if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
          const type = (input as { type?: unknown }).type;
          return `${mismatch(allowed, type)}${didYouMean(type, SCHEDULES)}`;
        }
        return mismatch(`a mapping with a "type" key (${allowed})`, input);
      },
    },
  )
  .prefault({ type: 'constant' })
  .describe('How the learning rate changes with the step t (counted from 0). Default: constant.');

const betaSchema = fraction();

export const optimizerSchema = obj({
  type: oneOf(OPTIMIZERS)
    .default('adam')
    .describe("adam, sgd (with optional momentum), or rmsprop (PyTorch's form, WGAN's optimiser)."),
  lr: positive().default(0.0002).describe('Learning rate at step 0 (before the schedule).'),
  betas: z
    .tuple([betaSchema, betaSchema], expecting('a list of two numbers in [0, 1)'))
    .prefault([0.5, 0.999])
    .describe(
      'Adam [beta1, beta2]: decay rates of the first and second moment estimates (the article: [0.9, 0.999]).',
    ),
  eps: nonNegative().default(1e-8).describe('Adam: added to sqrt(v_hat) in the denominator.'),
  biasCorrection: oneOf(BIAS_CORRECTIONS)
    .default('standard')
    .describe(
      'Adam bias correction. standard: m / (1 - beta1^t), v / (1 - beta2^t) with t counted from 1; ' +
        'constant: m / (1 - beta1), v / (1 - beta2) at every step (the article).',
    ),
  momentum: fraction().default(0).describe('SGD momentum (sgd only; 0 = plain SGD).'),
  nesterov: bool().default(false).describe('SGD: Nesterov momentum (sgd only).'),
  alpha: fraction()
    .default(0.99)
    .describe(
      "RMSprop: decay of the running mean of squared gradients (rmsprop only; PyTorch's default 0.99, " +
        "which WGAN's code uses). Its eps is the eps above.",
    ),
  schedule: scheduleSchema,
});

export const optimSchema = obj({
  generator: optimizerSchema.prefault({}).describe("The generator's optimiser."),
  discriminator: optimizerSchema.prefault({}).describe("The discriminator's optimiser."),
});

// ---------------------------------------------------------------------------------------------
// train, log, eval

export const trainSchema = obj({
  steps: int(1).default(10000).describe('Number of training steps (generator updates).'),
  dSteps: int(1).default(1).describe('Discriminator updates per generator update.'),
  instanceNoise: obj({
    std: positive().describe('Standard deviation of the noise at step 0, in data units.'),
    annealSteps: int(1, true)
      .nullable()
      .default(null)
      .describe('Steps over which std falls linearly to 0 (std * (1 - t / annealSteps)); null = constant.'),
  })
    .nullable()
    .default(null)
    .describe(
      'Instance noise (Sønderby et al. 2016): Gaussian noise added to every input D sees (real and ' +
        "fake, in D's updates and in G's pass through D), annealed linearly to 0; null = none.",
    ),
  unrolledSteps: int(0)
    .default(0)
    .describe(
      "Unrolled GAN (Metz et al. 2017; k = 5 in the reference notebook): G's update uses D after this " +
        'many extra D updates on fresh batches, then D and its optimiser are restored. First-order ' +
        '(surrogate) gradient: no backpropagation through the unrolled updates. 0 = off.',
    ),
  precision: oneOf(PRECISIONS)
    .default('float32')
    .describe(
      "The networks' and optimisers' dtype. float32: the native kernels' precision, fast. float64: " +
        "what a float64 program computes (the article's numpy files), on the float64 kernels of the " +
        'reference backend (several times slower); fully connected networks only.',
    ),
});

export const randomSchema = obj({
  stream: oneOf(RANDOM_STREAMS)
    .default('xoshiro')
    .describe(
      'xoshiro: one named stream per use (init, data, z, grid, ...), derived from seed, so adding a ' +
        "use never shifts another. numpy: numpy's legacy generator after np.random.seed(seed), drawn " +
        "in the article's files' order: the shuffle of the data, D's then G's weights, and per step the " +
        'image index and the two z; with the same seed and float64 a run makes what the files make. ' +
        'Fully connected networks (no layer lists) with he-normal init and sampling with replacement; ' +
        "the remedies' own draws (instance noise, unrolled D, spectral norm's u) keep their streams.",
    ),
  gridEvery: int(1, true)
    .nullable()
    .default(null)
    .describe(
      'numpy stream only (the xoshiro stream ignores it): the files draw a fresh z for a 4x4 sample ' +
        'grid after iteration 0 and every N after it (10 in the decay files, 200 in the failed ones), ' +
        'which takes values from the stream; the run draws it too, and its sample grids use the last ' +
        'one. null = no grid draws.',
    ),
});

export const logSchema = obj({
  every: int(1)
    .default(10)
    .describe('Write one metrics.jsonl line every N steps (and always for step 1, the starting point).'),
  printEvery: int(1)
    .default(100)
    .describe('Print one plain progress line every N steps when not on a terminal.'),
  samplesEvery: int(1)
    .default(500)
    .describe('Save a 4x4 grid of samples from a fixed z every N steps (PNG).'),
  sampleScale: oneOf(SAMPLE_SCALES)
    .default('output')
    .describe(
      "How saved and shown samples map to grey levels. output: the generator's output range (sigmoid " +
        '0..1, tanh -1..1) to black..white, so grey means grey; per-image: each image stretched from its ' +
        "own min to its max, as matplotlib's imshow does in the article's plots (it turns differences " +
        'of a few millionths into full contrast). Evaluation never uses it.',
    ),
  checkpointEvery: int(1).default(5000).describe('Save a checkpoint every N steps.'),
  gif: bool().default(true).describe('Build samples.gif from the sample grids at the end and on interrupt.'),
});

export const evalSchema = obj({
  every: int(0)
    .default(0)
    .describe('Evaluate every N steps during training; 0 = never during training (see atEnd).'),
  samples: int(16)
    .default(1000)
    .describe('Generated samples per evaluation (stacked-mnist: see stackedSamples).'),
  stackedSamples: int(16)
    .default(26_000)
    .describe(
      'Generated samples per evaluation of a stacked-mnist run, in place of samples: 26,000 as VEEGAN ' +
        "and PacGAN's VEEGAN setting (fjxmlzn/PacGAN VEEGAN_experiment/config.py num_test_sample); " +
        'each sample is 3 classifier passes (about 10 s on the native backend for 26,000).',
    ),
  atEnd: bool().default(true).describe('Evaluate once when training ends.'),
});

// ---------------------------------------------------------------------------------------------
// The whole config

export const experimentConfigSchema = obj({
  name: z
    .string(expecting('a name'))
    .regex(
      NAME_PATTERN,
      expecting('a name of letters, digits, ".", "_" and "-" that starts with a letter or digit'),
    )
    .describe(
      'Experiment name: runs are stored in experiments/<name>/. Default: the config file name without ' +
        '.yaml (the loader fills it in).',
    ),
  description: z
    .string(expecting('a string'))
    .default('')
    .describe('Free text shown in listings and reports.'),
  seed: int(0)
    .default(0)
    .describe('The seed of every random stream of the run (init, data, z, sample grid, evaluation).'),
  random: randomSchema
    .prefault({})
    .describe('Which generator the seed drives, and in what order it is drawn.'),
  data: dataSchema.prefault({}).describe('The training data and how batches are drawn from it.'),
  model: modelSchema.prefault({}).describe('The two networks, the noise and the initialisation.'),
  loss: lossSchema.prefault({}).describe('The GAN objective.'),
  optim: optimSchema.prefault({}).describe('One optimiser per network.'),
  train: trainSchema.prefault({}).describe('Run length.'),
  log: logSchema.prefault({}).describe('What is recorded during the run, and how often.'),
  eval: evalSchema.prefault({}).describe('Quantitative evaluation of the generator.'),
}).superRefine((config, ctx) => {
  checkMinibatchStdGroups(config, ctx);
  checkLayerLists(config, ctx);
  checkNumpyStream(config, ctx);
  checkPrecision(config, ctx);
});

/** What the numpy stream and float64 check: the parts of a config they depend on. */
interface StreamAndPrecision {
  seed: number;
  random: { stream: string; gridEvery: number | null };
  data: { sampling: string };
  train: { precision: string };
  model: {
    init: { scheme: string };
    generator: { layers: unknown[] | null };
    discriminator: {
      layers: unknown[] | null;
      packing: number;
      minibatchStd: unknown;
      spectralNorm: boolean;
    };
  };
}

/** Why the MLP-only features (the numpy stream, float64) cannot run this model, or null. */
function notPlainMlp(
  model: StreamAndPrecision['model'],
): { path: string[]; input: unknown; what: string } | null {
  const { generator: g, discriminator: d } = model;
  if (g.layers !== null)
    return { path: ['model', 'generator', 'layers'], input: undefined, what: 'a layer list' };
  if (d.layers !== null)
    return { path: ['model', 'discriminator', 'layers'], input: undefined, what: 'a layer list' };
  if (d.packing !== 1)
    return { path: ['model', 'discriminator', 'packing'], input: d.packing, what: 'packing' };
  if (d.minibatchStd !== null)
    return { path: ['model', 'discriminator', 'minibatchStd'], input: undefined, what: 'minibatch std' };
  if (d.spectralNorm)
    return { path: ['model', 'discriminator', 'spectralNorm'], input: true, what: 'spectral norm' };
  return null;
}

/**
 * The numpy stream draws what the article's files draw, and what extends them: weights of fully
 * connected layers by the files' he-normal formula, images with replacement, numpy's seed range.
 */
function checkNumpyStream(config: StreamAndPrecision, ctx: z.RefinementCtx): void {
  if (config.random.stream !== 'numpy') return;
  const add = (path: PropertyKey[], message: string, input: unknown) =>
    ctx.addIssue({ code: 'custom', path, input, message });
  const why = "the numpy stream draws weights, images and z as the article's files do";
  const { generator: g, discriminator: d } = config.model;
  for (const [net, layers] of [
    ['generator', g.layers],
    ['discriminator', d.layers],
  ] as const) {
    if (layers !== null) {
      add(
        ['model', net, 'layers'],
        `expected none with random.stream numpy (${why}), got a layer list`,
        undefined,
      );
    }
  }
  if (config.model.init.scheme !== 'he-normal') {
    add(
      ['model', 'init', 'scheme'],
      `expected he-normal with random.stream numpy (${why})`,
      config.model.init.scheme,
    );
  }
  if (config.data.sampling !== 'replacement') {
    add(['data', 'sampling'], `expected replacement with random.stream numpy (${why})`, config.data.sampling);
  }
  if (config.seed > 0xffffffff) {
    add(
      ['seed'],
      'expected a seed below 2**32 with random.stream numpy (np.random.seed takes 32 bits)',
      config.seed,
    );
  }
}

/** float64 runs on the reference backend's loops, which cover the fully connected layers. */
function checkPrecision(config: StreamAndPrecision, ctx: z.RefinementCtx): void {
  if (config.train.precision !== 'float64') return;
  const mlp = notPlainMlp(config.model);
  if (mlp === null) return;
  ctx.addIssue({
    code: 'custom',
    path: ['train', 'precision'],
    input: 'float64',
    message: `expected float32 with ${mlp.what} (model.${mlp.path.slice(1).join('.')}): float64 covers fully connected networks only`,
  });
}

/**
 * ProGAN's minibatch std needs D's batch (real and fake apart: `data.batchSize` rows each)
 * divisible by its group size G = min(groupSize, batchSize).
 */
function checkMinibatchStdGroups(
  config: {
    data: { batchSize: number };
    model: { discriminator: { minibatchStd: { groupSize: number } | null } };
  },
  ctx: z.RefinementCtx,
): void {
  const mbstd = config.model.discriminator.minibatchStd;
  const b = config.data.batchSize;
  if (mbstd === null) return;
  const g = Math.min(mbstd.groupSize, b);
  if (b % g === 0) return;
  ctx.addIssue({
    code: 'custom',
    path: ['model', 'discriminator', 'minibatchStd', 'groupSize'],
    input: mbstd.groupSize,
    message:
      `expected a divisor of data.batchSize (${b}), or a number >= it (ProGAN groups the batch ` +
      `evenly), got ${mbstd.groupSize}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Types

/** A fully resolved, validated config: every default applied. */
export type ExperimentConfig = z.output<typeof experimentConfigSchema>;
/** What a config file (after `extends` and overrides) may contain: defaults are optional. */
export type ExperimentConfigInput = z.input<typeof experimentConfigSchema>;
export type DataConfig = ExperimentConfig['data'];
export type ModelConfig = ExperimentConfig['model'];
export type ZConfig = ModelConfig['z'];
export type GeneratorConfig = ModelConfig['generator'];
export type DiscriminatorConfig = ModelConfig['discriminator'];
export type InitConfig = ModelConfig['init'];
export type LossConfig = ExperimentConfig['loss'];
export type OptimConfig = ExperimentConfig['optim'];
export type OptimizerConfig = z.output<typeof optimizerSchema>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type StepMilestone = z.output<typeof milestoneSchema>;
export type TrainConfig = ExperimentConfig['train'];
export type LogConfig = ExperimentConfig['log'];
export type EvalConfig = ExperimentConfig['eval'];
export type Activation = z.output<typeof activationSchema>;
export type ActivationSpec = z.output<typeof activationSpecSchema>;

/**
 * The activation of each hidden layer, expanding a single name to every layer.
 *
 * ```ts
 * layerActivations({ hidden: [200, 560], activation: 'tanh' });          // ['tanh', 'tanh']
 * layerActivations({ hidden: [200, 560], activation: ['atan', 'relu'] }); // ['atan', 'relu']
 * ```
 */
export function layerActivations(net: {
  hidden: readonly number[];
  activation: ActivationSpec;
}): Activation[] {
  return typeof net.activation === 'string'
    ? net.hidden.map(() => net.activation as Activation)
    : [...net.activation];
}

/**
 * A layer list must fit its input and end in the data shape (G) or one logit (D); the MLP-only
 * options cannot be combined with it.
 */
function checkLayerLists(config: ModelAndData, ctx: z.RefinementCtx): void {
  const add = (path: PropertyKey[], message: string, input: unknown) =>
    ctx.addIssue({ code: 'custom', path, input, message });
  for (const [net, check] of [
    ['generator', checkGeneratorLayers],
    ['discriminator', checkDiscriminatorLayers],
  ] as const) {
    const { problem } = check(config);
    if (problem === null) continue;
    const at = ['model', net, 'layers', ...(problem.index === null ? [] : [problem.index])];
    add(at, problem.message, undefined);
  }
  const { generator: g, discriminator: d } = config.model;
  if (g.layers !== null) {
    if (g.outputWeightGrad !== 'chain-rule') {
      add(
        ['model', 'generator', 'outputWeightGrad'],
        "expected chain-rule with a layer list (the typo is an MLP output layer's)",
        g.outputWeightGrad,
      );
    }
    if (g.outputInitFanIn !== 'own') {
      add(
        ['model', 'generator', 'outputInitFanIn'],
        "expected own with a layer list (the typo is an MLP output layer's)",
        g.outputInitFanIn,
      );
    }
  }
  if (d.layers !== null) {
    if (d.spectralNorm) {
      add(
        ['model', 'discriminator', 'spectralNorm'],
        "expected false with a layer list: spectral norm is built for the MLP's Linear layers",
        true,
      );
    }
    if (d.minibatchStd !== null) {
      add(
        ['model', 'discriminator', 'minibatchStd'],
        'expected null with a layer list: minibatch std is built for the MLP',
        d.minibatchStd,
      );
    }
  }
}

/** The part of a config that decides the networks' shapes. */
export interface ModelAndData {
  data: z.output<typeof dataSchema>;
  model: z.output<typeof modelSchema>;
}

/**
 * Will a config's training fit in this machine? An estimate of what the trainer allocates, made
 * from the config alone before anything is allocated, so a model too large for the machine is
 * refused with a located config error ("model.generator.hidden: about 1.2 TB for parameters,
 * gradients and Adam state ...; this machine has 24 GB") instead of taking the machine's memory
 * first, or failing with V8's "RangeError: Invalid typed array length".
 *
 * What is counted, in float32:
 * ```
 * state        weights + gradients + optimiser state (Adam: m and v; RMSprop: v; SGD with momentum: one buffer)
 * activations  the layers' outputs and their gradients at the batch size (D sees 2 x batch rows),
 *              the sample grid's forward pass, the evaluation's samples
 * checkpoint   one encoded copy of the weights and optimiser state, while it is written
 * data         the training set (MNIST and stacked MNIST as bytes, the 2-D ring as floats) and
 *              MNIST's evaluation set
 * ```
 * It is an estimate (within tens of percent), meant to catch sizes that cannot work, not to
 * budget memory to the byte.
 */
import os from 'node:os';
import { MNIST_PIXELS, STACKED_DEFAULT_SIZE, STACKED_PIXELS } from '@gan/data';
import { MAX_TENSOR_SIZE } from '@gan/tensor';
import {
  checkDiscriminatorLayers,
  checkGeneratorLayers,
  type ResolvedLayer,
} from '../config/architecture.ts';
import type { ConfigProblem, ExperimentConfig, OptimizerConfig } from '../config/index.ts';
import { GAUSSIANS_DEFAULT_SIZE } from './data.ts';

const FLOAT = 4;

/** The share of the machine's memory one run may plan on; the rest is the system's and other processes'. */
export const MEMORY_SHARE = 0.75;

/** `fs.readFile` reads files of at most 2 GiB, so a bigger checkpoint could be written but never resumed from. */
export const MAX_CHECKPOINT_BYTES = 2 ** 31 - 1;

/** Rows of one generator pass while sampling for an evaluation (evaluate.ts draws 250 at a time). */
const EVAL_CHUNK = 250;

/** The memory a run may use: the machine's, or its container's limit when lower. */
export interface MachineMemory {
  bytes: number;
  /** How to say it: `this machine has 24 GB`. */
  description: string;
}

/** This machine's memory, or the cgroup limit of this process when there is a lower one. */
export function machineMemory(): MachineMemory {
  const total = os.totalmem();
  const limit = typeof process.constrainedMemory === 'function' ? (process.constrainedMemory() ?? 0) : 0;
  if (limit > 0 && limit < total) {
    return { bytes: limit, description: `this process may use ${formatBytes(limit)} (its cgroup's limit)` };
  }
  return { bytes: total, description: `this machine has ${formatBytes(total)}` };
}

type Key = readonly (string | number)[];

/** One array the trainer allocates, with the config key that sizes it. */
export interface PlannedArray {
  what: string;
  values: number;
  key: Key;
}

/** What training a config takes, in bytes. */
export interface MemoryEstimate {
  /** Values per sample: 784 for MNIST, 2 for the ring. */
  dataDim: number;
  params: { generator: number; discriminator: number };
  /** Weights, gradients and optimiser state of each network. */
  state: { generator: number; discriminator: number };
  /** The layers' outputs and gradients at the batch size. */
  activations: number;
  /** The generator's passes that draw samples: the sample grid, the evaluation's chunks. */
  sampling: number;
  /** The evaluation's samples and what scores them. */
  evaluation: number;
  checkpoint: number;
  data: number;
  total: number;
  /** The optimiser state's name for messages: `Adam` when both networks use it. */
  optimizerName: string;
  /** The largest arrays, each with the key that sizes it. */
  arrays: PlannedArray[];
}

/** Values per sample of a config's dataset. */
export function dataDimOf(config: ExperimentConfig): number {
  const ds = config.data.dataset;
  return ds === 'mnist' ? MNIST_PIXELS : ds === 'stacked-mnist' ? STACKED_PIXELS : 2;
}

/** Generated samples per evaluation: `eval.stackedSamples` for stacked MNIST, else `eval.samples`. */
export function evalSampleCount(config: ExperimentConfig): number {
  return config.data.dataset === 'stacked-mnist' ? config.eval.stackedSamples : config.eval.samples;
}

function stateBuffers(opt: OptimizerConfig): number {
  if (opt.type === 'adam') return 2;
  if (opt.type === 'rmsprop') return 1;
  return opt.momentum > 0 ? 1 : 0;
}

/**
 * One network as memory sees it: its parameter count, the values one sample keeps in its layers
 * (outputs and their gradients, a convolution's unfolded input) and its widest layer output.
 */
interface NetworkPlan {
  params: number;
  perSample: number;
  widest: number;
  /** The config key that sizes it: `model.<net>.hidden` or `.layers`. */
  key: Key;
}

/** An MLP of `sizes` (input first): each layer keeps its output, its activation's output and both gradients. */
function mlpPlan(
  sizes: number[],
  net: 'generator' | 'discriminator',
  zSize: number,
  arrays: PlannedArray[],
): NetworkPlan {
  let params = 0;
  for (let i = 0; i + 1 < sizes.length; i++) {
    const values = sizes[i] * sizes[i + 1];
    params += values + sizes[i + 1];
    const key =
      net === 'generator' && i === 0 && zSize > sizes[1] ? ['model', 'z', 'size'] : ['model', net, 'hidden'];
    arrays.push({ what: `${net} layer ${i} (${sizes[i]} x ${sizes[i + 1]} weights)`, values, key });
  }
  const widths = sizes.slice(1);
  return {
    params,
    perSample: 4 * widths.reduce((a, x) => a + x, 0),
    widest: Math.max(...widths),
    key: ['model', net, 'hidden'],
  };
}

/**
 * A layer list: each layer keeps its output and its gradient; a convolution also its unfolded
 * input and that one's gradient (im2col's `c·kh·kw` values per output pixel) and a transposed copy
 * of its output.
 */
function layerListPlan(
  resolved: readonly ResolvedLayer[],
  net: 'generator' | 'discriminator',
  arrays: PlannedArray[],
): NetworkPlan {
  const key: Key = ['model', net, 'layers'];
  let params = 0;
  let perSample = 0;
  let widest = 0;
  const size = (s: readonly number[]) => s.reduce((a, x) => a * x, 1);
  for (const { index, op, input, output, params: p } of resolved) {
    params += p;
    const out = size(output);
    widest = Math.max(widest, out);
    perSample += 2 * out;
    if (op.kind === 'conv' || op.kind === 'convTranspose') {
      const [kh, kw] = op.kernel;
      const cols =
        op.kind === 'conv'
          ? input[0] * kh * kw * (output[1] as number) * (output[2] as number)
          : op.channels * kh * kw * (input[1] as number) * (input[2] as number);
      perSample += 2 * cols + out;
    }
    if (p > 0)
      arrays.push({ what: `${net} layer ${index} (${p} parameters)`, values: p, key: [...key, index] });
  }
  return { params, perSample, widest, key };
}

/** G's and D's plans, from their layer lists or MLP widths. */
function networkPlans(
  config: ExperimentConfig,
  dataDim: number,
  arrays: PlannedArray[],
): { g: NetworkPlan; d: NetworkPlan; pDExtra: number } {
  const { generator: g, discriminator: d, z } = config.model;
  // PacGAN packing widens D's input m times; G then makes batch x m samples per pass.
  const m = d.packing;
  const gPlan =
    g.layers !== null
      ? layerListPlan(checkGeneratorLayers(config).layers, 'generator', arrays)
      : mlpPlan([z.size, ...g.hidden, dataDim], 'generator', z.size, arrays);
  if (d.layers !== null) {
    return {
      g: gPlan,
      d: layerListPlan(checkDiscriminatorLayers(config).layers, 'discriminator', arrays),
      pDExtra: 0,
    };
  }
  const dSizes = [m * dataDim, ...d.hidden, 1];
  // Minibatch std adds one input to D's last hidden layer (the output layer when it has none).
  const mbstdExtra = d.minibatchStd === null ? 0 : dSizes[Math.max(d.hidden.length, 1)];
  return { g: gPlan, d: mlpPlan(dSizes, 'discriminator', z.size, arrays), pDExtra: mbstdExtra };
}

/** Estimates what training `config` allocates (see the module comment). */
export function estimateMemory(config: ExperimentConfig): MemoryEstimate {
  const dataDim = dataDimOf(config);
  const { generator: g, discriminator: d, z } = config.model;
  const m = d.packing;
  const arrays: PlannedArray[] = [];
  const plans = networkPlans(config, dataDim, arrays);
  const pG = plans.g.params;
  const pD = plans.d.params + plans.pDExtra;
  const kG = stateBuffers(config.optim.generator);
  const kD = stateBuffers(config.optim.discriminator);
  // Spectral norm keeps W / sigma and its gradient beside each weight (and u, v: negligible).
  const kSn = d.spectralNorm ? 2 : 0;
  const state = { generator: pG * (2 + kG) * FLOAT, discriminator: pD * (2 + kD + kSn) * FLOAT };

  const b = config.data.batchSize;
  const widest = Math.max(plans.g.widest, plans.d.widest);
  const activations =
    FLOAT *
    (b * m * z.size +
      b * m * plans.g.perSample + // G, for D's fakes and for its own step (the same buffers)
      2 * (2 * b) * m * dataDim + // D's input (real and fake) and its gradient
      2 * b * plans.d.perSample + // D on both halves
      b * plans.d.perSample); // D again in G's step
  arrays.push({
    what: `a batch through the widest layer (${b} x ${widest})`,
    values: 2 * b * widest,
    key: ['data', 'batchSize'],
  });
  const grid = dataDim === 2 ? 512 : 16;
  // A sampling pass keeps outputs only (half of what a training pass keeps), at its own batch sizes.
  const sampling = (FLOAT * (grid + EVAL_CHUNK) * plans.g.perSample) / 2;
  arrays.push({
    what: `the sample grid through the generator (${grid} x ${plans.g.widest})`,
    values: grid * plans.g.widest,
    key: g.layers !== null ? plans.g.key : ['model', 'generator', 'hidden'],
  });
  const stacked = config.data.dataset === 'stacked-mnist';
  const n = evalSampleCount(config);
  const evalKey = ['eval', stacked ? 'stackedSamples' : 'samples'];
  // Samples and their unit-scale copy, then the classifier's activations: stacked MNIST classifies
  // its channels one 784-pixel plane at a time, in chunks (see evaluateStacked).
  const evaluation =
    FLOAT *
    (2 * n * dataDim +
      (dataDim === 2 ? 0 : stacked ? 3 * Math.min(n, 2000) * (256 + 10) : n * (512 + 256 + 10)));
  arrays.push({
    what: `the evaluation's samples (${n} x ${dataDim})`,
    values: n * dataDim,
    key: evalKey,
  });
  const checkpoint = FLOAT * (pG * (1 + kG) + pD * (1 + kD));
  const rows = config.data.limit ?? GAUSSIANS_DEFAULT_SIZE;
  const stackedRows = config.data.limit ?? STACKED_DEFAULT_SIZE;
  const data =
    dataDim === 2
      ? FLOAT * 2 * rows
      : 70_000 * MNIST_PIXELS + FLOAT * 10_000 * MNIST_PIXELS + (stacked ? stackedRows * STACKED_PIXELS : 0);
  if (stacked)
    arrays.push({
      what: `the stacked MNIST set as bytes (${stackedRows} x ${STACKED_PIXELS})`,
      values: (stackedRows * STACKED_PIXELS) / FLOAT,
      key: ['data', 'limit'],
    });
  if (dataDim === 2)
    arrays.push({ what: `the 2-D data set (${rows} x 2)`, values: rows * 2, key: ['data', 'limit'] });
  const adamBoth = config.optim.generator.type === 'adam' && config.optim.discriminator.type === 'adam';
  return {
    dataDim,
    params: { generator: pG, discriminator: pD },
    state,
    activations,
    sampling,
    evaluation,
    checkpoint,
    data,
    total: state.generator + state.discriminator + activations + sampling + evaluation + checkpoint + data,
    optimizerName: adamBoth ? 'Adam' : 'optimizer',
    arrays: arrays.sort((x, y) => y.values - x.values),
  };
}

/**
 * What keeps `config` from training on a machine with `machine`'s memory: arrays larger than one
 * typed array can be, a checkpoint too large to read back, or an estimate above
 * {@link MEMORY_SHARE} of the memory; each located at the key to change. Empty when it fits.
 *
 * ```ts
 * loadConfig(file, overrides, { check: (c) => memoryProblems(c) });
 * ```
 */
export function memoryProblems(
  config: ExperimentConfig,
  machine: MachineMemory = machineMemory(),
): ConfigProblem[] {
  const e = estimateMemory(config);
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  const add = (key: Key, message: string) => {
    if (reported.has(key.join('.'))) return;
    reported.add(key.join('.'));
    problems.push({ path: key, message });
  };
  const net = e.state.generator >= e.state.discriminator ? 'generator' : 'discriminator';
  const bigger: Key = ['model', net, config.model[net].layers !== null ? 'layers' : 'hidden'];
  const budget = machine.bytes * MEMORY_SHARE;
  if (e.total > budget) {
    const state = e.state.generator + e.state.discriminator;
    const parts: [number, Key][] = [
      [state + e.checkpoint, bigger],
      [e.activations, ['data', 'batchSize']],
      [e.sampling, ['model', 'generator', 'hidden']],
      [
        e.evaluation,
        config.data.dataset === 'stacked-mnist' ? ['eval', 'stackedSamples'] : ['eval', 'samples'],
      ],
      [e.data, ['data', 'limit']],
    ];
    const [, key] = parts.reduce((a, p) => (p[0] > a[0] ? p : a));
    const other = [
      [e.activations, `for activations at batch size ${config.data.batchSize}`],
      [e.sampling, 'to draw sample grids and evaluation samples'],
      [e.evaluation, 'to score the evaluation'],
      [e.checkpoint, 'to write a checkpoint'],
    ] as const;
    const rest = other
      .filter(([bytes]) => bytes >= e.total / 100)
      .map(([bytes, what]) => `, ${formatBytes(bytes)} ${what}`)
      .join('');
    add(
      key,
      `about ${formatBytes(state)} for parameters, gradients and ${e.optimizerName} state${rest}: ` +
        `${formatBytes(e.total)} in all; ${machine.description}, and a run may plan on at most ` +
        `${Math.round(MEMORY_SHARE * 100)} % of it`,
    );
    return problems;
  }
  // The largest array alone: the others are usually the same too-wide layer seen at another size.
  const largest = e.arrays[0];
  if (largest !== undefined && largest.values > MAX_TENSOR_SIZE) {
    add(
      largest.key,
      `${largest.what} would hold ${count(largest.values)} values; one array holds at most ${count(MAX_TENSOR_SIZE)}`,
    );
  }
  if (problems.length > 0) return problems;
  if (e.checkpoint > MAX_CHECKPOINT_BYTES) {
    add(
      bigger,
      `a checkpoint would take about ${formatBytes(e.checkpoint)} (weights and ${e.optimizerName} state); ` +
        `Node reads files of at most 2 GB, so the run could never be resumed or evaluated`,
    );
  }
  return problems;
}

/**
 * Throws unless `config` fits (see {@link memoryProblems}): the trainer's own guard, for callers
 * that did not check when loading the config. The message names the keys.
 */
export function assertFitsInMemory(config: ExperimentConfig, machine: MachineMemory = machineMemory()): void {
  const problems = memoryProblems(config, machine);
  if (problems.length > 0) {
    throw new RangeError(
      `${config.name}: cannot train this config here:\n${problems.map((p) => `  ${p.path.join('.')}: ${p.message}`).join('\n')}`,
    );
  }
}

/**
 * `1.2 TB`, `23.5 GB`, `310 MB`: in units of 1024, as memory is sold and `free` counts it (and as
 * meta.json's `memoryGB`), 2 significant digits at least.
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

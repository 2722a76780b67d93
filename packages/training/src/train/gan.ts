import {
  createSampler,
  type Dataset,
  gatherBatch,
  rowCount,
  rowSize,
  type Sampler,
  type SamplerState,
} from '@gan/data';
import {
  articlePrintedDiscriminatorCost,
  type DiscriminatorLossKind,
  discriminatorLoss,
  type GeneratorLossKind,
  generatorLoss,
  meanProbability,
  type Parameter,
  zeroGrad,
} from '@gan/nn';
import {
  adam,
  makeSchedule,
  type Optimizer,
  type OptimizerState,
  rmsprop,
  sgd,
  stateFromArrays,
  stateToArrays,
} from '@gan/optim';
import {
  allocate,
  type DType,
  dtypeOf,
  type FloatArray,
  formatShape,
  type NumpyRandomStateSnapshot,
  Rng,
  type RngState,
  ShapeError,
  sumSquares,
  Tensor,
} from '@gan/tensor';
import type { MetricsRow } from '@gan/runs';
import type { ExperimentConfig, OptimizerConfig } from '../config/index.ts';
import { assertFitsInMemory } from './memory.ts';
import { buildModels, type GanModels, initModels } from './model.ts';
import { FileDraws } from './numpy-stream.ts';

/**
 * What one training step measured: the losses, mean D outputs and learning rates of a metrics
 * row; `dLoss` is the loss D descends, and `dCostPrinted` the article's printed cost, present only
 * when the config asks for it (see @gan/runs columns.ts).
 */
export type StepStats = Pick<MetricsRow, 'dLoss' | 'gLoss' | 'dReal' | 'dFake' | 'lrD' | 'lrG'> & {
  dCostPrinted?: number;
};

/**
 * One discriminator pass: the loss D descends (`objective`), the article's printed cost when the
 * config reports it (else null), and the mean D(x) and D(G(z)).
 */
export interface DiscriminatorPass {
  objective: number;
  printed: number | null;
  dReal: number;
  dFake: number;
}

/** Everything needed to continue training bit-identically: weights, optimiser moments, RNG streams. */
export interface TrainerSnapshot {
  step: number;
  arrays: Record<string, { shape: number[]; data: FloatArray }>;
  state: {
    optimizerSteps: { generator: number; discriminator: number };
    zRng: RngState;
    sampler: SamplerState;
    /** The `instance-noise` stream, when `train.instanceNoise` is set. */
    instanceNoiseRng?: RngState;
    /** The unrolled D steps' own streams, when `train.unrolledSteps` > 0. */
    unrolled?: { zRng: RngState; sampler: SamplerState };
    /** numpy's stream, when `random.stream` is numpy (it then draws the images and z). */
    numpyStream?: NumpyRandomStateSnapshot;
  };
}

/**
 * Receives the random inputs of every step as the trainer draws them (a run trace, `pnpm exp
 * --trace`, records them so that another implementation can replay the same steps). The arrays
 * are the trainer's own buffers: copy or write them before returning. With PacGAN packing m
 * (`model.discriminator.packing`) they hold `batch x m` rows: m consecutive rows make one pack.
 */
export interface StepInputsObserver {
  /** One discriminator update's inputs: the batch's row indices, the sampler's 32-bit draws behind them, and z. */
  discriminatorInputs(indices: Int32Array, draws: Uint32Array, z: Tensor): void;
  /** The generator update's z. */
  generatorInputs(z: Tensor): void;
}

/** Samples in a saved picture: a 4x4 grid of images (as the article), or a cloud of 2-D points. */
export function gridSize(data: Dataset): number {
  return data.height === 1 ? 512 : 16;
}

function makeOptimizer(cfg: OptimizerConfig, totalSteps: number): Optimizer {
  const schedule = makeSchedule(
    cfg.lr,
    cfg.schedule.type === 'cosine'
      ? { ...cfg.schedule, steps: cfg.schedule.steps ?? totalSteps }
      : cfg.schedule,
  );
  if (cfg.type === 'sgd') return sgd({ lr: schedule, momentum: cfg.momentum, nesterov: cfg.nesterov });
  if (cfg.type === 'rmsprop') return rmsprop({ lr: schedule, alpha: cfg.alpha, eps: cfg.eps });
  return adam({
    lr: schedule,
    beta1: cfg.betas[0],
    beta2: cfg.betas[1],
    eps: cfg.eps,
    biasCorrection: cfg.biasCorrection,
  });
}

/**
 * The GAN training loop's state and one step of it, in memory: no files, no UI. The discriminator
 * step comes first (real and fake batches in one forward pass, gradients of both terms summed, as
 * the article sums them), then the generator step with a fresh z, its gradient flowing through
 * D into G without touching D's gradients.
 *
 * Randomness comes from named streams derived from `config.seed`: `init-g`, `init-d`, `data-sample`,
 * `z`, `grid` (and `init-d-spectral-u` with spectral norm), so adding a consumer never shifts another;
 * the remedies against mode collapse have their own: `instance-noise`, `unrolled-data-sample`,
 * `unrolled-z`. With `random.stream: numpy` the weights, the images and z come instead from numpy's
 * legacy stream in the article's files' order (numpy-stream.ts); the other uses keep their streams.
 *
 * The networks, optimiser state and step buffers have the dtype of `train.precision`.
 *
 * Remedies in the step (each off by default, see the config schema):
 * - `loss.clip` (WGAN, Arjovsky et al. 2017): D's parameters clamped to ±clip after each D update
 *   (Algorithm 1 of the paper; `martinarjovsky/WassersteinGAN main.py` clamps before each D step,
 *   which differs only in that G there sees an unclipped D before the first D update).
 * - `train.instanceNoise` (Sønderby et al. 2016): N(0, σ_t²) added to every input D sees, real and
 *   fake, in D's updates and in G's pass through D, σ_t = std · max(0, 1 - t / annealSteps) with t
 *   the completed steps. Its gradient w.r.t. G's output is unchanged (the noise is additive).
 * - `train.unrolledSteps` = k (Metz et al. 2017): after D's own updates, D's weights, gradients and
 *   optimiser state are saved, k more D updates are made on fresh batches (from the unrolled
 *   streams), G's gradient is taken through that unrolled D, and D is restored. NOTE: only the
 *   first-order (surrogate) gradient: the term through D's updates (dθ_D^k/dθ_G, which the
 *   reference notebook `poolio/unrolled_gan` keeps by differentiating its Adam updates) is dropped,
 *   as in many reimplementations: keeping it needs a double backward through D's backward pass and
 *   its optimiser, which this numerical core's explicit layers do not provide.
 */
export class GanTrainer {
  readonly models: GanModels;
  readonly gParams: Parameter[];
  readonly dParams: Parameter[];
  readonly optG: Optimizer;
  readonly optD: Optimizer;
  private stateG: OptimizerState;
  private stateD: OptimizerState;
  private zRng: Rng;
  private readonly sampler: Sampler;
  private stepCount = 0;
  /** Told each step's random inputs when set (see {@link StepInputsObserver}). */
  observer: StepInputsObserver | null = null;

  readonly dataDim: number;
  readonly batch: number;
  /** PacGAN's m: D judges packs of m samples; a step draws `batch x m` real rows and z rows. */
  readonly packing: number;
  readonly zSize: number;
  private readonly zUniform: boolean;
  private readonly fromProbabilities: boolean;
  private readonly lossOptions: { fromProbabilities: boolean; realLabel?: number };
  private readonly dLossKind: DiscriminatorLossKind;
  private readonly reportArticleDCost: boolean;
  private readonly gLossKind: GeneratorLossKind;
  private readonly clip: number | null;
  private readonly noise: { std: number; annealSteps: number | null } | null;
  private noiseRng: Rng | null = null;
  /** Whether the noise buffers hold the current draw (false once σ_t is 0). */
  private noiseOn = false;
  private readonly unrolledSteps: number;
  private unrolledZRng: Rng | null = null;
  private readonly unrolledSampler: Sampler | null = null;
  /** numpy's stream in the article's files' order, when `random.stream` is numpy. */
  private readonly fileDraws: FileDraws | null = null;
  /** The networks' dtype (`train.precision`). */
  readonly dtype: DType;

  // Preallocated buffers: the step allocates nothing once they exist.
  private readonly idx: Int32Array;
  private readonly draws: Uint32Array;
  private readonly z: Tensor;
  private readonly dInput: Tensor;
  private readonly dInputReal: Tensor;
  /** dInputReal as `[batch x packing, dataDim]`: the sampled rows, m consecutive ones per pack. */
  private readonly realRows: Tensor;
  private readonly dInputFake: Tensor;
  private readonly dGrad: Tensor;
  private readonly dGradReal: Tensor;
  private readonly dGradFake: Tensor;
  private readonly gGrad: Tensor;
  private dOut: Tensor | null = null;
  private dOutReal: Tensor | null = null;
  private dOutFake: Tensor | null = null;
  // With packing, views of G's output as D's packs and of D's input gradient as G's rows, made
  // once per buffer (the layers reuse their buffers), not per step.
  private gOut: Tensor | null = null;
  private gOutPacked: Tensor | null = null;
  private dInGrad: Tensor | null = null;
  private dInGradRows: Tensor | null = null;
  private readonly dNoise: Tensor | null = null;
  private readonly gNoise: Tensor | null = null;
  private readonly gNoisyInput: Tensor | null = null;
  /** D's weights, gradients and optimiser slots saved around an unrolled G update. */
  private readonly dSaved: { values: FloatArray[]; grads: FloatArray[]; slots: OptimizerState } | null = null;
  /** The fixed z of every sample grid, so frames are comparable across steps and runs. */
  readonly gridZ: Tensor;

  /**
   * Builds both networks, their optimisers and buffers. Throws a RangeError naming the config
   * keys, before allocating anything, when the config would not fit in this machine's memory
   * (see memory.ts).
   */
  constructor(
    readonly config: ExperimentConfig,
    readonly data: Dataset,
  ) {
    assertFitsInMemory(config);
    const seed = config.seed;
    this.dataDim = rowSize(data);
    this.batch = config.data.batchSize;
    this.packing = config.model.discriminator.packing;
    this.zSize = config.model.z.size;
    this.zUniform = config.model.z.distribution === 'uniform';
    this.fromProbabilities = config.loss.fromProbabilities;
    this.lossOptions = { fromProbabilities: this.fromProbabilities };
    this.dLossKind = config.loss.discriminator;
    this.reportArticleDCost = config.loss.reportedDiscriminatorCost === 'article-printed';
    this.gLossKind = config.loss.generator;
    this.clip = config.loss.clip;
    this.noise = config.train.instanceNoise;
    this.unrolledSteps = config.train.unrolledSteps;
    if (config.loss.realLabel !== 1) {
      this.lossOptions = { fromProbabilities: this.fromProbabilities, realLabel: config.loss.realLabel };
    }

    this.dtype = config.train.precision;
    this.models = buildModels(config, this.dataDim);
    if (config.random.stream === 'numpy') {
      this.fileDraws = new FileDraws(config, rowCount(data));
      this.fileDraws.initWeights(this.models, config);
    } else {
      initModels(this.models, config, Rng.create(seed, 'init-g'), Rng.create(seed, 'init-d'));
    }
    this.gParams = this.models.generator.parameters();
    this.dParams = this.models.discriminator.parameters();
    this.optG = makeOptimizer(config.optim.generator, config.train.steps);
    this.optD = makeOptimizer(config.optim.discriminator, config.train.steps);
    this.stateG = this.optG.init(this.gParams);
    this.stateD = this.optD.init(this.dParams);
    this.zRng = Rng.create(seed, 'z');
    this.sampler = createSampler(config.data.sampling, {
      size: rowCount(data),
      excludeLast: config.data.excludeLast,
      rng: Rng.create(seed, 'data-sample'),
    });

    const b = this.batch;
    const rows = b * this.packing;
    this.idx = new Int32Array(rows);
    this.draws = new Uint32Array(rows);
    const dtype = this.dtype;
    this.z = Tensor.zeros([rows, this.zSize], dtype);
    this.dInput = Tensor.zeros([2 * b, this.packing * this.dataDim], dtype);
    this.dInputReal = this.dInput.rows(0, b);
    this.dInputFake = this.dInput.rows(b, 2 * b);
    this.realRows = this.dInputReal.reshape([rows, this.dataDim]);
    this.dGrad = Tensor.zeros([2 * b, 1], dtype);
    this.dGradReal = this.dGrad.rows(0, b);
    this.dGradFake = this.dGrad.rows(b, 2 * b);
    this.gGrad = Tensor.zeros([b, 1], dtype);
    this.gridZ = Tensor.zeros([gridSize(data), this.zSize], dtype);
    this.fillZ(Rng.create(seed, 'grid'), this.gridZ);

    if (this.noise !== null) {
      this.noiseRng = Rng.create(seed, 'instance-noise');
      this.dNoise = Tensor.zeros([2 * b, this.packing * this.dataDim], dtype);
      this.gNoise = Tensor.zeros([rows, this.dataDim], dtype);
      this.gNoisyInput = Tensor.zeros([rows, this.dataDim], dtype);
    }
    if (this.unrolledSteps > 0) {
      this.unrolledZRng = Rng.create(seed, 'unrolled-z');
      this.unrolledSampler = createSampler(config.data.sampling, {
        size: rowCount(data),
        excludeLast: config.data.excludeLast,
        rng: Rng.create(seed, 'unrolled-data-sample'),
      });
      this.dSaved = {
        values: this.dParams.map((p) => allocate(dtype, p.value.size)),
        grads: this.dParams.map((p) => allocate(dtype, p.value.size)),
        slots: this.optD.init(this.dParams),
      };
    }
  }

  /** Completed training steps (generator updates). */
  get step(): number {
    return this.stepCount;
  }

  /** Fills `out` with noise of the configured distribution. */
  fillZ(rng: Rng, out: Tensor): Tensor {
    if (this.zUniform) rng.fillUniform(out.data, -1, 1);
    else rng.fillNormal(out.data, 0, 1);
    return out;
  }

  /**
   * One training step: `train.dSteps` discriminator updates, then one generator update.
   *
   * A network whose loss is not finite is not updated, and the step is not counted: training has
   * diverged, and the weights stay at their last finite values so they can still be checkpointed,
   * sampled and evaluated (the caller sees the non-finite loss in the returned stats).
   */
  trainStep(): StepStats {
    let d: DiscriminatorPass = { objective: 0, printed: null, dReal: 0, dFake: 0 };
    let lrD = 0;
    for (let k = 0; k < this.config.train.dSteps; k++) {
      gatherBatch(this.data, this.nextRows(), this.realRows);
      this.drawZ();
      this.observer?.discriminatorInputs(this.idx, this.draws, this.z);
      this.drawInstanceNoise(this.dNoise);
      d = this.discriminatorPass();
      if (!Number.isFinite(d.objective)) {
        const lrs = { lrD: this.optD.lr(this.stateD.step), lrG: this.optG.lr(this.stateG.step) };
        return stepStats(d, Number.NaN, lrs.lrD, lrs.lrG);
      }
      lrD = this.optD.update(this.dParams, this.stateD);
      this.clipD();
    }
    if (this.unrolledSteps > 0) this.unrollD();
    this.drawZ();
    this.observer?.generatorInputs(this.z);
    this.drawInstanceNoise(this.gNoise);
    const gLoss = this.generatorPass();
    if (this.unrolledSteps > 0) this.restoreD();
    if (!Number.isFinite(gLoss)) return stepStats(d, gLoss, lrD, this.optG.lr(this.stateG.step));
    const lrG = this.optG.update(this.gParams, this.stateG);
    this.stepCount++;
    if (this.fileDraws?.gridDue(this.stepCount)) this.fileDraws.fillZ(this.gridZ.data);
    return stepStats(d, gLoss, lrD, lrG);
  }

  /**
   * The rows of this step's real batch: from the sampler, or (numpy stream) `np.random.randint`
   * through the files' shuffle, the index itself standing for the draw in the observer's record.
   */
  private nextRows(): Int32Array {
    const files = this.fileDraws;
    if (files === null) return this.sampler.next(this.idx, this.draws);
    files.sampleRows(this.idx, rowCount(this.data) - this.config.data.excludeLast);
    for (let i = 0; i < this.idx.length; i++) this.draws[i] = this.idx[i];
    return this.idx;
  }

  /** This update's z: from stream `z`, or from numpy's stream as the files draw it. */
  private drawZ(): void {
    if (this.fileDraws === null) this.fillZ(this.zRng, this.z);
    else this.fileDraws.fillZ(this.z.data);
  }

  /**
   * The instance noise of this step into `out` (N(0, σ_t²), σ_t annealed linearly from `std` to 0
   * over `annealSteps` completed steps); marks the noise off, drawing nothing, once σ_t is 0.
   */
  private drawInstanceNoise(out: Tensor | null): void {
    if (this.noise === null || out === null) return;
    const { std, annealSteps } = this.noise;
    const sigma = annealSteps === null ? std : std * Math.max(0, 1 - this.stepCount / annealSteps);
    this.noiseOn = sigma > 0;
    if (this.noiseOn) (this.noiseRng as Rng).fillNormal(out.data, 0, sigma);
  }

  /** WGAN's weight clipping: every D parameter clamped to [-clip, clip] (no-op when clip is null). */
  private clipD(): void {
    const c = this.clip;
    if (c === null) return;
    for (const p of this.dParams) {
      const v = p.value.data;
      for (let i = 0; i < v.length; i++) v[i] = Math.min(c, Math.max(-c, v[i]));
    }
  }

  /**
   * Saves D (weights, gradients, optimiser state) and makes `train.unrolledSteps` further D updates
   * on batches and z from the unrolled streams, as a D update of the step makes them (noise and
   * clipping included). A non-finite loss stops the unrolling where it is.
   */
  private unrollD(): void {
    const saved = this.dSaved as NonNullable<typeof this.dSaved>;
    this.dParams.forEach((p, i) => {
      saved.values[i].set(p.value.data);
      saved.grads[i].set(p.grad.data);
    });
    copyOptimizerState(this.stateD, saved.slots);
    const sampler = this.unrolledSampler as Sampler;
    for (let k = 0; k < this.unrolledSteps; k++) {
      gatherBatch(this.data, sampler.next(this.idx, this.draws), this.realRows);
      this.fillZ(this.unrolledZRng as Rng, this.z);
      this.drawInstanceNoise(this.dNoise);
      if (!Number.isFinite(this.discriminatorPass().objective)) break;
      this.optD.update(this.dParams, this.stateD);
      this.clipD();
    }
  }

  /** Puts D back as {@link unrollD} found it. */
  private restoreD(): void {
    const saved = this.dSaved as NonNullable<typeof this.dSaved>;
    this.dParams.forEach((p, i) => {
      p.value.data.set(saved.values[i]);
      p.grad.data.set(saved.grads[i]);
    });
    copyOptimizerState(saved.slots, this.stateD);
  }

  /**
   * D's loss on a real batch `real` (`[batch x packing, dataDim]`, m consecutive rows per pack)
   * and the fakes G makes of `z` (`[batch x packing, zSize]`), and its parameter gradients (in each
   * parameter's `grad`), exactly as a training step computes them; no weight changes. For checking
   * the step from outside (tests).
   */
  discriminatorLossAt(real: Tensor, z: Tensor): DiscriminatorPass {
    this.checkBatch('real', real, this.dataDim);
    this.checkBatch('z', z, this.zSize);
    this.dInputReal.data.set(real.data);
    this.z.data.set(z.data);
    return this.discriminatorPass();
  }

  /** G's loss on `z` (`[batch x packing, zSize]`) and its parameter gradients, as a training step computes them. */
  generatorLossAt(z: Tensor): number {
    this.checkBatch('z', z, this.zSize);
    this.z.data.set(z.data);
    return this.generatorPass();
  }

  /**
   * The discriminator's half of an update, on the real batch and z in the trainer's buffers:
   * G(z) and the real batch through D in one forward pass, D's loss, and (when it is finite) the
   * gradients of both terms summed into D's parameters, as the article sums them. With packing,
   * G's `batch x m` fakes are copied into D's input as `batch` packs, m consecutive fakes each
   * (the same bytes: a row-major `[batch x m, dataDim]` is a `[batch, m x dataDim]`).
   */
  private discriminatorPass(): DiscriminatorPass {
    const { models, batch: b, lossOptions } = this;
    const fake = models.generator.forward(this.z);
    this.dInputFake.data.set(fake.data);
    if (this.noiseOn) addInPlace(this.dInput, this.dNoise as Tensor);
    const out = models.discriminator.forward(this.dInput);
    // D's output buffer is the same tensor every step: make its row views once, not per step.
    if (out !== this.dOut) {
      this.dOut = out;
      this.dOutReal = out.rows(0, b);
      this.dOutFake = out.rows(b, 2 * b);
    }
    const outReal = this.dOutReal as Tensor;
    const outFake = this.dOutFake as Tensor;
    const objective = discriminatorLoss(
      this.dLossKind,
      outReal,
      outFake,
      lossOptions,
      this.dGradReal,
      this.dGradFake,
    );
    const printed = this.reportArticleDCost
      ? articlePrintedDiscriminatorCost(outReal, outFake, lossOptions)
      : null;
    const dReal = meanProbability(outReal, this.fromProbabilities);
    const dFake = meanProbability(outFake, this.fromProbabilities);
    if (Number.isFinite(objective)) {
      zeroGrad(this.dParams);
      models.discriminator.backward(this.dGrad, { inputGrad: false });
    }
    return { objective, printed, dReal, dFake };
  }

  /**
   * The generator's half of an update, on the z in the trainer's buffer: G's loss on D(G(z)) and
   * (when it is finite) its gradient flowing back through D into G, without touching D's gradients.
   */
  private generatorPass(): number {
    const { models } = this;
    let fake = models.generator.forward(this.z);
    if (this.noiseOn) {
      const noisy = this.gNoisyInput as Tensor;
      noisy.data.set(fake.data);
      fake = addInPlace(noisy, this.gNoise as Tensor);
    }
    const out = models.discriminator.forward(this.packed(fake));
    const gLoss = generatorLoss(this.gLossKind, out, this.lossOptions, this.gGrad);
    if (Number.isFinite(gLoss)) {
      const dFakeInput = models.discriminator.backward(this.gGrad, { paramGrads: false })!;
      zeroGrad(this.gParams);
      models.generator.backward(this.unpacked(dFakeInput), { inputGrad: false });
    }
    return gLoss;
  }

  /** G's output `[batch x m, dataDim]` as D's packs `[batch, m x dataDim]` (itself when m = 1). */
  private packed(fake: Tensor): Tensor {
    if (this.packing === 1) return fake;
    if (fake !== this.gOut) {
      this.gOut = fake;
      this.gOutPacked = fake.reshape([this.batch, this.packing * this.dataDim]);
    }
    return this.gOutPacked as Tensor;
  }

  /** D's input gradient `[batch, m x dataDim]` as G's output rows `[batch x m, dataDim]`. */
  private unpacked(grad: Tensor): Tensor {
    if (this.packing === 1) return grad;
    if (grad !== this.dInGrad) {
      this.dInGrad = grad;
      this.dInGradRows = grad.reshape([this.batch * this.packing, this.dataDim]);
    }
    return this.dInGradRows as Tensor;
  }

  private checkBatch(what: string, t: Tensor, width: number): void {
    const rows = this.batch * this.packing;
    if (t.rank !== 2 || t.shape[0] !== rows || t.shape[1] !== width) {
      throw new ShapeError(`${what}: expected [${rows},${width}], got ${formatShape(t.shape)}`);
    }
  }

  /** Euclidean norms of the gradients of the last D and G updates, over all their parameters. */
  gradNorms(): { d: number; g: number } {
    let d = 0;
    let g = 0;
    for (const p of this.dParams) d += sumSquares(p.grad);
    for (const p of this.gParams) g += sumSquares(p.grad);
    return { d: Math.sqrt(d), g: Math.sqrt(g) };
  }

  /**
   * G(z) for a batch of z (of any dtype: it is converted to the model's), copied out of the
   * generator's buffers, in the model's dtype. G runs in evaluation mode (batch
   * norm with its running statistics, as `model.eval()` in PyTorch), so a sample depends on its own
   * z only, not on the rest of the batch.
   */
  generate(z: Tensor): Tensor {
    const g = this.models.generator;
    g.setTraining(false);
    try {
      return g.forward(z.to(this.dtype)).clone();
    } finally {
      g.setTraining(true);
    }
  }

  /** G applied to the fixed grid z. */
  sampleGrid(): Tensor {
    return this.generate(this.gridZ);
  }

  /**
   * The tensors a checkpoint holds besides the optimiser state: G's and D's parameters, then the
   * state that is not trained (spectral norm's u, batch norm's running statistics), so a resumed
   * run continues bit-identically.
   */
  private checkpointTensors(): { name: string; value: Tensor }[] {
    return [...this.gParams, ...this.dParams, ...this.models.buffers];
  }

  snapshot(): TrainerSnapshot {
    const arrays: TrainerSnapshot['arrays'] = {};
    for (const t of this.checkpointTensors()) {
      arrays[t.name] = { shape: [...t.value.shape], data: t.value.data };
    }
    for (const [prefix, state, params] of [
      ['optim.generator', this.stateG, this.gParams],
      ['optim.discriminator', this.stateD, this.dParams],
    ] as const) {
      const flat = stateToArrays(state, params, prefix);
      for (const [k, v] of Object.entries(flat.arrays)) arrays[k] = { shape: [v.length], data: v };
    }
    return {
      step: this.stepCount,
      arrays,
      state: {
        optimizerSteps: { generator: this.stateG.step, discriminator: this.stateD.step },
        zRng: this.zRng.state(),
        sampler: this.sampler.state(),
        ...(this.noiseRng === null ? {} : { instanceNoiseRng: this.noiseRng.state() }),
        ...(this.unrolledZRng === null
          ? {}
          : {
              unrolled: {
                zRng: this.unrolledZRng.state(),
                sampler: (this.unrolledSampler as Sampler).state(),
              },
            }),
        ...(this.fileDraws === null ? {} : { numpyStream: this.fileDraws.state() }),
      },
    };
  }

  /** Continues from a snapshot: weights, optimiser state, RNG streams and the step count. */
  restore(snap: TrainerSnapshot): void {
    const flat: Record<string, FloatArray> = {};
    for (const [k, v] of Object.entries(snap.arrays)) flat[k] = v.data;
    for (const t of this.checkpointTensors()) {
      const a = snap.arrays[t.name];
      if (a === undefined) throw new Error(`checkpoint: missing tensor '${t.name}'`);
      if (dtypeOf(a.data) !== t.value.dtype) {
        throw new Error(
          `checkpoint: '${t.name}' is ${dtypeOf(a.data)}, the model is ${t.value.dtype} (train.precision)`,
        );
      }
      if (a.data.length !== t.value.size) {
        throw new Error(
          `checkpoint: '${t.name}' has ${a.data.length} values, the model needs ${t.value.size}`,
        );
      }
      t.value.data.set(a.data);
    }
    this.stateG = stateFromArrays(
      this.optG,
      this.gParams,
      'optim.generator',
      snap.state.optimizerSteps.generator,
      flat,
    );
    this.stateD = stateFromArrays(
      this.optD,
      this.dParams,
      'optim.discriminator',
      snap.state.optimizerSteps.discriminator,
      flat,
    );
    this.zRng = Rng.fromState(snap.state.zRng);
    this.sampler.restore(snap.state.sampler);
    if (this.noiseRng !== null) {
      const st = snap.state.instanceNoiseRng;
      if (st === undefined)
        throw new Error("checkpoint: missing state 'instanceNoiseRng' (train.instanceNoise)");
      this.noiseRng = Rng.fromState(st);
    }
    if (this.unrolledZRng !== null) {
      const st = snap.state.unrolled;
      if (st === undefined) throw new Error("checkpoint: missing state 'unrolled' (train.unrolledSteps)");
      this.unrolledZRng = Rng.fromState(st.zRng);
      (this.unrolledSampler as Sampler).restore(st.sampler);
    }
    if (this.fileDraws !== null) {
      const st = snap.state.numpyStream;
      if (st === undefined) throw new Error("checkpoint: missing state 'numpyStream' (random.stream: numpy)");
      this.fileDraws.restore(st);
    }
    this.stepCount = snap.step;
  }
}

/** A step's stats in the metrics row's column order: dLoss, then dCostPrinted when reported. */
function stepStats(d: DiscriminatorPass, gLoss: number, lrD: number, lrG: number): StepStats {
  const { dReal, dFake } = d;
  return d.printed === null
    ? { dLoss: d.objective, gLoss, dReal, dFake, lrD, lrG }
    : { dLoss: d.objective, dCostPrinted: d.printed, gLoss, dReal, dFake, lrD, lrG };
}

/** `a += b`, element by element; returns `a`. */
function addInPlace(a: Tensor, b: Tensor): Tensor {
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) x[i] += y[i];
  return a;
}

/** Copies an optimiser state's step and slots into `to` (same optimiser, same parameters). */
function copyOptimizerState(from: OptimizerState, to: OptimizerState): void {
  to.step = from.step;
  for (const [slot, arrays] of Object.entries(from.slots)) {
    arrays.forEach((a, i) => to.slots[slot][i].set(a));
  }
}

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
  sgd,
  stateFromArrays,
  stateToArrays,
} from '@gan/optim';
import { formatShape, Rng, type RngState, ShapeError, sumSquares, Tensor } from '@gan/tensor';
import type { MetricsRow } from '@gan/runs';
import type { ExperimentConfig, OptimizerConfig } from '../config/index.ts';
import { assertFitsInMemory } from './memory.ts';
import { buildModels, type GanModels, initModels } from './model.ts';

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
  arrays: Record<string, { shape: number[]; data: Float32Array }>;
  state: {
    optimizerSteps: { generator: number; discriminator: number };
    zRng: RngState;
    sampler: SamplerState;
  };
}

/**
 * Receives the random inputs of every step as the trainer draws them (a run trace, `pnpm exp
 * --trace`, records them so that another implementation can replay the same steps). The arrays
 * are the trainer's own buffers: copy or write them before returning.
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
 * `z`, `grid`, so adding a consumer never shifts another.
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
  readonly zSize: number;
  private readonly zUniform: boolean;
  private readonly fromProbabilities: boolean;
  private readonly lossOptions: { fromProbabilities: boolean };
  private readonly dLossKind: DiscriminatorLossKind;
  private readonly reportArticleDCost: boolean;
  private readonly gLossKind: GeneratorLossKind;

  // Preallocated buffers: the step allocates nothing once they exist.
  private readonly idx: Int32Array;
  private readonly draws: Uint32Array;
  private readonly z: Tensor;
  private readonly dInput: Tensor;
  private readonly dInputReal: Tensor;
  private readonly dInputFake: Tensor;
  private readonly dGrad: Tensor;
  private readonly dGradReal: Tensor;
  private readonly dGradFake: Tensor;
  private readonly gGrad: Tensor;
  private dOut: Tensor | null = null;
  private dOutReal: Tensor | null = null;
  private dOutFake: Tensor | null = null;
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
    this.zSize = config.model.z.size;
    this.zUniform = config.model.z.distribution === 'uniform';
    this.fromProbabilities = config.loss.fromProbabilities;
    this.lossOptions = { fromProbabilities: this.fromProbabilities };
    this.dLossKind = config.loss.discriminator;
    this.reportArticleDCost = config.loss.reportedDiscriminatorCost === 'article-printed';
    this.gLossKind = config.loss.generator;

    this.models = buildModels(config, this.dataDim);
    initModels(this.models, config, Rng.create(seed, 'init-g'), Rng.create(seed, 'init-d'));
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
    this.idx = new Int32Array(b);
    this.draws = new Uint32Array(b);
    this.z = Tensor.zeros([b, this.zSize]);
    this.dInput = Tensor.zeros([2 * b, this.dataDim]);
    this.dInputReal = this.dInput.rows(0, b);
    this.dInputFake = this.dInput.rows(b, 2 * b);
    this.dGrad = Tensor.zeros([2 * b, 1]);
    this.dGradReal = this.dGrad.rows(0, b);
    this.dGradFake = this.dGrad.rows(b, 2 * b);
    this.gGrad = Tensor.zeros([b, 1]);
    this.gridZ = Tensor.zeros([gridSize(data), this.zSize]);
    this.fillZ(Rng.create(seed, 'grid'), this.gridZ);
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
      gatherBatch(this.data, this.sampler.next(this.idx, this.draws), this.dInputReal);
      this.fillZ(this.zRng, this.z);
      this.observer?.discriminatorInputs(this.idx, this.draws, this.z);
      d = this.discriminatorPass();
      if (!Number.isFinite(d.objective)) {
        const lrs = { lrD: this.optD.lr(this.stateD.step), lrG: this.optG.lr(this.stateG.step) };
        return stepStats(d, Number.NaN, lrs.lrD, lrs.lrG);
      }
      lrD = this.optD.update(this.dParams, this.stateD);
    }
    this.fillZ(this.zRng, this.z);
    this.observer?.generatorInputs(this.z);
    const gLoss = this.generatorPass();
    if (!Number.isFinite(gLoss)) return stepStats(d, gLoss, lrD, this.optG.lr(this.stateG.step));
    const lrG = this.optG.update(this.gParams, this.stateG);
    this.stepCount++;
    return stepStats(d, gLoss, lrD, lrG);
  }

  /**
   * D's loss on a real batch `real` (`[batch, dataDim]`) and the fakes G makes of `z`
   * (`[batch, zSize]`), and its parameter gradients (in each parameter's `grad`), exactly as a
   * training step computes them; no weight changes. For checking the step from outside (tests).
   */
  discriminatorLossAt(real: Tensor, z: Tensor): DiscriminatorPass {
    this.checkBatch('real', real, this.dataDim);
    this.checkBatch('z', z, this.zSize);
    this.dInputReal.data.set(real.data);
    this.z.data.set(z.data);
    return this.discriminatorPass();
  }

  /** G's loss on `z` (`[batch, zSize]`) and its parameter gradients, as a training step computes them. */
  generatorLossAt(z: Tensor): number {
    this.checkBatch('z', z, this.zSize);
    this.z.data.set(z.data);
    return this.generatorPass();
  }

  /**
   * The discriminator's half of an update, on the real batch and z in the trainer's buffers:
   * G(z) and the real batch through D in one forward pass, D's loss, and (when it is finite) the
   * gradients of both terms summed into D's parameters, as the article sums them.
   */
  private discriminatorPass(): DiscriminatorPass {
    const { models, batch: b, lossOptions } = this;
    const fake = models.generator.forward(this.z);
    this.dInputFake.data.set(fake.data);
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
    const fake = models.generator.forward(this.z);
    const out = models.discriminator.forward(fake);
    const gLoss = generatorLoss(this.gLossKind, out, this.lossOptions, this.gGrad);
    if (Number.isFinite(gLoss)) {
      const dFakeInput = models.discriminator.backward(this.gGrad, { paramGrads: false })!;
      zeroGrad(this.gParams);
      models.generator.backward(dFakeInput, { inputGrad: false });
    }
    return gLoss;
  }

  private checkBatch(what: string, t: Tensor, width: number): void {
    if (t.rank !== 2 || t.shape[0] !== this.batch || t.shape[1] !== width) {
      throw new ShapeError(`${what}: expected [${this.batch},${width}], got ${formatShape(t.shape)}`);
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

  /** G(z) for a batch of z, copied out of the generator's buffers. */
  generate(z: Tensor): Tensor {
    return this.models.generator.forward(z).clone();
  }

  /** G applied to the fixed grid z. */
  sampleGrid(): Tensor {
    return this.generate(this.gridZ);
  }

  snapshot(): TrainerSnapshot {
    const arrays: TrainerSnapshot['arrays'] = {};
    for (const p of [...this.gParams, ...this.dParams]) {
      arrays[p.name] = { shape: [...p.value.shape], data: p.value.data };
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
      },
    };
  }

  /** Continues from a snapshot: weights, optimiser state, RNG streams and the step count. */
  restore(snap: TrainerSnapshot): void {
    const flat: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(snap.arrays)) flat[k] = v.data;
    for (const p of [...this.gParams, ...this.dParams]) {
      const a = snap.arrays[p.name];
      if (a === undefined) throw new Error(`checkpoint: missing tensor '${p.name}'`);
      if (a.data.length !== p.value.size) {
        throw new Error(
          `checkpoint: '${p.name}' has ${a.data.length} values, the model needs ${p.value.size}`,
        );
      }
      p.value.data.set(a.data);
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

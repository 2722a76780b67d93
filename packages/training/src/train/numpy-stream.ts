/**
 * numpy's global stream as the article's reference files draw from it (`random.stream: numpy`).
 *
 * Each file calls `np.random.seed(S)` and then takes every random value from that one stream, in
 * this order (f_Generator_Multilayer.py, g_multi_multi_layer.py, h_multi_last.py):
 *
 * 1. `images, labels = shuffle(np.asarray(images), np.asarray(labels))`: sklearn.utils.shuffle with
 *    no random_state uses numpy's global RandomState, and (through `resample(replace=False)`)
 *    shuffles `np.arange(n_samples)` with `random_state.shuffle` and indexes every array with it;
 * 2. the weights, `np.random.normal(size=(fan_in, fan_out), scale=(1. / np.sqrt(fan / 2.))) * 0.002`
 *    for D_W1, D_W2, then G_W1 ... G_Wn (the biases are `np.zeros`, no draws);
 * 3. per iteration: `np.random.randint(len(images) - E)` for the image, then
 *    `np.random.uniform(-1., 1., size=[1, G_input])` for D's step and another for G's step;
 * 4. after the updates (and the learning-rate decay), every `gridEvery` iterations from iteration
 *    0, a 4x4 sample grid's z, `np.random.uniform(-1., 1., size=[16, G_input])`, which takes 16 x
 *    G_input values from the stream although only a picture is made of it.
 *
 * With these draws and float64 arithmetic (`train.precision: float64`) a run computes what the
 * file computes with the same seed, which `pnpm parity` checks against numpy itself.
 */
import { type FloatArray, NumpyRandomState, type NumpyRandomStateSnapshot } from '@gan/tensor';
import type { Linear, SpectralNormLinear } from '@gan/nn';
import type { ExperimentConfig } from '../config/index.ts';
import type { GanModels } from './model.ts';

/**
 * `sklearn.utils.shuffle(images, labels)` on the global stream: row `i` of the shuffled arrays is
 * row `order[i]` of the file's.
 */
export function sklearnShuffleOrder(rs: NumpyRandomState, rows: number): Int32Array {
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  rs.shuffle(rows, (i, j) => {
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  });
  return order;
}

/** The draws of one run on numpy's stream, in the files' order (see the module comment). */
export class FileDraws {
  private rs: NumpyRandomState;
  /** The shuffle at load: the sampled index `i` means dataset row `order[i]`. */
  readonly order: Int32Array;
  private readonly normalZ: boolean;
  readonly gridEvery: number | null;

  /** `np.random.seed(seed)` and the shuffle of `rows` data rows. */
  constructor(config: ExperimentConfig, rows: number) {
    this.rs = new NumpyRandomState(config.seed);
    this.order = sklearnShuffleOrder(this.rs, rows);
    this.normalZ = config.model.z.distribution === 'normal';
    this.gridEvery = config.random.gridEvery;
  }

  /**
   * The weights as the files draw them: D's layers, then G's, each `normal(scale=1/sqrt(fan/2)) *
   * gain` with `fan` the layer's fan-in (G's output layer: the first hidden width with
   * `outputInitFanIn: first-hidden`, f_Generator_Multilayer.py's typo); biases zero.
   */
  initWeights(models: GanModels, config: ExperimentConfig): void {
    const { gain } = config.model.init;
    const g = config.model.generator;
    const draw = (layer: Linear | SpectralNormLinear, fan: number) => {
      this.rs.fillNormalScaled(layer.weight.value.data, 1 / Math.sqrt(fan / 2), gain);
      layer.bias.value.data.fill(0);
    };
    // Fully connected layers only: the config refuses layer lists with this stream.
    const dl = models.discriminatorWeighted as (Linear | SpectralNormLinear)[];
    for (const l of dl) draw(l, l.inFeatures);
    const gl = models.generatorWeighted as Linear[];
    gl.forEach((l, i) => {
      const output = i === gl.length - 1;
      draw(l, output && g.outputInitFanIn === 'first-hidden' ? g.hidden[0] : l.inFeatures);
    });
  }

  /** `out.length` image indices, each `np.random.randint(available)` through the shuffle. */
  sampleRows(out: Int32Array, available: number): Int32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.order[this.rs.randint(0, available)];
    return out;
  }

  /** z as the files draw it: `np.random.uniform(-1., 1., size)` (or `np.random.normal(size)`). */
  fillZ(out: FloatArray): void {
    if (this.normalZ) this.rs.fillNormalScaled(out, 1, 1);
    else this.rs.fillUniform(out, -1, 1);
  }

  /** Whether the files draw a grid after `completed` iterations (after iteration `completed - 1`). */
  gridDue(completed: number): boolean {
    return this.gridEvery !== null && (completed - 1) % this.gridEvery === 0;
  }

  state(): NumpyRandomStateSnapshot {
    return this.rs.state();
  }

  restore(state: NumpyRandomStateSnapshot): void {
    this.rs = NumpyRandomState.fromState(state);
  }
}

import {
  type Dataset,
  gaussianDataset,
  gaussianMixtureDataset,
  limitDataset,
  loadMnist,
  mixture2d,
  rowCount,
  STACKED_DEFAULT_SIZE,
  shuffleDataset,
  stackedMnist,
} from '@gan/data';
import { Rng } from '@gan/tensor';
import type { ExperimentConfig } from '../config/index.ts';

/** Points drawn for the 2-D dataset when `data.limit` does not say otherwise. */
export const GAUSSIANS_DEFAULT_SIZE = 10_000;

/**
 * Points drawn for PacGAN's 2-D sets (`grid25`, `ring8`) when `data.limit` does not say otherwise:
 * PacGAN's fixed training set of `num_sample = 100000` points (Lin et al. 2018, fjxmlzn/PacGAN
 * synthetic_data_experiments/2DGrid_GAN&PacGAN/config.py and 2DRing_GAN&PacGAN/config.py).
 */
export const PACGAN_2D_SIZE = 100_000;

/**
 * The training data a config asks for: MNIST (split, scaling), stacked MNIST (`data.limit` images,
 * default {@link STACKED_DEFAULT_SIZE}, from `data.split`'s digits), or a 2-D mixture (`data.limit`
 * points, else {@link GAUSSIANS_DEFAULT_SIZE} for the 8-Gaussians ring and {@link PACGAN_2D_SIZE}
 * for PacGAN's grid and ring); the generated sets are drawn once from stream `data-gen`. Shuffled
 * once at load if asked (stream `data-shuffle`; with the numpy stream the trainer shuffles), cut to
 * `data.limit` rows.
 */
export function loadTrainingData(config: ExperimentConfig): Dataset {
  const { data, seed } = config;
  let ds: Dataset;
  if (data.dataset === 'mnist') ds = loadMnist({ split: data.split, scaling: data.scaling });
  else if (data.dataset === 'stacked-mnist')
    ds = stackedMnist({
      split: data.split,
      scaling: data.scaling,
      n: data.limit ?? STACKED_DEFAULT_SIZE,
      rng: Rng.create(seed, 'data-gen'),
    });
  else if (data.dataset === 'gaussians8')
    ds = gaussianDataset({ n: data.limit ?? GAUSSIANS_DEFAULT_SIZE, rng: Rng.create(seed, 'data-gen') });
  else {
    ds = gaussianMixtureDataset({
      name: data.dataset,
      ...mixture2d(data.dataset),
      n: data.limit ?? PACGAN_2D_SIZE,
      rng: Rng.create(seed, 'data-gen'),
    });
  }
  // The numpy stream shuffles in the trainer, as the first draw of np.random (numpy-stream.ts).
  if (data.shuffleOnLoad && config.random.stream !== 'numpy') {
    ds = shuffleDataset(ds, Rng.create(seed, 'data-shuffle'));
  }
  if (data.limit !== null && data.limit < rowCount(ds)) ds = limitDataset(ds, data.limit);
  const rows = rowCount(ds);
  if (data.excludeLast >= rows) {
    throw new RangeError(
      `data.excludeLast (${data.excludeLast}) leaves nothing to sample from the ${rows} rows of ${ds.name}`,
    );
  }
  return ds;
}

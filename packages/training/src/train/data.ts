import {
  type Dataset,
  gaussianDataset,
  limitDataset,
  loadMnist,
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
 * The training data a config asks for: MNIST (split, scaling), the 8-Gaussians ring, or stacked
 * MNIST (`data.limit` images, default {@link STACKED_DEFAULT_SIZE}, from `data.split`'s digits);
 * the generated sets are drawn from stream `data-gen`. Shuffled once at load if asked (stream
 * `data-shuffle`), cut to `data.limit` rows.
 */
export function loadTrainingData(config: ExperimentConfig): Dataset {
  const { data, seed } = config;
  let ds: Dataset =
    data.dataset === 'mnist'
      ? loadMnist({ split: data.split, scaling: data.scaling })
      : data.dataset === 'stacked-mnist'
        ? stackedMnist({
            split: data.split,
            scaling: data.scaling,
            n: data.limit ?? STACKED_DEFAULT_SIZE,
            rng: Rng.create(seed, 'data-gen'),
          })
        : gaussianDataset({ n: data.limit ?? GAUSSIANS_DEFAULT_SIZE, rng: Rng.create(seed, 'data-gen') });
  if (data.shuffleOnLoad) ds = shuffleDataset(ds, Rng.create(seed, 'data-shuffle'));
  if (data.limit !== null && data.limit < rowCount(ds)) ds = limitDataset(ds, data.limit);
  const rows = rowCount(ds);
  if (data.excludeLast >= rows) {
    throw new RangeError(
      `data.excludeLast (${data.excludeLast}) leaves nothing to sample from the ${rows} rows of ${ds.name}`,
    );
  }
  return ds;
}

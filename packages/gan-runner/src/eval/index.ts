/**
 * Evaluation of generators: the MNIST classifier, real-data statistics, the metrics, and the
 * per-run evaluation that training and `pnpm eval` share.
 */
export * from './classifier.ts';
export * from './classifier-cache.ts';
export * from './classifier-train.ts';
export * from './evaluate.ts';
export * from './metrics.ts';
export * from './reference.ts';
export * from './run-eval.ts';
export * from './summary.ts';

/**
 * @gan/training: what training a GAN takes, as a library. Experiment configs (`./config`: the
 * schema, YAML with overrides, clear errors), the trainer (`GanTrainer`: one step of D then G,
 * the article's quirks as options), evaluation (modes, Fréchet distance, inception score; the
 * MNIST classifier it needs), and sample images (`./images`: PNG grids, the GIF, the terminal).
 * No terminal UI and no queue: the application that runs, watches and schedules experiments is
 * @gan/lab. A tool that only reads run folders takes `@gan/training/config` and
 * `@gan/training/images`, which load neither the trainer nor the numerical core.
 */
export * from './config/index.ts';
export * from './images/index.ts';
export { displayPixels, samplePicture, scatterImage, scatterOptions } from './images/samples.ts';
export { fixed, num, sci } from './format/numbers.ts';
export { BACKEND_KINDS, type BackendKernels, type BackendKind, useBackend } from './train/backend.ts';
export { loadTrainingData } from './train/data.ts';
export { GanTrainer, type StepInputsObserver, type StepStats } from './train/gan.ts';
export { estimateMemory, evalSampleCount, formatBytes, memoryProblems } from './train/memory.ts';
export { checkpointOf, restoreRun, snapshotOf } from './train/restore.ts';
export {
  classifierHash,
  defaultClassifierCacheDir,
  loadClassifier,
  readClassifierInfo,
} from './eval/classifier-cache.ts';
export { type ClassifierInfo, DEFAULT_CLASSIFIER } from './eval/classifier.ts';
export {
  createEvalContext,
  type EvalResult,
  evaluate,
  evaluateMixture,
  evaluateRing,
  generateEvalSamples,
  isMnistEval,
  isStackedEval,
} from './eval/evaluate.ts';
export { evaluateStacked, type StackedEval } from './eval/stacked.ts';
export { evaluateRun, TrainingEvaluator } from './eval/run-eval.ts';
export { formatEvalLine, formatSummary } from './eval/summary.ts';

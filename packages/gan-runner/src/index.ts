/**
 * @gan/gan-runner: experiment configs, the GAN trainer, evaluation, the run session, its CLI and
 * dashboard. Run folders are @gan/runs'. What other packages use, and nothing else: the tools
 * that train or score (bench, parity) take the trainer and the evaluation from here; a tool that
 * only reads run folders takes `@gan/gan-runner/config` (yaml and zod only) and
 * `@gan/gan-runner/images`.
 */
export { type ExperimentConfig, layerActivations, loadConfig } from './config/index.ts';
export { createEvalContext, type EvalResult, evaluate, generateEvalSamples } from './eval/evaluate.ts';
export { folderRows } from './sweep/status.ts';
export { enqueueMembers, openJobReader, queueRows } from './sweep/queue.ts';
export { cliSweep } from './sweep/spec.ts';
export { createSweep, planSweep, type Sweep } from './sweep/sweep.ts';
export { loadTrainingData } from './train/data.ts';
export { GanTrainer } from './train/gan.ts';

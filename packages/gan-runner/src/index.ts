/**
 * @gan/gan-runner: experiment configs, the GAN trainer, the run store (the one definition of a
 * run folder), images, the run session and its CLI.
 */
export { defaultExperimentsDir, projectRoot, userCwd, userPath } from './cli/paths.ts';
export * from './config/index.ts';
export * from './eval/index.ts';
export * from './images/index.ts';
export type { RunEvent, SessionOptions } from './run/session.ts';
export * from './store/index.ts';
export { GanTrainer, type StepStats, type TrainerSnapshot } from './train/gan.ts';
export { loadTrainingData } from './train/data.ts';

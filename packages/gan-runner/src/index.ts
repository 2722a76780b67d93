/**
 * @gan/gan-runner: experiment configs, the GAN trainer, images, the run session and its CLI.
 */
export * from './config/index.ts';
export * from './eval/index.ts';
export * from './images/index.ts';
export type { RunEvent } from './run/events.ts';
export type { SessionOptions } from './run/session.ts';
export { GanTrainer, type StepStats, type TrainerSnapshot } from './train/gan.ts';
export { loadTrainingData } from './train/data.ts';

import { GanTrainer, layerActivations, loadConfig, loadTrainingData, type StepStats } from '@gan/training';
import { runPeer } from './peer.ts';

export interface TrainRow {
  config: string;
  batch: number;
  ours: number;
  numpy: number | null;
  peer: string;
}

/**
 * Steps per second of the trainer on a config, after a warm-up, over at least `budgetMs` of
 * healthy steps. A diverged step (a loss, or the printed D cost of the article's configs,
 * non-finite: where `pnpm exp` stops a run) may return before any update (some ablations
 * diverge): such steps are not timed, and training restarts from a fresh trainer.
 */
export function oursStepsPerSec(file: string, overrides: string[], budgetMs: number): number {
  const { config } = loadConfig(file, overrides);
  const data = loadTrainingData(config);
  const healthy = (s: StepStats) =>
    Number.isFinite(s.dLoss) && Number.isFinite(s.dCostPrinted ?? 0) && Number.isFinite(s.gLoss);
  let trainer = new GanTrainer(config, data);
  for (let i = 0; i < 10; i++) trainer.trainStep();
  let steps = 0;
  let elapsed = 0;
  while (steps < 20 || elapsed < budgetMs) {
    const t0 = performance.now();
    const stats = trainer.trainStep();
    const dt = performance.now() - t0;
    if (healthy(stats)) {
      steps++;
      elapsed += dt;
    } else {
      trainer = new GanTrainer(config, data);
    }
  }
  return (steps * 1000) / elapsed;
}

/**
 * The numpy equivalent of a config: the article's code (float64, batch 1, its Adam) for the article's
 * configs, a standard float32 MLP GAN for the baseline.
 */
export function peerStepsPerSec(
  file: string,
  overrides: string[],
  steps: number,
): { sps: number | null; peer: string } {
  const { config } = loadConfig(file, overrides);
  const g = config.model.generator;
  const d = config.model.discriminator;
  const article = config.optim.generator.biasCorrection === 'constant';
  const args = article
    ? [
        'article',
        '--z',
        String(config.model.z.size),
        '--g-hidden',
        g.hidden.join(','),
        '--g-acts',
        layerActivations(g).join(','),
        '--d-hidden',
        d.hidden.join(','),
      ]
    : [
        'standard',
        '--z',
        String(config.model.z.size),
        '--g-hidden',
        g.hidden.join(','),
        '--d-hidden',
        d.hidden.join(','),
      ];
  const res = runPeer([...args, '--batch', String(config.data.batchSize), '--steps', String(steps)]);
  return {
    sps: res === null ? null : (res.steps_per_s as number),
    peer: article ? 'article float64' : 'standard float32',
  };
}

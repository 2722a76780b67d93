/** A fake run's events for the dashboard's tests: no trainer, deterministic numbers. */
import type { MetricsRow } from '@gan/runs';
import type { GrayImage } from '@gan/training';
import type { RunEvent } from '../run/events.ts';

export const RUN_DIR = '/tmp/experiments/decay/20260101-120000-abcd';

export function startedEvent(totalSteps = 20000): Extract<RunEvent, { type: 'started' }> {
  return {
    type: 'started',
    name: 'decay',
    runDir: RUN_DIR,
    runId: '20260101-120000-abcd',
    seed: 127,
    startStep: 0,
    totalSteps,
    backend: 'reference',
    precision: 'float32',
    stream: 'xoshiro',
    params: { generator: 1234567, discriminator: 100609 },
  };
}

/**
 * A metrics row at `step`, with a learning rate that drops 10,000x (as the decay trick does). With
 * `printed` (a run of the article's configs), the row also has `dCostPrinted`, right after `dLoss`,
 * doing what the article's printed cost does: from near 0 down to about -0.7.
 */
export function metricsRow(step: number, printed = false): MetricsRow {
  const lr = step < 41 ? 9e-7 : 9e-9;
  return {
    step,
    dLoss: 1.3 + 0.2 * Math.sin(step / 300),
    ...(printed ? { dCostPrinted: -0.7 * (1 - Math.exp(-step / 400)) } : {}),
    gLoss: 0.7 + 0.1 * Math.cos(step / 200),
    dReal: 0.6 + 0.2 * Math.sin(step / 500),
    dFake: 0.3 + 0.1 * Math.cos(step / 700),
    lrD: lr,
    lrG: lr,
    gradNormD: 0.0123,
    gradNormG: 0.00456,
  };
}

export function metricsEvent(step: number, printed = false): Extract<RunEvent, { type: 'metrics' }> {
  return { type: 'metrics', row: metricsRow(step, printed), stepsPerSec: 250, elapsed: step / 250 };
}

/** A horizontal gradient, dark to bright: every ascii ramp character appears somewhere. */
export function gradientImage(width = 64, height = 32): GrayImage {
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) gray[y * width + x] = Math.round((255 * x) / (width - 1));
  }
  return { gray, width, height };
}

/**
 * started, metrics every 10 steps up to `upTo`, samples at 1000, a checkpoint at 1000; with
 * `printed`, rows with the article's printed cost (see {@link metricsRow}).
 */
export function runEvents(upTo = 1500, total = 20000, printed = false): RunEvent[] {
  const events: RunEvent[] = [startedEvent(total)];
  for (let step = 10; step <= upTo; step += 10) {
    events.push(metricsEvent(step, printed));
    if (step === 1000) {
      events.push({
        type: 'samples',
        step,
        path: `${RUN_DIR}/samples/step-001000.png`,
        image: gradientImage(),
      });
      events.push({ type: 'checkpoint', step, path: `${RUN_DIR}/checkpoints/step-001000.safetensors` });
    }
  }
  return events;
}

/** An evaluation of 2-D samples against the 8-Gaussians ring. */
export function ringEvalEvent(step: number): Extract<RunEvent, { type: 'eval' }> {
  return {
    type: 'eval',
    step,
    result: {
      samples: 1000,
      modes: 8,
      coverageThreshold: 0.02,
      modesCovered: 6,
      highQuality: 0.8125,
      classHistogram: [0.25, 0.25, 0.125, 0, 0.125, 0.125, 0.125, 0],
      klUniform: 0.3466,
    },
  };
}

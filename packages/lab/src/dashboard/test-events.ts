/** A fake run's events for the dashboard's tests: no trainer, deterministic numbers. */
import type { MetricsRow } from '@gan/runs';
import { type GrayImage, imageGrid } from '@gan/training';
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
    variant: null,
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

/**
 * A 28 x 28 "digit": a white ring on black (grey levels 0..255), its radius and stroke set by `k`.
 */
function digit(k: number): number[] {
  const r = 6 + (k % 5);
  const w = 1.5 + (k % 3) * 0.5;
  return Array.from({ length: 28 * 28 }, (_, i) => {
    const d = Math.hypot((i % 28) - 13.5, Math.floor(i / 28) - 13.5);
    return Math.abs(d - r) < w ? 255 : 0;
  });
}

/**
 * A sample grid as a run saves it (@gan/training `samplePicture` of MNIST: 4 x 4 digits of 28
 * pixels, scale 2, pad 2: 234 x 234): sixteen copies of one digit (`collapsed`), or sixteen
 * different ones.
 */
export function digitGrid(collapsed: boolean): GrayImage {
  const images = Array.from({ length: 16 }, (_, k) => digit(collapsed ? 3 : k)).flat();
  return imageGrid(images, { width: 28, height: 28, rows: 4, cols: 4, pad: 2, scale: 2 });
}

/** The samples event of a digit grid (see {@link digitGrid}). */
export function digitSamplesEvent(step: number, collapsed: boolean): Extract<RunEvent, { type: 'samples' }> {
  return {
    type: 'samples',
    step,
    path: `${RUN_DIR}/samples/step-${String(step).padStart(6, '0')}.png`,
    image: digitGrid(collapsed),
  };
}

/**
 * An MNIST evaluation as the decay trick's runs end (@gan/training MnistEval): every sample read as
 * a 3, on both scales.
 */
export function collapsedEvalEvent(step: number): Extract<RunEvent, { type: 'eval' }> {
  const histogram = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  const scores = {
    classHistogram: histogram,
    modesCovered: 1,
    klUniform: Math.LN10, // ln 10: every sample in one of 10 classes
    inceptionScore: 1,
    frechetDistance: 655.3,
    meanConfidence: 0.267,
    diversity: 0,
    nnDistance: 0.769,
    precision: 1,
    recall: 0,
    density: 0.2,
    coverage: 0.001,
  };
  return {
    type: 'eval',
    step,
    result: {
      ...scores,
      ...Object.fromEntries(Object.entries(scores).map(([k, v]) => [`display.${k}`, v])),
      'display.frechetDistance': 631.8,
      samples: 1000,
      modes: 10,
      coverageThreshold: 0.02,
    } as Extract<RunEvent, { type: 'eval' }>['result'],
  };
}

/**
 * Learning-rate schedules: pure functions of the step `t` (counting from 0, the t-th update),
 * as optax does. The optimiser asks its schedule for the rate of every update.
 */
export type Schedule = (step: number) => number;

export interface Milestone {
  /** The first step that uses the new rate. */
  step: number;
  /** Multiplies the rate from `step` on (cumulative with earlier milestones). */
  factor: number;
}

export type ScheduleSpec =
  | { type: 'constant' }
  | { type: 'step'; milestones: readonly Milestone[] }
  | { type: 'exponential'; gamma: number; every?: number }
  | { type: 'cosine'; steps: number; minLr?: number; warmup?: number };

function checkLr(where: string, lr: number): void {
  if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`${where}: invalid learning rate: ${lr}`);
}

export function constantSchedule(lr: number): Schedule {
  checkLr('constant schedule', lr);
  return () => lr;
}

/**
 * `lr · Π factor` over the milestones with `step <= t` (PyTorch's MultiStepLR with per-milestone
 * factors). The article's "decay trick" is `lr = 9e-5` with milestones
 * `[{ step: 1, factor: 0.01 }, { step: 41, factor: 0.01 }]`: the rate drops after step 0 and step 40.
 */
export function stepSchedule(lr: number, milestones: readonly Milestone[]): Schedule {
  checkLr('step schedule', lr);
  milestones.forEach((m, i) => {
    if (!Number.isInteger(m.step) || m.step < 0) {
      throw new RangeError(`step schedule: milestone ${i}: step must be an integer >= 0, got ${m.step}`);
    }
    if (!(Number.isFinite(m.factor) && m.factor > 0)) {
      throw new RangeError(`step schedule: milestone ${i}: factor must be > 0, got ${m.factor}`);
    }
    if (i > 0 && m.step <= milestones[i - 1].step) {
      throw new RangeError(
        `step schedule: milestone ${i}: steps must increase strictly, got ${m.step} after ${milestones[i - 1].step}`,
      );
    }
  });
  const steps = milestones.map((m) => m.step);
  // Rates after each milestone, precomputed so a lookup does no multiplication chain.
  const rates: number[] = [];
  let r = lr;
  for (const m of milestones) rates.push((r *= m.factor));
  return (t) => {
    let k = -1;
    while (k + 1 < steps.length && steps[k + 1] <= t) k++;
    return k < 0 ? lr : rates[k];
  };
}

/** `lr · gamma^floor(t / every)`. */
export function exponentialSchedule(lr: number, gamma: number, every = 1): Schedule {
  checkLr('exponential schedule', lr);
  if (!(gamma > 0 && gamma <= 1))
    throw new RangeError(`exponential schedule: gamma must be in (0, 1], got ${gamma}`);
  if (!Number.isInteger(every) || every < 1)
    throw new RangeError(`exponential schedule: every must be an integer >= 1, got ${every}`);
  return (t) => lr * gamma ** Math.floor(t / every);
}

/**
 * Linear warm-up from 0 over `warmup` steps, then cosine decay from `lr` to `minLr` at `steps`,
 * constant `minLr` afterwards (SGDR without restarts).
 */
export function cosineSchedule(lr: number, steps: number, minLr = 0, warmup = 0): Schedule {
  checkLr('cosine schedule', lr);
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`cosine schedule: steps must be an integer >= 1, got ${steps}`);
  if (!(minLr >= 0 && minLr <= lr))
    throw new RangeError(`cosine schedule: minLr must be in [0, lr], got ${minLr}`);
  if (!Number.isInteger(warmup) || warmup < 0 || warmup >= steps) {
    throw new RangeError(`cosine schedule: warmup must be an integer in [0, steps), got ${warmup}`);
  }
  return (t) => {
    if (t < warmup) return (lr * (t + 1)) / warmup;
    if (t >= steps) return minLr;
    const progress = (t - warmup) / (steps - warmup);
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}

/** Builds a schedule from its config form. */
export function makeSchedule(lr: number, spec: ScheduleSpec): Schedule {
  switch (spec.type) {
    case 'constant':
      return constantSchedule(lr);
    case 'step':
      return stepSchedule(lr, spec.milestones);
    case 'exponential':
      return exponentialSchedule(lr, spec.gamma, spec.every);
    case 'cosine':
      return cosineSchedule(lr, spec.steps, spec.minLr, spec.warmup);
  }
}

/**
 * What the dashboard knows about a run, and the one pure function that folds events into it.
 *
 * The state lives outside React (the mount keeps it in a plain variable and re-renders on a
 * timer), because metrics can arrive hundreds of times a second and a React update per event
 * would cost the training thread's host more than the whole view.
 *
 * ```ts
 * let state = initialState();
 * state = applyEvent(state, event, Date.now()); // for every RunEvent
 * statusOf(state); // 'running'
 * ```
 */
import type { MetricsRow, RunStatus } from '@gan/runs';
import type { GrayImage } from '@gan/training';
import type { RunEvent } from '../run/events.ts';
import { emptySeries, pushPoint, type Series } from './series.ts';

/** An evaluation's named results as the dashboard shows them (numbers, a histogram array...). */
export interface EvalSummary {
  step: number;
  result: Readonly<Record<string, unknown>>;
}

/** The user asked the run to stop (the trainer will checkpoint and end as `interrupted`). */
export type StopRequestedEvent = { type: 'stop-requested' };

/** The user asked for a sample grid now (it appears with the next `samples` event). */
export type SampleRequestedEvent = { type: 'sample-requested' };

export type DashboardEvent = RunEvent | StopRequestedEvent | SampleRequestedEvent;

export type DashboardStatus =
  | 'starting'
  | 'running'
  | 'paused'
  | 'stopping'
  | Exclude<RunStatus, 'running'>
  | 'taken-over';

export type Tone = 'info' | 'good' | 'warn' | 'bad';

export interface LogLine {
  step: number | null;
  text: string;
  tone: Tone;
}

export interface RunInfo {
  name: string;
  runDir: string;
  runId: string;
  seed: number;
  backend: string;
  startStep: number;
  totalSteps: number;
  params: { generator: number; discriminator: number };
}

export interface DashboardState {
  run: RunInfo | null;
  /** The last step the dashboard heard of. */
  step: number;
  paused: boolean;
  stopRequested: boolean;
  finished: { status: RunStatus | 'taken-over'; message: string | null; stepsPerSec: number | null } | null;
  /** The latest metrics row. */
  latest: MetricsRow | null;
  /** Largest learning rates seen, to show how far a decay has brought them. */
  lrPeak: { d: number; g: number } | null;
  /** Learning rates last written to the log (a change by 2x or more is logged). */
  lrLogged: { d: number; g: number } | null;
  /** Steps per second, smoothed over about `RATE_TAU` seconds of training. */
  rate: number | null;
  /** Run time (seconds, resumed runs included) at wall-clock time `at` (ms). */
  clock: { elapsed: number; at: number } | null;
  dLoss: Series;
  /** The article's printed D cost; empty unless the run's rows have `dCostPrinted`. */
  dCostPrinted: Series;
  gLoss: Series;
  dReal: Series;
  dFake: Series;
  /** The latest sample grid, and where it was saved. */
  sample: { step: number; image: GrayImage; path: string } | null;
  /** The latest evaluation, or null before the first. */
  evaluation: EvalSummary | null;
  /** Finished lines (checkpoints, samples, pauses), newest last, at most `LOG_LINES`. */
  log: readonly LogLine[];
}

export const LOG_LINES = 50;
const RATE_TAU = 3;

export function initialState(): DashboardState {
  return {
    run: null,
    step: 0,
    paused: false,
    stopRequested: false,
    finished: null,
    latest: null,
    lrPeak: null,
    lrLogged: null,
    rate: null,
    clock: null,
    dLoss: emptySeries(),
    dCostPrinted: emptySeries(),
    gLoss: emptySeries(),
    dReal: emptySeries(),
    dFake: emptySeries(),
    sample: null,
    evaluation: null,
    log: [],
  };
}

/** What the header shows: the final status once finished, else what the run is doing. */
export function statusOf(s: DashboardState): DashboardStatus {
  if (s.finished !== null) return s.finished.status === 'running' ? 'failed' : s.finished.status;
  if (s.stopRequested) return 'stopping';
  if (s.paused) return 'paused';
  return s.run === null ? 'starting' : 'running';
}

/** Run time in seconds at wall-clock `now` (ms): it keeps ticking between events until the end. */
export function elapsedAt(s: DashboardState, now: number): number | null {
  if (s.clock === null) return null;
  if (s.finished !== null) return s.clock.elapsed;
  return s.clock.elapsed + Math.max(0, now - s.clock.at) / 1000;
}

/** Seconds left at the smoothed rate, or null (unknown, paused, or finished). */
export function etaSeconds(s: DashboardState): number | null {
  if (s.run === null || s.finished !== null || s.paused || s.rate === null || s.rate <= 0) return null;
  return Math.max(0, s.run.totalSteps - s.step) / s.rate;
}

function addLog(log: readonly LogLine[], line: LogLine): readonly LogLine[] {
  const next = log.length >= LOG_LINES ? log.slice(log.length - LOG_LINES + 1) : log.slice();
  next.push(line);
  return next;
}

const sciShort = (v: number) => (Number.isFinite(v) ? v.toExponential(1).replace('e+', 'e') : String(v));

/** Logs the learning rates when either moved by 2x or more since last logged (step schedules). */
function lrChange(s: DashboardState, row: MetricsRow): Pick<DashboardState, 'lrLogged' | 'log'> {
  const prev = s.lrLogged;
  if (prev === null) return { lrLogged: { d: row.lrD, g: row.lrG }, log: s.log };
  const moved = (a: number, b: number) => a > 0 && b > 0 && Math.abs(Math.log2(b / a)) >= 1;
  if (!moved(prev.d, row.lrD) && !moved(prev.g, row.lrG)) return { lrLogged: prev, log: s.log };
  const text =
    prev.d === prev.g && row.lrD === row.lrG
      ? `lr ${sciShort(prev.d)} → ${sciShort(row.lrD)}`
      : `lr D ${sciShort(prev.d)} → ${sciShort(row.lrD)}, G ${sciShort(prev.g)} → ${sciShort(row.lrG)}`;
  return {
    lrLogged: { d: row.lrD, g: row.lrG },
    log: addLog(s.log, { step: row.step, text, tone: 'info' }),
  };
}

function applyMetrics(
  s: DashboardState,
  e: Extract<RunEvent, { type: 'metrics' }>,
  now: number,
): DashboardState {
  const r = e.row;
  let rate = s.rate;
  if (Number.isFinite(e.stepsPerSec) && e.stepsPerSec > 0) {
    // Time-weighted smoothing: the weight of a sample is the time it covers, so the readout is
    // as steady with ten events a second as with five hundred.
    const dt = s.clock !== null ? Math.max(0, e.elapsed - s.clock.elapsed) : RATE_TAU;
    const a = 1 - Math.exp(-dt / RATE_TAU);
    rate = rate === null ? e.stepsPerSec : rate + a * (e.stepsPerSec - rate);
  }
  const peak = s.lrPeak;
  return {
    ...s,
    ...lrChange(s, r),
    step: r.step,
    latest: r,
    rate,
    clock: { elapsed: e.elapsed, at: now },
    lrPeak:
      peak === null
        ? { d: r.lrD, g: r.lrG }
        : { d: Math.max(peak.d, r.lrD || 0), g: Math.max(peak.g, r.lrG || 0) },
    dLoss: pushPoint(s.dLoss, r.step, r.dLoss),
    dCostPrinted:
      r.dCostPrinted === undefined ? s.dCostPrinted : pushPoint(s.dCostPrinted, r.step, r.dCostPrinted),
    gLoss: pushPoint(s.gLoss, r.step, r.gLoss),
    dReal: pushPoint(s.dReal, r.step, r.dReal),
    dFake: pushPoint(s.dFake, r.step, r.dFake),
  };
}

/**
 * The state after `event`, received at wall-clock time `now` (ms). Pure: `state` and `event`
 * are not modified; unchanged parts are shared with the result.
 */
export function applyEvent(state: DashboardState, event: DashboardEvent, now = 0): DashboardState {
  switch (event.type) {
    case 'started': {
      const { type: _, ...run } = event;
      const fresh = run.startStep === 0;
      return {
        ...state,
        run,
        step: run.startStep,
        clock: state.clock ?? { elapsed: 0, at: now },
        log: addLog(state.log, {
          step: run.startStep,
          text: fresh
            ? `started, ${run.totalSteps} steps`
            : `resumed at step ${run.startStep} of ${run.totalSteps}`,
          tone: 'info',
        }),
      };
    }
    case 'metrics':
      return applyMetrics(state, event, now);
    case 'samples':
      return {
        ...state,
        sample: { step: event.step, image: event.image, path: event.path },
        log: addLog(state.log, { step: event.step, text: 'samples saved', tone: 'info' }),
      };
    case 'checkpoint':
      return {
        ...state,
        log: addLog(state.log, { step: event.step, text: 'checkpoint saved', tone: 'good' }),
      };
    case 'paused':
      return {
        ...state,
        paused: event.paused,
        step: Math.max(state.step, event.step),
        // The run time keeps counting while paused; restart the clock's reference either way.
        clock: state.clock === null ? null : { elapsed: elapsedAt(state, now) ?? 0, at: now },
        log: addLog(state.log, {
          step: event.step,
          text: event.paused ? 'paused' : 'resumed',
          tone: event.paused ? 'warn' : 'info',
        }),
      };
    case 'finished': {
      const status = event.status;
      const tone: Tone = status === 'completed' ? 'good' : status === 'interrupted' ? 'warn' : 'bad';
      const first = event.message?.split('\n')[0] ?? null;
      return {
        ...state,
        step: Math.max(state.step, event.step),
        paused: false,
        clock: state.clock === null ? null : { elapsed: elapsedAt(state, now) ?? 0, at: now },
        finished: { status: event.status, message: event.message, stepsPerSec: event.stepsPerSec },
        log: addLog(state.log, { step: event.step, text: first ? `${status}: ${first}` : status, tone }),
      };
    }
    case 'message':
      return {
        ...state,
        log: addLog(state.log, { step: event.step, text: event.text, tone: event.tone ?? 'info' }),
      };
    case 'eval':
      return {
        ...state,
        evaluation: { step: event.step, result: event.result },
        log: addLog(state.log, { step: event.step, text: 'evaluated', tone: 'info' }),
      };
    case 'stop-requested':
      if (state.stopRequested || state.finished !== null) return state;
      return {
        ...state,
        stopRequested: true,
        log: addLog(state.log, {
          step: state.step,
          text: 'stop requested',
          tone: 'warn',
        }),
      };
    case 'sample-requested':
      if (state.finished !== null) return state;
      return {
        ...state,
        log: addLog(state.log, { step: state.step, text: 'sample grid requested', tone: 'info' }),
      };
    default:
      return state;
  }
}

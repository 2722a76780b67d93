/**
 * What the sweep views show: one row per member (status, progress, speed, ETA, latest losses and
 * evaluation) and the sweep's totals, from the updates of a local executor (each member's events
 * kept in the run dashboard's own state, so a member's full dashboard can be opened at any time)
 * or from the progress a queue's workers report. Pure data; the dashboard and the plain lines
 * only lay it out.
 */
import { applyEvent, type DashboardState, etaSeconds, initialState, statusOf } from '../dashboard/state.ts';
import type { SweepUpdate } from './local.ts';
import { memberLabel, type Sweep } from './sweep.ts';

/** One member's row. */
export interface SweepRow {
  index: number;
  label: string;
  /** queued, starting, running, stopping, completed, interrupted, diverged, failed, error, waiting (later stage) */
  status: string;
  step: number | null;
  total: number | null;
  stepsPerSec: number | null;
  etaSec: number | null;
  dLoss: number | null;
  /** The article's printed D cost, for a member whose run logs it (see @gan/runs columns.ts). */
  dCostPrinted: number | null;
  gLoss: number | null;
  dReal: number | null;
  dFake: number | null;
  /** Latest evaluation: classes covered and Fréchet distance. */
  modes: number | null;
  fd: number | null;
  /** Its run folder, relative to the experiments folder. */
  run: string | null;
  /** Why it failed or could not start, resumed, where it runs... */
  note: string | null;
}

/** A member as a local sweep follows it. */
export interface MemberView {
  index: number;
  label: string;
  status: string | null;
  run: string | null;
  note: string | null;
  /** Its run's events, reduced as the run dashboard reduces them. */
  state: DashboardState | null;
  /** Steps when the member was found already done. */
  doneStep: number | null;
}

export interface SweepView {
  id: string;
  name: string;
  experimentsDir: string;
  jobs: number;
  stage: { index: number; of: number; reason: string | null; steps: number | null } | null;
  members: MemberView[];
  /** Bumped on every change, so a view can tell whether to redraw. */
  version: number;
  stopRequested: boolean;
  /**
   * A queued sweep followed from any machine: the rows as the workers report them through the
   * queue (null for a sweep run here, whose rows come from its members' events).
   */
  followed: SweepRow[] | null;
  /** A line about the view itself (e.g. the queue unreachable), shown in place of the stage's reason. */
  message: string | null;
}

export function initialView(sweep: Sweep, jobs: number): SweepView {
  return {
    id: sweep.meta.id,
    name: sweep.meta.name,
    experimentsDir: sweep.experimentsDir,
    jobs,
    stage: null,
    members: sweep.members.map((m) => ({
      index: m.index,
      label: memberLabel(sweep, m),
      status: m.stage === 0 ? 'queued' : 'waiting',
      run: null,
      note: null,
      state: null,
      doneStep: null,
    })),
    version: 0,
    stopRequested: false,
    followed: null,
    message: null,
  };
}

/**
 * The view of a queued sweep from its rows in the queue (`queueRows`): the current stage, and as
 * many jobs as members are running on the workers (for the ETA).
 */
export function followedView(
  sweep: Sweep,
  rows: SweepRow[],
  previous: SweepView | null,
  message: string | null = null,
): SweepView {
  const stages = sweep.meta.stages;
  let s = 0;
  for (let i = 0; i < stages.length; i++) if (stages[i].members !== null) s = i;
  const running = rows.filter((r) => ACTIVE.has(r.status)).length;
  return {
    ...initialView(sweep, Math.max(1, running)),
    stage: {
      index: s,
      of: stages.length,
      reason: stages[s]?.reason ?? null,
      steps: stages[s]?.steps ?? null,
    },
    version: (previous?.version ?? 0) + 1,
    followed: rows,
    message,
  };
}

/** Applies an executor's update (members added by a later stage are taken from `sweep`). */
export function applyUpdate(view: SweepView, update: SweepUpdate, now: number, sweep?: Sweep): SweepView {
  const members = view.members.slice();
  if (sweep && sweep.members.length > members.length) {
    for (const m of sweep.members.slice(members.length))
      members.push({
        index: m.index,
        label: memberLabel(sweep, m),
        status: 'waiting',
        run: null,
        note: null,
        state: null,
        doneStep: null,
      });
  }
  const next = { ...view, members, version: view.version + 1 };
  if (update.type === 'stage') {
    const of = sweep?.meta.stages.length ?? 1;
    next.stage = { index: update.stage, of, reason: update.reason, steps: update.steps };
    return next;
  }
  const m = members[update.index];
  if (m === undefined) return next;
  const set = (patch: Partial<MemberView>) => {
    members[update.index] = { ...m, ...patch };
  };
  switch (update.type) {
    case 'queued':
      set({ status: 'queued', state: null, note: null });
      break;
    case 'done':
      set({ status: update.status, run: update.run, doneStep: update.step, note: 'done before' });
      break;
    case 'opened':
      set({
        status: 'starting',
        run: update.run,
        note: update.resumed ? 'resumed' : null,
        state: initialState(),
      });
      break;
    case 'error':
      set({ status: 'error', note: update.message.split('\n')[0] });
      break;
    case 'event': {
      const state = applyEvent(m.state ?? initialState(), update.event, now);
      const finished = update.event.type === 'finished' ? update.event : null;
      set({
        state,
        status: null,
        note: finished && finished.status === 'failed' ? (finished.message ?? '').split('\n')[0] : m.note,
      });
      break;
    }
  }
  return next;
}

/** Marks that every member was asked to stop. */
export function stopRequested(view: SweepView): SweepView {
  return { ...view, stopRequested: true, version: view.version + 1 };
}

/** The rows of a sweep's view (a local sweep's from its members' events). */
export function viewRows(view: SweepView): SweepRow[] {
  if (view.followed !== null) return view.followed;
  return view.members.map((m) => {
    const s = m.state;
    const ev = s?.evaluation?.result ?? null;
    const evalNumber = (k: string) => (typeof ev?.[k] === 'number' ? (ev[k] as number) : null);
    const status = m.status ?? (s ? statusOf(s) : 'queued');
    return {
      index: m.index,
      label: m.label,
      status,
      step: s?.run ? s.step : m.doneStep,
      total: s?.run?.totalSteps ?? null,
      stepsPerSec: s?.finished ? (s.finished.stepsPerSec ?? null) : (s?.rate ?? null),
      etaSec: s ? etaSeconds(s) : null,
      dLoss: s?.latest?.dLoss ?? null,
      dCostPrinted: s?.latest?.dCostPrinted ?? null,
      gLoss: s?.latest?.gLoss ?? null,
      dReal: s?.latest?.dReal ?? null,
      dFake: s?.latest?.dFake ?? null,
      modes: evalNumber('modesCovered'),
      fd: evalNumber('frechetDistance'),
      run: m.run,
      note: m.note,
    };
  });
}

export interface SweepTotals {
  members: number;
  byStatus: Record<string, number>;
  /** Members still to run or running. */
  left: number;
  /** Seconds until every member in the current stage is done, at the speeds seen (null: unknown). */
  etaSec: number | null;
}

const ACTIVE = new Set(['starting', 'running', 'paused', 'stopping']);

/**
 * Totals, and an ETA: the steps left of running and queued members (a queued one as long as the
 * running ones' average) divided over the members that run at once.
 */
export function totals(rows: readonly SweepRow[], jobs: number): SweepTotals {
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const running = rows.filter((r) => ACTIVE.has(r.status));
  const queued = rows.filter((r) => r.status === 'queued');
  const etas = running.map((r) => r.etaSec).filter((x): x is number => x !== null);
  const durations = rows
    .filter((r) => r.total !== null && r.stepsPerSec !== null && r.stepsPerSec > 0)
    .map((r) => (r.total as number) / (r.stepsPerSec as number));
  const perMember = durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
  let etaSec: number | null = null;
  if (running.length === 0 && queued.length === 0) etaSec = 0;
  else if (perMember !== null && etas.length === running.length) {
    const work = etas.reduce((a, b) => a + b, 0) + queued.length * perMember;
    etaSec = Math.max(Math.max(0, ...etas), work / Math.max(1, jobs));
  }
  return { members: rows.length, byStatus, left: running.length + queued.length, etaSec };
}

/** `3 completed, 2 running, 7 queued`: the statuses in a fixed order. */
export function statusSummary(byStatus: Record<string, number>): string {
  const order = [
    'completed',
    'running',
    'starting',
    'stopping',
    'queued',
    'waiting',
    'interrupted',
    'diverged',
    'failed',
    'error',
  ];
  const keys = Object.keys(byStatus).sort(
    (a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99),
  );
  return keys.map((k) => `${byStatus[k]} ${k}`).join(', ');
}

/**
 * The fault-injection suite: every scenario, run with a profile (`full` for `pnpm faults`, `quick`
 * for `pnpm test`), and its results as one table: faults tried, survived, runs lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Attempt,
  canMountTmpfs,
  DISK_FAULTS,
  damagedCheckpoints,
  diskFaults,
  fullTmpfs,
  startedTogether,
} from './damage.ts';
import {
  canUnshare,
  type DistributedKind,
  type DistributedTrial,
  describeTrial,
  hasRedisServer,
  runDistributedTrial,
  type TwinCache,
} from './distributed.ts';
import { PHASES, type Phase } from './folder.ts';
import {
  FRESH_OPERATION_KILLS,
  type Kill,
  operationTrials,
  RESUME_OPERATION_KILLS,
  randomTrials,
  runTrial,
  runTwin,
  type Trial,
  type TrialResult,
  type Twin,
} from './kills.ts';
import { processesStarted } from './exp.ts';
import { damagedMnistFiles, mnistThroughExp } from './mnist.ts';

export interface SuiteOptions {
  /** Random kill points to reach (default 100; quick: 2). */
  kills: number;
  /** Seed of the random kill times. */
  seed: number;
  /** Trials run at the same time. */
  jobs: number;
  /** Kills at file operations (fresh runs, resumes). */
  freshOperations: readonly string[];
  resumeOperations: readonly string[];
  /** Damaged-checkpoint, injected disk, tmpfs and MNIST-through-exp scenarios. */
  checkpoints: boolean;
  diskFaults: readonly (typeof DISK_FAULTS)[number][];
  tmpfs: boolean;
  together: number;
  mnistExp: boolean;
  /** The distributed scenarios' trials (workers paused, cut off, Redis restarted; see distributed.ts). */
  distributed: readonly DistributedTrial[];
  /** Where the trials' folders go (default: a new temp folder, removed at the end unless `keep`). */
  workDir?: string;
  keep?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** `pnpm faults`: at least 100 random kill points and everything else. */
export const FULL: SuiteOptions = {
  kills: 100,
  seed: 1,
  jobs: 2,
  freshOperations: FRESH_OPERATION_KILLS,
  resumeOperations: RESUME_OPERATION_KILLS,
  checkpoints: true,
  diskFaults: DISK_FAULTS,
  tmpfs: true,
  together: 10,
  mnistExp: true,
  distributed: [
    ...[
      'pause:metrics.jsonl:append:150',
      'pause:checkpoints/:rename:3',
      'pause:samples/:rename:2',
      'pause:eval.jsonl:append:1',
      'pause:meta.json:rename:2',
    ].map((at) => ({ kind: 'pause' as const, at })),
    ...[2, 6].map((at) => ({ kind: 'partition' as const, at })),
    ...[1, 4, 8].map((at) => ({ kind: 'redis-restart' as const, at })),
    ...[1, 5, 10].map((at) => ({ kind: 'resumes-together' as const, at })),
    ...[2, 8].map((at) => ({ kind: 'resume-while-training' as const, at })),
  ],
};

/** The short version in `pnpm test`: a few of each kind of fault, well under a minute. */
export const QUICK: SuiteOptions = {
  kills: 2,
  seed: 1,
  jobs: 2,
  freshOperations: ['kill:checkpoints/:rename:4'],
  resumeOperations: ['kill:metrics.jsonl:rename:1'],
  checkpoints: false,
  diskFaults: [DISK_FAULTS[0]],
  tmpfs: false,
  together: 10,
  mnistExp: false,
  // The distributed scenarios have tests of their own (distributed.test.ts).
  distributed: [],
};

/** One row of the table. */
export interface Row {
  fault: string;
  tried: number;
  survived: number;
  /** Runs that could not be completed afterwards, or whose folder could not be read. */
  lost: number;
  notes: string;
}

export interface SuiteResult {
  rows: Row[];
  /** Every kill, with the phase it struck in. */
  kills: Kill[];
  /** Kills by phase (fresh runs and resumes together), and how many were in a resume. */
  phases: Record<Phase, number>;
  resumeKills: number;
  /** What went wrong, by fault (empty: everything held). */
  problems: string[];
  /** Things not tried, and why (a tmpfs cannot be mounted here). */
  skipped: string[];
  seconds: number;
  processes: number;
}

/** Runs the suite; never throws for a fault that was not survived (see `problems`). */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const t0 = performance.now();
  const processes0 = processesStarted();
  const log = options.log ?? (() => {});
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'gan-faults-'));
  const result: SuiteResult = {
    rows: [],
    kills: [],
    phases: Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>,
    resumeKills: 0,
    problems: [],
    skipped: [],
    seconds: 0,
    processes: 0,
  };
  try {
    log(`work folder: ${workDir}`);
    const twin = await runTwin(workDir);
    log(`twin: started after ${Math.round(twin.startMs)} ms, then ran ${Math.round(twin.runMs)} ms`);

    let start = performance.now();
    const random = await runRandomKills(options, twin, workDir, log);
    log(`random kills: ${((performance.now() - start) / 1000).toFixed(1)} s`);
    start = performance.now();
    const operations = await runPool(
      operationTrials(options.freshOperations, options.resumeOperations, options.seed, twin, 10_000),
      options.jobs,
      (t) => runTrial(t, workDir, twin),
    );
    log(`kills at file operations: ${((performance.now() - start) / 1000).toFixed(1)} s`);
    for (const [name, trials] of [
      ['kill -9 at a random time (fresh runs and resumes)', random],
      ['kill -9 at a file operation (--fault-inject kill:...)', operations],
    ] as const) {
      const kills = trials.flatMap((t) => t.kills);
      result.kills.push(...kills);
      const bad = trials.filter((t) => t.problems.length > 0);
      for (const t of bad) result.problems.push(...t.problems.map((p) => `trial ${t.trial.id}: ${p}`));
      const missed = trials.flatMap((t) => t.missed);
      const operationMisses = name.includes('operation')
        ? missed.filter((m) => m.startsWith('kill:')).map((m) => `never reached: ${m}`)
        : [];
      result.problems.push(...operationMisses);
      result.rows.push({
        fault: name,
        tried: kills.length,
        survived: kills.length - bad.reduce((n, t) => n + t.kills.length, 0),
        lost: trials.filter((t) => t.hadRun && t.status !== 'completed').length,
        notes: `${trials.length} trials, ${trials.filter((t) => !t.hadRun).length} killed before their run folder existed`,
      });
    }
    for (const k of result.kills) {
      result.phases[k.phase]++;
      if (k.resume) result.resumeKills++;
    }

    // One scenario at a time (the runs started together must be the only ones starting).
    const attempts: [string, () => Promise<Attempt[]> | Attempt[]][] = [];
    if (options.checkpoints) attempts.push(['damaged checkpoints', () => damagedCheckpoints(workDir, twin)]);
    if (options.diskFaults.length > 0)
      attempts.push([
        'ENOSPC / EIO injected at the file layer',
        () => diskFaults(workDir, twin, options.diskFaults),
      ]);
    if (options.tmpfs) {
      if (canMountTmpfs(workDir)) attempts.push(['a real full disk (tmpfs)', () => fullTmpfs(workDir, twin)]);
      else
        result.skipped.push(
          'a real full disk: a tmpfs cannot be mounted here (needs root, outside a locked-down container)',
        );
    }
    if (options.together > 0)
      attempts.push([
        `${options.together} runs started together`,
        () => startedTogether(workDir, options.together),
      ]);
    attempts.push(['damaged MNIST files (the data layer)', () => damagedMnistFiles(workDir)]);
    if (options.mnistExp)
      attempts.push(['damaged or missing MNIST through pnpm exp', () => mnistThroughExp(workDir)]);
    if (options.distributed.length > 0) await runDistributed(options, workDir, result, log);
    for (const [name, run] of attempts) {
      const start = performance.now();
      const done = await run();
      log(`${name}: ${done.length} tried in ${((performance.now() - start) / 1000).toFixed(1)} s`);
      const bad = done.filter((a) => a.problems.length > 0);
      for (const a of bad) result.problems.push(...a.problems.map((p) => `${a.fault}: ${p}`));
      result.rows.push({
        fault: name,
        tried: done.length,
        survived: done.length - bad.length,
        lost: done.filter((a) => a.lost).length,
        notes: done.length === 1 ? done[0].fault : '',
      });
    }
  } finally {
    result.seconds = (performance.now() - t0) / 1000;
    result.processes = processesStarted() - processes0;
    if (!options.keep && options.workDir === undefined) rmSync(workDir, { recursive: true, force: true });
  }
  return result;
}

/** What each kind of distributed trial is called in the table. */
const DISTRIBUTED_ROWS: Record<DistributedKind, string> = {
  pause: 'a worker paused (SIGSTOP) past its lock, then continued',
  partition: 'a worker cut off from Redis past its lock, then reconnected',
  'redis-restart': 'Redis killed (-9) mid-sweep and restarted (append-only file)',
  'resumes-together': 'two pnpm exp --resume of one run started together',
  'resume-while-training': 'pnpm exp --resume of a run training in another pid namespace',
};

/** The distributed trials, one at a time (they time locks and heartbeats): a row per kind. */
async function runDistributed(
  options: SuiteOptions,
  workDir: string,
  result: SuiteResult,
  log: (line: string) => void,
): Promise<void> {
  const missing = [hasRedisServer(), canUnshare()].filter((m) => m !== null);
  if (missing.length > 0) {
    result.skipped.push(`the distributed scenarios: ${missing.join('; ')}`);
    return;
  }
  const twins: TwinCache = new Map();
  const byKind = new Map<DistributedKind, { tried: number; survived: number; lost: number; at: string[] }>();
  for (const [i, trial] of options.distributed.entries()) {
    const r = await runDistributedTrial(trial, join(workDir, `distributed-${i}-${trial.kind}`), twins);
    const row = byKind.get(trial.kind) ?? { tried: 0, survived: 0, lost: 0, at: [] };
    row.tried++;
    row.lost += r.lost;
    row.at.push(describeTrial(trial));
    if (r.problems.length === 0) row.survived++;
    else result.problems.push(...r.problems.map((p) => `${trial.kind} (${describeTrial(trial)}): ${p}`));
    byKind.set(trial.kind, row);
    log(
      `${trial.kind} (${describeTrial(trial)}): ${r.problems.length === 0 ? 'survived' : `PROBLEMS: ${r.problems.join('; ')}`} ` +
        `in ${r.seconds.toFixed(1)} s`,
    );
  }
  for (const [kind, row] of byKind) {
    result.rows.push({
      fault: DISTRIBUTED_ROWS[kind],
      tried: row.tried,
      survived: row.survived,
      lost: row.lost,
      notes: row.at.join('; '),
    });
  }
}

/** Random trials, `jobs` at a time, until `options.kills` random kills have happened. */
async function runRandomKills(
  options: SuiteOptions,
  twin: Twin,
  workDir: string,
  log: (line: string) => void,
): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  const trials = randomTrials(options.seed, twin);
  let kills = 0;
  const worker = async () => {
    while (kills < options.kills) {
      const trial = trials.next().value as Trial;
      const r = await runTrial(trial, workDir, twin);
      results.push(r);
      kills += r.kills.length;
      log(
        `trial ${trial.id}: ${r.kills.map((k) => (k.resume && !k.phase.startsWith('resume') ? `resume: ${k.phase}` : k.phase)).join(', ') || 'no kill'}` +
          `${r.problems.length > 0 ? ` PROBLEMS: ${r.problems.join('; ')}` : ''} (${kills}/${options.kills})`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
  return results.sort((a, b) => a.trial.id - b.trial.id);
}

async function runPool<T, R>(items: T[], jobs: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return out;
}

/** The table, as text or Markdown, with the kills by phase under it. */
export function formatResult(r: SuiteResult, markdown: boolean): string {
  const head = ['fault', 'tried', 'survived', 'runs lost', 'notes'];
  const rows = r.rows.map((x) => [x.fault, String(x.tried), String(x.survived), String(x.lost), x.notes]);
  const total = r.rows.reduce((a, x) => [a[0] + x.tried, a[1] + x.survived, a[2] + x.lost], [0, 0, 0]);
  rows.push([
    'all',
    String(total[0]),
    String(total[1]),
    String(total[2]),
    `${r.processes} processes (pnpm exp, worker, sweep), ${Math.round(r.seconds)} s`,
  ]);
  const phases = PHASES.filter((p) => r.phases[p] > 0)
    .map((p) => `${p} ${r.phases[p]}`)
    .join(', ');
  const lines: string[] = [];
  if (markdown) {
    lines.push(`| ${head.join(' | ')} |`, '|---|---:|---:|---:|---|');
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  } else {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const fmt = (row: string[]) =>
      row
        .map((c, i) => (i >= 1 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    lines.push(fmt(head), ...rows.map(fmt));
  }
  lines.push('', `kills by phase (${r.resumeKills} of them in a --resume): ${phases}`);
  for (const s of r.skipped) lines.push(`not tried: ${s}`);
  if (r.problems.length > 0)
    lines.push('', `PROBLEMS (${r.problems.length}):`, ...r.problems.map((p) => `  ${p}`));
  return lines.join('\n');
}

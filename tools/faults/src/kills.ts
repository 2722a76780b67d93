/**
 * kill -9, at random and at exact file operations, then `pnpm exp --resume` until the run ends:
 * every folder must stay readable with a true status (`crashed` once its process is gone, never
 * `running`), every resume must say the run had crashed, and every run must end `completed` with
 * logs, sample grids and GIF byte-identical to an uninterrupted twin's.
 *
 * Two kinds of kill:
 * - random: SIGKILL from outside at a time drawn from a seeded generator, uniform over the
 *   process's life (from its spawn, or from its `started` line, when the run is open), so kills
 *   fall in each phase in proportion to its length; the phase is read from the folder afterwards
 *   (folder.ts). A resume is itself killed at random in about a third of the trials.
 * - at a file operation: `pnpm exp --fault-inject kill:<file>:<op>:<n>` (the documented test hook
 *   of @gan/runs) makes the process SIGKILL itself at one exact operation (between a checkpoint's
 *   temp file and its rename, before an evaluation is recorded, inside a resume's log rewrite),
 *   windows too short for random timing to hit reliably.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listRunDirs } from '@gan/runs';
import { Rng } from '@gan/tensor';
import { differences, type ExpProcess, RING_CONFIG, type RunFiles, runFiles, startExp } from './exp.ts';
import { inspectFolder, type Phase, phaseOf, unreadableFolders } from './folder.ts';

/** How one process of a trial is ended. */
export type KillPlan =
  /** SIGKILL `ms` after the spawn. */
  | { kind: 'after-spawn'; ms: number }
  /** SIGKILL `ms` after the `started` line. */
  | { kind: 'after-start'; ms: number }
  /** The process kills itself at a file operation (`--fault-inject kill:...`). */
  | { kind: 'at-operation'; rule: string };

export interface Trial {
  id: number;
  /** How the fresh `pnpm exp` is killed. */
  fresh: KillPlan;
  /** How the resumes are killed, in order; the resumes after these run to their end. */
  resumes: KillPlan[];
}

/** One kill that happened. */
export interface Kill {
  trial: number;
  plan: KillPlan['kind'];
  rule: string | null;
  resume: boolean;
  phase: Phase;
  /** The report's status of the run right after the kill (null: no run folder yet). */
  status: string | null;
}

export interface TrialResult {
  trial: Trial;
  kills: Kill[];
  /** Plans that did not kill (the process ended first, or the rule never matched). */
  missed: string[];
  /** Whether a run folder existed (a kill before it leaves none, and nothing to lose). */
  hadRun: boolean;
  /** Final status of the run (null without a run folder). */
  status: string | null;
  /** Everything that went wrong: an unreadable folder, an untrue status, a lost run, a difference from the twin. */
  problems: string[];
  /** Processes started (fresh and resumes). */
  processes: number;
}

/** The folder and files of the uninterrupted twin every trial is compared with, and its timings. */
export interface Twin {
  /** Its run folder. */
  runDir: string;
  files: RunFiles;
  /** ms from spawn to the `started` line, and from there to the exit. */
  startMs: number;
  runMs: number;
}

/** Runs `config` (the suite's, by default) once, to its end, in a new folder of `workDir`. */
export async function runTwin(workDir: string, config: string = RING_CONFIG): Promise<Twin> {
  const dir = mkdtempSync(join(workDir, 'twin-'));
  writeFileSync(join(dir, 'ring.yaml'), config);
  const r = await startExp(['ring.yaml', '--no-dashboard', '--experiments', 'runs'], dir).done;
  if (r.code !== 0 || r.startedMs === null)
    throw new Error(`the uninterrupted twin failed (exit ${r.code}):\n${r.err}${r.out}`);
  const [run] = (await listRunDirs(join(dir, 'runs'))).runs;
  return { runDir: run.runDir, files: runFiles(run.runDir), startMs: r.startedMs, runMs: r.ms - r.startedMs };
}

/**
 * Trials whose processes are killed at random times drawn from `Rng(seed, 'faults')`, one after
 * another (ids from `firstId`): a fifth of them at any time after the spawn (startup included),
 * the rest after the `started` line; a third also kill their first resume at any time after its
 * spawn.
 */
export function* randomTrials(seed: number, twin: Twin, firstId = 0): Generator<Trial> {
  const rng = Rng.create(seed, 'faults');
  const whole = twin.startMs + twin.runMs;
  for (let id = firstId; ; id++) {
    const early = rng.uniform() < 0.2;
    const fresh: KillPlan = early
      ? { kind: 'after-spawn', ms: rng.uniform(0, whole) }
      : { kind: 'after-start', ms: rng.uniform(0, twin.runMs) };
    const resumes: KillPlan[] =
      rng.uniform() < 1 / 3 ? [{ kind: 'after-spawn', ms: rng.uniform(0, whole) }] : [];
    yield { id, fresh, resumes };
  }
}

/** Kills at file operations of a fresh run (the n-th matching operation of RING_CONFIG's run). */
export const FRESH_OPERATION_KILLS = [
  'kill:samples/:write:1', // the untrained generator's grid, step 0
  'kill:metrics.jsonl:append:1', // the first metrics row
  'kill:metrics.jsonl:sync:1', // its fsync when the steps are over
  'kill:checkpoints/:write:2', // step 100's checkpoint: temp file created, nothing in it
  'kill:checkpoints/:sync:3', // step 150's: written, not yet fsynced
  'kill:checkpoints/:rename:4', // step 200's: complete, not yet renamed
  'kill:samples/:rename:7', // step 300's grid
  'kill:eval.jsonl:append:1', // step 200's evaluation, computed, not yet recorded
  'kill:meta.json:rename:2', // meta.json with step 200's evaluation
  'kill:eval.jsonl:append:3', // step 600's evaluation (the last step)
  'kill:samples/:sync:13', // step 600's grid
  'kill:checkpoints/:rename:12', // the final checkpoint
  'kill:samples.gif:write:1', // the GIF
  'kill:samples.gif:rename:1',
  'kill:meta.json:write:5', // the final meta.json (completed)
];

/** Kills at file operations of a resume (after a fresh run killed at a random time). */
export const RESUME_OPERATION_KILLS = [
  'kill:metrics.jsonl:rename:1', // rewriting metrics.jsonl up to the checkpoint
  'kill:meta.json:rename:1', // the resume's first meta.json (running again)
  'kill:checkpoints/:rename:1', // the first checkpoint after the resume
  'kill:samples.gif:rename:1', // the GIF at its end
];

/** Trials killed at the operations above (resume ones after a random kill drawn from `seed`). */
export function operationTrials(
  fresh: readonly string[],
  resume: readonly string[],
  seed: number,
  twin: Twin,
  firstId = 0,
): Trial[] {
  const rng = Rng.create(seed, 'fault-operations');
  const trials: Trial[] = fresh.map((rule, i) => ({
    id: firstId + i,
    fresh: { kind: 'at-operation', rule },
    resumes: [],
  }));
  for (const rule of resume) {
    trials.push({
      id: firstId + trials.length,
      // Early in training, so the resume has work left (and usually a checkpoint to start from).
      fresh: { kind: 'after-start', ms: rng.uniform(0.15, 0.45) * twin.runMs },
      resumes: [{ kind: 'at-operation', rule }],
    });
  }
  return trials;
}

const MAX_RESUMES = 6;

/** Runs one trial in a new folder under `workDir` and checks everything it promised. */
export async function runTrial(trial: Trial, workDir: string, twin: Twin): Promise<TrialResult> {
  const dir = mkdtempSync(join(workDir, `trial-${trial.id}-`));
  mkdirSync(join(dir, 'runs'));
  writeFileSync(join(dir, 'ring.yaml'), RING_CONFIG);
  const experiments = join(dir, 'runs');
  const result: TrialResult = {
    trial,
    kills: [],
    missed: [],
    hadRun: false,
    status: null,
    problems: [],
    processes: 0,
  };
  const findRun = async () => (await listRunDirs(experiments)).runs[0]?.runDir ?? null;

  /** Starts a process under `plan`, waits for its end, and records the kill if there was one. */
  const step = async (args: string[], plan: KillPlan | null, resume: boolean) => {
    const rule = plan?.kind === 'at-operation' ? plan.rule : null;
    const p = startExp([...args, ...(rule ? ['--fault-inject', rule] : [])], dir);
    result.processes++;
    arm(p, plan);
    const r = await p.done;
    const killed = r.signal === 'SIGKILL';
    if (plan !== null && !killed)
      result.missed.push(`${describe(plan)} (${resume ? 'resume' : 'fresh'}): exit ${r.code}`);
    const runDir = await findRun();
    if (killed) {
      const phase = await phaseOf(runDir, r.startedMs !== null, resume);
      let status: string | null = null;
      if (runDir !== null) {
        const state = await inspectFolder(runDir, true);
        status = state.status;
        for (const p of state.problems) result.problems.push(`after a kill in ${phase}: ${p}`);
      }
      result.kills.push({ trial: trial.id, plan: plan?.kind ?? 'after-spawn', rule, resume, phase, status });
    }
    return { r, killed, runDir };
  };

  const fresh = await step(['ring.yaml', '--no-dashboard', '--experiments', 'runs'], trial.fresh, false);
  let runDir = fresh.runDir;
  if (runDir === null) {
    // Killed before its folder existed: nothing was recorded, so nothing can be lost.
    for (const u of await unreadableFolders(experiments)) result.problems.push(u);
    return result;
  }
  result.hadRun = true;
  const plans = [...trial.resumes];
  let ended = !fresh.killed && fresh.r.code === 0;
  for (let attempt = 0; !ended && attempt < MAX_RESUMES + plans.length; attempt++) {
    const before = await inspectFolder(runDir, true);
    const plan = plans.shift() ?? null;
    const { r, killed } = await step(['--resume', runDir, '--no-dashboard'], plan, true);
    if (killed) continue;
    if (
      before.status === 'crashed' &&
      !/^the run crashed at step \d+ or later: process \d+ on \S+ /m.test(r.out)
    )
      result.problems.push(`a resume of a crashed run did not say it had crashed:\n${r.out.slice(0, 400)}`);
    if (r.code !== 0) {
      result.problems.push(`a resume failed (exit ${r.code}): ${(r.err || r.out).slice(0, 600)}`);
      break;
    }
    ended = true;
  }
  runDir = (await findRun()) ?? runDir;
  const end = await inspectFolder(runDir, true);
  result.status = end.status;
  for (const p of end.problems) result.problems.push(`at the end: ${p}`);
  if (end.status !== 'completed') result.problems.push(`run lost: it ended ${end.status}, not completed`);
  if (end.tempFiles.length > 0) result.problems.push(`temp files left: ${end.tempFiles.join(', ')}`);
  for (const d of differences(runFiles(runDir), twin.files)) result.problems.push(d);
  return result;
}

function arm(p: ExpProcess, plan: KillPlan | null): void {
  if (plan === null || plan.kind === 'at-operation') return;
  if (plan.kind === 'after-spawn') {
    setTimeout(() => p.kill(), plan.ms);
    return;
  }
  void p.started.then((at) => {
    if (at !== null) setTimeout(() => p.kill(), plan.ms);
  });
}

function describe(plan: KillPlan): string {
  return plan.kind === 'at-operation' ? plan.rule : `${plan.kind} ${Math.round(plan.ms)} ms`;
}

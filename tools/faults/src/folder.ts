/**
 * What a killed run left, read from its folder alone: whether the folder is readable as a run
 * (the report must list it, with a true status), and in which phase the kill struck, told from the
 * temp files and the last things written. The suite counts its kills by these phases.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadRun } from '@gan/report';
import {
  checkpointPath,
  evalPath,
  gifPath,
  listCheckpoints,
  listRunDirs,
  listSamples,
  metricsPath,
  readJsonlSync,
  readMeta,
  samplePath,
} from '@gan/runs';
import { RING } from './exp.ts';

/** A run folder as the report sees it, and what is wrong with it if anything. */
export interface FolderState {
  /** The report's status (`crashed` for a run whose process is gone). */
  status: string;
  /** Problems that make the folder unreadable or its status untrue; empty when it is sound. */
  problems: string[];
  /** Temp files left by writes the kill cut short (relative to the run folder). */
  tempFiles: string[];
}

const TEMP = /^\..+\.tmp$/;

function tempFilesOf(runDir: string): string[] {
  const out: string[] = [];
  for (const sub of ['', 'samples', 'checkpoints']) {
    const dir = join(runDir, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (TEMP.test(name)) out.push(join(sub, name));
  }
  return out;
}

/**
 * Reads a run folder as `pnpm report` does. `expectEnded`: the process is known to be gone, so a
 * `running` status would be untrue (it must read as `crashed`, or the status it ended with).
 */
export async function inspectFolder(runDir: string, expectEnded: boolean): Promise<FolderState> {
  const problems: string[] = [];
  const experiments = dirname(dirname(runDir));
  const listing = await listRunDirs(experiments);
  for (const s of listing.skipped) problems.push(`not readable as a run: ${s.path} (${s.reason})`);
  if (!listing.runs.some((r) => r.runDir === runDir)) problems.push(`${runDir} is not listed as a run`);
  try {
    await readMeta(runDir);
  } catch (error) {
    problems.push(`meta.json unreadable: ${(error as Error).message}`);
  }
  const run = await loadRun({ configName: basename(dirname(runDir)), runId: basename(runDir), runDir });
  for (const note of run.notes) if (!/last line is cut off/.test(note)) problems.push(note);
  if (expectEnded && run.status === 'running') {
    problems.push(`the report says running (stale: ${run.stale}) although its process is gone`);
  }
  return { status: run.status, problems, tempFiles: tempFilesOf(runDir) };
}

/** Every folder of an experiments folder that is not a run (staging folders excepted: dot-names). */
export async function unreadableFolders(experimentsDir: string): Promise<string[]> {
  const { skipped } = await listRunDirs(experimentsDir);
  return skipped.map((s) => `${s.path}: ${s.reason}`);
}

/** The phases a kill is counted in. */
export const PHASES = [
  'startup, before the run folder',
  'startup, run folder created',
  'training',
  'sample grid write',
  'evaluation',
  'checkpoint write',
  'GIF write',
  'final meta.json',
  'meta.json write',
  'resume, opening (restore, log rewrite)',
] as const;
export type Phase = (typeof PHASES)[number];

/**
 * The phase a kill struck in, from what the folder shows. `runDir` null: no run folder exists yet.
 * `started`: the process had printed its `started` line (the run was open: data loaded, trainer
 * built, logs rewritten on resume). `resume`: the process was a `--resume`.
 */
export async function phaseOf(runDir: string | null, started: boolean, resume: boolean): Promise<Phase> {
  if (runDir === null) return 'startup, before the run folder';
  const temps = tempFilesOf(runDir);
  const temp = (re: RegExp) => temps.some((t) => re.test(t));
  if (temp(/^checkpoints\//)) return 'checkpoint write';
  if (temp(/^samples\//)) return 'sample grid write';
  if (temp(/^\.samples\.gif\./)) return 'GIF write';
  if (temp(/^\.(metrics|eval)\.jsonl\./)) return 'resume, opening (restore, log rewrite)';
  if (temp(/^\.meta\.json\./)) return 'meta.json write';
  if (!started) return resume ? 'resume, opening (restore, log rewrite)' : 'startup, run folder created';
  const rows = existsSync(metricsPath(runDir)) ? readJsonlSync(metricsPath(runDir)).rows : [];
  const last = rows.length === 0 ? 0 : Number(rows.at(-1)?.step);
  if (last === 0) return 'training';
  const evals = existsSync(evalPath(runDir)) ? readJsonlSync(evalPath(runDir)).rows.map((r) => r.step) : [];
  const checkpoints = new Set((await listCheckpoints(runDir)).map((c) => c.step));
  const samples = new Set((await listSamples(runDir)).map((s) => s.step));
  const end = last === RING.steps;
  // After step `last`'s metrics row, in order: its sample grid, its evaluation, its checkpoint
  // (at the end: the final checkpoint, then the GIF, then the final meta.json).
  if ((last % RING.samplesEvery === 0 || end) && !samples.has(last)) return 'sample grid write';
  if (last % RING.evalEvery === 0 && !evals.includes(last)) return 'evaluation';
  if ((last % RING.checkpointEvery === 0 || end) && !checkpoints.has(last)) return 'checkpoint write';
  if (!end) return 'training';
  const gif = gifPath(runDir);
  const newestGrid = statSync(samplePath(runDir, last)).mtimeMs;
  if (!existsSync(gif) || statSync(gif).mtimeMs < newestGrid) return 'GIF write';
  return existsSync(checkpointPath(runDir, last)) ? 'final meta.json' : 'checkpoint write';
}

/**
 * Faults that are not kills: damaged checkpoints, a full or failing disk (injected at the file
 * layer, and a real full tmpfs when this machine allows mounting one), many runs started at once.
 * Each returns what it tried and what went wrong (nothing, when everything held).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { findResumePoint, listCheckpoints, listRunDirs, readMetaSync } from '@gan/runs';
import { differences, RING_CONFIG, runExp, runFiles } from './exp.ts';
import { inspectFolder, unreadableFolders } from './folder.ts';
import type { Twin } from './kills.ts';

/** One fault tried, and what went wrong after it (nothing: it was survived). */
export interface Attempt {
  fault: string;
  problems: string[];
  /** The run could not be completed (or its folder read) afterwards. */
  lost: boolean;
}

function ringDir(workDir: string, prefix: string): string {
  const dir = mkdtempSync(join(workDir, `${prefix}-`));
  mkdirSync(join(dir, 'runs'));
  writeFileSync(join(dir, 'ring.yaml'), RING_CONFIG);
  return dir;
}

async function onlyRun(dir: string): Promise<string> {
  const { runs } = await listRunDirs(join(dir, 'runs'));
  if (runs.length !== 1) throw new Error(`${dir}: expected one run folder, found ${runs.length}`);
  return runs[0].runDir;
}

/**
 * A ring run killed before step 400's checkpoint is renamed (its newest two are 300 and 350), in
 * a folder of its own.
 */
async function killedBeforeCheckpoint(
  workDir: string,
  prefix: string,
): Promise<{ dir: string; runDir: string }> {
  const dir = ringDir(workDir, prefix);
  await runExp(
    ['ring.yaml', '--no-dashboard', '--experiments', 'runs', '--fault-inject', 'kill:checkpoints/:rename:8'],
    dir,
  );
  return { dir, runDir: await onlyRun(dir) };
}

/** Resumes `runDir` (no faults) and checks it ends completed, identical to the twin. */
async function resumeToEnd(dir: string, runDir: string, twin: Twin, problems: string[]): Promise<boolean> {
  const r = await runExp(['--resume', runDir, '--no-dashboard'], dir);
  if (r.code !== 0) {
    problems.push(`the resume failed (exit ${r.code}): ${(r.err || r.out).slice(0, 500)}`);
    return false;
  }
  const end = await inspectFolder(runDir, true);
  problems.push(...end.problems);
  if (end.status !== 'completed') problems.push(`ended ${end.status} after the resume`);
  problems.push(...differences(runFiles(runDir), twin.files));
  return end.status === 'completed' && end.problems.length === 0;
}

/** A hash of every file of a folder, to show that nothing changed. */
function folderHash(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function sameHashes(a: Map<string, string>, b: Map<string, string>): string[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((n) => a.get(n) !== b.get(n)).map((n) => `${n} changed`);
}

/**
 * The newest checkpoint truncated, or one bit of it flipped: the resume moves it aside, says so,
 * resumes from the one before and ends as the twin. Every checkpoint destroyed: the resume
 * refuses with the reasons and changes nothing.
 */
export async function damagedCheckpoints(workDir: string, twin: Twin): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  const spoilers: [string, (path: string) => void][] = [
    ['the newest checkpoint truncated', (p) => truncateSync(p, Math.floor(statSync(p).size / 2))],
    [
      'one bit of the newest checkpoint flipped',
      (p) => {
        const b = readFileSync(p);
        b[b.length - 7] ^= 0x04;
        writeFileSync(p, b);
      },
    ],
    ['the newest checkpoint emptied', (p) => truncateSync(p, 0)],
  ];
  for (const [fault, spoil] of spoilers) {
    const problems: string[] = [];
    const { dir, runDir } = await killedBeforeCheckpoint(workDir, 'checkpoint');
    const [older, newest] = await listCheckpoints(runDir);
    spoil(newest.path);
    const r = await runExp(['--resume', runDir, '--no-dashboard'], dir);
    const said = new RegExp(
      `checkpoint \\S*step-0*${newest.step}\\.safetensors is unreadable \\(.+\\): moved to \\S+\\.unreadable; resuming from step ${older.step} instead`,
    );
    if (!said.test(r.out)) problems.push(`the resume did not say it fell back:\n${r.out.slice(0, 600)}`);
    if (r.code !== 0) problems.push(`the resume failed (exit ${r.code}): ${r.err.slice(0, 400)}`);
    const end = await inspectFolder(runDir, true);
    problems.push(...end.problems, ...differences(runFiles(runDir), twin.files));
    if (end.status !== 'completed') problems.push(`ended ${end.status}`);
    attempts.push({ fault, problems, lost: end.status !== 'completed' });
  }
  {
    const problems: string[] = [];
    const { dir, runDir } = await killedBeforeCheckpoint(workDir, 'checkpoint-none');
    for (const c of await listCheckpoints(runDir)) truncateSync(c.path, 100);
    const before = folderHash(runDir);
    const r = await runExp(['--resume', runDir, '--no-dashboard'], dir);
    if (r.code !== 2) problems.push(`expected exit 2, got ${r.code}`);
    if (
      !/no checkpoint can be read, so the run cannot be resumed \(nothing was changed\):\n {2}\S+step-000350\.safetensors: .+\n {2}\S+step-000300\.safetensors: /.test(
        r.err,
      )
    )
      problems.push(`unclear error: ${r.err.slice(0, 500)}`);
    problems.push(...sameHashes(before, folderHash(runDir)));
    // Refused, as it must be: the run is not lost by the tool, its every checkpoint was destroyed.
    attempts.push({
      fault: 'every checkpoint destroyed (the resume must refuse, changing nothing)',
      problems,
      lost: false,
    });
  }
  return attempts;
}

/** Injected disk faults: the rule, and the file its error must name. */
export const DISK_FAULTS: [rule: string, file: RegExp][] = [
  ['ENOSPC:metrics.jsonl:append:40', /metrics\.jsonl/],
  ['EIO:metrics.jsonl:append:90', /metrics\.jsonl/],
  ['EIO:metrics.jsonl:sync:1', /metrics\.jsonl/],
  ['ENOSPC:samples/:write:5', /samples\/step-000200\.png/],
  ['EIO:samples/:rename:9', /samples\/step-000400\.png/],
  ['ENOSPC:checkpoints/:write:3', /checkpoints\/step-000150\.safetensors/],
  ['EIO:checkpoints/:sync:6', /checkpoints\/step-000300\.safetensors/],
  ['EIO:checkpoints/:rename:11', /checkpoints\/step-000550\.safetensors/],
  ['ENOSPC:eval.jsonl:append:2', /eval\.jsonl/],
  ['ENOSPC:*:any:25:sticky', /ENOSPC/],
];

/**
 * ENOSPC and EIO at one file operation (the documented `--fault-inject` hook): the run ends
 * `failed` with the reason and the file in meta.json, every file written before is whole (the
 * metrics rows a prefix of the twin's, the sample grids equal to its, every checkpoint readable),
 * and a resume on a sound disk ends as the twin.
 */
export async function diskFaults(
  workDir: string,
  twin: Twin,
  rules: readonly (typeof DISK_FAULTS)[number][] = DISK_FAULTS,
): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (const [rule, file] of rules) {
    const problems: string[] = [];
    const dir = ringDir(workDir, 'disk');
    const r = await runExp(
      ['ring.yaml', '--no-dashboard', '--experiments', 'runs', '--fault-inject', rule],
      dir,
    );
    const runDir = await onlyRun(dir);
    const code = rule.split(':')[0];
    if (r.code !== 1) problems.push(`expected exit 1 (failed), got ${r.code}`);
    const meta = readMetaSync(runDir);
    if (meta.status !== 'failed') problems.push(`meta.json says ${meta.status}, not failed`);
    if (!meta.error?.includes(code) || !file.test(meta.error))
      problems.push(`meta.json's error does not give the reason and the file: ${meta.error?.slice(0, 300)}`);
    problems.push(...intactBefore(runDir, twin));
    const { unreadable } = await findResumePoint(runDir);
    for (const u of unreadable)
      problems.push(`checkpoint unreadable after the fault: ${u.path} (${u.reason})`);
    const completed = await resumeToEnd(dir, runDir, twin, problems);
    attempts.push({ fault: rule, problems, lost: !completed });
  }
  return attempts;
}

/** What a failed run wrote before its fault is whole: a prefix of the twin's rows, its grids. */
function intactBefore(runDir: string, twin: Twin): string[] {
  const problems: string[] = [];
  const run = runFiles(runDir);
  if (run.metrics !== null && twin.files.metrics !== null) {
    const whole = run.metrics.subarray(0, run.metrics.lastIndexOf(0x0a) + 1);
    if (!twin.files.metrics.subarray(0, whole.length).equals(whole))
      problems.push("metrics.jsonl's whole rows are not a prefix of the twin's");
  }
  for (const [name, bytes] of run.samples) {
    if (name.startsWith('.')) problems.push(`temp file left: samples/${name}`);
    else if (!twin.files.samples.get(name)?.equals(bytes))
      problems.push(`samples/${name} differs from the twin's`);
  }
  return problems;
}

/** Whether this process may mount a tmpfs (root, and not forbidden by a container). */
export function canMountTmpfs(workDir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  const at = mkdtempSync(join(workDir, 'mount-probe-'));
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', at]).status === 0;
  if (ok) spawnSync('umount', [at]);
  return ok;
}

/**
 * A real full disk: the experiments folder on a tmpfs about half as large as a whole run needs.
 * The run must end `failed` saying ENOSPC (meta.json is rewritten in place when nothing else
 * fits), keep what it wrote whole, and, once the tmpfs is enlarged, resume to the twin's result.
 */
export async function fullTmpfs(workDir: string, twin: Twin): Promise<Attempt[]> {
  const problems: string[] = [];
  const dir = mkdtempSync(join(workDir, 'tmpfs-'));
  writeFileSync(join(dir, 'ring.yaml'), RING_CONFIG);
  const runs = join(dir, 'runs');
  mkdirSync(runs);
  const mount = (size: string, remount = false) => {
    const args = ['-t', 'tmpfs', '-o', `${remount ? 'remount,' : ''}size=${size}`, 'tmpfs', runs];
    const r = spawnSync('mount', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount ${args.join(' ')}: ${r.stderr}`);
  };
  // How much a whole run takes on a tmpfs of this machine.
  mount('64m');
  let used: number;
  try {
    await runExp(['ring.yaml', '--no-dashboard', '--experiments', 'runs'], dir);
    used = Number(
      spawnSync('df', ['--output=used', '-B1', runs], { encoding: 'utf8' }).stdout.split('\n')[1],
    );
  } finally {
    spawnSync('umount', [runs]);
  }
  const half = Math.max(16, Math.floor(used / 2 / 4096) * 4);
  mount(`${half}k`);
  try {
    const r = await runExp(['ring.yaml', '--no-dashboard', '--experiments', 'runs'], dir);
    const found = await listRunDirs(runs);
    if (found.runs.length !== 1) {
      problems.push(
        `expected one run folder on the full tmpfs, found ${found.runs.length}: ${r.err.slice(0, 300)}`,
      );
    } else {
      const runDir = found.runs[0].runDir;
      if (r.code !== 1) problems.push(`expected exit 1 (failed), got ${r.code}: ${r.err.slice(0, 300)}`);
      const meta = readMetaSync(runDir);
      if (meta.status !== 'failed' || !/ENOSPC|no space left/.test(meta.error ?? ''))
        problems.push(`meta.json says ${meta.status}: ${meta.error?.slice(0, 300)}`);
      problems.push(...intactBefore(runDir, twin));
      mount('64m', true);
      await resumeToEnd(dir, runDir, twin, problems);
    }
    problems.push(...(await unreadableFolders(runs)));
  } finally {
    spawnSync('umount', [runs]);
  }
  return [
    { fault: `a real full disk (tmpfs of ${half} kB, half of a run)`, problems, lost: problems.length > 0 },
  ];
}

/**
 * `count` `pnpm exp` started together on the same config: as many distinct run folders, each
 * completed, with identical metrics (same config, same seed).
 */
export async function startedTogether(workDir: string, count: number): Promise<Attempt[]> {
  const problems: string[] = [];
  const dir = ringDir(workDir, 'together');
  const args = ['ring.yaml', 'train.steps=60', 'eval.atEnd=false', '--no-dashboard', '--experiments', 'runs'];
  const results = await Promise.all(Array.from({ length: count }, () => runExp(args, dir)));
  const failed = results.filter((r) => r.code !== 0);
  for (const r of failed) problems.push(`a run failed (exit ${r.code}): ${r.err.slice(0, 300)}`);
  const { runs, skipped } = await listRunDirs(join(dir, 'runs'));
  for (const s of skipped) problems.push(`not a run: ${s.path}`);
  if (new Set(runs.map((r) => r.runId)).size !== count)
    problems.push(`${count} runs made ${new Set(runs.map((r) => r.runId)).size} distinct folders`);
  const metrics = runs.map((r) => runFiles(r.runDir).metrics);
  if (!metrics.every((m) => m !== null && metrics[0] !== null && m.equals(metrics[0])))
    problems.push('the runs of one config and seed do not have identical metrics.jsonl');
  const seconds = new Set(runs.map((r) => r.runId.slice(0, 15))).size;
  return [
    {
      fault: `${count} pnpm exp started together (${runs.length} folders, ids over ${seconds} second${seconds === 1 ? '' : 's'})`,
      problems,
      lost: failed.length + Math.max(0, count - runs.length) > 0,
    },
  ];
}

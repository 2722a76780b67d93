/**
 * `pnpm sweep <sweep.yaml> [key=value ...]`: run a sweep on this machine (`--jobs N`) or put it on
 * a queue for workers (`--queue redis://host:port`); `pnpm sweep --resume <sweep>` goes on with
 * one; `pnpm sweep status <sweep>` lists its members. `pnpm exp ... --multirun` comes here too.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  collectEnvironment,
  defaultExperimentsDir,
  describeStop,
  onStopRequest,
  type StopRequest,
  userPath,
} from '@gan/runs';
import { type BackendKind, ConfigError } from '@gan/training';
import { LocalExecutor, type SweepUpdate } from '../sweep/local.ts';
import { memberConfig } from '../sweep/member.ts';
import { plainSweepLogger, progressLine } from '../sweep/plain.ts';
import { cliSweep, loadSweepFile, type SweepSpec } from '../sweep/spec.ts';
import { createSweep, openSweep, planSweep, type Sweep } from '../sweep/sweep.ts';
import { applyUpdate, initialView, stopRequested, type SweepView, totals, viewRows } from '../sweep/view.ts';
import { backendFlag, fail } from './common.ts';

export const SWEEP_USAGE = `usage: pnpm sweep <sweep.yaml> [key=value ...] [options]
       pnpm sweep --resume <sweep> [options]
       pnpm sweep status <sweep> [--queue <redis-url>] [--json]
       pnpm exp <config.yaml> key=a,b key=range(1,4) ... --multirun [options]

Runs every member of a sweep (configs/sweeps/*.yaml, or the product of the comma lists and
ranges given to pnpm exp --multirun) as an ordinary run folder under experiments/, and lists them
in experiments/_sweeps/<sweep-id>/. Overrides (key=value) apply to every member.
A sweep is named by its id, a prefix of it, its name (the newest of that name) or name@N.

options:
  --jobs <n>             members at once on this machine (default: the cores, here ${availableParallelism()})
  --threads <n>          native kernel threads of each member (default: the cores / --jobs, at least 1)
  --queue <redis-url>    put the members on a queue for \`pnpm worker\`s instead (redis://host:port)
  --resume <sweep>       go on with a sweep: completed members are skipped, interrupted ones resumed
  --experiments <dir>    where run folders go (default: <project>/experiments)
  --no-dashboard         plain lines instead of the sweep dashboard (also when not on a terminal)
  --backend <kind>       auto | native | native:<variant> (avx512, avx2, baseline, baseline-fast) | reference
  --dry-run              list the members and write nothing
  -h, --help             this text

exit status: 0 every member ended (completed or diverged), 1 a member failed, 2 bad command line
or sweep, 130 stopped (resume with --resume)`;

export interface SweepRunOptions {
  jobs?: number;
  threads?: number;
  queue?: string;
  experimentsDir: string;
  dashboard: boolean;
  backend: BackendKind;
  dryRun: boolean;
  command: string[];
}

/** Options common to `pnpm sweep` and `pnpm exp --multirun`. */
export const SWEEP_OPTIONS = {
  jobs: { type: 'string' },
  threads: { type: 'string' },
  queue: { type: 'string' },
  resume: { type: 'string' },
  experiments: { type: 'string' },
  'no-dashboard': { type: 'boolean', default: false },
  backend: { type: 'string', default: 'auto' },
  'dry-run': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${name}: expected a whole number >= 1, got "${text}"`);
  return n;
}

/** The run options from parsed flags. */
export function runOptions(
  values: Record<string, string | boolean | undefined>,
  command: string[],
): SweepRunOptions {
  return {
    jobs: count('jobs', values.jobs as string | undefined),
    threads: count('threads', values.threads as string | undefined),
    queue: values.queue as string | undefined,
    experimentsDir:
      values.experiments !== undefined ? userPath(values.experiments as string) : defaultExperimentsDir(),
    dashboard: process.stdout.isTTY === true && !values['no-dashboard'],
    backend: backendFlag('pnpm sweep', values.backend as string),
    dryRun: values['dry-run'] === true,
    command,
  };
}

/** Plans, writes and runs a new sweep; returns the exit status. */
export async function startSweep(spec: SweepSpec, options: SweepRunOptions): Promise<number> {
  const plan = planSweep(spec);
  if (options.dryRun) {
    const lines = [
      `${plan.members.length} members of sweep ${spec.name} (swept: ${plan.swept.join(', ') || 'nothing'})`,
    ];
    plan.members.forEach((m, i) => {
      const params = Object.entries(m.params)
        .filter(([k]) => k !== 'seed')
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      lines.push(
        `  ${i}  ${m.name}  seed=${m.seed}  steps=${m.resolved.train.steps}  ${params.join(' ')}`.trimEnd(),
      );
    });
    if (plan.stages.length > 1)
      lines.push(
        `then ${plan.stages
          .slice(1)
          .map((s) => `${s.steps} steps`)
          .join(', then ')} for the best (a successive-halving search)`,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  const sweep = createSweep(options.experimentsDir, spec, plan, options.command);
  return runSweep(sweep, options);
}

/** Runs (or resumes) a sweep here, or enqueues it; returns the exit status. */
export async function runSweep(sweep: Sweep, options: SweepRunOptions): Promise<number> {
  process.stdout.write(
    `sweep ${sweep.meta.id}: ${sweep.members.length} members (${sweep.meta.swept.join(', ') || 'no swept keys'}) in ${sweep.dir}\n`,
  );
  if (options.queue !== undefined) {
    const { enqueueSweep } = await import('../sweep/queue-follower.ts');
    return enqueueSweep(sweep, options.queue, { follow: true, dashboard: options.dashboard });
  }
  const cores = availableParallelism();
  const pending = sweep.meta.stages[0]?.members?.length ?? sweep.members.length;
  const jobs = Math.max(1, Math.min(options.jobs ?? cores, pending));
  const threads = options.threads ?? Math.max(1, Math.floor(cores / jobs));
  const environment = await collectEnvironment(process.cwd());
  let view: SweepView = initialView(sweep, jobs);
  let current = sweep;
  const listeners: ((u: SweepUpdate) => void)[] = [];
  const executor: LocalExecutor = new LocalExecutor({
    sweep,
    jobs,
    threads,
    backend: options.backend,
    environment,
    onUpdate: (u) => {
      if (u.type === 'stage') current = reread(current);
      view = applyUpdate(view, u, Date.now(), current);
      for (const l of listeners) l(u);
    },
  });
  process.stdout.write(`running ${jobs} at once, ${threads} kernel thread${threads === 1 ? '' : 's'} each\n`);

  const stop = (why?: StopRequest) => {
    const what = executor.stopAll();
    view = stopRequested(view);
    process.stderr.write(
      what === 'stopping'
        ? `\nstopping every member after its step${why ? ` (${describeStop(why)})` : ''}: checkpoints, status interrupted (again to force); resume with pnpm sweep --resume\n`
        : '\nstopping now (no final checkpoints)\n',
    );
  };
  const offStop = onStopRequest(stop);
  let unmount: (() => void) | null = null;
  if (options.dashboard) {
    const { mountSweepDashboard } = await import('../sweep/dashboard.tsx');
    const d = mountSweepDashboard(() => view, {
      onStopAll: () => stop(),
      onStopMember: (i) => executor.stopMember(i),
    });
    listeners.push(d.update);
    unmount = d.unmount;
  } else {
    const printEvery = sweep.members.length > 0 ? memberConfig(sweep.members[0], null).log.printEvery : 100;
    listeners.push(plainSweepLogger(() => view, undefined, printEvery));
  }
  const outcome = await executor.run();
  unmount?.();
  offStop();
  const t = totals(viewRows(view), jobs);
  process.stdout.write(`${progressLine(view)}\n`);
  process.stdout.write(`sweep folder: ${outcome.sweep.dir}\n`);
  if (outcome.stopped || (t.byStatus.interrupted ?? 0) > 0) {
    process.stdout.write(`resume with: pnpm sweep --resume ${outcome.sweep.meta.id}\n`);
    return 130;
  }
  process.stdout.write(`report: pnpm report --sweep ${outcome.sweep.meta.id}\n`);
  return (t.byStatus.failed ?? 0) + (t.byStatus.error ?? 0) > 0 ? 1 : 0;
}

function reread(sweep: Sweep): Sweep {
  return openSweep(sweep.experimentsDir, sweep.dir);
}

/** `pnpm sweep status <sweep>`: the members, their runs and statuses. */
async function status(ref: string, options: SweepRunOptions, json: boolean): Promise<number> {
  const { sweepStatus } = await import('../sweep/status.ts');
  return sweepStatus(options.experimentsDir, ref, { queue: options.queue, json });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof SWEEP_OPTIONS; allowPositionals: true; args: string[] }>
  >;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: SWEEP_OPTIONS });
  } catch (e) {
    fail(`pnpm sweep: ${(e as Error).message}\n\n${SWEEP_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${SWEEP_USAGE}\n`);
    return 0;
  }
  const options = runOptions(values, ['pnpm', 'sweep', ...argv]);
  try {
    if (positionals[0] === 'status') {
      if (positionals.length !== 2) fail(`pnpm sweep status: expected one sweep\n\n${SWEEP_USAGE}`);
      return await status(positionals[1], options, values.json === true);
    }
    if (values.resume !== undefined) {
      if (positionals.length > 0)
        fail('pnpm sweep --resume: a resumed sweep keeps its members; no file or overrides');
      return await runSweep(openSweep(options.experimentsDir, values.resume), options);
    }
    const [file, ...overrides] = positionals;
    if (file === undefined) fail(`pnpm sweep: no sweep file given\n\n${SWEEP_USAGE}`);
    return await startSweep(loadSweepFile(userPath(file), overrides), options);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    fail(
      `pnpm sweep: ${(e as Error).message}`,
      e instanceof Error && /no sweep matches|ambiguous/.test(e.message) ? 2 : 1,
    );
  }
}

/** `pnpm exp <config> key=a,b ... --multirun [options]`: the command line as a sweep. */
export async function multirun(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--multirun' && a !== '-m');
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof SWEEP_OPTIONS; allowPositionals: true; args: string[] }>
  >;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: SWEEP_OPTIONS });
  } catch (e) {
    fail(`pnpm exp --multirun: ${(e as Error).message}\n\n${SWEEP_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${SWEEP_USAGE}\n`);
    return 0;
  }
  const options = runOptions(values, ['pnpm', 'exp', ...argv]);
  const [file, ...overrides] = positionals;
  if (values.resume !== undefined) return runSweep(openSweep(options.experimentsDir, values.resume), options);
  if (file === undefined) fail(`pnpm exp --multirun: no config file given\n\n${SWEEP_USAGE}`);
  try {
    return await startSweep(cliSweep(userPath(file), overrides), options);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  process.exitCode = await main(process.argv.slice(2));

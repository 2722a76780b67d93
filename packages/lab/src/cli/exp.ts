/**
 * `pnpm exp <config.yaml> [key=value ...] [options]`: train a GAN from a config and record the run
 * in experiments/<config-name>/<run-id>/. `pnpm exp --resume <run folder>` continues a run.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  collectEnvironment,
  configPath,
  currentEpoch,
  defaultExperimentsDir,
  describeStop,
  gifPath,
  onStopRequest,
  parseFaultSpec,
  RunOwner,
  RunTakenOver,
  readMetaSync,
  type StopRequest,
  userPath,
  writeRunConfigSync,
} from '@gan/runs';
import {
  ConfigError,
  detectTerminalMode,
  type ExperimentConfig,
  estimateMemory,
  formatBytes,
  loadConfig,
  memoryProblems,
  modelSummary,
  serializeConfig,
} from '@gan/training';
import { createRun } from '../run/create.ts';
import { startTraining } from '../run/thread.ts';
import { planResume, ResumeRefused } from '../run/resume-plan.ts';
import { requestStop, requestSample, setPaused, isPaused } from '../run/control.ts';
import type { RunEvent, SessionEnd } from '../run/events.ts';
import { backendFlag, fail } from './common.ts';
import { plainLogger } from '../dashboard/plain.ts';
import { resultLines } from '../dashboard/result.ts';
import { applyEvent, type DashboardState, initialState } from '../dashboard/state.ts';

const USAGE = `usage: pnpm exp <config.yaml> [key=value ...] [options]
       pnpm exp --resume <experiments/<config>/<run-id>> [train.steps=N ...] [options]

Trains a GAN from a YAML config and records the run in experiments/<config-name>/<run-id>/.
Overrides use the config's dotted key paths, e.g. train.steps=500 seed=7 data.batchSize=64.

options:
  --resume <run-folder>   continue a run from its last checkpoint (only train.*, log.* and eval.* may change)
  --no-dashboard          plain progress lines instead of the live dashboard (also when not on a terminal)
  --backend <kind>        auto (default: native when built, else reference) | native | reference,
                          or native:<variant> (avx512, avx2, baseline: the same bits; baseline-fast:
                          faster, not the same bits): that build of the native kernels (meta.json's
                          kernels name a run's); one this CPU cannot run, or not built, is refused
  --experiments <dir>     where run folders go (default: <project>/experiments)
  --trace                 record every step's random inputs and the initial weights in <run>/trace/,
                          for replaying the run elsewhere (tools/parity); not with --resume
  --dry-run               check the config and print the networks layer by layer (output shapes,
                          parameters) and the memory estimate; nothing is trained or written
  -m, --multirun          a sweep: key=a,b,c and key=range(a,b) give the product of their values
                          (with --jobs N, --queue <redis-url>: see pnpm sweep --help)
  -h, --help              this text

testing:
  --fault-inject <rules>  make this run's file operations fail (ENOSPC, EIO) or kill the process
                          at one exact operation, for the fault-injection suite (pnpm faults); the
                          rules are described in packages/runs/src/faults.ts

exit status: 0 completed, 1 failed, 2 bad command line or config (or a run that another process
resumed first), 3 diverged, 4 taken over by another process (it wrote nothing more), 130 interrupted`;

/** Keys a resumed run may change: how long and what it records, not what it computes. */
const RESUMABLE_PREFIXES = ['train.steps', 'log.', 'eval.'];

const EXIT: Record<SessionEnd, number> = {
  completed: 0,
  failed: 1,
  diverged: 3,
  'taken-over': 4,
  interrupted: 130,
};

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        resume: { type: 'string' },
        'no-dashboard': { type: 'boolean', default: false },
        backend: { type: 'string', default: 'auto' },
        experiments: { type: 'string' },
        trace: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'fault-inject': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    fail(`pnpm exp: ${(e as Error).message}\n\n${USAGE}`);
  }
}

function flatten(obj: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = JSON.stringify(obj);
  return out;
}

/** Names the keys that differ between two configs, other than the ones a resume may change. */
function forbiddenResumeChanges(before: ExperimentConfig, after: ExperimentConfig): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter(
    (k) => a[k] !== b[k] && !RESUMABLE_PREFIXES.some((p) => k === p || k.startsWith(p)),
  );
}

type Finished = Extract<RunEvent, { type: 'finished' }>;

/**
 * The end of a run stopped at once (a second Ctrl-C), at the step meta.json last recorded, with
 * where a resume starts (`checkpoint`: the step of the last checkpoint saved, or null).
 */
function forcedEnd(event: Finished, checkpoint: number | null): Finished {
  const from = checkpoint === null ? 'step 0 (no checkpoint yet)' : `the checkpoint of step ${checkpoint}`;
  return { ...event, message: `${event.message ?? 'stopped at once'}; --resume continues from ${from}` };
}

/** Terminal rows assumed for the end-of-run picture when stdout is not a terminal (a log). */
const PLAIN_ROWS = 30;

/** `--dry-run`: the config checked as a run would check it, its networks and memory; nothing written. */
function dryRun(positionals: string[]): void {
  const [file, ...overrides] = positionals;
  if (file === undefined) fail(`pnpm exp: no config file given\n\n${USAGE}`);
  let config: ExperimentConfig;
  try {
    config = loadConfig(userPath(file), overrides, { check: (c) => memoryProblems(c) }).config;
  } catch (e) {
    fail(e instanceof ConfigError ? e.message : `pnpm exp: ${(e as Error).message}`);
  }
  const memory = estimateMemory(config);
  process.stdout.write(
    `${config.name}: ${config.description}\n${modelSummary(config)}\n` +
      `memory: about ${formatBytes(memory.total)} (parameters, gradients and optimiser state ` +
      `${formatBytes(memory.state.generator + memory.state.discriminator)}, activations at batch ` +
      `${config.data.batchSize} ${formatBytes(memory.activations)})\n` +
      'dry run: the config is valid; nothing was trained or written\n',
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--multirun') || argv.includes('-m')) {
    process.exitCode = await (await import('./sweep.ts')).multirun(argv);
    return;
  }
  const { values, positionals } = parse(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const backend = backendFlag('pnpm exp', values.backend);

  let config: ExperimentConfig;
  let runDir: string;
  let runId: string;
  let owner: RunOwner;
  const resume = values.resume !== undefined;
  if (values['dry-run']) {
    if (resume) fail('pnpm exp: --dry-run checks a config file: it cannot be used with --resume');
    dryRun(positionals);
    return;
  }
  if (resume && values.trace)
    fail('pnpm exp: --trace records a run from its first step: it cannot be used with --resume');
  const faultInject = values['fault-inject'];
  if (faultInject !== undefined) {
    try {
      parseFaultSpec(faultInject);
    } catch (e) {
      fail(`pnpm exp: --fault-inject: ${(e as Error).message}`);
    }
  }
  const environment = await collectEnvironment(process.cwd());
  try {
    if (resume) {
      runDir = userPath(values.resume as string);
      // The epoch seen before meta.json is read: the claim below succeeds only if nobody has
      // taken the run over since (another resume started at the same moment, say).
      const seen = currentEpoch(runDir);
      const previous = readMetaSync(runDir);
      const original = loadConfig(configPath(runDir), [], { recordedRun: true }).config;
      config = loadConfig(configPath(runDir), positionals, { recordedRun: true }).config;
      const changed = forbiddenResumeChanges(original, config);
      if (changed.length > 0) {
        fail(
          `pnpm exp --resume: a resumed run may only change train.steps, log.* and eval.*; not ${changed.join(', ')}`,
        );
      }
      if (previous.status === 'completed' && previous.step >= config.train.steps) {
        process.stdout.write(
          `${runDir}: already completed ${previous.step} steps; raise train.steps to continue\n`,
        );
        return;
      }
      // Before anything is written: refused when still running or no checkpoint reads back.
      const plan = await planResume(runDir);
      for (const note of plan.notes) process.stdout.write(`${note}\n`);
      runId = previous.runId;
      owner = RunOwner.claim(runDir, 'pnpm exp --resume', { after: seen });
      writeRunConfigSync(owner, serializeConfig(config));
    } else {
      const [file, ...overrides] = positionals;
      if (file === undefined) fail(`pnpm exp: no config file given\n\n${USAGE}`);
      config = loadConfig(userPath(file), overrides, { check: (c) => memoryProblems(c) }).config;
      const experiments =
        values.experiments !== undefined ? userPath(values.experiments) : defaultExperimentsDir();
      ({ runDir, runId, owner } = await createRun(experiments, config, serializeConfig(config), environment));
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResumeRefused || e instanceof RunTakenOver) fail(e.message);
    fail(`pnpm exp: ${(e as Error).message}`);
  }

  const useDashboard = process.stdout.isTTY === true && !values['no-dashboard'];
  const dashboard = useDashboard ? await import('../dashboard/mount.tsx') : null; // before any event
  const listeners: ((e: RunEvent) => void)[] = [];
  // The run as the dashboard sees it, for the end-of-run picture (drawn after the dashboard).
  let state: DashboardState = initialState();
  let checkpoint: number | null = null;
  let forced = false;
  // What the run warned of (a resume on other kernels): the dashboard's log shows it while it
  // runs, and it is repeated on stderr once the dashboard is gone, where it stays.
  const warnings: string[] = [];
  const handle = startTraining(
    {
      config,
      configText: serializeConfig(config),
      runDir,
      runId,
      owner: owner.token,
      environment,
      resume,
      trace: values.trace,
      faultInject,
    },
    backend,
    (received) => {
      const event =
        forced && received.type === 'finished' && received.status === 'interrupted'
          ? forcedEnd(received, checkpoint)
          : received;
      if (event.type === 'checkpoint') checkpoint = event.step;
      if (event.type === 'message' && event.tone === 'warn') warnings.push(event.text);
      state = applyEvent(state, event);
      for (const l of listeners) l(event);
    },
  );

  let stopping = false;
  const stop = (why?: StopRequest) => {
    const from = why ? ` (${describeStop(why)})` : '';
    if (stopping) {
      process.stderr.write(`\nstopping now, no final checkpoint${from}\n`);
      forced = true;
      void handle.kill();
      return;
    }
    stopping = true;
    process.stderr.write(
      `\nstopping after this step${from}: final checkpoint, samples.gif, status interrupted (again to force)\n`,
    );
    requestStop(handle.control);
  };
  onStopRequest(stop);

  if (useDashboard) {
    const { mountDashboard } = dashboard!;
    listeners.push(
      mountDashboard({
        onQuit: () => stop(),
        onTogglePause: () => setPaused(handle.control, !isPaused(handle.control)),
        onSample: () => requestSample(handle.control),
      }),
    );
  } else {
    listeners.push(plainLogger(config.log.printEvery));
  }

  const finished = await handle.done;
  if (useDashboard) for (const text of warnings) process.stderr.write(`warning: ${text}\n`);
  if (finished.status !== 'taken-over') {
    // The final samples, as the dashboard drew them, in words, and their files.
    const gif = gifPath(runDir);
    const lines = resultLines(state, {
      mode: detectTerminalMode(process.stdout.isTTY === true),
      width: process.stdout.columns || 80,
      rows: process.stdout.rows || PLAIN_ROWS,
      cwd: process.cwd(),
      gif: !forced && config.log.gif && existsSync(gif) ? gif : null,
    });
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  }
  process.stdout.write(`run folder: ${runDir}\n`);
  process.exitCode = EXIT[finished.status];
}

await main();

/**
 * `pnpm exp` as the fault suite runs it: a separate Node process (so `kill -9` is a real one) on
 * a small config, with its plain progress lines watched, and the files of a run folder compared
 * with an uninterrupted twin's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { evalPath, gifPath, metricsPath, projectRoot, samplesDir } from '@gan/runs';

/** the lab's command-line programs, run as processes: `pnpm exp`, `pnpm worker`, `pnpm sweep`. */
export const CLI = {
  exp: join(projectRoot(), 'packages/lab/src/cli/exp.ts'),
  worker: join(projectRoot(), 'packages/lab/src/cli/worker.ts'),
  sweep: join(projectRoot(), 'packages/lab/src/cli/sweep.ts'),
} as const;
// tsx's loader by absolute URL: `--import tsx` would resolve from the child's (temporary) cwd.
const TSX = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

/**
 * The suite's run: the 8-Gaussians ring with small MLPs, 600 steps in well under a second of
 * training, with a sample grid and a checkpoint every 50 steps and an evaluation every 200 and at
 * the end, so that every phase a kill can hit comes round often.
 */
export const RING_CONFIG = `# The fault suite's run (tools/faults): the 2-D ring, small MLPs, every phase often.
seed: 11
data: { dataset: gaussians8, batchSize: 32, limit: 2000 }
model:
  z: { size: 4 }
  generator: { hidden: [32, 32], output: identity }
  discriminator: { hidden: [32, 32] }
optim: { generator: { lr: 0.001 }, discriminator: { lr: 0.001 } }
train: { steps: 600 }
log: { every: 5, printEvery: 100, samplesEvery: 50, checkpointEvery: 50 }
eval: { every: 200, samples: 2000, atEnd: true }
`;

/** The numbers of {@link RING_CONFIG} the phase of a kill is told from. */
export const RING = { steps: 600, every: 5, samplesEvery: 50, checkpointEvery: 50, evalEvery: 200 };

export interface ExpResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
  /** Milliseconds from spawn to the `started` line, or null when it never came. */
  startedMs: number | null;
}

export interface ExpProcess {
  child: ChildProcess;
  /** Resolves with the ms from spawn to the `started` line, or null if the process exited first. */
  started: Promise<number | null>;
  done: Promise<ExpResult>;
  /** SIGKILL now (a no-op once it has exited); true if the signal was sent. */
  kill(): boolean;
  /** Everything it wrote so far, stdout then stderr. */
  output(): string;
}

/** The processes still running, each with whether it leads its own process group. */
const live = new Map<ChildProcess, boolean>();
let spawned = 0;
/** How many `pnpm exp` processes this module has started (the suite reports its count). */
export const processesStarted = (): number => spawned;
process.on('exit', () => {
  for (const [c, group] of live) {
    try {
      if (group && c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    c.kill('SIGKILL');
  }
});

export interface StartOptions {
  /** Modules preloaded with `--require` (the MNIST scenario's resolver). */
  preload?: string[];
  env?: Record<string, string>;
  /**
   * A command the process runs under, e.g. `['unshare', '--pid', '--fork', '--mount-proc']` (its
   * own pid namespace, as if on another machine).
   */
  wrap?: string[];
  /** Its own process group (so `signalGroup` reaches it and everything it started). */
  detached?: boolean;
}

/** Starts `pnpm exp <args>` in `cwd` (not a TTY: plain progress lines). */
export function startExp(args: string[], cwd: string, options: StartOptions = {}): ExpProcess {
  return startCli(CLI.exp, args, cwd, options);
}

/** Starts one of the lab's programs ({@link CLI}) with `args` in `cwd`. */
export function startCli(
  script: string,
  args: string[],
  cwd: string,
  options: StartOptions = {},
): ExpProcess {
  const preload = (options.preload ?? []).flatMap((p) => ['--require', p]);
  const node = [process.execPath, ...preload, '--import', TSX, script, ...args];
  return startWatched([...(options.wrap ?? []), ...node], cwd, { INIT_CWD: cwd, ...options.env }, options);
}

/** The README's commands, as a user or a service manager starts them. */
export type PnpmCommand = 'exp' | 'sweep' | 'worker' | 'ui';

/**
 * Starts `pnpm <command> <args>` exactly as a user types it, in the project's folder (so the
 * process is pnpm, and the program its child); `args` take absolute paths.
 */
export function startPnpm(command: PnpmCommand, args: string[], options: StartOptions = {}): ExpProcess {
  const commandLine = [...(options.wrap ?? []), ...pnpmCommand(), command, ...args];
  return startWatched(commandLine, projectRoot(), options.env ?? {}, options);
}

/** pnpm, as the one running this test started it (its script under this Node), else from PATH. */
export function pnpmCommand(): string[] {
  const script = process.env.npm_execpath;
  return script !== undefined && /pnpm\.c?js$/.test(script) ? [process.execPath, script] : ['pnpm'];
}

function startWatched(
  commandLine: string[],
  cwd: string,
  env: Record<string, string>,
  options: StartOptions,
): ExpProcess {
  const t0 = performance.now();
  const [command, ...rest] = commandLine;
  const child = spawn(command, rest, {
    cwd,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  live.set(child, options.detached ?? false);
  spawned++;
  let out = '';
  let err = '';
  let startedMs: number | null = null;
  let onStarted: (ms: number | null) => void = () => {};
  const started = new Promise<number | null>((resolve) => {
    onStarted = resolve;
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
    if (startedMs === null && /^started /m.test(out)) {
      startedMs = performance.now() - t0;
      onStarted(startedMs);
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d;
  });
  const done = new Promise<ExpResult>((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      onStarted(null);
      resolve({ code, signal, out, err, ms: performance.now() - t0, startedMs });
    });
  });
  return {
    child,
    started,
    done,
    kill: () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'),
    output: () => out + err,
  };
}

/** Runs `pnpm exp <args>` to its end. */
export function runExp(args: string[], cwd: string, options: StartOptions = {}): Promise<ExpResult> {
  return startExp(args, cwd, options).done;
}

/** What of a run the seed alone decides: its logs, sample grids and GIF, byte for byte. */
export interface RunFiles {
  metrics: Buffer | null;
  eval: Buffer | null;
  samples: Map<string, Buffer>;
  gif: Buffer | null;
}

const readOrNull = (path: string) => (existsSync(path) ? readFileSync(path) : null);

export function runFiles(runDir: string): RunFiles {
  const samples = new Map<string, Buffer>();
  const dir = samplesDir(runDir);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) samples.set(name, readFileSync(join(dir, name)));
  }
  return {
    metrics: readOrNull(metricsPath(runDir)),
    eval: readOrNull(evalPath(runDir)),
    samples,
    gif: readOrNull(gifPath(runDir)),
  };
}

/** How `run` differs from `twin` (empty: byte-identical logs, sample grids and GIF). */
export function differences(run: RunFiles, twin: RunFiles): string[] {
  const same = (a: Buffer | null, b: Buffer | null) => (a === null ? b === null : b !== null && a.equals(b));
  const out: string[] = [];
  if (!same(run.metrics, twin.metrics)) out.push('metrics.jsonl differs from the uninterrupted twin');
  if (!same(run.eval, twin.eval)) out.push('eval.jsonl differs from the uninterrupted twin');
  const names = [...new Set([...run.samples.keys(), ...twin.samples.keys()])].sort();
  for (const name of names) {
    if (!same(run.samples.get(name) ?? null, twin.samples.get(name) ?? null))
      out.push(`samples/${name} differs (or is missing or extra)`);
  }
  if (!same(run.gif, twin.gif)) out.push('samples.gif differs from the uninterrupted twin');
  return out;
}

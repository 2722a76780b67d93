/**
 * `pnpm report [list] [options]` and `pnpm report diff <run> <run> [...] [options]`: list, compare
 * and diff the runs under experiments/.
 */
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DirError, makeDirs, writeFileAtomic } from '@gan/runs';
import { diffRuns } from './diff.ts';
import { ReportError } from './errors.ts';
import { listGroups, SEED_EXCLUDED } from './group.ts';
import { diffGroups } from './group-diff.ts';
import { listColumnKeys, listRuns, STATUS_FILTERS, splitList } from './list.ts';
import {
  diffHtml,
  formatDiff,
  formatGroupDiff,
  formatGroups,
  formatList,
  groupDiffHtml,
  groupsHtml,
  listHtml,
  type TextFormat,
} from './output.ts';
import { defaultExperimentsDir, displayPath, userCwd } from './paths.ts';
import { isGroupRef } from './refs.ts';
import type { RunRecord } from './runs.ts';
import { readSweepSelection, SWEEP_REF } from './sweeps.ts';
import { SPREADS, type Spread } from './stats.ts';

export const USAGE = `usage: pnpm report [list] [options]
       pnpm report diff <run> <run> [<run> ...] [options]

Lists the runs under experiments/ (config, run id, status, step, final losses, evaluation,
speed and the config keys that differ between the listed runs), or compares runs: the config
keys that differ and the final metrics side by side, with deltas relative to the first run.
With --group (or --by), lists groups of runs instead, one row each (by default, the runs whose
configs are the same except for the seed): n, the status counts, and the mean and spread over
the group of each final metric and evaluation result.

run references (diff):
  experiments/decay/20261126-153012-a3f9   a run folder
  20261126-153012-a3f9  20261126-1530      a run id, or a prefix that only one run has
  decay/20261126-1530                      the same, among the runs of config decay
  decay@latest  decay@0  decay@2           the newest, the newest, the third newest run of decay
  decay@all                                every run of decay, as a group: diff then compares the
                                           groups' means and spreads, Δ of the means relative to
                                           the first (a single run beside groups is a group of one)
  sweep:<sweep>                            every group of a sweep's members (its runs whose configs
                                           are the same but the seed), one column each

options:
  --experiments <dir>   where the runs are (default: <project>/experiments)
  --config <name>       list: only these configs (repeat, or a,b; * is a wildcard)
  --status <status>     list: only runs with this status: ${STATUS_FILTERS.join(', ')}
                        (crashed: "running" but its process is gone from this machine;
                        stale: another machine's "running" run silent for --stale-after minutes)
  --sweep <sweep>       list: only the members of a sweep (experiments/_sweeps/: its id, a prefix,
                        its name for the newest of that name, or name@N), grouped (one row per
                        member config: mean and spread over the seeds; --ungrouped for one row per
                        run); the parameter columns are the keys it swept; with --html, a view of
                        each final score against each swept parameter
  --ungrouped           with --sweep: one row per run
  --since <run|date>    list: only runs started at or after a run id (or prefix) or a date
  --sort <column>       list: sort by ${listColumnKeys().join(', ')},
                        a config key (optim.generator.lr) or an evaluation result
                        (inceptionScore, display.modesCovered); -column for descending
  --limit <n>           list: only the first n rows, after sorting
  --all-params          every config key, not only those that differ
  --params <keys>       list: exactly these config keys, in this order, instead of those that
                        differ (repeat, or a,b: data.scaling,loss.discriminator); none for none
  --eval <keys>         list: more columns from each run's latest evaluation (repeat, or a,b:
                        inceptionScore,diversity,display.modesCovered; - where a run has none)
  --group               list: one row per group of runs whose configs are the same except for
                        the seed: n, status counts, mean and spread of each column; --sort sorts
                        the groups by their means (n sorts by size), --limit counts groups
  --by <keys>           list: group by these config keys instead (repeat, or a,b:
                        data.scaling,loss.discriminator); implies --group. ${SEED_EXCLUDED} (the
                        default) groups by the whole config except the seed
  --spread <sd|minmax>  grouped reports: after each mean, ± the sample standard deviation (sd,
                        the default) or [min..max] over the group's runs; in HTML, the band
                        drawn around each group's mean curve
  --window <steps>      final D loss, D cost (printed), G loss, D(x) and D(G(z)) as the mean over
                        the metrics rows of each run's last <steps> steps, not the last row alone
                        (only that tail of metrics.jsonl is read); headers say "(mean of last
                        <steps> steps)".
                        Default 0: the last row, as logged. Batch-size-1 runs (the article's,
                        logged every 10 steps) are noisy row to row: --window 1000 averages their
                        last 100 rows
  --stale-after <min>   minutes without a sign of life (heartbeat, write) after which another
                        machine's "running" run shows as running? (default 10); a run of this
                        machine whose process is gone shows as crashed at once
  --json                JSON for scripts (format "gan-report/list", "gan-report/diff",
                        "gan-report/groups" or "gan-report/group-diff", version 2); groups
                        give mean, sd, min, max and n per column
  --md                  GitHub Markdown tables
  --html <file>         one self-contained HTML file: tables, curves, sample grids (grouped:
                        each group's mean curve with its band, aligned by step)
  -h, --help            this text

exit status: 0 ok, 1 unexpected error, 2 bad command line or unknown run`;

/** Where the CLI writes and what it may assume; tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** The folder relative paths are resolved against (default: where the user typed the command). */
  cwd?: string;
  env?: Record<string, string | undefined>;
}

interface Parsed {
  command: 'list' | 'diff';
  refs: string[];
  experiments?: string;
  configs: string[];
  statuses: string[];
  since?: string;
  sort?: string;
  limit?: number;
  allParams: boolean;
  /** The `--params` values as given (comma lists, `none`); undefined without `--params`. */
  params?: string[];
  evalColumns: string[];
  staleAfterMin?: number;
  /** `--group`, or `--by` given. */
  group: boolean;
  /** The `--by` values as given. */
  by: string[];
  spread?: Spread;
  window?: number;
  sweep?: string;
  ungrouped: boolean;
  format: TextFormat;
  html?: string;
  help: boolean;
}

const VALUE_OPTIONS = new Set([
  'experiments',
  'config',
  'status',
  'since',
  'sort',
  'limit',
  'stale-after',
  'html',
  'params',
  'eval',
  'by',
  'spread',
  'window',
  'sweep',
]);
const FLAG_OPTIONS = new Set(['all-params', 'json', 'md', 'help', 'group', 'ungrouped']);

/**
 * Parses the arguments. Hand-written rather than `util.parseArgs` so that `--sort -dLoss` works:
 * a value option always takes the next argument, even one that starts with `-`.
 */
export function parseCli(argv: readonly string[]): Parsed {
  const parsed: Parsed = {
    command: 'list',
    refs: [],
    configs: [],
    statuses: [],
    allParams: false,
    evalColumns: [],
    group: false,
    by: [],
    ungrouped: false,
    format: 'table',
    help: false,
  };
  const positionals: string[] = [];
  const formats: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      parsed.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) throw new ReportError(`unknown option ${arg}\n\n${USAGE}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (VALUE_OPTIONS.has(name)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new ReportError(`--${name} needs a value`);
        value = argv[++i];
      }
    } else if (FLAG_OPTIONS.has(name)) {
      if (value !== undefined) throw new ReportError(`--${name} takes no value`);
    } else {
      throw new ReportError(`unknown option --${name}\n\n${USAGE}`);
    }
    switch (name) {
      case 'experiments':
        parsed.experiments = value;
        break;
      case 'config':
        parsed.configs.push(value!);
        break;
      case 'status':
        parsed.statuses.push(value!);
        break;
      case 'since':
        parsed.since = value;
        break;
      case 'sort':
        parsed.sort = value;
        break;
      case 'limit':
        parsed.limit = wholeNumber(name, value!);
        break;
      case 'stale-after': {
        const minutes = Number(value);
        if (value!.trim() === '' || !(minutes >= 0)) {
          throw new ReportError(`--stale-after: expected minutes >= 0, got "${value}"`);
        }
        parsed.staleAfterMin = minutes;
        break;
      }
      case 'html':
        parsed.html = value;
        formats.push('--html');
        break;
      case 'all-params':
        parsed.allParams = true;
        break;
      case 'params':
        if (splitList([value!]).length === 0) {
          throw new ReportError('--params: expected config keys separated by commas (or none), got ""');
        }
        parsed.params = [...(parsed.params ?? []), value!];
        break;
      case 'eval':
        if (splitList([value!]).length === 0) {
          throw new ReportError('--eval: expected evaluation keys separated by commas, got ""');
        }
        parsed.evalColumns.push(value!);
        break;
      case 'group':
        parsed.group = true;
        break;
      case 'sweep':
        parsed.sweep = value;
        break;
      case 'ungrouped':
        parsed.ungrouped = true;
        break;
      case 'by':
        if (splitList([value!]).length === 0) {
          throw new ReportError(
            `--by: expected config keys separated by commas (or ${SEED_EXCLUDED}), got ""`,
          );
        }
        parsed.by.push(value!);
        parsed.group = true;
        break;
      case 'spread':
        if (!(SPREADS as readonly string[]).includes(value!)) {
          throw new ReportError(`--spread: expected ${SPREADS.join(' or ')}, got "${value}"`);
        }
        parsed.spread = value as Spread;
        break;
      case 'window': {
        const steps = Number(value);
        if (value!.trim() === '' || !Number.isInteger(steps) || steps < 0) {
          throw new ReportError(`--window: expected a whole number of steps >= 0, got "${value}"`);
        }
        parsed.window = steps;
        break;
      }
      case 'json':
      case 'md':
        parsed.format = name;
        formats.push(`--${name}`);
        break;
      case 'help':
        parsed.help = true;
        break;
    }
  }
  if (formats.length > 1) throw new ReportError(`choose one output format, got ${formats.join(' and ')}`);
  if (parsed.allParams && parsed.params !== undefined) {
    throw new ReportError(
      '--all-params and --params exclude each other: --params shows exactly the keys given',
    );
  }
  const [command, ...rest] = positionals;
  if (command === 'diff') {
    parsed.command = 'diff';
    parsed.refs = rest;
    if (!parsed.help && rest.length < 2 && !rest.some((r) => SWEEP_REF.test(r))) {
      throw new ReportError('diff needs at least two runs, e.g. pnpm report diff decay@1 decay@latest');
    }
    const listOnly = [
      ['--config', parsed.configs.length > 0],
      ['--status', parsed.statuses.length > 0],
      ['--since', parsed.since !== undefined],
      ['--sort', parsed.sort !== undefined],
      ['--limit', parsed.limit !== undefined],
      ['--params', parsed.params !== undefined],
      ['--eval', parsed.evalColumns.length > 0],
      ['--sweep', parsed.sweep !== undefined],
    ].filter(([, given]) => given);
    if (listOnly.length > 0) throw new ReportError(`${listOnly[0][0]} applies to the list, not to diff`);
    if (parsed.group) {
      throw new ReportError(
        `${parsed.by.length > 0 ? '--by' : '--group'} applies to the list; diff compares groups named config@all, e.g. pnpm report diff decay@all baseline@all`,
      );
    }
    if (parsed.sweep !== undefined)
      throw new ReportError('--sweep applies to the list; diff takes sweep:<sweep>');
    if (parsed.spread !== undefined && !rest.some(isGroupRef)) {
      throw new ReportError(
        '--spread applies to groups: name them config@all, e.g. pnpm report diff decay@all baseline@all',
      );
    }
  } else if (command === undefined || command === 'list') {
    if (rest.length > 0) throw new ReportError(`unexpected argument "${rest[0]}"\n\n${USAGE}`);
    if (parsed.ungrouped && parsed.sweep === undefined)
      throw new ReportError('--ungrouped applies to --sweep');
    if (parsed.ungrouped && parsed.group)
      throw new ReportError('--ungrouped and --group/--by exclude each other');
    // A sweep is read as groups of its members, unless asked otherwise.
    if (parsed.sweep !== undefined && !parsed.ungrouped) parsed.group = true;
    if (parsed.spread !== undefined && !parsed.group) {
      throw new ReportError('--spread applies to grouped reports: add --group (or --by keys)');
    }
  } else {
    throw new ReportError(`unknown command "${command}": expected list or diff\n\n${USAGE}`);
  }
  return parsed;
}

function wholeNumber(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new ReportError(`--${name}: expected a whole number >= 0, got "${text}"`);
  }
  return n;
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  try {
    const args = parseCli(argv);
    if (args.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const cwd = io.cwd ?? userCwd();
    // Paths inside the current folder are shown relative: shorter tables and notes.
    const experimentsDir = displayPath(
      args.experiments ? resolve(cwd, args.experiments) : defaultExperimentsDir(),
    );
    const color = io.stdout.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
    const note = (text: string) => io.stderr.write(`${text}\n`);
    /** Notes each run's problems, then writes the HTML report (with --html) or the text. */
    const output = async (
      runs: readonly RunRecord[],
      groups: number | null,
      html: () => Promise<{ html: string; notes: string[] }>,
      text: () => string,
    ): Promise<number> => {
      for (const run of runs) for (const n of run.notes) note(`note: ${n}`);
      if (!args.html) {
        io.stdout.write(text());
        return 0;
      }
      const report = await html();
      const what = groups === null ? { runs: runs.length } : { runs: runs.length, groups };
      return await writeHtml(resolve(cwd, args.html), report.html, report.notes, what, io);
    };
    const load = {
      allParams: args.allParams,
      staleAfterMs: args.staleAfterMin === undefined ? undefined : args.staleAfterMin * 60_000,
      window: args.window,
    };

    const sweep = args.sweep === undefined ? undefined : await readSweepSelection(experimentsDir, args.sweep);
    if (sweep !== undefined && sweep.runDirs.size === 0)
      note(`sweep ${sweep.id}: none of its ${sweep.members} members has a run folder yet`);

    if (args.command === 'list' && args.group) {
      const list = await listGroups(experimentsDir, {
        sweep,
        ...load,
        configs: args.configs,
        statuses: args.statuses,
        since: args.since,
        sort: args.sort,
        limit: args.limit,
        params: args.params,
        evalColumns: args.evalColumns,
        by: args.by,
        spread: args.spread,
      });
      for (const s of list.skipped) note(`skipped ${s.path}: ${s.reason}`);
      return await output(
        list.groups.flatMap((g) => g.runs),
        list.groups.length,
        () => groupsHtml(list),
        () => formatGroups(list, args.format, { color }),
      );
    }

    if (args.command === 'list') {
      const list = await listRuns(experimentsDir, {
        ...load,
        configs: args.configs,
        statuses: args.statuses,
        since: args.since,
        sort: args.sort,
        limit: args.limit,
        params: args.params,
        evalColumns: args.evalColumns,
        runDirs: sweep?.runDirs,
      });
      for (const s of list.skipped) note(`skipped ${s.path}: ${s.reason}`);
      return await output(
        list.runs,
        null,
        () => listHtml(list),
        () => formatList(list, args.format, { color }),
      );
    }

    if (args.refs.some(isGroupRef)) {
      const diff = await diffGroups(experimentsDir, args.refs, { ...load, cwd, spread: args.spread });
      return await output(
        diff.groups.flatMap((g) => g.runs),
        diff.groups.length,
        () => groupDiffHtml(diff),
        () => formatGroupDiff(diff, args.format, { color }),
      );
    }

    const diff = await diffRuns(experimentsDir, args.refs, { ...load, cwd });
    return await output(
      diff.runs,
      null,
      () => diffHtml(diff),
      () => formatDiff(diff, args.format, { color }),
    );
  } catch (error) {
    if (error instanceof ReportError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

async function writeHtml(
  file: string,
  html: string,
  notes: string[],
  what: { runs: number; groups?: number },
  io: CliIo,
): Promise<number> {
  for (const n of notes) io.stderr.write(`note: ${n}\n`);
  try {
    // Not Node's recursive mkdir: it never returns for a folder under /proc (see @gan/runs dirs.ts).
    await makeDirs(dirname(file), 'folder of the HTML report');
  } catch (error) {
    if (error instanceof DirError) throw new ReportError(`--html: ${error.message}`);
    throw error;
  }
  await writeFileAtomic(file, html);
  const size = Buffer.byteLength(html);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const counts =
    what.groups === undefined
      ? plural(what.runs, 'run')
      : `${plural(what.groups, 'group')} of ${plural(what.runs, 'run')}`;
  io.stdout.write(`wrote ${displayPath(file)} (${counts}, ${(size / 2 ** 20).toFixed(1)} MiB)\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}

/**
 * The list and the diff as tables (for text, Markdown and HTML) and as JSON.
 */
import { resolve } from 'node:path';
import { type KernelSpan, type LabelledMetric, METRIC_LABELS, type RunKernels } from '@gan/runs';
import type { RunDiff } from './diff.ts';
import {
  evalLabel,
  evalNumber,
  evalValue,
  FRECHET_KEY,
  MODES_KEY,
  type RunList,
  statusLabel,
} from './list.ts';
import { finalValue, type RunRecord, type RunWindow, showsPrintedCost, windowSuffix } from './runs.ts';
import type { Cell, Table, Tone } from './table.ts';
import { formatNumber, formatPercent, formatSigned, formatValue } from './values.ts';

const STATUS_TONE: Record<string, Tone> = {
  completed: 'good',
  running: 'info',
  'running?': 'warn',
  interrupted: 'warn',
  diverged: 'bad',
  failed: 'bad',
  unreadable: 'bad',
};

export function statusCell(run: RunRecord): Cell {
  const text = statusLabel(run);
  return { text, tone: STATUS_TONE[text] };
}

/** `1500/100000`, or the last logged step when meta.json is unreadable. */
export function stepText(run: RunRecord): string {
  if (run.meta) return `${run.meta.step}/${run.meta.totalSteps}`;
  return run.last ? String(run.last.step) : '-';
}

const num = (x: number | null | undefined): Cell => {
  const text = formatNumber(x);
  return { text, tone: x === null || x === undefined ? 'muted' : Number.isFinite(x) ? undefined : 'bad' };
};

const speed = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(1));

const evalCell = (run: RunRecord, key: string): Cell | string => {
  const value = evalValue(run, key);
  return typeof value === 'string' ? value : num(value);
};

/** Evaluation results the list always shows (as `modes` and `FD`): not repeated as extra columns. */
const FIXED_EVAL_KEYS = new Set([MODES_KEY, FRECHET_KEY]);

/** The list's extra evaluation columns: `list.evalColumns` less those the list always shows. */
export function extraEvalColumns(list: RunList): string[] {
  return list.evalColumns.filter((key) => !FIXED_EVAL_KEYS.has(key));
}

/**
 * The list as a table: config, run, status, step/total, final D loss, D cost (printed) when some
 * run logs the article's printed cost ({@link printedCostLegend} says what it is), G loss, modes
 * covered, Fréchet distance, the chosen evaluation results, steps/s, dtype when some run is
 * float64 (`train.precision`), the kernels when they differ between the runs
 * ({@link kernelLabels}), then one column per shown config key. With a window, the losses are
 * means over each run's last `window` steps, the headers say so, and D(x) and D(G(z)) (what the
 * window is for) are shown after them.
 */
export function listTable(list: RunList): Table {
  const evalKeys = extraEvalColumns(list);
  const suffix = windowSuffix(list.window);
  const metrics: LabelledMetric[] = [
    'dLoss',
    ...(showsPrintedCost(list.runs) ? (['dCostPrinted'] as const) : []),
    'gLoss',
    ...(list.window > 0 ? (['dReal', 'dFake'] as const) : []),
  ];
  const dtypes = list.runs.some((r) => r.meta?.precision === 'float64');
  const kernels = kernelLabels(list.runs);
  return {
    columns: [
      { header: 'config', maxWidth: 24 },
      { header: 'run', maxWidth: 24 },
      { header: 'status' },
      { header: 'step', align: 'right' },
      ...metrics.map((key) => ({ header: `${METRIC_LABELS[key].name}${suffix}`, align: 'right' as const })),
      { header: 'modes', align: 'right' },
      { header: 'FD', align: 'right' },
      ...evalKeys.map((key) => ({ header: evalLabel(key), align: 'right' as const })),
      { header: 'steps/s', align: 'right' },
      ...(dtypes ? [{ header: 'dtype' }] : []),
      ...(kernels ? [{ header: 'kernels', maxWidth: 32 }] : []),
      ...list.params.map((key) => ({ header: key, maxWidth: 24 })),
    ],
    rows: list.runs.map((run, i) => [
      run.name,
      run.runId,
      statusCell(run),
      stepText(run),
      ...metrics.map((key) => num(finalValue(run, key))),
      num(evalNumber(run, MODES_KEY)),
      num(evalNumber(run, FRECHET_KEY)),
      ...evalKeys.map((key) => evalCell(run, key)),
      speed(run.meta?.stepsPerSec),
      ...(dtypes ? [run.meta?.precision ?? '?'] : []),
      ...(kernels ? [kernels[i]] : []),
      ...list.params.map((key) => {
        const text = formatValue(run.params[key]);
        return Object.hasOwn(run.params, key) ? text : { text, tone: 'muted' as const };
      }),
    ]),
  };
}

/**
 * The list's kernels column: what computed each run, as the native variant (`avx512`, `avx2`,
 * `baseline`) or the backend (`reference`; `native` for a run from before runs named their
 * variant), with the compiler when the runs' compilers differ, and `from step N` when a resume
 * changed them (see meta.json's kernelHistory); null (no column) when every run shows the same.
 *
 * ```ts
 * kernelLabels(runs); // ['avx512', 'avx2 from step 3000', 'reference']
 * ```
 */
export function kernelLabels(runs: readonly RunRecord[]): string[] | null {
  const compilers = new Set(runs.map((r) => r.meta?.kernels?.compiler).filter((c) => c != null));
  const labels = runs.map((run) => {
    const meta = run.meta;
    if (meta === null) return '?';
    const k = meta.kernels;
    const compiler = compilers.size > 1 && k?.compiler ? ` ${k.compiler}` : '';
    const resumed = meta.kernelHistory.at(-1);
    return `${k?.variant ?? k?.backend ?? meta.backend}${compiler}${resumed ? ` from step ${resumed.toStep}` : ''}`;
  });
  return new Set(labels).size > 1 ? labels : null;
}

/**
 * What the list's kernels column is, for the line under it; null when it is not shown.
 */
export function kernelsLegend(shown: boolean): string | null {
  return shown
    ? 'kernels: what computed each run, the native variant or the backend (native: a run from before runs named the variant); pnpm report diff shows their CPU features, compiler and flags'
    : null;
}

/**
 * The line under a table with a D cost (printed) column or row, saying what that is (its name
 * alone could be read as the loss D descends); null when `shown` is false.
 *
 * ```
 * D cost (printed): -log D(x) + log(1 - D(G(z))), the D cost the article's code prints (D loss is what D descends)
 * ```
 */
export function printedCostLegend(shown: boolean): string | null {
  const { name, description } = METRIC_LABELS.dCostPrinted;
  return shown ? `${name}: ${description}` : null;
}

/**
 * What a window mean is, for the line under a table (`grouped`: then summarised over each group);
 * null without a window.
 */
export function windowLegend(window: number, grouped: boolean): string | null {
  if (window <= 0) return null;
  return (
    `(mean of last ${window} steps): each run's mean over its metrics rows with step > its last step - ${window}` +
    (grouped ? ', then summarised over the group' : '')
  );
}

/** `A`, `B`, ... `Z`, then `R27`, `R28`, ...: the short names of the runs in a diff. */
export function runLetter(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : `R${i + 1}`;
}

/** Which letter is which run: letter, config, run id, status, step/total. */
export function diffRunsTable(diff: RunDiff): Table {
  return {
    columns: [
      { header: '' },
      { header: 'config' },
      { header: 'run' },
      { header: 'status' },
      { header: 'step', align: 'right' },
    ],
    rows: diff.runs.map((run, i) => [runLetter(i), run.name, run.runId, statusCell(run), stepText(run)]),
  };
}

/** Config keys that differ: `key  old → new` for two runs, one column per run for more. */
export function diffConfigTable(diff: RunDiff): Table {
  return configDiffTable(diff.config, diff.runs.length, showValue);
}

const showValue = (v: unknown): Cell | string =>
  v === undefined ? { text: '-', tone: 'muted' } : formatValue(v);

/**
 * The kernel fields that differ (see `kernelFields`), as config keys are shown, the long ones
 * shortened to what differs ({@link kernelValueShown}).
 */
export function diffKernelsTable(diff: RunDiff): Table {
  const shown = diff.kernels.map((c) => ({
    key: c.key,
    values: c.values.map(kernelValueShown(c.key, c.values)),
  }));
  return widenKernelColumns(configDiffTable(shown, diff.runs.length, showValue, 'kernels'));
}

/**
 * How a kernel field's value is shown among `all` the values compared: of `cpuFeatures`, the
 * features not every one has (after the count of those all share), of `flags`, the flags not
 * every one has (after `…`); other fields as they are. The JSON has them whole.
 *
 * ```ts
 * kernelValueShown('flags', ['-O3 -march=x86-64-v4', '-O3 -march=x86-64-v3'])('-O3 -march=x86-64-v4'); // '… -march=x86-64-v4'
 * ```
 */
export function kernelValueShown(key: string, all: readonly unknown[]): (value: unknown) => unknown {
  if (key !== 'cpuFeatures' && key !== 'flags') return (v) => v;
  const items = (v: unknown): string[] | null =>
    Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? v.split(' ') : null;
  const present = all.map(items).filter((l) => l !== null);
  // Against nothing (the other runs did not record it), a value is shown whole.
  const shared = new Set(
    present.length < 2 ? [] : present[0].filter((x) => present.every((l) => l.includes(x))),
  );
  return (v) => {
    const list = items(v);
    if (list === null) return v;
    const own = list.filter((x) => !shared.has(x));
    if (key === 'flags') return `${shared.size > 0 ? '… ' : ''}${own.join(' ')}`.trim();
    if (list.length === 0) return 'none';
    return `${shared.size > 0 ? `${shared.size} shared${own.length > 0 ? ' + ' : ''}` : ''}${own.join(',')}`;
  };
}

/** Kernel cells wider than config values: features or flags cut short would hide what differs. */
export function widenKernelColumns(table: Table): Table {
  return { ...table, columns: table.columns.map((c, i) => (i === 0 ? c : { ...c, maxWidth: KERNEL_WIDTH })) };
}

/** The widest a kernels cell is shown in text (AVX-512's six features past those shared: 66). */
const KERNEL_WIDTH = 80;

/**
 * The config keys that differ between `count` runs or groups, each one's values as `show` writes
 * them: `key  A → B` for two, one lettered column each for more. `header` names the keys' column.
 */
export function configDiffTable<V>(
  config: readonly { key: string; values: readonly V[] }[],
  count: number,
  show: (v: V) => Cell | string,
  header = 'config key',
): Table {
  if (count === 2) {
    return {
      columns: [{ header, maxWidth: 64 }, { header: 'A', align: 'right' }, { header: '' }, { header: 'B' }],
      rows: config.map((c) => [c.key, show(c.values[0]), { text: '→', tone: 'muted' }, show(c.values[1])]),
    };
  }
  return {
    columns: [
      { header, maxWidth: 64 },
      ...Array.from({ length: count }, (_, i) => ({ header: runLetter(i) })),
    ],
    rows: config.map((c) => [c.key, ...c.values.map(show)]),
  };
}

/**
 * The metrics side by side: `metric  A  B  Δ  Δ%`, and a value, Δ and Δ% column for each further
 * run.
 */
export function diffMetricsTable(diff: RunDiff): Table {
  const columns: Table['columns'] = [{ header: 'metric' }, { header: 'A', align: 'right' }];
  for (let i = 1; i < diff.runs.length; i++) {
    const suffix = diff.runs.length > 2 ? ` ${runLetter(i)}` : '';
    columns.push(
      { header: runLetter(i), align: 'right' },
      { header: `Δ${suffix}`, align: 'right' },
      { header: `Δ%${suffix}`, align: 'right' },
    );
  }
  const rows = diff.metrics.map((m) => {
    const row: (Cell | string)[] = [m.label, num(m.values[0])];
    for (let i = 1; i < m.values.length; i++) {
      const d = m.deltas[i];
      row.push(
        num(m.values[i]),
        d
          ? { text: formatSigned(d.abs), tone: Number.isNaN(d.abs) ? 'bad' : undefined }
          : { text: '-', tone: 'muted' },
        d ? formatPercent(d.pct) : { text: '-', tone: 'muted' },
      );
    }
    return row;
  });
  return { columns, rows };
}

// ---------------------------------------------------------------------------------------------
// JSON

/**
 * The version of the JSON documents `--json` prints; bumped when a field changes meaning. 2: `dLoss`
 * is always the loss D descends, the article's printed cost is `dCostPrinted` (no `dLossKind`).
 */
export const JSON_FORMAT_VERSION = 2;

/**
 * One run in `--json` output.
 *
 * ```json
 * { "name": "smoke", "folder": "smoke", "runId": "20261126-153019-8ca9",
 *   "path": "/home/me/gan/experiments/smoke/20261126-153019-8ca9", "status": "completed", "stale": false,
 *   "step": 300, "totalSteps": 300, "startedAt": "2026-11-26T15:30:19.104Z", "endedAt": "2026-11-26T15:30:20.3Z",
 *   "seed": 0, "precision": "float32", "backend": "native",
 *   "kernels": { "backend": "native", "variant": "avx2", "simd": "avx2", "cpuFeatures": ["cx16", ...],
 *     "compiler": "g++ 12.2.0", "flags": "-std=c++17 -O3 ..." }, "kernelHistory": [],
 *   "stepsPerSec": 280.1, "divergedAt": null, "error": null,
 *   "final": { "step": 300, "dLoss": 1.4224, "gLoss": 0.6423, "dReal": 0.549, "dFake": 0.547, ... },
 *   "eval": { "step": 300, "modesCovered": 7, "frechetDistance": 0.31 },
 *   "params": { "optim.generator.lr": 0.001 }, "notes": [] }
 * ```
 */
export interface RunJson {
  name: string;
  folder: string;
  runId: string;
  /** Absolute path of the run folder. */
  path: string;
  /**
   * The meta's status; `crashed` for a `running` run whose process is gone from this machine;
   * `unreadable`. A stale `running` run (another machine's, silent) has `stale: true`.
   */
  status: string;
  stale: boolean;
  /** meta.step (null when meta.json is unreadable). */
  step: number | null;
  totalSteps: number | null;
  startedAt: string | null;
  endedAt: string | null;
  seed: number | null;
  /** The networks' dtype (meta.precision): float32 or float64; null when meta.json is unreadable. */
  precision: string | null;
  /** The backend's name (meta.backend); null when meta.json is unreadable. */
  backend: string | null;
  /**
   * What computed the run (meta.kernels: backend, variant, CPU features, compiler, flags); null
   * when meta.json is unreadable or the run is older than the record.
   */
  kernels: RunKernels | null;
  /** Earlier kernels of a run resumed on other ones, with the steps each computed (meta.kernelHistory). */
  kernelHistory: KernelSpan[];
  stepsPerSec: number | null;
  divergedAt: number | null;
  error: string | null;
  /**
   * The last metrics.jsonl row (all its fields), or null. Its columns mean what they mean today:
   * `dLoss` is the loss D descends, `dCostPrinted` the cost the article's code prints, only in
   * runs that log it (a run of the article's configs recorded before that column existed has its
   * printed cost as `dCostPrinted` here, and no `dLoss`).
   */
  final: Record<string, unknown> | null;
  /** meta.latestEval as written, or null (all of it, whatever `evalColumns` the list shows). */
  eval: Record<string, unknown> | null;
  /**
   * The shown config keys (list: the varying ones, every one, or those of `--params`; diff: the
   * differing ones) and their values; a key the run lacks is left out.
   */
  params: Record<string, unknown>;
  notes: string[];
  /**
   * With `--window`: the means over the run's last `steps` steps of metrics.jsonl (`rows` rows,
   * steps `fromStep`..`toStep`), for every numeric field. Absent without a window.
   *
   * ```json
   * { "steps": 1000, "fromStep": 19010, "toStep": 20000, "rows": 100, "mean": { "dLoss": 1.37, "dFake": 0.48, ... } }
   * ```
   */
  window?: RunWindow;
}

export function runJson(run: RunRecord, keys: readonly string[]): RunJson {
  const meta = run.meta;
  return {
    name: run.name,
    folder: run.folder,
    runId: run.runId,
    path: resolve(run.runDir),
    status: run.status,
    stale: run.stale,
    step: meta?.step ?? null,
    totalSteps: meta?.totalSteps ?? null,
    startedAt: meta?.startedAt ?? null,
    endedAt: meta?.endedAt ?? null,
    seed: meta?.seed ?? null,
    precision: meta?.precision ?? null,
    backend: meta?.backend ?? null,
    kernels: meta?.kernels ?? null,
    kernelHistory: meta?.kernelHistory ?? [],
    stepsPerSec: meta?.stepsPerSec ?? null,
    divergedAt: meta?.divergedAt ?? null,
    error: meta?.error ?? null,
    final: run.last,
    eval: meta?.latestEval ?? null,
    params: Object.fromEntries(
      keys.filter((k) => Object.hasOwn(run.params, k)).map((k) => [k, run.params[k]]),
    ),
    notes: run.notes,
    ...(run.window ? { window: run.window } : {}),
  };
}

/**
 * `pnpm report --json`. `params` are the shown config keys (the varying ones, or those of
 * `--params`), `evalColumns` the keys of `--eval` (empty without it; the values are in each run's
 * `eval`). With `--window`, `"window": 1000` follows `evalColumns` and each run has its `window`:
 *
 * ```json
 * { "format": "gan-report/list", "version": 2, "experimentsDir": "/home/me/gan/experiments",
 *   "params": ["optim.generator.lr", "seed"], "evalColumns": ["inceptionScore", "display.modesCovered"],
 *   "runs": [RunJson, ...], "skipped": [{ "path": "experiments/x/y", "reason": "not a run (no meta.json)" }] }
 * ```
 */
export function listJson(list: RunList) {
  return {
    format: 'gan-report/list',
    version: JSON_FORMAT_VERSION,
    experimentsDir: resolve(list.experimentsDir),
    params: list.params,
    evalColumns: list.evalColumns,
    ...(list.window > 0 ? { window: list.window } : {}),
    runs: list.runs.map((r) => runJson(r, list.params)),
    skipped: list.skipped,
  };
}

/**
 * `pnpm report diff --json`; `values` and `deltas` have one entry per run, in the order given,
 * and deltas are relative to the first run (its own delta is null):
 *
 * ```json
 * { "format": "gan-report/diff", "version": 2, "runs": [RunJson, RunJson],
 *   "config": [{ "key": "optim.generator.lr", "values": [0.001, 0.002] }],
 *   "kernels": [{ "key": "variant", "values": ["avx512", "avx2"] }, { "key": "cpuFeatures", "values": [[...], [...]] }],
 *   "metrics": [{ "key": "dLoss", "label": "D loss", "values": [1.42, 1.62],
 *                 "deltas": [null, { "abs": 0.2, "pct": 14.1 }] }] }
 * ```
 *
 * When some run logs the article's printed D cost, a `dCostPrinted` metric (label
 * `D cost (printed)`) follows `dLoss`; a run without a value has null there, and no delta.
 */
export function diffJson(diff: RunDiff) {
  const keys = diff.config.map((c) => c.key);
  return {
    format: 'gan-report/diff',
    version: JSON_FORMAT_VERSION,
    ...(diff.window > 0 ? { window: diff.window } : {}),
    runs: diff.runs.map((r) => runJson(r, keys)),
    config: diff.config.map(nullForMissing),
    kernels: diff.kernels.map(nullForMissing),
    metrics: diff.metrics,
  };
}

/** A key's values with null where a run lacks it (JSON has no `undefined`). */
function nullForMissing(c: { key: string; values: readonly unknown[] }) {
  return { key: c.key, values: c.values.map((v) => (v === undefined ? null : v)) };
}

/**
 * JSON text with 2-space indent. NaN and ±Infinity (a diverged run's losses) have no JSON form:
 * they are written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`, as in metrics.jsonl.
 */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

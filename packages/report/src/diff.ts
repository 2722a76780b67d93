/**
 * `pnpm report diff A B [...]`: the config keys that differ, the kernels that computed the runs
 * where they differ, and the final metrics side by side with their change relative to the first
 * run.
 */
import { listRunDirs, METRIC_LABELS, type RunMeta } from '@gan/runs';
import { resolveRunRefs } from './refs.ts';
import {
  FINAL_METRICS,
  finalValue,
  type LoadRunOptions,
  loadRun,
  type RunRecord,
  showsPrintedCost,
  windowSuffix,
} from './runs.ts';
import { allKeys, differingKeys, type FlatParams, numberOrNull } from './values.ts';

/** One config key and its value in each run (`undefined` where a run lacks the key). */
export interface ConfigChange {
  key: string;
  values: unknown[];
}

/** The change of a metric relative to the first run. */
export interface Delta {
  /** `value - first`. */
  abs: number;
  /** `(value - first) / |first| * 100`; null when the first is 0 or not finite. */
  pct: number | null;
}

/** One metric in every run, with deltas (the first run's delta is null, as is any missing value's). */
export interface MetricComparison {
  key: string;
  label: string;
  values: (number | null)[];
  deltas: (Delta | null)[];
}

/** The result of {@link diffRuns} / {@link compareRuns}. */
export interface RunDiff {
  runs: RunRecord[];
  /** Config keys that differ between the runs (every key with `allParams`), in config order. */
  config: ConfigChange[];
  /**
   * What computed the runs ({@link kernelFields}: backend, variant, CPU features, compiler, flags,
   * earlier kernels of a resumed run) where it differs (every field with `allParams`).
   */
  kernels: ConfigChange[];
  metrics: MetricComparison[];
  /** Final values are means over each run's last `window` steps (0: the last row). */
  window: number;
}

/** A metric compared by `diff`: how to read it from a run. */
export interface MetricDef {
  key: string;
  label: string;
  value: (run: RunRecord) => number | null;
}

/**
 * The metrics `diff` compares, in order, named as every view names them (`METRIC_LABELS`);
 * evaluation results follow. D loss, D cost (printed), G loss, D(x) and D(G(z)) are the last
 * row's, or the means over the last steps when the runs were read with a window (see
 * `finalValue`). D cost (printed) is compared only when some run has it (see {@link diffMetrics}).
 */
export const DIFF_METRICS: readonly MetricDef[] = [
  { key: 'step', label: 'steps', value: (r) => r.meta?.step ?? r.last?.step ?? null },
  ...FINAL_METRICS.map((key) => ({
    key,
    label: METRIC_LABELS[key].name,
    value: (r: RunRecord) => finalValue(r, key),
  })),
  { key: 'stepsPerSec', label: 'steps/s', value: (r) => r.meta?.stepsPerSec ?? null },
];

/** The metrics whose label says `(mean of last N steps)` when there is a window. */
export const WINDOWED_KEYS: ReadonlySet<string> = new Set(FINAL_METRICS);

/**
 * The metrics compared for `runs`: {@link DIFF_METRICS}, less D cost (printed) when none of them
 * logs the article's printed cost, then the results of their latest evaluations.
 *
 * ```ts
 * diffMetrics(runs).map((m) => m.key); // ['step', 'dLoss', 'gLoss', 'dReal', 'dFake', 'stepsPerSec', 'eval.modesCovered']
 * ```
 */
export function diffMetrics(runs: readonly RunRecord[]): MetricDef[] {
  const printed = showsPrintedCost(runs);
  return [...DIFF_METRICS.filter((m) => m.key !== 'dCostPrinted' || printed), ...evalMetrics(runs)];
}

/** The numeric results of each run's latest evaluation, as metrics `eval.<key>`. */
export function evalMetrics(runs: readonly RunRecord[]): MetricDef[] {
  const keys = new Set<string>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(run.meta?.latestEval ?? {})) {
      if (key !== 'step' && typeof value === 'number') keys.add(key);
    }
  }
  return [...keys].map((key) => ({
    key: `eval.${key}`,
    label: `eval ${key}`,
    value: (r) => numberOrNull(r.meta?.latestEval?.[key]),
  }));
}

/**
 * What computed a run, as fields `diff` compares like config keys: `backend` (also in runs from
 * before meta.json named their kernels), then, when recorded, `variant`, `simd`, `cpuFeatures`,
 * `compiler`, `flags`, `bits` (see @gan/runs `RunKernels`), and for a run resumed on other kernels,
 * `earlier`: which kernels computed which of its earlier steps. None when meta.json is unreadable.
 *
 * ```ts
 * kernelFields(meta); // { backend: 'native', variant: 'avx2', simd: 'avx2', cpuFeatures: ['cx16', ...], compiler: 'g++ 12.2.0', flags: '-std=c++17 ...' }
 * ```
 */
export function kernelFields(meta: RunMeta | null): FlatParams {
  if (meta === null) return {};
  const k = meta.kernels;
  const fields: FlatParams = { backend: k?.backend ?? meta.backend };
  if (k !== null) {
    Object.assign(fields, {
      variant: k.variant,
      simd: k.simd,
      cpuFeatures: k.cpuFeatures,
      compiler: k.compiler,
      flags: k.flags,
      // Equal bits: the two computed the same numbers from the same inputs, whatever differs above.
      bits: k.bits,
    });
  }
  if (meta.kernelHistory.length > 0) {
    fields.earlier = meta.kernelHistory.map((s) => {
      const what = s.kernels === null ? 'unrecorded' : (s.kernels.variant ?? s.kernels.backend);
      const compiler = s.kernels?.compiler ? ` ${s.kernels.compiler}` : '';
      return `steps ${s.fromStep}-${s.toStep}: ${what}${compiler}`;
    });
  }
  return fields;
}

/** `value` relative to `base`; null if either is missing. */
export function delta(base: number | null, value: number | null): Delta | null {
  if (base === null || value === null) return null;
  const abs = value - base;
  return { abs, pct: base !== 0 && Number.isFinite(base) ? (abs / Math.abs(base)) * 100 : null };
}

export interface CompareOptions {
  /** Every config key, not only those that differ. */
  allParams?: boolean;
  /** The window the runs were read with (labels say `(mean of last N steps)`); 0 or absent: none. */
  window?: number;
}

/** Compares runs already read (the first is the base of the deltas). */
export function compareRuns(runs: RunRecord[], options: CompareOptions = {}): RunDiff {
  const flat = runs.map((r) => r.params);
  // A run whose config.yaml cannot be read has no keys; it must not make every key "differ".
  const readable = flat.filter((p) => Object.keys(p).length > 0);
  const keys = options.allParams ? allKeys(readable) : differingKeys(readable);
  const config = changes(flat, keys);
  // As with configs, a run whose meta.json cannot be read has no fields and makes none differ.
  const fields = runs.map((r) => kernelFields(r.meta));
  const recorded = fields.filter((f) => Object.keys(f).length > 0);
  const kernelKeys = options.allParams ? allKeys(recorded) : differingKeys(recorded);
  const suffix = windowSuffix(options.window);
  const metrics = diffMetrics(runs).map((m): MetricComparison => {
    const values = runs.map(m.value);
    return {
      key: m.key,
      label: WINDOWED_KEYS.has(m.key) ? `${m.label}${suffix}` : m.label,
      values,
      deltas: values.map((v, i) => (i === 0 ? null : delta(values[0], v))),
    };
  });
  return {
    runs,
    config,
    kernels: changes(fields, kernelKeys),
    metrics,
    window: options.window ?? 0,
  };
}

/** Each of `keys` with its value in each of `flat` (`undefined` where one lacks it). */
function changes(flat: readonly FlatParams[], keys: readonly string[]): ConfigChange[] {
  return keys.map((key) => ({
    key,
    values: flat.map((p) => (Object.hasOwn(p, key) ? p[key] : undefined)),
  }));
}

export interface DiffOptions extends CompareOptions, LoadRunOptions {
  /** Where relative folder references are resolved (default `process.cwd()`). */
  cwd?: string;
}

/**
 * Resolves run references (see `refs.ts`), reads the runs and compares them.
 *
 * ```ts
 * const d = await diffRuns('experiments', ['decay@1', 'decay@latest']);
 * d.config;    // [{ key: 'optim.generator.lr', values: [0.001, 0.002] }]
 * d.metrics[1]; // { key: 'dLoss', label: 'D loss', values: [1.42, 1.62], deltas: [null, { abs: 0.2, pct: 14 }] }
 * ```
 */
export async function diffRuns(experimentsDir: string, refs: readonly string[], options: DiffOptions = {}) {
  const { runs: entries } = await listRunDirs(experimentsDir);
  const resolved = await resolveRunRefs(refs, entries, options.cwd);
  const runs = await Promise.all(resolved.map((e) => loadRun(e, options)));
  return compareRuns(runs, options);
}

/**
 * What a sweep says, from a sweep file (`configs/sweeps/*.yaml`) or from the command line
 * (`pnpm exp configs/failed-1.yaml seed=1,2,3 loss.discriminator=standard,flipped --multirun`),
 * checked with every problem located at its file, line and key, like configs are.
 *
 * A sweep file:
 *
 * ```yaml
 * name: article                         # default: the file name
 * description: every article config, 3 seeds each
 * configs: [../decay.yaml, ../ablations/*.yaml]   # relative to this file; * matches in the last part
 * seeds: [1, 2, 3]                      # one member per seed (or `range(1, 4)`)
 * set: { log.printEvery: 5000 }         # the same value for every member
 * grid:                                 # the product of these lists
 *   loss.discriminator: [standard, flipped]
 * random:                               # `count` draws from a seeded stream (`seed`)
 *   count: 24
 *   seed: 0
 *   params:
 *     optim.generator.lr: { logUniform: [1.0e-5, 1.0e-3] }
 *     model.generator.leakySlope: { uniform: [0.0, 0.3] }
 *     data.batchSize: { choice: [32, 64, 128] }
 *     train.dSteps: { intUniform: [1, 2] }
 * search:                               # successive halving over the members above
 *   metric: eval.frechetDistance        # eval.<key of the evaluation>, or a final metric (dLoss, ...)
 *   goal: minimize
 *   stages:
 *     - { steps: 2000 }                 # every member, 2,000 steps
 *     - { steps: 6000, keep: 8 }        # the best 8 continue to 6,000 steps
 *     - { steps: 20000, keep: 3, seeds: [1, 2, 3] }   # the best 3, fresh, at full length, 3 seeds each
 * ```
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  didYouMean,
  displayPath,
  formatPath,
  type Loc,
  locate,
  NAME_PATTERN,
  parseOverride,
  parseYamlSource,
  showValue,
  type Source,
} from '@gan/training';

/** A value and where it was said. */
export interface Located<T> {
  value: T;
  loc: Loc;
}

/** A key swept over a list of values (the product of the grid's axes is taken). */
export interface GridAxis {
  /** Dotted key, e.g. `optim.generator.lr`. */
  key: string;
  /** Where the key is written. */
  loc: Loc;
  values: Located<unknown>[];
}

export type Distribution =
  | { kind: 'choice'; values: unknown[] }
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'logUniform'; lo: number; hi: number }
  | { kind: 'intUniform'; lo: number; hi: number };

export const DISTRIBUTIONS = ['choice', 'uniform', 'logUniform', 'intUniform'] as const;

export interface RandomParam {
  key: string;
  distribution: Distribution;
  loc: Loc;
}

export interface SearchStage {
  steps: number;
  /** How many of the previous stage's best go on (all of them in the first stage). */
  keep: number | null;
  /** Fresh runs of the survivors, one per seed, instead of continuing their runs. */
  seeds: number[] | null;
  loc: Loc;
}

export interface SearchSpec {
  /** `eval.<key>` or a final metric (`dLoss`, `dCostPrinted`, `gLoss`, `dReal`, `dFake`). */
  metric: string;
  goal: 'minimize' | 'maximize';
  stages: SearchStage[];
}

/** A sweep, checked but not expanded (see expand.ts). */
export interface SweepSpec {
  name: string;
  description: string;
  /** The sweep file's display path, or `command line`. */
  source: string;
  /** The sweep file's text, or the command line as YAML: kept in the sweep folder. */
  text: string;
  /** Base configs, absolute paths, in order. */
  configs: Located<string>[];
  /** Fixed values for every member. */
  set: GridAxis[];
  grid: GridAxis[];
  random: { count: number; seed: number; params: RandomParam[] } | null;
  search: SearchSpec | null;
  /** `key=value` overrides from the command line, applied to every member last. */
  overrides: string[];
}

const TOP_KEYS = ['name', 'description', 'configs', 'seeds', 'set', 'grid', 'random', 'search'];
const RANDOM_KEYS = ['count', 'seed', 'params'];
const SEARCH_KEYS = ['metric', 'goal', 'stages'];
const STAGE_KEYS = ['steps', 'keep', 'seeds'];

const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown, min: number): v is number => Number.isSafeInteger(v) && (v as number) >= min;

/** Collects located issues while a sweep is checked. */
class Issues {
  readonly list: ConfigIssue[] = [];
  constructor(private readonly source: Source) {}
  at(p: PropertyKey[], message: string, kind: 'key' | 'value' = 'value'): void {
    this.list.push({ ...locate(this.source, p, kind), path: formatPath(p), message });
  }
  loc(p: PropertyKey[], kind: 'key' | 'value' = 'value'): Loc {
    return locate(this.source, p, kind);
  }
  unknownKeys(value: Record<string, unknown>, p: PropertyKey[], valid: readonly string[]): void {
    for (const k of Object.keys(value))
      if (!valid.includes(k)) this.at([...p, k], `unknown key${didYouMean(k, valid)}`, 'key');
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ConfigError(this.list);
  }
}

/**
 * Reads and checks a sweep file. Problems are thrown together as one `ConfigError`, each located,
 * e.g. `configs/sweeps/x.yaml:7:5: random.params.optim.generator.lr: expected one of ...`.
 * Keys and values of the configs themselves are checked when the members are expanded.
 */
export function loadSweepFile(file: string, overrides: string[] = []): SweepSpec {
  const abs = path.resolve(file);
  const shown = displayPath(abs);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([
      {
        file: shown,
        line: null,
        column: null,
        path: '',
        message: code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`,
      },
    ]);
  }
  const source = parseYamlSource(text, shown);
  const issues = new Issues(source);
  const top = source.value ?? {};
  if (!isMapping(top)) {
    issues.at([], `expected a mapping of sweep keys (${TOP_KEYS.join(', ')}), got ${showValue(top)}`);
    issues.throwIfAny();
  }
  const doc = top as Record<string, unknown>;
  issues.unknownKeys(doc, [], TOP_KEYS);

  const name = doc.name ?? path.basename(abs).replace(/\.ya?ml$/i, '');
  if (typeof name !== 'string' || !NAME_PATTERN.test(name))
    issues.at(['name'], `expected a name of letters, digits, ".", "_" and "-", got ${showValue(name)}`);
  const description = doc.description ?? '';
  if (typeof description !== 'string')
    issues.at(['description'], `expected a string, got ${showValue(description)}`);

  const configs: Located<string>[] = [];
  const list = typeof doc.configs === 'string' ? [doc.configs] : doc.configs;
  if (!Array.isArray(list) || list.length === 0) {
    issues.at(
      ['configs'],
      `${doc.configs === undefined ? 'missing: ' : ''}expected a non-empty list of config files, relative to this file${doc.configs === undefined ? '' : `, got ${showValue(doc.configs)}`}`,
    );
  } else {
    list.forEach((entry, i) => {
      const p = typeof doc.configs === 'string' ? ['configs'] : ['configs', i];
      if (typeof entry !== 'string' || entry.trim() === '') {
        issues.at(p, `expected the path of a config file, got ${showValue(entry)}`);
        return;
      }
      const files = expandPattern(path.resolve(path.dirname(abs), entry));
      if (files.length === 0) issues.at(p, `no config file matches ${entry}`);
      for (const f of files) configs.push({ value: f, loc: issues.loc(p) });
    });
  }

  const set = mappingAxes(doc.set, ['set'], issues, false);
  const grid = mappingAxes(doc.grid, ['grid'], issues, true);
  if (doc.seeds !== undefined) {
    const values = seedList(doc.seeds, ['seeds'], issues);
    if (values !== null) grid.unshift({ key: 'seed', loc: issues.loc(['seeds'], 'key'), values });
  }
  const random = doc.random === undefined ? null : randomSpec(doc.random, issues);
  const search = doc.search === undefined ? null : searchSpec(doc.search, issues);
  const keys = [...set, ...grid].map((a) => a.key).concat(random?.params.map((p) => p.key) ?? []);
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) issues.at([], `${k} is given more than once (in set, grid, seeds or random)`);
    seen.add(k);
  }
  issues.throwIfAny();
  return {
    name: name as string,
    description: description as string,
    source: shown,
    text,
    configs,
    set,
    grid,
    random,
    search,
    overrides,
  };
}

/** The axes of a `set` or `grid` mapping (`key: value` or `key: [values]`). */
function mappingAxes(value: unknown, p: string[], issues: Issues, lists: boolean): GridAxis[] {
  if (value === undefined) return [];
  if (!isMapping(value)) {
    issues.at(
      p,
      `expected a mapping of config keys to ${lists ? 'lists of values' : 'values'}, got ${showValue(value)}`,
    );
    return [];
  }
  const axes: GridAxis[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (!/^[A-Za-z][\w.]*$/.test(key) || key.split('.').some((s) => s === '')) {
      issues.at([...p, key], 'expected a dotted config key such as optim.generator.lr', 'key');
      continue;
    }
    if (lists && key.split('.')[0] === 'name') {
      issues.at([...p, key], "a member keeps its config's name (runs go to experiments/<name>/)", 'key');
      continue;
    }
    if (!lists) {
      axes.push({
        key,
        loc: issues.loc([...p, key], 'key'),
        values: [{ value: v, loc: issues.loc([...p, key]) }],
      });
      continue;
    }
    const range = typeof v === 'string' ? parseRange(v) : null;
    if (range !== null) {
      if (typeof range === 'string') issues.at([...p, key], range);
      else
        axes.push({
          key,
          loc: issues.loc([...p, key], 'key'),
          values: range.map((x) => ({ value: x, loc: issues.loc([...p, key]) })),
        });
      continue;
    }
    if (!Array.isArray(v) || v.length === 0) {
      issues.at([...p, key], `expected a non-empty list of values (or range(a, b)), got ${showValue(v)}`);
      continue;
    }
    axes.push({
      key,
      loc: issues.loc([...p, key], 'key'),
      values: v.map((x, i) => ({ value: x, loc: issues.loc([...p, key, i]) })),
    });
  }
  return axes;
}

function seedList(value: unknown, p: PropertyKey[], issues: Issues): Located<unknown>[] | null {
  const range = typeof value === 'string' ? parseRange(value) : null;
  if (Array.isArray(range)) return range.map((x) => ({ value: x, loc: issues.loc(p) }));
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => isInt(s, 0))) {
    issues.at(p, `expected a non-empty list of integers >= 0 (or range(a, b)), got ${showValue(value)}`);
    return null;
  }
  if (new Set(value).size !== value.length) issues.at(p, `a seed is listed twice: ${showValue(value)}`);
  return value.map((x, i) => ({ value: x, loc: issues.loc([...p, i]) }));
}

function randomSpec(value: unknown, issues: Issues): SweepSpec['random'] {
  const p = ['random'];
  if (!isMapping(value)) {
    issues.at(p, `expected a mapping with count, seed and params, got ${showValue(value)}`);
    return null;
  }
  issues.unknownKeys(value, p, RANDOM_KEYS);
  const count = value.count;
  if (!isInt(count, 1))
    issues.at(
      [...p, 'count'],
      `${count === undefined ? 'missing: ' : ''}expected an integer >= 1 (how many draws)${count === undefined ? '' : `, got ${showValue(count)}`}`,
    );
  const seed = value.seed ?? 0;
  if (!isInt(seed, 0)) issues.at([...p, 'seed'], `expected an integer >= 0, got ${showValue(seed)}`);
  const params: RandomParam[] = [];
  if (!isMapping(value.params) || Object.keys(value.params).length === 0) {
    issues.at(
      [...p, 'params'],
      `expected a mapping of config keys to distributions, got ${showValue(value.params)}`,
    );
  } else {
    for (const [key, d] of Object.entries(value.params)) {
      const dp = [...p, 'params', key];
      const distribution = parseDistribution(d, dp, issues);
      if (distribution !== null) params.push({ key, distribution, loc: issues.loc(dp) });
    }
  }
  return { count: count as number, seed: seed as number, params };
}

const DISTRIBUTION_HELP =
  'expected one of { choice: [values] }, { uniform: [lo, hi] }, { logUniform: [lo, hi] } (lo > 0), { intUniform: [lo, hi] } (both included)';

function parseDistribution(d: unknown, p: PropertyKey[], issues: Issues): Distribution | null {
  if (!isMapping(d) || Object.keys(d).length !== 1) {
    issues.at(p, `${DISTRIBUTION_HELP}, got ${showValue(d)}`);
    return null;
  }
  const [kind, arg] = Object.entries(d)[0];
  if (!(DISTRIBUTIONS as readonly string[]).includes(kind)) {
    issues.at(
      [...p, kind],
      `unknown distribution${didYouMean(kind, DISTRIBUTIONS)}: ${DISTRIBUTION_HELP}`,
      'key',
    );
    return null;
  }
  if (kind === 'choice') {
    if (!Array.isArray(arg) || arg.length === 0) {
      issues.at([...p, kind], `expected a non-empty list of values, got ${showValue(arg)}`);
      return null;
    }
    return { kind, values: arg };
  }
  const pair =
    Array.isArray(arg) && arg.length === 2 && arg.every((x) => typeof x === 'number' && Number.isFinite(x));
  const [lo, hi] = pair ? (arg as number[]) : [Number.NaN, Number.NaN];
  const problem = !pair
    ? 'expected [lo, hi], two numbers'
    : !(lo < hi) && !(kind === 'intUniform' && lo === hi)
      ? `expected lo < hi, got [${lo}, ${hi}]`
      : kind === 'logUniform' && lo <= 0
        ? `expected lo > 0 (a log scale), got ${lo}`
        : kind === 'intUniform' && !(Number.isSafeInteger(lo) && Number.isSafeInteger(hi))
          ? `expected two integers, got [${lo}, ${hi}]`
          : null;
  if (problem !== null) {
    issues.at([...p, kind], `${problem}${pair ? '' : `, got ${showValue(arg)}`}`);
    return null;
  }
  return { kind: kind as 'uniform' | 'logUniform' | 'intUniform', lo, hi };
}

function searchSpec(value: unknown, issues: Issues): SearchSpec | null {
  const p = ['search'];
  if (!isMapping(value)) {
    issues.at(p, `expected a mapping with metric, goal and stages, got ${showValue(value)}`);
    return null;
  }
  issues.unknownKeys(value, p, SEARCH_KEYS);
  const metric = value.metric;
  if (typeof metric !== 'string' || metric.trim() === '')
    issues.at(
      [...p, 'metric'],
      `${metric === undefined ? 'missing: ' : ''}expected eval.<evaluation key> (eval.frechetDistance) or a final metric (dLoss, dCostPrinted, gLoss, dReal, dFake)`,
    );
  const goal = value.goal ?? 'minimize';
  if (goal !== 'minimize' && goal !== 'maximize')
    issues.at(
      [...p, 'goal'],
      `expected one of "minimize", "maximize", got ${showValue(goal)}${didYouMean(goal, ['minimize', 'maximize'])}`,
    );
  const stages: SearchStage[] = [];
  if (!Array.isArray(value.stages) || value.stages.length === 0) {
    issues.at(
      [...p, 'stages'],
      `expected a non-empty list of { steps, keep, seeds }, got ${showValue(value.stages)}`,
    );
  } else {
    const list: unknown[] = value.stages;
    list.forEach((s, i) => {
      const sp: PropertyKey[] = [...p, 'stages', i];
      if (!isMapping(s)) {
        issues.at(sp, `expected a mapping { steps, keep, seeds }, got ${showValue(s)}`);
        return;
      }
      issues.unknownKeys(s, sp, STAGE_KEYS);
      if (!isInt(s.steps, 1))
        issues.at(
          [...sp, 'steps'],
          `expected an integer >= 1 (train.steps of the stage), got ${showValue(s.steps)}`,
        );
      const keep = s.keep ?? null;
      if (i === 0 && keep !== null)
        issues.at([...sp, 'keep'], 'the first stage trains every member: keep applies to later stages');
      if (i > 0 && !isInt(keep, 1))
        issues.at(
          [...sp, 'keep'],
          `expected an integer >= 1 (how many of the best go on), got ${showValue(keep)}`,
        );
      const prev = stages[i - 1];
      if (prev && isInt(s.steps, 1) && s.steps <= prev.steps && (s.seeds ?? null) === null)
        issues.at(
          [...sp, 'steps'],
          `expected more than ${prev.steps} steps: a stage without seeds continues the previous stage's runs`,
        );
      if (prev && prev.keep !== null && isInt(keep, 1) && keep > prev.keep)
        issues.at([...sp, 'keep'], `expected at most ${prev.keep} (the previous stage keeps ${prev.keep})`);
      let seeds: number[] | null = null;
      if (s.seeds !== undefined) {
        if (i === 0)
          issues.at([...sp, 'seeds'], 'the first stage takes its seeds from the sweep (seeds: at the top)');
        const list = seedList(s.seeds, [...sp, 'seeds'], issues);
        if (list) seeds = list.map((x) => x.value as number);
      }
      if (i < list.length - 1 && seeds !== null)
        issues.at([...sp, 'seeds'], 'only the last stage may start fresh runs with seeds');
      stages.push({ steps: s.steps as number, keep: keep as number | null, seeds, loc: issues.loc(sp) });
    });
  }
  return { metric: metric as string, goal: goal as SearchSpec['goal'], stages };
}

/**
 * `range(a, b)` or `range(a, b, step)` as Hydra and Python mean it (b excluded): the list, a
 * message when it is malformed, or null when `text` is not a range at all.
 */
export function parseRange(text: string): number[] | string | null {
  const m = /^\s*range\((.*)\)\s*$/.exec(text);
  if (!m) return null;
  const parts = m[1].split(',').map((s) => Number(s.trim()));
  if (parts.length < 1 || parts.length > 3 || parts.some((n) => !Number.isSafeInteger(n)))
    return `expected range(stop), range(start, stop) or range(start, stop, step) with integers, got ${text.trim()}`;
  const [start, stop, step] = parts.length === 1 ? [0, parts[0], 1] : [parts[0], parts[1], parts[2] ?? 1];
  if (step === 0) return `the step of ${text.trim()} is 0`;
  const out: number[] = [];
  for (let x = start; step > 0 ? x < stop : x > stop; x += step) out.push(x);
  if (out.length === 0) return `${text.trim()} is empty`;
  if (out.length > 100_000) return `${text.trim()} has more than 100,000 values`;
  return out;
}

/** `dir/*.yaml`: the files the last part matches (`*` any characters), sorted; a plain path as is. */
export function expandPattern(abs: string): string[] {
  const base = path.basename(abs);
  if (!base.includes('*')) return fs.existsSync(abs) ? [abs] : [];
  const dir = path.dirname(abs);
  const re = new RegExp(
    `^${base
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * Splits a command-line value on the commas that separate sweep values, not those inside
 * brackets, braces or quotes: `[128,256],[256,512]` -> `['[128,256]', '[256,512]']`.
 */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/**
 * A sweep from the command line, as Hydra's `--multirun` reads it: each `key=a,b,c` or
 * `key=range(a,b)` is an axis (the product of them is swept), each `key=value` is set for every
 * member. Values are YAML, as for any override.
 *
 * ```ts
 * cliSweep('configs/failed-1.yaml', ['seed=1,2,3', 'loss.discriminator=standard,flipped']);
 * // 6 members: 3 seeds x 2 losses
 * ```
 */
export function cliSweep(configFile: string, args: readonly string[]): SweepSpec {
  const abs = path.resolve(configFile);
  const set: GridAxis[] = [];
  const grid: GridAxis[] = [];
  const issues: ConfigIssue[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const loc: Loc = { file: `command line: ${arg}`, line: null, column: null };
    if (eq < 0) {
      parseOverride(arg); // throws the usual message
      continue;
    }
    const key = arg.slice(0, eq).trim();
    const text = arg.slice(eq + 1);
    const range = parseRange(text);
    let values: unknown[];
    if (typeof range === 'string') {
      issues.push({ ...loc, path: key, message: range });
      continue;
    } else if (range !== null) values = range;
    else {
      const parts = splitValues(text);
      try {
        values = parts.map((part) => parseOverride(`${key}=${part}`).value);
      } catch (e) {
        if (e instanceof ConfigError) {
          issues.push(...e.issues);
          continue;
        }
        throw e;
      }
    }
    if (key === 'name') {
      issues.push({
        ...loc,
        path: key,
        message: "a member keeps its config's name (runs go to experiments/<name>/)",
      });
      continue;
    }
    const axis = { key, loc, values: values.map((value) => ({ value, loc })) };
    if (values.length > 1) grid.push(axis);
    else set.push(axis);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const name = path.basename(abs).replace(/\.ya?ml$/i, '');
  const text =
    `# pnpm exp ${displayPath(abs)} ${args.join(' ')} --multirun\n` +
    `name: ${name}\nconfigs: [${JSON.stringify(displayPath(abs))}]\n` +
    (set.length > 0
      ? `set:\n${set.map((a) => `  ${a.key}: ${JSON.stringify(a.values[0].value)}`).join('\n')}\n`
      : '') +
    (grid.length > 0
      ? `grid:\n${grid.map((a) => `  ${a.key}: ${JSON.stringify(a.values.map((v) => v.value))}`).join('\n')}\n`
      : '');
  return {
    name,
    description: `pnpm exp ${displayPath(abs)} ${args.join(' ')} --multirun`,
    source: 'command line',
    text,
    configs: [{ value: abs, loc: { file: 'command line', line: null, column: null } }],
    set,
    grid,
    random: null,
    search: null,
    overrides: [],
  };
}

/** `key.path` as the loader's key path. */
export const keyPath = (key: string): string[] => key.split('.');

export const sweepKeys = { TOP_KEYS, RANDOM_KEYS, SEARCH_KEYS, STAGE_KEYS };

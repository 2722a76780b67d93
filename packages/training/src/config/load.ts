/**
 * Loading an experiment config: YAML file -> `extends` chain merged -> command-line overrides
 * applied -> validated against the schema, every problem reported at the file, line and key that
 * caused it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Document, isScalar, isSeq, parseDocument, visit } from 'yaml';
import {
  ConfigError,
  type ConfigIssue,
  displayPath,
  type Loc,
  locate,
  type SourceMap,
  zodIssuesToConfigIssues,
} from './issues.ts';
import { findLegacyNames, migrateLegacyNames } from './legacy.ts';
import { type ExperimentConfig, experimentConfigSchema, NAME_PATTERN } from './schema.ts';
import {
  clonePlain,
  isPlainObject,
  mergeSource,
  parseYamlSource,
  type Source,
  singleValueSource,
} from './source.ts';
import { formatPath, showValue } from './text.ts';

/** The result of `loadConfig`. */
export interface LoadedConfig {
  /** Fully resolved and validated, every default applied. */
  config: ExperimentConfig;
  /** Absolute path of the file that was loaded. */
  file: string;
  /** Absolute paths of the `extends` chain in the order applied: the root base first, `file` last. */
  files: string[];
  /** The command-line overrides applied after the files, as given. */
  overrides: string[];
}

/** A parsed `key.path=value` argument. */
export interface Override {
  /** The argument as given, e.g. `train.steps=500`. */
  arg: string;
  /** Key path, e.g. ['train', 'steps']. */
  path: string[];
  /** The value parsed as YAML: a number, boolean, string, list, mapping or null. */
  value: unknown;
}

/** A value set by a program rather than typed (a sweep's grid or random draw), and where it was said. */
export interface ValueOverride {
  /** Key path, e.g. ['optim', 'generator', 'lr']. */
  path: string[];
  value: unknown;
  /** Where issues about it are reported (a sweep file's line, or the command line). */
  loc: Loc;
  /** Where issues about the key itself (an unknown key) are reported; default `loc`. */
  keyLoc?: Loc;
}

export interface LoadConfigOptions {
  /** Applied after the files and before `overrides`, each located where it was said. */
  values?: readonly ValueOverride[];
  /**
   * The file is a run folder's config.yaml, written by an older version maybe: names that were
   * renamed since are read with the behaviour they had (see `legacy.ts`) instead of refused.
   */
  recordedRun?: boolean;
  /**
   * Further checks of the valid config that the schema cannot make (the machine's memory, say);
   * each problem is reported at the key it names, located like a schema error.
   */
  check?: (config: ExperimentConfig) => readonly ConfigProblem[];
}

/** A problem a {@link LoadConfigOptions.check} found: the key path it is about, and what is wrong. */
export interface ConfigProblem {
  path: readonly (string | number)[];
  message: string;
}

const EXTENDS = 'extends';

/**
 * Loads, merges and validates a config file and command-line overrides.
 *
 * - `extends: ./article-base.yaml` (relative to the file that says it; chains allowed) merges this
 *   file over its base: objects merge key by key, lists and scalars replace.
 * - `overrides` are Hydra-style `key.path=value` arguments applied after the files, the value
 *   parsed as YAML (`train.steps=500`, `model.generator.hidden=[128,256]`, `data.limit=null`).
 * - `name` defaults to `file`'s base name without extension (`configs/decay.yaml` -> `decay`).
 *
 * Throws a `ConfigError` listing every problem, e.g.
 * `configs/decay.yaml:12:5: model.generator.hidden[1]: expected an integer >= 1, got -3`.
 *
 * ```ts
 * const { config } = loadConfig('configs/decay.yaml', ['train.steps=500', 'seed=7']);
 * config.train.steps; // 500
 * ```
 */
export function loadConfig(
  file: string,
  overrides: string[] = [],
  options: LoadConfigOptions = {},
): LoadedConfig {
  const abs = path.resolve(file);
  const { source, files } = loadChain(abs, [], null);
  for (const v of options.values ?? []) {
    if (v.path.length === 0 || v.path[0] === EXTENDS) {
      throw new ConfigError([
        { ...v.loc, path: formatPath(v.path), message: 'expected a config key such as train.steps' },
      ]);
    }
    const single = singleValueSource(v.path, v.value, v.loc);
    if (v.keyLoc)
      for (let n = 1; n <= v.path.length; n++) single.keys.set(formatPath(v.path.slice(0, n)), v.keyLoc);
    mergeSource(source, single, experimentConfigSchema);
  }
  for (const arg of overrides) {
    const o = parseOverride(arg);
    mergeSource(source, singleValueSource(o.path, o.value, overrideLoc(arg)), experimentConfigSchema);
  }
  if (options.recordedRun) migrateLegacyNames(source.value);
  else {
    const legacy = findLegacyNames(source.value);
    if (legacy.length > 0) {
      throw new ConfigError(
        legacy.map((l) => ({ ...locate(source, l.path, l.kind), path: formatPath(l.path), message: l.hint })),
      );
    }
  }
  const config = validate(source, defaultName(abs));
  const problems = options.check?.(config) ?? [];
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((p) => ({
        ...locate(source, p.path, 'value'),
        path: formatPath(p.path),
        message: p.message,
      })),
    );
  }
  return { config, file: abs, files, overrides: [...overrides] };
}

/**
 * Validates a plain object (a parsed config.yaml of a run, a test fixture) as a config.
 * Issues are located at `sourceName` without line numbers. When `name` is missing it defaults to
 * `sourceName`'s base name if that is a `.yaml` / `.yml` path. Names renamed since a run was
 * recorded are read with the behaviour they had (`legacy.ts`).
 */
export function configFromObject(obj: unknown, sourceName: string): ExperimentConfig {
  const value = clonePlain(obj);
  migrateLegacyNames(value);
  const root: Loc = { file: sourceName, line: null, column: null };
  const source: Source = { value, values: new Map(), keys: new Map(), root };
  const name = /\.ya?ml$/i.test(sourceName) ? defaultName(sourceName) : undefined;
  return validate(source, name);
}

/**
 * Parses one `key.path=value` override. The value is YAML (`500`, `true`, `[128, 256]`,
 * `constant`, `null`); an empty value is the empty string.
 *
 * ```ts
 * parseOverride('model.generator.hidden=[128,256]'); // { path: ['model', 'generator', 'hidden'], value: [128, 256], ... }
 * ```
 */
export function parseOverride(arg: string): Override {
  const fail = (key: string, message: string): never => {
    throw new ConfigError([{ ...overrideLoc(arg), path: key, message }]);
  };
  const eq = arg.indexOf('=');
  if (eq < 0) fail('', 'expected key=value, e.g. train.steps=500');
  const key = arg.slice(0, eq).trim();
  const text = arg.slice(eq + 1);
  if (key === '') fail('', 'expected a key before "=", e.g. train.steps=500');
  if (/^[+~]/.test(key)) {
    fail(key, 'the "+" and "~" prefixes are not supported: set any key as key=value, or key=null');
  }
  if (key.includes('[')) {
    fail(
      key,
      'list entries cannot be set one by one: set the whole list, e.g. model.generator.hidden=[128,256]',
    );
  }
  const segments = key.split('.');
  if (segments.some((s) => s.trim() === '')) fail(key, 'expected a dotted key path, e.g. model.z.size');
  if (segments[0] === EXTENDS) fail(key, '"extends" can only be set in a config file');
  let value: unknown = '';
  if (text.trim() !== '') {
    const doc = parseDocument(text, { prettyErrors: false });
    if (doc.errors.length > 0) fail(key, `invalid value: ${doc.errors[0].message.split('\n')[0]}`);
    value = doc.toJS();
  }
  return { arg, path: segments.map((s) => s.trim()), value };
}

/**
 * The fully resolved config as YAML, keys in schema order and short lists inline; written as a
 * run's `config.yaml`. `loadConfig` of the output gives back an equal config.
 */
export function serializeConfig(config: ExperimentConfig): string {
  // Parsing again puts keys in schema order and refuses to write an invalid config.
  const ordered = configFromObject(config, 'serializeConfig');
  const doc = new Document(ordered);
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node) && node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

// ---------------------------------------------------------------------------------------------

function overrideLoc(arg: string): Loc {
  return { file: `command line: ${arg}`, line: null, column: null };
}

function defaultName(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/i, '');
}

function fileIssue(loc: Loc, keyPath: string, message: string): ConfigIssue {
  return { ...loc, path: keyPath, message };
}

/** Loads `abs` and everything it extends, merged; `via` is the `extends` value that named it. */
function loadChain(abs: string, stack: string[], via: Loc | null): { source: Source; files: string[] } {
  const shown = displayPath(abs);
  const fail = (message: string): never => {
    throw new ConfigError([
      via ? fileIssue(via, EXTENDS, `${message}: ${shown}`) : fileIssue(rootLoc(shown), '', message),
    ]);
  };
  if (stack.includes(abs)) {
    const chain = [...stack.slice(stack.indexOf(abs)), abs].map(displayPath).join(' -> ');
    throw new ConfigError([fileIssue(via ?? rootLoc(shown), EXTENDS, `cycle: ${chain}`)]);
  }
  let text = '';
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail('file not found');
    else if (code === 'EISDIR') fail('is a directory, expected a YAML file');
    else fail(`cannot read: ${(e as Error).message}`);
  }
  const source = parseYamlSource(text, shown);
  if (source.value === null || source.value === undefined) source.value = {};
  if (!isPlainObject(source.value)) {
    const first = [...source.values.values()][0] ?? { file: shown, line: 1, column: 1 };
    throw new ConfigError([
      fileIssue(
        first,
        '',
        `expected a mapping of config keys at the top level, got ${showValue(source.value)}`,
      ),
    ]);
  }
  const top = source.value;
  if (!Object.hasOwn(top, EXTENDS)) return { source, files: [abs] };

  const ext = top[EXTENDS];
  const extLoc = source.values.get(EXTENDS) ?? source.root;
  if (typeof ext !== 'string' || ext.trim() === '') {
    throw new ConfigError([
      fileIssue(
        extLoc,
        EXTENDS,
        `expected the path of a YAML file, relative to this file, got ${showValue(ext)}`,
      ),
    ]);
  }
  delete top[EXTENDS];
  source.values.delete(EXTENDS);
  source.keys.delete(EXTENDS);
  const base = loadChain(path.resolve(path.dirname(abs), ext), [...stack, abs], extLoc);
  mergeSource(base.source, source, experimentConfigSchema);
  base.source.root = source.root;
  return { source: base.source, files: [...base.files, abs] };
}

function rootLoc(file: string): Loc {
  return { file, line: null, column: null };
}

function validate(source: Source, name: string | undefined): ExperimentConfig {
  let data = source.value;
  const nameDefaulted = isPlainObject(data) && data.name === undefined && name !== undefined;
  if (nameDefaulted) data = { name, ...(data as Record<string, unknown>) };
  const result = experimentConfigSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const map: SourceMap = source;
  const issues = zodIssuesToConfigIssues(result.error.issues, experimentConfigSchema, data, map).map(
    (issue) =>
      nameDefaulted && issue.path === 'name' && typeof name === 'string' && !NAME_PATTERN.test(name)
        ? { ...issue, message: `${issue.message} (the default name is the file name: set name: explicitly)` }
        : issue,
  );
  throw new ConfigError(issues);
}

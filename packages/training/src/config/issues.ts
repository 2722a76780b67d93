/**
 * Config errors: located issues and their compiler-style rendering,
 * `configs/decay.yaml:12:5: model.generator.hidden[1]: expected an integer >= 1, got -3`.
 */
import path from 'node:path';
import type { z } from 'zod';
import { keysAt } from './schema-walk.ts';
import { didYouMean, formatPath } from './text.ts';

/** Where a value came from: a file position, or a command-line override (`line` null). */
export interface Loc {
  /** Display path of the file, or `command line: <arg>` for an override. */
  file: string;
  /** 1-based, null when the issue concerns the whole file or an override. */
  line: number | null;
  /** 1-based, null when `line` is. */
  column: number | null;
}

/** One problem in a config, located at the file and line that last set the offending key. */
export interface ConfigIssue extends Loc {
  /** Dotted key path, e.g. `model.generator.hidden[1]`; '' for the whole file. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

/** `file:line:col: path: message`, the form editors and terminals link to. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`;
}

/**
 * A config that cannot be used. `issues` lists every problem found; `message` has one line per
 * issue (see `formatIssue`), ready to print.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    issues = sortIssues(issues);
    const lines = [...new Set(issues.map(formatIssue))];
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Issues grouped by file (in order of first appearance), in line order within a file. */
function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const fileOrder = new Map<string, number>();
  for (const i of issues) if (!fileOrder.has(i.file)) fileOrder.set(i.file, fileOrder.size);
  return [...issues].sort(
    (a, b) =>
      fileOrder.get(a.file)! - fileOrder.get(b.file)! ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0),
  );
}

/** A path relative to the working directory when that is shorter, else absolute. */
export function displayPath(file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  return rel !== '' && rel.length < abs.length ? rel : abs;
}

/** The positions of every key and value of a merged config, by formatted key path. */
export interface SourceMap {
  /** Position of the value at a path ('' is not stored: see `root`). */
  values: Map<string, Loc>;
  /** Position of the key naming a path. */
  keys: Map<string, Loc>;
  /** Where issues that cannot be placed more precisely go (the file given by the user). */
  root: Loc;
}

/**
 * The best position for an issue at `path`: the exact key (for unknown keys) or value, else the
 * nearest enclosing key that was written somewhere (a missing key points at its parent).
 */
export function locate(map: SourceMap, keyPath: readonly PropertyKey[], kind: 'key' | 'value'): Loc {
  const exact = (kind === 'key' ? map.keys : map.values).get(formatPath(keyPath));
  if (exact) return exact;
  for (let n = keyPath.length - 1; n > 0; n--) {
    const p = formatPath(keyPath.slice(0, n));
    const found = map.keys.get(p) ?? map.values.get(p);
    if (found) return found;
  }
  return map.root;
}

interface RawIssue {
  path: PropertyKey[];
  kind: 'key' | 'value';
  message: string;
}

/**
 * Turns zod's issues into one located issue per problem: an unrecognized-keys issue becomes one
 * issue per key (with a suggestion from the keys valid there), and a union's issue becomes the
 * issues of the branch that got furthest (an activation list with one bad entry is reported at
 * that entry), or the unknown key when no branch knows it.
 */
export function zodIssuesToConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.core.$ZodType,
  data: unknown,
  map: SourceMap,
): ConfigIssue[] {
  const raw: RawIssue[] = [];
  const visit = (issue: z.core.$ZodIssue, prefix: PropertyKey[]) => {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, at, data);
      for (const key of issue.keys) {
        raw.push({ path: [...at, key], kind: 'key', message: `unknown key${didYouMean(key, valid)}` });
      }
      return;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const depth = (branch: z.core.$ZodIssue[]) => Math.max(0, ...branch.map((i) => i.path.length));
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      // A mapping whose key no branch knows (a layer list's `{ cnv: ... }`): that key is the
      // problem, not the keys each branch misses.
      const unknownKey = (branch: z.core.$ZodIssue[]) => branch.some((i) => i.code === 'unrecognized_keys');
      // Branches of another kind (a name where a mapping was written) say nothing about its keys.
      const otherKind = (branch: z.core.$ZodIssue[]) =>
        branch.every((i) => i.path.length === 0 && i.code !== 'unrecognized_keys');
      const mappings = issue.errors.filter((b) => !otherKind(b));
      if (depth(best) <= 1 && mappings.length > 0 && mappings.every(unknownKey)) {
        for (const i of best) if (i.code === 'unrecognized_keys') visit(i, at);
        return;
      }
      if (depth(best) > 0) {
        for (const i of best) visit(i, at);
        return;
      }
    }
    raw.push({ path: at, kind: 'value', message: issue.message });
  };
  for (const issue of issues) visit(issue, []);
  return raw.map((r) => ({ ...locate(map, r.path, r.kind), path: formatPath(r.path), message: r.message }));
}

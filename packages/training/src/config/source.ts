/**
 * Config sources with positions: a YAML file parsed into plain data plus the position of every
 * key and value, and the deep merge of such sources (`extends`, then command-line overrides) that
 * remembers, for each key path, which source set it last.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type Loc, type SourceMap } from './issues.ts';
import { discriminatorAt } from './schema-walk.ts';
import { formatPath } from './text.ts';

/** Plain data (from YAML or an override) with the positions of its keys and values. */
export interface Source extends SourceMap {
  value: unknown;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A deep copy that shares nothing (YAML aliases would otherwise alias merged objects). */
export function clonePlain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clonePlain) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = clonePlain(x);
    return out as T;
  }
  return v;
}

/**
 * Parses YAML text, throwing a `ConfigError` with every syntax error located as
 * `file:line:col: invalid YAML: <parser message>`.
 *
 * @param file display path used in positions
 */
export function parseYamlSource(text: string, file: string): Source {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, keepSourceTokens: false });
  const at = (offset: number): Loc => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        ...at(e.pos[0]),
        path: '',
        message: `invalid YAML: ${firstLine(e.message)}`,
      })),
    );
  }
  let value: unknown;
  try {
    value = clonePlain(doc.toJS({ maxAliasCount: 1000 }));
  } catch (e) {
    throw new ConfigError([
      { file, line: null, column: null, path: '', message: `invalid YAML: ${String(e)}` },
    ]);
  }
  const source: Source = {
    value,
    values: new Map(),
    keys: new Map(),
    root: { file, line: null, column: null },
  };
  const onStack = new Set<Node>();
  const walk = (node: Node, path: PropertyKey[]) => {
    if (path.length > 0 && node.range) source.values.set(formatPath(path), at(node.range[0]));
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target || onStack.has(target)) return;
      // Positions inside an alias point at the anchored text, which is where the value is written.
      onStack.add(target);
      walkChildren(target, path);
      onStack.delete(target);
      return;
    }
    walkChildren(node, path);
  };
  const walkChildren = (node: Node, path: PropertyKey[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const p = [...path, key];
        const keyLoc = keyNode?.range ? at(keyNode.range[0]) : source.root;
        source.keys.set(formatPath(p), keyLoc);
        const v = pair.value as Node | null;
        if (v) walk(v, p);
        else source.values.set(formatPath(p), keyLoc);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item) walk(item as Node, [...path, i]);
      });
    }
  };
  if (doc.contents) walk(doc.contents, []);
  return source;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/** A source holding one value at `path`, every key and value located at `loc` (an override). */
export function singleValueSource(path: readonly string[], value: unknown, loc: Loc): Source {
  const source: Source = { value: clonePlain(value), values: new Map(), keys: new Map(), root: loc };
  for (let i = path.length - 1; i >= 0; i--) source.value = { [path[i]]: source.value };
  for (let n = 1; n <= path.length; n++) {
    source.keys.set(formatPath(path.slice(0, n)), loc);
    source.values.set(formatPath(path.slice(0, n)), loc);
  }
  const mark = (v: unknown, p: PropertyKey[]) => {
    if (Array.isArray(v)) v.forEach((x, i) => mark(x, [...p, i]));
    else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) mark(x, [...p, k]);
    source.values.set(formatPath(p), loc);
    if (typeof p[p.length - 1] === 'string') source.keys.set(formatPath(p), loc);
  };
  mark(value, [...path]);
  return source;
}

function isUnder(key: string, prefix: string): boolean {
  if (prefix === '') return true;
  return key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`);
}

/** Replace the positions at and under `prefix` in `dst` by those of `src`. */
function replacePositions(dst: SourceMap, src: SourceMap, prefix: string): void {
  for (const m of ['values', 'keys'] as const) {
    for (const k of [...dst[m].keys()]) if (isUnder(k, prefix)) dst[m].delete(k);
    for (const [k, loc] of src[m]) if (isUnder(k, prefix)) dst[m].set(k, loc);
  }
}

/**
 * Merges `src` over `dst` in place: objects merge key by key, everything else (scalars, lists,
 * null) replaces. An object of a discriminated union (a `schedule`) whose `type` changes is
 * replaced whole, so `optim.generator.schedule.type=constant` drops the old variant's keys.
 * `dst.root` is kept: issues that cannot be placed go to the file the user named.
 */
export function mergeSource(dst: Source, src: Source, schema: z.core.$ZodType): void {
  const merge = (a: unknown, b: unknown, path: PropertyKey[]): unknown => {
    const p = formatPath(path);
    if (isPlainObject(a) && isPlainObject(b)) {
      const tag = discriminatorAt(schema, path, dst.value);
      if (tag === undefined || !(tag in b) || b[tag] === a[tag]) {
        for (const m of ['values', 'keys'] as const) {
          const loc = src[m].get(p);
          if (loc && !dst[m].has(p)) dst[m].set(p, loc);
        }
        for (const [k, v] of Object.entries(b)) {
          if (Object.hasOwn(a, k)) a[k] = merge(a[k], v, [...path, k]);
          else {
            a[k] = clonePlain(v);
            replacePositions(dst, src, formatPath([...path, k]));
          }
        }
        return a;
      }
    }
    replacePositions(dst, src, p);
    return clonePlain(b);
  };
  dst.value = merge(dst.value, src.value, []);
}

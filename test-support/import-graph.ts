/**
 * The import graph of the workspace, for the layering test (layers.test.ts): every source file of
 * `packages/*` and `tools/*` with what it imports, each import resolved to a workspace file
 * (relative paths, `@gan/<package>` and its subpath exports) or left as a bare module name
 * (`node:fs`, `ink`).
 *
 * Imports are read by TypeScript's own scanner (`ts.preProcessFile`): static imports, `export ...
 * from`, `import type`, dynamic `import('...')` and `require`, but not comments or strings.
 *
 * ```ts
 * const graph = importGraph(projectRoot);
 * for (const edge of graph.edges) console.log(edge.from, '->', edge.to ?? edge.specifier);
 * ```
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** A source file of the workspace, by its path from the root (always with `/`). */
export interface SourceFile {
  path: string;
  /** The workspace folder it belongs to: `packages/runs`, `packages/report`. */
  workspace: string;
  /** Its package's name, from that folder's package.json: `@gan/runs`. */
  packageName: string;
  /** True for tests and the helpers only tests use (`*.test.ts`, `*.test-util.ts`, `test-*.ts`). */
  test: boolean;
}

export interface ImportEdge {
  from: SourceFile;
  /** The import as written: `../run/session.ts`, `@gan/runs`, `ink`. */
  specifier: string;
  /** The workspace file it resolves to, or null for a module outside the workspace. */
  to: SourceFile | null;
  /** The workspace package it names (`@gan/training/config` names `@gan/training`), or null. */
  toPackage: string | null;
}

export interface ImportGraph {
  files: Map<string, SourceFile>;
  edges: ImportEdge[];
  /** The package.json of each workspace folder. */
  manifests: Map<
    string,
    { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> }
  >;
}

const SOURCE = /\.(ts|tsx|mts|mjs)$/;
const TEST = /(\.test\.tsx?|\.test-util\.ts)$|(^|\/)test-[^/]*\.tsx?$/;

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
}

/** `@gan/x/sub` -> `{ name: '@gan/x', subpath: './sub' }`. */
function splitPackage(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const n = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(n).join('/');
  return { name: parts.slice(0, n).join('/'), subpath: rest === '' ? '.' : `./${rest}` };
}

/** Reads the workspace under `root` (its `packages/*` and `tools/*` with a package.json). */
export function importGraph(root: string): ImportGraph {
  const files = new Map<string, SourceFile>();
  const manifests: ImportGraph['manifests'] = new Map();
  const folders = new Map<string, { folder: string; exports: Record<string, string> }>();
  const paths: string[] = [];
  for (const group of ['packages', 'tools']) {
    for (const name of readdirSync(join(root, group))) {
      const folder = join(root, group, name);
      const manifestPath = join(folder, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const workspace = `${group}/${name}`;
      manifests.set(workspace, {
        name: manifest.name,
        dependencies: manifest.dependencies ?? {},
        devDependencies: manifest.devDependencies ?? {},
      });
      const exportsField: Record<string, string> = {};
      for (const [sub, target] of Object.entries<unknown>(manifest.exports ?? {})) {
        const file = typeof target === 'string' ? target : (target as { default?: string }).default;
        if (file !== undefined) exportsField[sub] = file;
      }
      folders.set(manifest.name, { folder, exports: exportsField });
      const found: string[] = [];
      for (const sub of ['src', 'scripts']) if (existsSync(join(folder, sub))) walk(join(folder, sub), found);
      for (const p of found) {
        const path = toPosix(relative(root, p));
        files.set(path, { path, workspace, packageName: manifest.name, test: TEST.test(path) });
        paths.push(p);
      }
    }
  }

  const fileAt = (abs: string): SourceFile | null => files.get(toPosix(relative(root, abs))) ?? null;
  const edges: ImportEdge[] = [];
  for (const abs of paths) {
    const from = fileAt(abs)!;
    const info = ts.preProcessFile(readFileSync(abs, 'utf8'), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      let to: SourceFile | null = null;
      let toPackage: string | null = null;
      if (specifier.startsWith('.')) {
        to = fileAt(resolve(dirname(abs), specifier));
        toPackage = to?.packageName ?? null;
      } else {
        const { name, subpath } = splitPackage(specifier);
        const target = folders.get(name);
        if (target !== undefined) {
          toPackage = name;
          const file = target.exports[subpath];
          if (file !== undefined) to = fileAt(join(target.folder, file));
        }
      }
      edges.push({ from, specifier, to, toPackage });
    }
  }
  return { files, edges, manifests };
}

/** Every workspace file reachable from `start` by imports (itself included). */
export function reachable(graph: ImportGraph, start: Iterable<string>): Set<string> {
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (edge.to === null) continue;
    const list = next.get(edge.from.path) ?? [];
    list.push(edge.to.path);
    next.set(edge.from.path, list);
  }
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length > 0) {
    const path = todo.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    todo.push(...(next.get(path) ?? []));
  }
  return seen;
}

/**
 * Arrows only point down: between the workspace's packages, and between the folders of the
 * library (training) and of the application (lab). A new import that points up (a back-edge)
 * fails this test with the file, the import and the rule it breaks. Tests are held to the same
 * rules as the code they test.
 *
 * ```
 * tensor      <- nothing of ours
 * nn, optim, data <- tensor
 * runs        <- nothing of ours         the run folder's format, and nothing else
 * training    <- tensor, nn, optim, data, runs     the library: no Ink, React, BullMQ or ioredis
 *   eval > train > images > config > format        (inside training)
 * lab         <- training, tensor, data, runs      the application; no package imports it
 *   cli > sweep > dashboard > run                  (inside lab)
 * report      <- runs, training/config, training/images   (never the trainer, Ink or React)
 * tools/bench, tools/parity <- training, runs, tensor (bench also report)
 * tools/ui    <- runs, report, training/config (server); tensor, nn, training/model (the page's generator)
 * tools/faults <- runs, report, data, tensor
 * ```
 * Tools that need the application run it as a process (`pnpm exp`, `pnpm worker`, ...).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importGraph, reachable } from './import-graph.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What each workspace package may import of the others: package names, or exact entry points. */
const PACKAGES: Record<string, readonly string[]> = {
  '@gan/tensor': [],
  '@gan/nn': ['@gan/tensor'],
  '@gan/optim': ['@gan/tensor'],
  '@gan/data': ['@gan/tensor'],
  '@gan/runs': [],
  '@gan/training': ['@gan/tensor', '@gan/nn', '@gan/optim', '@gan/data', '@gan/data/scatter', '@gan/runs'],
  '@gan/lab': ['@gan/training', '@gan/tensor', '@gan/data', '@gan/runs'],
  '@gan/report': ['@gan/runs', '@gan/training/config', '@gan/training/images'],
  '@gan/bench': ['@gan/tensor', '@gan/runs', '@gan/training', '@gan/report'],
  '@gan/parity': ['@gan/tensor', '@gan/runs', '@gan/training'],
  '@gan/ui': [
    '@gan/tensor',
    '@gan/nn',
    '@gan/data',
    '@gan/data/pixels',
    '@gan/data/scatter',
    '@gan/runs',
    '@gan/report',
    '@gan/training/config',
    '@gan/training/model',
  ],
  '@gan/faults': ['@gan/tensor', '@gan/runs', '@gan/data', '@gan/report'],
};

/** Further packages a package's tests may import (its devDependencies). */
const TESTS_ALSO: Record<string, readonly string[]> = {
  // optim's end-to-end test trains an MLP made of nn's layers.
  '@gan/optim': ['@gan/nn'],
};

/** The folders of the library and of the application, top first: a folder imports only the ones after it. */
const FOLDERS: Record<string, readonly string[]> = {
  'packages/lab/src/': ['cli', 'sweep', 'dashboard', 'run'],
  'packages/training/src/': ['eval', 'train', 'images', 'config', 'format'],
};
const TRAINING_SRC = 'packages/training/src/';
/** Modules the library must never load: the application's terminal UI and queue. */
const APPLICATION_MODULES = ['ink', 'react', 'asciichart', 'bullmq', 'ioredis'];

/** Modules outside the workspace a package (or a folder) may use besides Node's own. */
const EXTERNAL: Record<string, readonly string[]> = {
  '@gan/runs': [],
  'training/config': ['yaml', 'zod'],
};

const graph = importGraph(ROOT);
const show = (e: ImportEdge) => `${e.from.path} imports '${e.specifier}'`;

/** The layered package of a path and its folder (`eval`; '' for a file directly in src/), or null. */
function folderOf(path: string): { src: string; folder: string } | null {
  const src = Object.keys(FOLDERS).find((s) => path.startsWith(s));
  if (src === undefined) return null;
  const rest = path.slice(src.length);
  return { src, folder: rest.includes('/') ? rest.slice(0, rest.indexOf('/')) : '' };
}

/** Why `edge` breaks a rule between packages, or null. */
function packageViolation(edge: ImportEdge): string | null {
  const { from, specifier } = edge;
  if (specifier.startsWith('.')) {
    if (edge.to !== null && edge.to.workspace === from.workspace) return null;
    const target = relative(ROOT, resolve(ROOT, dirname(from.path), specifier))
      .split('\\')
      .join('/');
    if (from.test && target.startsWith('test-support/')) return null;
    return edge.to === null
      ? `${show(edge)}, which is no source file of ${from.workspace}`
      : `${show(edge)}: reach another package by its name, not by a path into it`;
  }
  if (edge.toPackage === null || edge.toPackage === from.packageName) return null;
  const allowed = [
    ...(PACKAGES[from.packageName] ?? []),
    ...(from.test ? (TESTS_ALSO[from.packageName] ?? []) : []),
  ];
  if (PACKAGES[from.packageName] === undefined)
    return `${from.packageName} has no entry in PACKAGES (layers.test.ts)`;
  if (allowed.some((a) => specifier === a || specifier.startsWith(`${a}/`))) {
    return edge.to === null ? `${show(edge)}, which its package.json does not export` : null;
  }
  return `${show(edge)}: ${from.packageName} may import only ${allowed.join(', ') || 'nothing of ours'}`;
}

/** Why `edge` breaks a package's folder order, or null. */
function folderViolation(edge: ImportEdge): string | null {
  const from = folderOf(edge.from.path);
  const to = edge.to === null ? null : folderOf(edge.to.path);
  if (from === null || to === null || from.src !== to.src || from.folder === to.folder) return null;
  const [a, b] = [from.folder, to.folder];
  const folders = FOLDERS[from.src];
  const order = folders.join(' > ');
  const ia = folders.indexOf(a);
  const ib = folders.indexOf(b);
  if (b === '' || ib < 0) return `${show(edge)}: only the package entry (src/index.ts) imports src/ files`;
  if (a === '') return b === 'cli' ? `${show(edge)}: cli is imported by nothing` : null;
  if (ia < 0) return `${edge.from.path}: folder '${a}' has no place in the order ${order}`;
  return ib > ia ? null : `${show(edge)}: ${a} may not import ${b} (order: ${order})`;
}

describe('the import graph', () => {
  it('finds the sources and their imports', () => {
    expect(graph.files.size).toBeGreaterThan(150);
    expect(graph.files.has('packages/lab/src/run/session.ts')).toBe(true);
    expect(graph.files.has('packages/training/src/train/gan.ts')).toBe(true);
    expect(graph.edges.some((e) => e.specifier === '@gan/runs' && e.to !== null)).toBe(true);
  });

  it('has no arrow from a lower package to a higher one', () => {
    const problems = graph.edges.map(packageViolation).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  it('has no arrow from a lower folder of the library or the application to a higher one', () => {
    const problems = graph.edges.map(folderViolation).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  it('keeps the run format package and the config module free of heavy modules', () => {
    const problems: string[] = [];
    for (const edge of graph.edges) {
      if (edge.toPackage !== null || edge.specifier.startsWith('.') || edge.specifier.startsWith('node:'))
        continue;
      const scope =
        edge.from.packageName === '@gan/runs'
          ? '@gan/runs'
          : edge.from.path.startsWith(`${TRAINING_SRC}config/`)
            ? 'training/config'
            : null;
      if (scope === null || (edge.from.test && edge.specifier === 'vitest')) continue;
      if (!EXTERNAL[scope].includes(edge.specifier))
        problems.push(
          `${show(edge)}: ${scope} uses only Node's modules${EXTERNAL[scope].length ? ` and ${EXTERNAL[scope].join(', ')}` : ''}`,
        );
    }
    expect(problems).toEqual([]);
  });

  it('keeps the library free of the application: no Ink, React, BullMQ or ioredis, however deep', () => {
    const library = [...graph.files.values()].filter((f) => f.workspace === 'packages/training' && !f.test);
    expect(library.length).toBeGreaterThan(20);
    const reached = reachable(
      graph,
      library.map((f) => f.path),
    );
    const loaded = graph.edges
      .filter((e) => reached.has(e.from.path) && APPLICATION_MODULES.includes(e.specifier))
      .map(show);
    expect(loaded).toEqual([]);
    expect([...reached].filter((p) => p.startsWith('packages/lab/'))).toEqual([]);
    const dependencies = Object.keys(graph.manifests.get('packages/training')?.dependencies ?? {});
    expect(dependencies.filter((d) => APPLICATION_MODULES.includes(d))).toEqual([]);
  });

  it('keeps every tool off the application package (tools run it as a process)', () => {
    const dependents = [...graph.manifests.entries()]
      .filter(([, m]) => Object.keys({ ...m.dependencies, ...m.devDependencies }).includes('@gan/lab'))
      .map(([workspace]) => workspace);
    expect(dependents).toEqual([]);
    expect(
      graph.edges.filter((e) => e.toPackage === '@gan/lab' && e.from.packageName !== '@gan/lab').map(show),
    ).toEqual([]);
  });

  it('keeps the report away from the trainer, the dashboard, Ink and React', () => {
    const report = [...graph.files.values()].filter((f) => f.workspace === 'packages/report');
    const reached = reachable(
      graph,
      report.map((f) => f.path),
    );
    const heavy = [...reached].filter((p) => {
      const at = folderOf(p);
      return at !== null && !(at.src === TRAINING_SRC && ['config', 'images', 'format'].includes(at.folder));
    });
    expect(heavy).toEqual([]);
    const modules = graph.edges
      .filter((e) => reached.has(e.from.path) && ['ink', 'react', 'asciichart'].includes(e.specifier))
      .map(show);
    expect(modules).toEqual([]);
    const dependencies = Object.keys(graph.manifests.get('packages/report')?.dependencies ?? {});
    expect(dependencies).not.toContain('ink');
    expect(dependencies).not.toContain('react');
  });

  it("leaves the run folder's file names to @gan/runs", () => {
    const names = ['config.yaml', 'meta.json', 'metrics.jsonl', 'eval.jsonl', 'samples.gif', 'manifest.json'];
    const problems: string[] = [];
    for (const file of graph.files.values()) {
      if (file.test || file.packageName === '@gan/runs' || !file.workspace.startsWith('packages/')) continue;
      const text = readFileSync(join(ROOT, file.path), 'utf8');
      for (const name of names)
        if (text.includes(`'${name}'`)) problems.push(`${file.path} spells '${name}'`);
    }
    expect(problems).toEqual([]);
  });
});

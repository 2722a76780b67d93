/**
 * Arrows only point down: between the workspace's packages, and between the folders of
 * gan-runner. A new import that points up (a back-edge) fails this test with the file, the import
 * and the rule it breaks. Tests are held to the same rules as the code they test.
 *
 * ```
 * tensor      <- nothing of ours
 * nn, optim, data <- tensor
 * runs        <- nothing of ours         the run folder's format, and nothing else
 * gan-runner  <- tensor, nn, optim, data, runs
 *   cli > sweep > dashboard > run > eval > train > images > config > format   (inside gan-runner)
 * tools/report <- runs, gan-runner/config, gan-runner/images   (never the trainer, Ink or React)
 * tools/bench, tools/parity <- gan-runner, runs, tensor (bench also report)
 * tools/ui    <- runs, report, gan-runner/config (server); tensor, nn (the page's generator)
 * tools/faults <- runs, report, data, tensor   (it runs gan-runner's CLI as processes, to kill them)
 * ```
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
  '@gan/gan-runner': ['@gan/tensor', '@gan/nn', '@gan/optim', '@gan/data', '@gan/runs'],
  '@gan/report': ['@gan/runs', '@gan/gan-runner/config', '@gan/gan-runner/images'],
  '@gan/bench': ['@gan/tensor', '@gan/runs', '@gan/gan-runner', '@gan/report'],
  '@gan/parity': ['@gan/tensor', '@gan/runs', '@gan/gan-runner'],
  '@gan/ui': [
    '@gan/tensor',
    '@gan/nn',
    '@gan/data/pixels',
    '@gan/runs',
    '@gan/report',
    '@gan/gan-runner/config',
  ],
  '@gan/faults': ['@gan/tensor', '@gan/runs', '@gan/data', '@gan/report'],
};

/** Further packages a package's tests may import (its devDependencies). */
const TESTS_ALSO: Record<string, readonly string[]> = {
  // optim's end-to-end test trains an MLP made of nn's layers.
  '@gan/optim': ['@gan/nn'],
};

/** gan-runner's folders, top first: a folder may import only the folders after it. */
const GAN_RUNNER_FOLDERS = [
  'cli',
  'sweep',
  'dashboard',
  'run',
  'eval',
  'train',
  'images',
  'config',
  'format',
];
const GAN_RUNNER_SRC = 'packages/gan-runner/src/';

/** Modules outside the workspace a package (or a folder) may use besides Node's own. */
const EXTERNAL: Record<string, readonly string[]> = {
  '@gan/runs': [],
  'gan-runner/config': ['yaml', 'zod'],
};

const graph = importGraph(ROOT);
const show = (e: ImportEdge) => `${e.from.path} imports '${e.specifier}'`;

/** The gan-runner folder of a path (`eval`), '' for a file directly in src/, null outside gan-runner. */
function folderOf(path: string): string | null {
  if (!path.startsWith(GAN_RUNNER_SRC)) return null;
  const rest = path.slice(GAN_RUNNER_SRC.length);
  return rest.includes('/') ? rest.slice(0, rest.indexOf('/')) : '';
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

/** Why `edge` breaks gan-runner's folder order, or null. */
function folderViolation(edge: ImportEdge): string | null {
  const a = folderOf(edge.from.path);
  const b = edge.to === null ? null : folderOf(edge.to.path);
  if (a === null || b === null || a === b) return null;
  const order = GAN_RUNNER_FOLDERS.join(' > ');
  const ia = GAN_RUNNER_FOLDERS.indexOf(a);
  const ib = GAN_RUNNER_FOLDERS.indexOf(b);
  if (b === '' || ib < 0) return `${show(edge)}: only the package entry (src/index.ts) imports src/ files`;
  if (a === '') return b === 'cli' ? `${show(edge)}: cli is imported by nothing` : null;
  if (ia < 0) return `${edge.from.path}: folder '${a}' has no place in the order ${order}`;
  return ib > ia ? null : `${show(edge)}: ${a} may not import ${b} (order: ${order})`;
}

describe('the import graph', () => {
  it('finds the sources and their imports', () => {
    expect(graph.files.size).toBeGreaterThan(150);
    expect(graph.files.has('packages/gan-runner/src/run/session.ts')).toBe(true);
    expect(graph.edges.some((e) => e.specifier === '@gan/runs' && e.to !== null)).toBe(true);
  });

  it('has no arrow from a lower package to a higher one', () => {
    const problems = graph.edges.map(packageViolation).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  it('has no arrow from a lower folder of gan-runner to a higher one', () => {
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
          : edge.from.path.startsWith(`${GAN_RUNNER_SRC}config/`)
            ? 'gan-runner/config'
            : null;
      if (scope === null || (edge.from.test && edge.specifier === 'vitest')) continue;
      if (!EXTERNAL[scope].includes(edge.specifier))
        problems.push(
          `${show(edge)}: ${scope} uses only Node's modules${EXTERNAL[scope].length ? ` and ${EXTERNAL[scope].join(', ')}` : ''}`,
        );
    }
    expect(problems).toEqual([]);
  });

  it("keeps the report away from gan-runner's trainer, dashboard, Ink and React", () => {
    const report = [...graph.files.values()].filter((f) => f.workspace === 'tools/report');
    const reached = reachable(
      graph,
      report.map((f) => f.path),
    );
    const heavy = [...reached].filter((p) => {
      const folder = folderOf(p);
      return folder !== null && !['config', 'images', 'format'].includes(folder);
    });
    expect(heavy).toEqual([]);
    const modules = graph.edges
      .filter((e) => reached.has(e.from.path) && ['ink', 'react', 'asciichart'].includes(e.specifier))
      .map(show);
    expect(modules).toEqual([]);
    const dependencies = Object.keys(graph.manifests.get('tools/report')?.dependencies ?? {});
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

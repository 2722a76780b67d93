import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding pnpm-workspace.yaml above this file: the project root. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where runs are recorded unless told otherwise: `<project>/experiments`. */
export function defaultExperimentsDir(): string {
  return join(projectRoot(), 'experiments');
}

/**
 * The folder the user typed the command in: `pnpm <script>` runs from the project root but
 * records the caller's folder in INIT_CWD.
 */
export function userCwd(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

/** `path` relative to `from` when it lies inside it (shorter messages), else absolute. */
export function displayPath(path: string, from = process.cwd()): string {
  const rel = relative(from, resolve(path));
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
}

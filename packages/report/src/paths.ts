import { isAbsolute, relative, resolve } from 'node:path';

export { defaultExperimentsDir, projectRoot, userCwd } from '@gan/runs';

/** `path` relative to `from` when it lies inside it (shorter messages), else absolute. */
export function displayPath(path: string, from = process.cwd()): string {
  const rel = relative(from, resolve(path));
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
}

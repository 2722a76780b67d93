/**
 * Where run folders are: the project's own `experiments/` unless told otherwise, and paths a user
 * types on the command line, resolved against the folder they typed them in.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

/**
 * The folder the user typed the command in. `pnpm <script>` runs scripts from the project root
 * but records the caller's folder in INIT_CWD, so `pnpm exp ../configs/x.yaml` from a subfolder
 * means what it says.
 */
export function userCwd(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

/** A path the user gave, made absolute against the folder they typed it in. */
export function userPath(p: string): string {
  return resolve(userCwd(), p);
}

/** Where runs are recorded unless told otherwise: `<project>/experiments`. */
export function defaultExperimentsDir(): string {
  return join(projectRoot(), 'experiments');
}

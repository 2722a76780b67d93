import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Folders a run writes into, created and checked before anything depends on them, so that a path
 * that cannot work fails at once with the path and the reason.
 *
 * NOTE: Node's `mkdir(path, { recursive: true })` never returns when a parent exists but refuses
 * to hold the child with ENOENT: `/proc/x` (procfs answers ENOENT to mkdir), a dangling symlink.
 * It steps back to the parent on ENOENT, finds it (EEXIST), steps forward again, and loops
 * forever, in C++, at 100 % CPU (the async version never settles either). {@link makeDirs} walks
 * the path itself and stops there.
 */

/** A folder that cannot be created or written; the message names the path and the reason. */
export class DirError extends Error {
  override readonly name = 'DirError';
  /** The folder that was asked for. */
  readonly path: string;
  /** The errno code behind it (`ENOENT`, `EROFS`, ...), or null when it is not one. */
  readonly code: string | null;

  constructor(path: string, message: string, code: string | null, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
    this.code = code;
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

/** `permission denied (EACCES)`: the reason an errno code stands for, and the code. */
export function errnoReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code !== undefined && Object.hasOwn(REASONS, code)) return `${REASONS[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

const codeOf = (error: unknown): string | null => (error as NodeJS.ErrnoException)?.code ?? null;

/**
 * Creates `path` and its missing parents, like `mkdir -p`, or throws a {@link DirError} saying
 * which folder could not be made and why (a file in the way, a read-only file system, a folder
 * that does not accept new entries such as `/proc`). `what` names the folder in messages
 * (default `folder`, e.g. `experiments folder`).
 *
 * ```ts
 * await makeDirs('/proc/x', 'experiments folder');
 * // DirError: cannot create the experiments folder /proc/x: /proc does not accept new folders (mkdir /proc/x: ENOENT)
 * ```
 */
export async function makeDirs(path: string, what = 'folder'): Promise<void> {
  const target = resolve(path);
  const fail = (detail: string, error: unknown): never => {
    throw new DirError(target, `cannot create the ${what} ${target}: ${detail}`, codeOf(error), {
      cause: error,
    });
  };
  // Walk up to the nearest existing ancestor: everything below it is to be made.
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = (await stat(at)).isDirectory();
    } catch (error) {
      const code = codeOf(error);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(at) !== at) {
        missing.unshift(at);
        at = dirname(at);
        continue;
      }
      return fail(`cannot look at ${at}: ${errnoReason(error)}`, error);
    }
    if (!isDir) fail(at === target ? 'it exists and is not a folder' : `${at} is a file, not a folder`, null);
    break;
  }
  for (const dir of missing) {
    try {
      await mkdir(dir);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'EEXIST') {
        // Made by someone else meanwhile (fine), or a file that appeared there (not fine).
        if ((await stat(dir).catch(() => null))?.isDirectory()) continue;
        const link = (await lstat(dir).catch(() => null))?.isSymbolicLink();
        fail(link ? `${dir} is a symbolic link to nothing` : `${dir} is a file, not a folder`, error);
      }
      if (code === 'ENOENT') {
        fail(`${dirname(dir)} does not accept new folders (mkdir ${dir}: ENOENT)`, error);
      }
      fail(`mkdir ${dir}: ${errnoReason(error)}`, error);
    }
  }
}

/**
 * Throws a {@link DirError} unless a file can be created in the folder `path` (which must
 * exist): writes and removes a small probe file. Catches read-only file systems, missing
 * permissions and full disks before a run has started.
 */
export async function assertWritableDir(path: string, what = 'folder'): Promise<void> {
  const target = resolve(path);
  const probe = join(target, `.write-test-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(probe, 'gan-lab write test\n', { flag: 'wx' });
  } catch (error) {
    throw new DirError(
      target,
      `cannot write in the ${what} ${target}: ${errnoReason(error)}`,
      codeOf(error),
      {
        cause: error,
      },
    );
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
}

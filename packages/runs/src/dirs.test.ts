import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { itWith, procfs, type Requirement } from '../../../test-support/requirements.ts';
import { assertWritableDir, DirError, makeDirs } from './dirs.ts';

const isRoot = process.getuid?.() === 0;
/** Root can only be refused by a read-only mount, and only root may mount (not in every container). */
const readOnly: Requirement = {
  missing: isRoot && !canMountTmpfs() ? 'running as root where a tmpfs cannot be mounted' : null,
  enable: 'run the tests as a normal user, or as root where mount is allowed',
};

function canMountTmpfs(): boolean {
  const at = mkdtempSync(join(tmpdir(), 'gan-mount-'));
  try {
    return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', at]).status === 0;
  } finally {
    spawnSync('umount', [at]);
    rmSync(at, { recursive: true, force: true });
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-dirs-'));
});
afterEach(async () => {
  await chmod(dir, 0o755).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

/** The DirError `fn` rejects with (the test fails if it resolves or throws something else). */
async function dirError(fn: () => Promise<unknown>): Promise<DirError> {
  const error = await fn().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DirError);
  return error as DirError;
}

describe('makeDirs', () => {
  it('creates a folder and its missing parents, and accepts one that exists', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    await makeDirs(deep);
    await makeDirs(deep);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['c']);
  });

  // Node's own recursive mkdir loops forever here (procfs answers ENOENT to a mkdir in /proc).
  itWith(
    procfs,
    'fails at once, naming the path, for a folder /proc does not accept',
    async () => {
      const error = await dirError(() => makeDirs('/proc/x/y', 'experiments folder'));
      expect(error.message).toBe(
        'cannot create the experiments folder /proc/x/y: /proc does not accept new folders (mkdir /proc/x: ENOENT)',
      );
      expect(error.code).toBe('ENOENT');
    },
    { timeout: 5000 },
  );

  it('names the file in the way', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const error = await dirError(() => makeDirs(join(dir, 'file', 'sub', 'runs')));
    expect(error.message).toBe(
      `cannot create the folder ${join(dir, 'file', 'sub', 'runs')}: ${join(dir, 'file')} is a file, not a folder`,
    );
    const itself = await dirError(() => makeDirs(join(dir, 'file')));
    expect(itself.message).toMatch(/file: it exists and is not a folder$/);
  });

  it('names a symbolic link to nothing', async () => {
    await symlink(join(dir, 'nowhere'), join(dir, 'link'));
    const error = await dirError(() => makeDirs(join(dir, 'link', 'runs')));
    expect(error.message).toMatch(/link is a symbolic link to nothing$/);
  });

  itWith(readOnly, 'says why a read-only folder cannot hold a new one', async () => {
    const ro = readOnlyFolder(join(dir, 'ro'));
    try {
      const error = await dirError(() => makeDirs(join(ro.path, 'runs')));
      expect(error.message).toMatch(new RegExp(`mkdir .*ro/runs: ${ro.reason}$`));
      const probe = await dirError(() => assertWritableDir(ro.path, 'experiments folder'));
      expect(probe.message).toMatch(
        new RegExp(`^cannot write in the experiments folder .*ro: ${ro.reason}$`),
      );
    } finally {
      ro.release();
    }
  });
});

/**
 * A folder nobody here may write in: for a normal user a mode-555 folder; for root, whom modes do
 * not stop, a read-only tmpfs mounted on it.
 */
function readOnlyFolder(path: string): { path: string; reason: string; release: () => void } {
  mkdirSync(path);
  if (!isRoot) {
    chmodSync(path, 0o555);
    return { path, reason: 'permission denied \\(EACCES\\)', release: () => chmodSync(path, 0o755) };
  }
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=16k', 'tmpfs', path], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0)
    throw new Error(`cannot mount a read-only tmpfs as root: ${mounted.stderr || mounted.error}`);
  return {
    path,
    reason: 'read-only file system \\(EROFS\\)',
    release: () => spawnSync('umount', [path]),
  };
}

describe('assertWritableDir', () => {
  it('passes for a writable folder and leaves nothing behind', async () => {
    await assertWritableDir(dir);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails with the path and the reason otherwise', async () => {
    const error = await dirError(() => assertWritableDir(join(dir, 'missing'), 'experiments folder'));
    expect(error.message).toMatch(/^cannot write in the experiments folder .*missing: /);
  });
});

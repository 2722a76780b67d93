import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type FileOp, injectedFault } from './faults.ts';
import type { RunOwner } from './owner.ts';

/**
 * Atomic file replacement: a reader (or a crash) sees either the old file or the whole new one,
 * never a half-written one. The data go to a temp file in the same folder (a rename is only atomic
 * within one file system), which is fsynced, renamed over the target, and then the folder is
 * fsynced so the rename itself survives a power cut.
 *
 * The parent folder must exist: creating it here would hide a wrong path.
 *
 * A file of a run folder is written by the run's owner (owner.ts): its temp file goes in the
 * owner's capability folder instead, so that an owner superseded by a newer one writes nothing
 * (the write throws `RunTakenOver`).
 *
 * ```ts
 * await writeFileAtomic('experiments/mlp/20261126-153012-a3f9/config.yaml', yamlText);
 * await writeJsonAtomic(metaPath(runDir), meta);
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  owner?: RunOwner,
): Promise<void> {
  const tmp = owner?.tempPath(path) ?? tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx', 0o644);
    fault('write', path);
    await handle.writeFile(data);
    fault('sync', path);
    await handle.sync();
    await handle.close();
    handle = undefined;
    fault('rename', path);
    await rename(tmp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw failure(path, error, owner);
  }
  await fsyncDir(dirname(path));
}

/** Synchronous {@link writeFileAtomic}, for exit paths where no event loop turn is left. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, owner?: RunOwner): void {
  const tmp = owner?.tempPath(path) ?? tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    fault('write', path);
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    fault('sync', path);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    fault('rename', path);
    renameSync(tmp, path);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    rmSync(tmp, { force: true });
    throw failure(path, error, owner);
  }
  fsyncDirSync(dirname(path));
}

/** A failed write's error: the owner's `RunTakenOver` if it lost the run, else {@link writeError}. */
function failure(path: string, error: unknown, owner: RunOwner | undefined): unknown {
  const lost = owner?.failure(error);
  return lost !== undefined && lost !== error ? lost : writeError(path, error);
}

/**
 * Rewrites the existing file `path` in place, without allocating: only when `data` fits in the
 * disk blocks the file already holds; returns false (and changes nothing) otherwise. Not atomic: a
 * crash in the middle leaves a mix. It is the last resort of a write that failed because the disk
 * is full (ENOSPC), where an atomic write, which needs room for a second copy, cannot work.
 */
export function overwriteFileInPlaceSync(path: string, data: string | Uint8Array, owner?: RunOwner): boolean {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  // An owner opens the file through its capability (a superseded one cannot open it).
  const fd = openSync(owner?.appendPath(path) ?? path, 'r+');
  try {
    const { size, blocks, blksize } = fstatSync(fd);
    // `blocks` counts 512-byte units; a file system that reports none (0) gets its size rounded up.
    const room = blocks > 0 ? blocks * 512 : Math.ceil(size / (blksize || 4096)) * (blksize || 4096);
    if (bytes.byteLength > room) return false;
    const injected = injectedFault('overwrite', path);
    if (injected) throw injected;
    let offset = 0;
    while (offset < bytes.byteLength)
      offset += writeSync(fd, bytes, offset, bytes.byteLength - offset, offset);
    ftruncateSync(fd, bytes.byteLength);
    fsyncSync(fd);
    return true;
  } catch (error) {
    throw writeError(path, error);
  } finally {
    closeSync(fd);
  }
}

/** Whether an error (or the error it wraps) says the disk or the quota is full. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

/** `value` as pretty JSON (2-space indent, trailing newline), written atomically. */
export async function writeJsonAtomic(path: string, value: unknown, owner?: RunOwner): Promise<void> {
  await writeFileAtomic(path, toJsonText(value), owner);
}

/** Synchronous {@link writeJsonAtomic}. */
export function writeJsonAtomicSync(path: string, value: unknown, owner?: RunOwner): void {
  writeFileAtomicSync(path, toJsonText(value), owner);
}

// Temp files start with a dot and end in `.tmp`: listings of steps and runs skip them (dot
// entries, and names that do not parse as a step). The pid in the name tells whose it is
// (see TEMP_FILE_PATTERN).
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** The temp file of an atomic write of `<target>` by process `<pid>`: `.<target>.<pid>.<12 hex>.tmp`. */
export const TEMP_FILE_PATTERN = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** Throws the fault injected at this operation, if any (see faults.ts). */
function fault(op: FileOp, path: string): void {
  const injected = injectedFault(op, path);
  if (injected) throw injected;
}

function toJsonText(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) throw new TypeError('writeJsonAtomic: value is not JSON-serialisable');
  return `${text}\n`;
}

/** `could not write <path>: <why>`, the error of a failed write, with the original as its cause. */
export function writeError(path: string, error: unknown): Error {
  const detail = error instanceof Error ? error.message : String(error);
  return new Error(`could not write ${path}: ${detail}`, { cause: error });
}

// Some platforms and file systems refuse to open or fsync a folder; the file itself is already
// durable then, only the rename might not be, which is the best those systems offer.
const DIR_FSYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EACCES']);

/** fsyncs a folder, so renames and new entries in it survive a power cut (where the platform can). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!DIR_FSYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (!DIR_FSYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

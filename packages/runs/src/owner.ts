/**
 * Who may write a run folder: its one current owner. Whoever trains a run (`pnpm exp`, a sweep
 * member, a queue worker) or records into it (`pnpm eval`, `pnpm sample`) holds it under an
 * **epoch** that grows by one with every takeover: a fencing token, as ZooKeeper's zxid, Chubby's
 * sequencers or Kafka's leader epochs are. A process that only *believes* it still owns a run (it
 * was paused past its lease, cut off from the queue, or its liveness was misjudged) writes
 * nothing more once a newer epoch has taken the run, whatever it does.
 *
 * The token is checked by the file system itself, not by the writer: every write of epoch N goes
 * through a folder that exists only while epoch N owns the run, its *capability*:
 *
 * ```
 * <run>/.owner/epoch-000003/           epoch 3's capability (the newest epoch holds the run)
 *                 claim.json           who claimed it: label, process, time
 *                 .<file>.<pid>.<hex>.tmp   temp files of its atomic writes (renamed into the run)
 *                 append.metrics.jsonl      hard links through which it appends to the run's logs
 * ```
 *
 * - An atomic write (meta.json, checkpoints, sample grids, the GIF, config.yaml) writes its temp
 *   file in the capability and renames it into the run; a removal renames the file into it first.
 * - An appending writer (metrics.jsonl, eval.jsonl, the trace) opens its file through a hard link
 *   in the capability.
 * - A takeover ({@link RunOwner.claim}) creates the next epoch's folder (`mkdir`: exactly one
 *   claimant wins it), then *revokes* every older capability by renaming it away (atomic), and
 *   only then reads anything. From that moment an older owner's writes cannot land: its temp
 *   paths and link paths no longer resolve (ENOENT), and the files it still holds open for
 *   appending are replaced by new copies (cut at their length when revoked), so what it appends
 *   goes to files no longer in the run. Every write that fails so, and every appended row (a
 *   `stat` of the capability), finds out and throws {@link RunTakenOver}, naming the new owner.
 *
 * ```ts
 * const owner = RunOwner.claim(runDir, 'worker w2', { after: seenEpoch }); // throws if someone was faster
 * writeMetaSync(owner, { ...meta, status: 'running' });                    // throws RunTakenOver once superseded
 * ```
 *
 * NOTE: the guarantee rests on `mkdir`, `rename` and `link` being atomic and on a path being
 * resolved when a call starts, which local file systems and NFS (v3 and later) give. A write that
 * a stale owner started before the revocation completes before it; the new owner reads the run
 * only after the revocation, so it sees such a write, as it would any write of its predecessor.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, join, relative } from 'node:path';
import { currentProcess, type LivenessOptions, type RunProcess, runLiveness } from './liveness.ts';
import { lastActivity, type RunMeta, readMeta } from './meta.ts';

/** The folder of a run that holds its owners' capabilities. */
export const OWNER_DIR = '.owner';

const EPOCH_DIGITS = 6;
const EPOCH_NAME = /^epoch-(\d+)$/;
const CLAIM_FILE = 'claim.json';
/** Revoked capabilities are renamed to this prefix before they are removed. */
const REVOKED_PREFIX = 'revoked-';

/** Who claimed an epoch of a run, as its `claim.json` says. */
export interface OwnerClaim {
  epoch: number;
  /** Who, in words: `worker w2`, `pnpm exp --resume`, `pnpm eval`. */
  label: string;
  process: RunProcess;
  /** ISO 8601, UTC. */
  claimedAt: string;
}

/** What a thread needs to write as an owner (plain data, for postMessage). */
export interface OwnerToken {
  epoch: number;
  label: string;
}

/**
 * Thrown when a run's ownership is not (or no longer) this process's: a write of an owner that a
 * newer epoch has taken over (`phase: 'write'`), or a claim that another claimant won
 * (`phase: 'claim'`). Nothing was written by the call that threw it.
 */
export class RunTakenOver extends Error {
  override readonly name = 'RunTakenOver';
  constructor(
    readonly runDir: string,
    readonly phase: 'claim' | 'write',
    /** The claim that holds the run now, when it could be read. */
    readonly newer: OwnerClaim | null,
  ) {
    const by = newer === null ? 'another owner (its claim could not be read)' : describeClaim(newer);
    super(
      phase === 'write'
        ? `${runDir} was taken over by ${by}: stopped without writing`
        : `${runDir} was claimed meanwhile by ${by}: left to it`,
    );
  }
}

/** `worker w2 (pid 4242 on vm, epoch 3)`. */
export function describeClaim(claim: OwnerClaim): string {
  return `${claim.label} (pid ${claim.process.pid} on ${claim.process.hostname}, epoch ${claim.epoch})`;
}

const ownersDir = (runDir: string) => join(runDir, OWNER_DIR);
const epochName = (epoch: number) => `epoch-${String(epoch).padStart(EPOCH_DIGITS, '0')}`;

/** The epochs that have a capability folder now, ascending. */
function epochsOf(runDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(ownersDir(runDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const epochs: number[] = [];
  for (const name of names) {
    const m = EPOCH_NAME.exec(name);
    if (m) epochs.push(Number(m[1]));
  }
  return epochs.sort((a, b) => a - b);
}

/** The newest epoch of a run (0: never claimed, a run recorded before owners were kept). */
export function currentEpoch(runDir: string): number {
  return epochsOf(runDir).at(-1) ?? 0;
}

/** The claim of the newest epoch, or null (none, or unreadable: a claim being written). */
export function currentClaim(runDir: string): OwnerClaim | null {
  const epoch = currentEpoch(runDir);
  return epoch === 0 ? null : readClaim(runDir, epoch);
}

function readClaim(runDir: string, epoch: number): OwnerClaim | null {
  try {
    const claim = JSON.parse(readFileSync(join(ownersDir(runDir), epochName(epoch), CLAIM_FILE), 'utf8'));
    return typeof claim?.label === 'string' && claim.process ? (claim as OwnerClaim) : null;
  } catch {
    return null;
  }
}

/** Writes `claim.json` into a fresh capability folder (temp file and rename, inside it). */
function writeClaim(dir: string, claim: OwnerClaim): void {
  const tmp = join(dir, `.${CLAIM_FILE}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(claim, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, CLAIM_FILE));
}

/** The files of a run that are appended to, and so are replaced on a takeover (see the module comment). */
function appendedFiles(runDir: string): string[] {
  return ['metrics.jsonl', 'eval.jsonl', 'trace/draws.u32', 'trace/indices.i32', 'trace/z.f32'].map((f) =>
    join(runDir, f),
  );
}

export interface ClaimOptions {
  /**
   * The epoch the caller saw when it decided to take the run over (from {@link currentEpoch},
   * read before the run's meta.json): the claim succeeds only if nobody has claimed the run
   * since, as a compare-and-swap. Default: whatever the newest epoch is now.
   */
  after?: number;
  /** The process recorded as the claimant (default: this one). */
  process?: RunProcess;
}

/**
 * The owner of a run folder, under one epoch. Made by {@link RunOwner.claim} (a takeover),
 * {@link RunOwner.found} (a new run folder is born owned), or {@link RunOwner.of} (an owner
 * handed to another thread of the same process).
 */
export class RunOwner {
  /** The capability folder: it exists exactly as long as this epoch owns the run. */
  readonly dir: string;

  private constructor(
    readonly runDir: string,
    readonly epoch: number,
    readonly label: string,
  ) {
    this.dir = join(ownersDir(runDir), epochName(epoch));
  }

  /** The owner of `token` (no I/O): how a training thread gets the owner its parent claimed. */
  static of(runDir: string, token: OwnerToken): RunOwner {
    return new RunOwner(runDir, token.epoch, token.label);
  }

  /**
   * Makes `stagingDir`, a run folder being built before it is renamed to its final name, owned by
   * epoch 1 from its first moment (see `createRunDir`); `RunOwner.of(runDir, token)` is its owner
   * once renamed.
   */
  static found(stagingDir: string, label: string): OwnerToken {
    const first = new RunOwner(stagingDir, 1, label);
    mkdirSync(first.dir, { recursive: true });
    writeClaim(first.dir, first.claimOf(currentProcess()));
    return first.token;
  }

  /**
   * Takes the run over: claims the next epoch, revokes every older one and replaces the files
   * they append to (see the module comment). Throws {@link RunTakenOver} (`phase: 'claim'`) when
   * another claimant won, or when the run was claimed since `options.after`.
   */
  static claim(runDir: string, label: string, options: ClaimOptions = {}): RunOwner {
    const seen = options.after ?? currentEpoch(runDir);
    const owner = new RunOwner(runDir, seen + 1, label);
    const lost = () => new RunTakenOver(runDir, 'claim', owner.newerClaim(owner.epoch));
    try {
      mkdirSync(ownersDir(runDir)); // not recursive: a missing run folder is an error
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      mkdirSync(owner.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw lost();
      throw error;
    }
    try {
      writeClaim(owner.dir, owner.claimOf(options.process ?? currentProcess()));
      // The newest epoch is never removed (only a newer claimant revokes it), so an epoch above
      // ours now means that we lost a race with a claim that saw an older listing than ours.
      if (currentEpoch(runDir) !== owner.epoch) throw lost();
    } catch (error) {
      rmSync(owner.dir, { recursive: true, force: true });
      throw error;
    }
    owner.revokeOlder();
    for (const file of appendedFiles(runDir)) owner.replaceAppended(file);
    return owner;
  }

  /** What this owner hands to a training thread. */
  get token(): OwnerToken {
    return { epoch: this.epoch, label: this.label };
  }

  /** True while this epoch owns the run (its capability exists). */
  holds(): boolean {
    return existsSync(this.dir);
  }

  /** Throws {@link RunTakenOver} unless this epoch still owns the run. */
  check(): void {
    if (!this.holds()) throw new RunTakenOver(this.runDir, 'write', this.newerClaim(this.epoch + 1));
  }

  /** A temp path for an atomic write of `target` (the write renames it over `target`). */
  tempPath(target: string): string {
    return join(this.dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  }

  /**
   * The path to open `target` (a file of the run) through, for appending: a hard link to it in
   * the capability; a missing `target` is created. Throws {@link RunTakenOver} when superseded.
   */
  appendPath(target: string): string {
    const link = join(this.dir, `append.${relative(this.runDir, target).replaceAll('/', '_')}`);
    rmSync(link, { force: true });
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(target, link);
        return link;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw this.failure(error);
      }
      // ENOENT: no such file yet (or no capability any more: check says which).
      this.check();
      closeSync(openSync(link, 'wx', 0o644));
      try {
        linkSync(link, target);
        return link;
      } catch (error) {
        rmSync(link, { force: true });
        // EEXIST: the file appeared meanwhile; link to it instead.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.failure(error);
      }
    }
  }

  /**
   * Removes `path` (a file of the run) by renaming it into the capability first, so a superseded
   * owner removes nothing. A missing file is no error.
   */
  remove(path: string): void {
    const aside = join(this.dir, `.removed.${randomBytes(6).toString('hex')}`);
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && this.holds()) return;
      throw this.failure(error);
    }
    rmSync(aside, { force: true });
  }

  /** Renames `from` to `to` (both in the run) through the capability. */
  move(from: string, to: string): void {
    const via = join(this.dir, `.moving.${randomBytes(6).toString('hex')}`);
    try {
      renameSync(from, via);
      renameSync(via, to);
    } catch (error) {
      throw this.failure(error);
    }
  }

  /**
   * The error a failed write of this owner throws: {@link RunTakenOver} when the failure came
   * from losing the capability, else `error` itself.
   */
  failure(error: unknown): unknown {
    if (error instanceof RunTakenOver) return error;
    return this.holds() ? error : new RunTakenOver(this.runDir, 'write', this.newerClaim(this.epoch + 1));
  }

  private claimOf(process: RunProcess): OwnerClaim {
    return { epoch: this.epoch, label: this.label, process, claimedAt: new Date().toISOString() };
  }

  /**
   * The newest claim, if it is of epoch `atLeast` or later and readable (its claim.json is written
   * just after its folder, so a claim seen too early is waited for, briefly).
   */
  private newerClaim(atLeast: number): OwnerClaim | null {
    for (let attempt = 0; attempt < 40; attempt++) {
      const epoch = currentEpoch(this.runDir);
      if (epoch < atLeast) return null;
      const claim = readClaim(this.runDir, epoch);
      if (claim !== null) return claim;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
    return null;
  }

  /** Renames every older capability away (the takeover's moment), then removes it. */
  private revokeOlder(): void {
    const dir = ownersDir(this.runDir);
    for (const epoch of epochsOf(this.runDir)) {
      if (epoch >= this.epoch) continue;
      const revoked = join(dir, `${REVOKED_PREFIX}${epochName(epoch)}.${randomBytes(4).toString('hex')}`);
      try {
        renameSync(join(dir, epochName(epoch)), revoked);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // revoked by a claimant between
        throw error;
      }
    }
    // Revoked folders of this claim and of claims that died before removing theirs.
    for (const name of readdirSync(dir)) {
      if (name.startsWith(REVOKED_PREFIX)) rmSync(join(dir, name), { recursive: true, force: true });
    }
  }

  /**
   * Replaces an appended file by a copy of its bytes as they are now, after the revocation: what
   * an older owner still appends through a descriptor it holds goes to the old file, out of the
   * run.
   */
  private replaceAppended(path: string): void {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const tmp = this.tempPath(path);
    try {
      const size = fstatSync(fd).size;
      copyFileSync(path, tmp);
      // Cut at the length seen after the revocation: a row appended since is the old owner's.
      if (statSync(tmp).size > size) {
        const cut = openSync(tmp, 'r+');
        try {
          ftruncateSync(cut, size);
        } finally {
          closeSync(cut);
        }
      }
      const out = openSync(tmp, 'r');
      try {
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      renameSync(tmp, path);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Who is taking the run over right now, if anyone: a claim newer than the epoch that last wrote
 * `meta` (its claimant has not written meta.json yet) whose process is alive here, or was claimed
 * recently elsewhere; 'another process' while its claim.json is still being written; else null.
 * Whoever decides from `meta` that a run is free (a resume, a tool, a sweep) must leave such a run
 * alone, or it takes the run from a claimant that is just starting it.
 */
export function startingClaimant(
  runDir: string,
  meta: Pick<RunMeta, 'owner'>,
  options: LivenessOptions = {},
): string | null {
  if (currentEpoch(runDir) <= (meta.owner?.epoch ?? 0)) return null;
  const claim = currentClaim(runDir);
  if (claim === null) return 'another process';
  const claimant = runLiveness(
    { status: 'running', process: claim.process, heartbeatAt: claim.claimedAt },
    options,
  );
  return claimant.state === 'alive' ? describeClaim(claim) : null;
}

/** What {@link claimIdleRun} found: the run's new owner, or why it was left alone. */
export type IdleClaim = { owner: RunOwner; busy: null } | { owner: null; busy: string };

/**
 * Takes a run over for a short write of a tool (`pnpm eval` recording its result, `pnpm sample`
 * saving a PNG into it), unless the run is training now (its process alive here, or its heartbeat
 * fresh): then nothing is claimed and `busy` says why, for the tool to write elsewhere or not at all.
 */
export async function claimIdleRun(runDir: string, label: string): Promise<IdleClaim> {
  const seen = currentEpoch(runDir);
  const meta = await readMeta(runDir);
  const liveness = runLiveness(meta, { lastActivityMs: await lastActivity(runDir) });
  if (liveness.state === 'alive') return { owner: null, busy: `the run is training (${liveness.detail})` };
  const starting = startingClaimant(runDir, meta);
  if (starting !== null) return { owner: null, busy: `${starting} is taking the run over` };
  try {
    return { owner: RunOwner.claim(runDir, label, { after: seen }), busy: null };
  } catch (error) {
    if (error instanceof RunTakenOver) return { owner: null, busy: error.message };
    throw error;
  }
}

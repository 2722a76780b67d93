import {
  closeSync,
  createReadStream,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import type { ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { writeError, writeFileAtomicSync } from './atomic.ts';
import { injectedFault } from './faults.ts';
import type { RunOwner } from './owner.ts';

/**
 * JSON Lines, one JSON object per line, for logs that grow while a run trains (metrics.jsonl,
 * eval.jsonl).
 *
 * Non-finite numbers (a diverged run logs NaN and Infinity) have no JSON form, so they are written
 * as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` and read back as numbers. NOTE: those
 * three strings are therefore reserved: a string value equal to one of them reads back as a number.
 */
export type JsonlRow = Record<string, unknown>;

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

function encodeValue(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function decodeValue(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && Object.hasOwn(NON_FINITE, value)) return NON_FINITE[value];
  return value;
}

/** One row as a line of text, newline included. Throws unless `row` is a plain JSON object. */
export function encodeJsonlLine(row: JsonlRow): string {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new TypeError(`a JSONL row must be an object, got ${Array.isArray(row) ? 'an array' : typeof row}`);
  }
  return `${JSON.stringify(row, encodeValue)}\n`;
}

/** Parses one line; throws a SyntaxError, or a TypeError if it is not an object. */
export function decodeJsonlLine(text: string): JsonlRow {
  const value: unknown = JSON.parse(text, decodeValue);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(
      `expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`,
    );
  }
  return value as JsonlRow;
}

export interface JsonlWriterOptions {
  /**
   * fsync at most this often, in milliseconds (default 1000); 0 fsyncs after every line. A line is
   * in the operating system's hands as soon as `write` returns, so a crash of this process loses
   * nothing; the interval only bounds what a power cut can lose.
   */
  fsyncIntervalMs?: number;
  /**
   * For a log of a run folder: the run's owner. The file is opened through its capability, and
   * every row first checks that it still owns the run (`RunTakenOver` otherwise; see owner.ts).
   */
  owner?: RunOwner;
}

/**
 * Appends rows to a JSONL file. Each line goes out in one `fs.writeSync` call, so a crash loses at
 * most the line in flight. Opening a file whose last line was cut off (a crash) first ends that
 * line, so the cut line stays alone on its line and readers report it as one bad line.
 *
 * ```ts
 * const log = new JsonlWriter(metricsPath(runDir));
 * log.write({ step: 1, dLoss: 1.38, gLoss: 0.69 });
 * log.close();
 * ```
 */
export class JsonlWriter {
  readonly path: string;
  private fd: number | null;
  private readonly fsyncIntervalMs: number;
  private lastSync = Date.now();
  private unsynced = false;
  private timer: NodeJS.Timeout | null = null;
  /** A failed fsync of the timer, thrown by the next call (a timer has no caller to throw to). */
  private failure: Error | null = null;
  private readonly owner: RunOwner | undefined;

  constructor(path: string, options: JsonlWriterOptions = {}) {
    const interval = options.fsyncIntervalMs ?? 1000;
    if (!(interval >= 0)) throw new RangeError(`fsyncIntervalMs must be >= 0, got ${interval}`);
    this.path = path;
    this.fsyncIntervalMs = interval;
    this.owner = options.owner;
    this.fd = openSync(this.owner?.appendPath(path) ?? path, 'a+');
    const size = fstatSync(this.fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(this.fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) this.writeText('\n');
    }
  }

  /** Appends one row (an object); non-finite numbers are encoded as strings (see {@link JsonlRow}). */
  write(row: JsonlRow): void {
    const line = encodeJsonlLine(row);
    this.owner?.check();
    try {
      const injected = injectedFault('append', this.path);
      if (injected) {
        // A full disk takes what fits: part of the line goes out before the error, as it would.
        if (injected.code === 'ENOSPC') this.writeText(line.slice(0, Math.floor(line.length / 2)));
        throw injected;
      }
      this.writeText(line);
    } catch (error) {
      throw writeError(this.path, error);
    }
    this.unsynced = true;
    const due = this.lastSync + this.fsyncIntervalMs - Date.now();
    if (due <= 0) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        try {
          if (this.fd !== null) this.flush();
        } catch (error) {
          this.failure = error as Error;
        }
      }, due);
      this.timer.unref(); // a pending fsync must not keep the process alive
    }
  }

  /** fsyncs everything written so far. */
  flush(): void {
    const fd = this.openFd();
    if (this.unsynced) {
      try {
        const injected = injectedFault('sync', this.path);
        if (injected) throw injected;
        fsyncSync(fd);
      } catch (error) {
        throw writeError(this.path, error);
      }
    }
    this.unsynced = false;
    this.lastSync = Date.now();
  }

  /** Flushes and closes; further writes throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const fd = this.fd;
    try {
      this.flush();
    } finally {
      closeSync(fd);
      this.fd = null;
    }
  }

  get closed(): boolean {
    return this.fd === null;
  }

  private openFd(): number {
    if (this.failure !== null) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
    if (this.fd === null) throw new Error(`${this.path}: the JSONL writer is closed`);
    return this.fd;
  }

  private writeText(text: string): void {
    const fd = this.openFd();
    const bytes = Buffer.from(text, 'utf8');
    // One call in practice: regular files do not take short writes.
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  }
}

/** A line that could not be read as a row. Lines count from 1. */
export interface JsonlBadLine {
  line: number;
  reason: string;
}

/** What a read found, besides the rows. */
export interface JsonlSummary {
  /** Rows yielded. */
  rows: number;
  /** Lines seen, blank ones included. */
  lines: number;
  /** True when the last line is cut off: it does not parse and has no final newline. */
  truncated: boolean;
  /** Line numbers of the lines skipped (a truncated last line included). */
  badLines: number[];
  /** The same lines with the reason. */
  problems: JsonlBadLine[];
}

export interface JsonlReadOptions {
  /** Called for every skipped line (throw from it to make bad lines fatal). */
  onBadLine?: (bad: JsonlBadLine) => void;
}

function emptySummary(): JsonlSummary {
  return { rows: 0, lines: 0, truncated: false, badLines: [], problems: [] };
}

/** Shared by the streaming and the sync reader: the row of one line, or null (blank or bad). */
function readLine(
  text: string,
  line: number,
  summary: JsonlSummary,
  options: JsonlReadOptions,
): JsonlRow | null {
  summary.lines = line;
  if (text.trim() === '') return null;
  try {
    const row = decodeJsonlLine(text);
    summary.rows++;
    return row;
  } catch (error) {
    const bad = { line, reason: (error as Error).message };
    summary.badLines.push(line);
    summary.problems.push(bad);
    options.onBadLine?.(bad);
    return null;
  }
}

function finish(summary: JsonlSummary, endsWithNewline: boolean): void {
  summary.truncated = !endsWithNewline && summary.badLines.at(-1) === summary.lines && summary.lines > 0;
}

/**
 * A streaming read of a JSONL file: iterate it once with `for await`; `summary` is complete when
 * the loop ends. Reads the file as it was when iteration began (rows appended later by a live run
 * are left for the next read), line by line, never the whole file at once.
 */
export class JsonlReader implements AsyncIterable<JsonlRow> {
  readonly path: string;
  readonly summary: JsonlSummary = emptySummary();
  private readonly options: JsonlReadOptions;
  private started = false;
  private stream: ReadStream | null = null;

  constructor(path: string, options: JsonlReadOptions = {}) {
    this.path = path;
    this.options = options;
  }

  /** Bytes read from the file so far. */
  get bytesRead(): number {
    return this.stream?.bytesRead ?? 0;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<JsonlRow, void, undefined> {
    if (this.started) throw new Error(`${this.path}: a JsonlReader can be iterated only once`);
    this.started = true;
    // Fix the length first, so a writer appending meanwhile cannot move the end under us.
    const handle = await open(this.path, 'r');
    let size: number;
    let endsWithNewline: boolean;
    try {
      size = (await handle.stat()).size;
      const last = Buffer.alloc(1);
      if (size > 0) await handle.read(last, 0, 1, size - 1);
      endsWithNewline = size > 0 && last[0] === 0x0a;
    } finally {
      await handle.close();
    }
    if (size === 0) return;
    const stream = createReadStream(this.path, { start: 0, end: size - 1 });
    this.stream = stream;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    try {
      let line = 0;
      for await (const text of lines) {
        const row = readLine(text, ++line, this.summary, this.options);
        if (row !== null) yield row;
      }
      finish(this.summary, endsWithNewline);
    } finally {
      lines.close();
      stream.destroy();
    }
  }
}

/**
 * Streams the rows of a JSONL file; bad lines (a cut-off last line after a crash, or a cut line
 * that a resumed run appended after) are skipped and reported in `summary`, never thrown.
 *
 * ```ts
 * const reader = readJsonl(metricsPath(runDir));
 * for await (const row of reader) plot(row.step, row.dLoss);
 * if (reader.summary.truncated) console.warn(`${reader.path}: last line cut off (crash?)`);
 * ```
 */
export function readJsonl(path: string, options: JsonlReadOptions = {}): JsonlReader {
  return new JsonlReader(path, options);
}

export interface JsonlReadResult {
  rows: JsonlRow[];
  summary: JsonlSummary;
}

/** All rows of a small JSONL file at once, with the same tolerance as {@link readJsonl}. */
export function readJsonlSync(path: string, options: JsonlReadOptions = {}): JsonlReadResult {
  const text = readFileSync(path, 'utf8');
  const summary = emptySummary();
  const rows: JsonlRow[] = [];
  if (text.length > 0) {
    const lines = text.split('\n');
    // A final newline leaves an empty last element that is not a line.
    if (text.endsWith('\n')) lines.pop();
    lines.forEach((lineText, i) => {
      const row = readLine(
        lineText.endsWith('\r') ? lineText.slice(0, -1) : lineText,
        i + 1,
        summary,
        options,
      );
      if (row !== null) rows.push(row);
    });
    finish(summary, text.endsWith('\n'));
  }
  return { rows, summary };
}

/**
 * Rewrites a JSONL file atomically with only the rows `keep` accepts (bad lines are dropped too);
 * returns the last row kept, or null. A missing file is left missing (null).
 *
 * ```ts
 * rewriteJsonlSync(metricsPath(runDir), (row) => typeof row.step === 'number' && row.step <= 5000);
 * ```
 */
export function rewriteJsonlSync(
  path: string,
  keep: (row: JsonlRow) => boolean,
  owner?: RunOwner,
): JsonlRow | null {
  let rows: JsonlRow[];
  try {
    rows = readJsonlSync(path).rows;
  } catch {
    return null; // no file yet
  }
  const kept = rows.filter(keep);
  writeFileAtomicSync(path, kept.map(encodeJsonlLine).join(''), owner);
  return kept.at(-1) ?? null;
}

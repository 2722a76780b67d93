import { type FileHandle, open } from 'node:fs/promises';
import { decodeJsonlLine, hasStep, type JsonlRow } from '@gan/runs';

/** A metrics row: a decoded line with a whole-number `step`. */
export type StepRow = JsonlRow & { step: number };

/** What {@link readLastRow} found at the end of a JSONL file. */
export interface LastRow {
  /** The last row that parses and has a `step`, or null (no such row, or no file). */
  row: StepRow | null;
  /** True when the file's last line is cut off (no final newline and it does not parse). */
  truncated: boolean;
  /** Lines after `row` that were skipped because they do not parse (the cut-off line included). */
  badLines: number;
  /** Bytes read, to show that a long file was not read whole. */
  bytesRead: number;
}

export interface ReadLastRowOptions {
  /** Bytes read per step backwards from the end (default 64 KiB). */
  chunkBytes?: number;
  /**
   * Each row as the caller reads it, applied before the row is kept or averaged (the report reads
   * old rows as today's columns: `currentRow` in runs.ts). Default: the row as written.
   */
  map?: (row: StepRow) => StepRow;
}

const NEWLINE = 0x0a;

/** What the backward line walk has learnt about the file so far. */
interface WalkState {
  bytesRead: number;
  /** Whether the file ends with a newline (known once the first line is yielded). */
  endsWithNewline: boolean;
}

/**
 * The lines of an open file from the last to the first, read `chunkBytes` at a time from the end;
 * each comes with `isLast` (the file's last line). Stop iterating to stop reading.
 */
async function* linesFromEnd(
  handle: FileHandle,
  chunkBytes: number,
  state: WalkState,
): AsyncGenerator<{ text: string; isLast: boolean }> {
  const size = (await handle.stat()).size;
  let end = size; // bytes [end, size) are already split into lines
  let carry = Buffer.alloc(0); // the start of a line whose beginning lies before `end`
  let atFileEnd = true;
  while (end > 0) {
    const start = Math.max(0, end - chunkBytes);
    const chunk = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, start);
    state.bytesRead += bytesRead;
    const buf = Buffer.concat([chunk.subarray(0, bytesRead), carry]);
    // Walk the lines of `buf` from the last one; the first line is complete only at the file start.
    let lineEnd = buf.length;
    if (end === size && lineEnd > 0 && buf[lineEnd - 1] === NEWLINE) {
      state.endsWithNewline = true;
      lineEnd--;
    }
    for (;;) {
      const nl = lineEnd > 0 ? buf.lastIndexOf(NEWLINE, lineEnd - 1) : -1; // a negative offset would count from the end
      if (nl < 0 && start > 0) break; // the line continues in the previous chunk
      const isLast = atFileEnd;
      atFileEnd = false;
      yield { text: buf.subarray(nl + 1, lineEnd).toString('utf8'), isLast };
      if (nl < 0) return; // reached the start of the file
      lineEnd = nl;
    }
    carry = Buffer.from(buf.subarray(0, lineEnd));
    end = start;
  }
}

/** Opens `path` for reading; null when it does not exist. */
async function openOrNull(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function checkChunkBytes(chunkBytes: number): void {
  if (!(chunkBytes >= 1)) throw new RangeError(`chunkBytes must be >= 1, got ${chunkBytes}`);
}

/**
 * The last row of a JSONL log (metrics.jsonl, eval.jsonl) without reading the whole file: reads
 * backwards from the end, `chunkBytes` at a time, until a complete line decodes. Lines are
 * decoded with the store's own `decodeJsonlLine`, with the store reader's tolerance: a cut-off or
 * otherwise bad line is skipped, a last line that parses without its final newline counts. A
 * missing file gives `row: null`.
 *
 * ```ts
 * const { row } = await readLastRow(metricsPath(runDir));
 * row?.dLoss; // the final D loss
 * ```
 */
export async function readLastRow(path: string, options: ReadLastRowOptions = {}): Promise<LastRow> {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  checkChunkBytes(chunkBytes);
  const result: LastRow = { row: null, truncated: false, badLines: 0, bytesRead: 0 };
  const handle = await openOrNull(path);
  if (handle === null) return result;
  const state: WalkState = { bytesRead: 0, endsWithNewline: false };
  try {
    for await (const { text, isLast } of linesFromEnd(handle, chunkBytes, state)) {
      const row = decodeLine(text);
      if (row === 'blank') continue; // blank lines are neither rows nor problems
      if (row === null) {
        result.badLines++;
        if (isLast && !state.endsWithNewline) result.truncated = true;
        continue;
      }
      result.row = options.map ? options.map(row) : row;
      break;
    }
    result.bytesRead = state.bytesRead;
    return result;
  } finally {
    await handle.close();
  }
}

/** What {@link readTailWindow} found: the last row, and the means over the last `steps` steps. */
export interface TailWindow extends LastRow {
  /** The window asked for, in steps. */
  steps: number;
  /** The first and last step of the rows averaged (null when there is no row). */
  fromStep: number | null;
  toStep: number | null;
  /** Rows averaged: those with `toStep - steps < step <= toStep`. */
  rows: number;
  /**
   * The mean of each numeric field (`step` excepted) over those rows, over the rows that have it.
   * A NaN or infinite value in the window makes its mean NaN or infinite: a window that saw a
   * divergence says so.
   */
  mean: Record<string, number>;
}

/**
 * The last row of a metrics log and the mean of every metric over its last `steps` steps (the rows
 * with `last.step - steps < step <= last.step`), reading backwards from the end only as far as
 * the window reaches, never the whole file unless the window covers it. As the store's reader
 * does, a step logged twice counts once, with its later row; bad lines are skipped.
 *
 * ```ts
 * const w = await readTailWindow(metricsPath(runDir), 1000);
 * w.mean.dFake; // D(G(z)) averaged over the rows of the last 1000 steps
 * w.rows;       // 100 when the run logs every 10 steps
 * ```
 */
export async function readTailWindow(
  path: string,
  steps: number,
  options: ReadLastRowOptions = {},
): Promise<TailWindow> {
  if (!(Number.isInteger(steps) && steps >= 1)) {
    throw new RangeError(`steps must be a whole number >= 1, got ${steps}`);
  }
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  checkChunkBytes(chunkBytes);
  const result: TailWindow = {
    row: null,
    truncated: false,
    badLines: 0,
    bytesRead: 0,
    steps,
    fromStep: null,
    toStep: null,
    rows: 0,
    mean: {},
  };
  const handle = await openOrNull(path);
  if (handle === null) return result;
  const state: WalkState = { bytesRead: 0, endsWithNewline: false };
  const sums = new Map<string, { sum: number; count: number }>();
  const seen = new Set<number>();
  try {
    for await (const { text, isLast } of linesFromEnd(handle, chunkBytes, state)) {
      const decoded = decodeLine(text);
      if (decoded === 'blank') continue;
      if (decoded === null) {
        result.badLines++;
        if (isLast && !state.endsWithNewline) result.truncated = true;
        continue;
      }
      const row = options.map ? options.map(decoded) : decoded;
      if (result.row === null) {
        result.row = row;
        result.toStep = row.step;
      }
      const last = result.toStep!;
      if (row.step <= last - steps) break; // the rows before this one are older still
      // A later row of the same step (or a row past the last step, superseded) wins.
      if (row.step > last || seen.has(row.step)) continue;
      seen.add(row.step);
      result.rows++;
      result.fromStep = row.step;
      for (const [key, value] of Object.entries(row)) {
        if (key === 'step' || typeof value !== 'number') continue;
        const s = sums.get(key) ?? { sum: 0, count: 0 };
        s.sum += value;
        s.count++;
        sums.set(key, s);
      }
    }
    for (const [key, s] of sums) result.mean[key] = s.sum / s.count;
    result.bytesRead = state.bytesRead;
    return result;
  } finally {
    await handle.close();
  }
}

function decodeLine(text: string): StepRow | null | 'blank' {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (line.trim() === '') return 'blank';
  try {
    const row = decodeJsonlLine(line);
    return hasStep(row) ? row : null;
  } catch {
    return null;
  }
}

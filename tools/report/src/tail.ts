import { open } from 'node:fs/promises';
import { decodeJsonlLine, hasStep, type JsonlRow } from '@gan/gan-runner';

/** What {@link readLastRow} found at the end of a JSONL file. */
export interface LastRow {
  /** The last row that parses and has a `step`, or null (no such row, or no file). */
  row: (JsonlRow & { step: number }) | null;
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
}

const NEWLINE = 0x0a;

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
  if (!(chunkBytes >= 1)) throw new RangeError(`chunkBytes must be >= 1, got ${chunkBytes}`);
  const result: LastRow = { row: null, truncated: false, badLines: 0, bytesRead: 0 };
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    let end = size; // bytes [end, size) are already split into lines
    let carry = Buffer.alloc(0); // the start of a line whose beginning lies before `end`
    let atFileEnd = true;
    let endsWithNewline = false;
    while (end > 0) {
      const start = Math.max(0, end - chunkBytes);
      const chunk = Buffer.alloc(end - start);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, start);
      result.bytesRead += bytesRead;
      const buf = Buffer.concat([chunk.subarray(0, bytesRead), carry]);
      // Walk the lines of `buf` from the last one; the first line is complete only at the file start.
      let lineEnd = buf.length;
      if (end === size && lineEnd > 0 && buf[lineEnd - 1] === NEWLINE) {
        endsWithNewline = true;
        lineEnd--;
      }
      for (;;) {
        const nl = lineEnd > 0 ? buf.lastIndexOf(NEWLINE, lineEnd - 1) : -1; // a negative offset would count from the end
        if (nl < 0 && start > 0) break; // the line continues in the previous chunk
        const text = buf.subarray(nl + 1, lineEnd).toString('utf8');
        const isLast = atFileEnd;
        atFileEnd = false;
        const row = decodeLine(text);
        if (row === 'blank') {
          // blank lines are neither rows nor problems
        } else if (row === null) {
          result.badLines++;
          if (isLast && !endsWithNewline) result.truncated = true;
        } else {
          result.row = row;
          return result;
        }
        if (nl < 0) return result; // reached the start of the file
        lineEnd = nl;
      }
      carry = Buffer.from(buf.subarray(0, lineEnd));
      end = start;
    }
    return result;
  } finally {
    await handle.close();
  }
}

function decodeLine(text: string): (JsonlRow & { step: number }) | null | 'blank' {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (line.trim() === '') return 'blank';
  try {
    const row = decodeJsonlLine(line);
    return hasStep(row) ? row : null;
  } catch {
    return null;
  }
}

/**
 * Following a growing JSONL file (metrics.jsonl, eval.jsonl): each read returns the rows of the
 * bytes appended since the last one, read from the last offset; the file is never read whole
 * again. A cut-off last line waits for its end; a file that shrank (a resumed run drops the rows
 * after its checkpoint and writes them again) starts over, and says so (`reset`).
 */
import { open } from 'node:fs/promises';
import { decodeJsonlLine, hasStep, type JsonlRow } from '@gan/runs';

export interface TailRead {
  rows: JsonlRow[];
  /** True when the file was rewritten shorter: the rows are the whole file again. */
  reset: boolean;
}

export class FileTail {
  private offset = 0;
  /** Bytes of a line not yet ended by a newline. */
  private partial: Buffer = Buffer.alloc(0);

  constructor(readonly path: string) {}

  /** Bytes read so far. */
  get position(): number {
    return this.offset;
  }

  /** Reads in progress run one after another: two at once would both advance the offset. */
  private queue: Promise<unknown> = Promise.resolve();

  /** The rows appended since the last read (a missing file has none). Lines without a step are skipped. */
  read(): Promise<TailRead> {
    const next = this.queue.then(() => this.readNow());
    this.queue = next.catch(() => {});
    return next;
  }

  private async readNow(): Promise<TailRead> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return { rows: [], reset: false };
    }
    let reset = false;
    const chunks: Buffer[] = [this.partial];
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        this.offset = 0;
        chunks.length = 0;
        reset = true;
      }
      while (this.offset < size) {
        const length = Math.min(size - this.offset, 1 << 20);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, this.offset);
        if (bytesRead === 0) break;
        chunks.push(buffer.subarray(0, bytesRead));
        this.offset += bytesRead;
      }
    } finally {
      await handle.close();
    }
    const bytes = Buffer.concat(chunks);
    const end = bytes.lastIndexOf(0x0a);
    this.partial = Buffer.from(end < 0 ? bytes : bytes.subarray(end + 1));
    const rows: JsonlRow[] = [];
    if (end >= 0) {
      for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          const row = decodeJsonlLine(line);
          if (hasStep(row)) rows.push(row);
        } catch {
          // a cut line left by a crash: the report notes it, the page just skips it
        }
      }
    }
    return { rows, reset };
  }
}

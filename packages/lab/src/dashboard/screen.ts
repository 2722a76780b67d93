import { EventEmitter } from 'node:events';

/** What the dashboard draws on: `process.stdout`, or a fake with the same few members in tests. */
export interface TerminalOutput {
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
  write(chunk: string): unknown;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

const CSI = '\x1b[';
/** Alternate screen on, cursor hidden, line wrap off (a miscounted wide line is cut, not wrapped). */
export const ENTER_FULL_SCREEN = `${CSI}?1049h${CSI}?25l${CSI}?7l${CSI}2J`;
/** Line wrap on, cursor shown, back to the main screen with its scrollback as it was. */
export const LEAVE_FULL_SCREEN = `${CSI}?7h${CSI}?25h${CSI}?1049l`;
/** Synchronized output: terminals that know it show a frame at once; others ignore it. */
const BEGIN_SYNC = `${CSI}?2026h`;
const END_SYNC = `${CSI}?2026l`;

/**
 * Paints whole frames (lines of text, ANSI colours allowed) at fixed positions, rewriting only
 * the lines that changed since the last frame.
 *
 * Positions are absolute (row by row from the top) rather than relative to the cursor, as Ink's
 * own renderer does, so a stray write from elsewhere (a warning on stderr) is gone after the next
 * full paint instead of shifting every later frame, and a frame as tall as the terminal never
 * scrolls it.
 *
 * ```ts
 * const screen = new FrameScreen(process.stdout, true);
 * screen.open();
 * screen.paint('line 1\nline 2');
 * screen.close();
 * ```
 */
export class FrameScreen {
  private previous: string[] = [];
  private full = true;
  private state: 'new' | 'open' | 'closed' = 'new';
  /** The last frame painted (for tests and the final summary). */
  lastFrame = '';

  constructor(
    private readonly out: TerminalOutput,
    /** Use the alternate screen (and restore the main one on close). */
    private readonly fullScreen: boolean,
  ) {}

  get columns(): number {
    return this.out.columns || 80;
  }

  get rows(): number {
    return this.out.rows || 24;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  open(): void {
    if (this.state !== 'new') return;
    this.state = 'open';
    if (this.fullScreen) this.out.write(ENTER_FULL_SCREEN);
  }

  /** Repaint every line next time (after a resize, or when something else wrote to the terminal). */
  invalidate(): void {
    this.full = true;
  }

  paint(frame: string): void {
    if (this.state !== 'open') return;
    this.lastFrame = frame;
    const lines = frame.split('\n').slice(0, this.rows);
    let s = '';
    for (let i = 0; i < lines.length; i++) {
      if (!this.full && lines[i] === this.previous[i]) continue;
      // Erase first, then write: erasing after a full-width line would eat its last cell.
      s += `${CSI}${i + 1};1H${CSI}0m${CSI}2K${lines[i]}${CSI}0m`;
    }
    if ((this.full || lines.length < this.previous.length) && lines.length < this.rows) {
      s += `${CSI}${lines.length + 1};1H${CSI}0m${CSI}J`;
    }
    this.previous = lines;
    this.full = false;
    if (s !== '') this.out.write(BEGIN_SYNC + s + END_SYNC);
  }

  /** Back to the main screen. Idempotent, and safe to call from an exit handler. */
  close(): void {
    if (this.state !== 'open') {
      this.state = 'closed';
      return;
    }
    this.state = 'closed';
    if (this.fullScreen) this.out.write(LEAVE_FULL_SCREEN);
  }

  /**
   * A stand-in for stdout to give Ink (in its `debug` mode, where every render writes one whole
   * frame): frames go to `paint`. Ink reads the size from it; it reports no TTY so that Ink leaves
   * the cursor and the terminal modes to this screen.
   */
  inkStdout(): NodeJS.WriteStream {
    const sink = new EventEmitter() as EventEmitter & {
      write: (data: string, cb?: () => void) => boolean;
      readonly columns: number;
      readonly rows: number;
      isTTY: boolean;
    };
    sink.write = (data: string, cb?: () => void) => {
      if (data !== '') this.paint(data);
      cb?.();
      return true;
    };
    Object.defineProperty(sink, 'columns', { get: () => this.columns });
    Object.defineProperty(sink, 'rows', { get: () => this.rows });
    sink.isTTY = false;
    return sink as unknown as NodeJS.WriteStream;
  }
}

import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../run/events.ts';
import { type DashboardCallbacks, dashboardTerminal, holdTerminal, mountDashboard } from './mount.tsx';
import { ENTER_FULL_SCREEN, LEAVE_FULL_SCREEN } from './screen.ts';
import { runEvents } from './test-events.ts';

/** A terminal that records what is written to it. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  output = '';
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write(chunk: string) {
    this.output += chunk;
    return true;
  }
  /** A new size; what was on the screen is forgotten (the dashboard repaints all of it). */
  resize(columns: number, rows: number) {
    this.output = '';
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/** Keys typed into a terminal: what Ink reads from stdin. */
class FakeKeyboard extends EventEmitter {
  isTTY = true;
  rawMode = false;
  private pending: string | null = null;
  type(keys: string) {
    this.pending = keys;
    this.emit('readable');
  }
  read() {
    const p = this.pending;
    this.pending = null;
    return p;
  }
  setRawMode(on: boolean) {
    this.rawMode = on;
  }
  setEncoding() {}
  ref() {}
  unref() {}
  resume() {}
  pause() {}
}

/**
 * What a terminal shows after `output`: just enough of a terminal to replay the dashboard's
 * painting (cursor moves, erase line, erase below, text; colours and modes ignored).
 */
const CSI = new RegExp(`^${'\x1b'}\\[([?0-9;]*)([A-Za-z])`);

function screenText(output: string, columns: number, rows: number): string[] {
  const grid = Array.from({ length: rows }, () => Array<string>(columns).fill(' '));
  let r = 0;
  let c = 0;
  for (let i = 0; i < output.length; ) {
    if (output[i] === '\x1b') {
      const m = CSI.exec(output.slice(i, i + 24));
      if (m === null)
        throw new Error(`unexpected escape at ${i}: ${JSON.stringify(output.slice(i, i + 10))}`);
      const [all, params, cmd] = m;
      if (cmd === 'H') {
        const [row, col] = params.split(';').map(Number);
        r = (row || 1) - 1;
        c = (col || 1) - 1;
      } else if (cmd === 'K' && params === '2') grid[r].fill(' ');
      else if (cmd === 'J' && !params.startsWith('?')) {
        grid[r].fill(' ', c);
        for (let k = r + 1; k < rows; k++) grid[k].fill(' ');
      }
      i += all.length;
      continue;
    }
    const ch = String.fromCodePoint(output.codePointAt(i)!);
    if (ch === '\n') {
      r++;
      c = 0;
    } else if (ch === '\r') c = 0;
    else if (r < rows && c < columns) grid[r][c++] = ch;
    i += ch.length;
  }
  return grid.map((line) => line.join('').trimEnd());
}

function setup(columns = 100, rows = 32) {
  const terminal = new FakeTerminal(columns, rows);
  const keyboard = new FakeKeyboard();
  const callbacks: DashboardCallbacks = { onQuit: vi.fn(), onTogglePause: vi.fn(), onSample: vi.fn() };
  const listener = mountDashboard(callbacks, {
    stdout: terminal,
    stdin: keyboard as unknown as NodeJS.ReadStream,
    mode: 'ascii',
    refreshMs: 5,
    cwd: '/tmp',
  });
  const shown = () => screenText(terminal.output, terminal.columns, terminal.rows).join('\n');
  return { terminal, keyboard, callbacks, listener, shown };
}

const finished: RunEvent = {
  type: 'finished',
  status: 'completed',
  step: 1500,
  message: null,
  stepsPerSec: 250,
};

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
  vi.restoreAllMocks();
});

describe('mountDashboard', () => {
  it('draws the run on the alternate screen and restores the terminal when it finishes', async () => {
    const exitListeners = process.listenerCount('exit');
    const { terminal, keyboard, listener, shown } = setup();
    expect(terminal.output.startsWith(ENTER_FULL_SCREEN)).toBe(true);
    for (const e of runEvents(1500)) listener(e);
    await vi.waitFor(() => expect(shown()).toContain('1500/20000'));
    expect(shown()).toContain('Losses');
    expect(shown()).toContain('Samples · step 1000');
    expect(shown()).toContain('q stop');
    expect(keyboard.rawMode).toBe(true);

    listener(finished);
    expect(terminal.output).toContain(LEAVE_FULL_SCREEN);
    const after = terminal.output.slice(
      terminal.output.lastIndexOf(LEAVE_FULL_SCREEN) + LEAVE_FULL_SCREEN.length,
    );
    expect(after).toMatch(/^decay: completed at step 1500\/20000 in \d+:\d\d \(250 steps\/s\)\n/);
    expect(keyboard.rawMode).toBe(false);
    expect(process.listenerCount('exit')).toBe(exitListeners);
    // Late events are ignored, not drawn on the main screen.
    const length = terminal.output.length;
    listener(runEvents(10)[1]);
    expect(terminal.output.length).toBe(length);
  });

  it('maps q, p, s and Ctrl-C to the callbacks; q stops only once', async () => {
    const { keyboard, callbacks, listener, shown } = setup(120, 40);
    cleanups.push(() => listener(finished));
    for (const e of runEvents(100)) listener(e);
    keyboard.type('p');
    await vi.waitFor(() => expect(callbacks.onTogglePause).toHaveBeenCalledTimes(1));
    keyboard.type('s');
    await vi.waitFor(() => expect(callbacks.onSample).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect(shown()).toContain('sample grid requested'));
    expect(callbacks.onQuit).not.toHaveBeenCalled();

    keyboard.type('q');
    await vi.waitFor(() => expect(callbacks.onQuit).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect(shown()).toContain('● stopping…'));
    keyboard.type('q');
    keyboard.type('p');
    keyboard.type('s');
    // Ctrl-C after q reaches the CLI again: its second stop request ends the run at once.
    keyboard.type('\x03');
    await vi.waitFor(() => expect(callbacks.onQuit).toHaveBeenCalledTimes(2));
    expect(callbacks.onTogglePause).toHaveBeenCalledTimes(1);
    expect(callbacks.onSample).toHaveBeenCalledTimes(1);
  });

  it('follows a resize, down to the compact view and back', async () => {
    const { terminal, listener, shown } = setup();
    cleanups.push(() => listener(finished));
    for (const e of runEvents(500)) listener(e);
    await vi.waitFor(() => expect(shown()).toContain('Losses'));
    terminal.resize(40, 10);
    await vi.waitFor(() => expect(shown()).toContain('q stop · p pause · s sample'));
    expect(shown()).not.toContain('Losses');
    expect(shown()).toContain('500/20000');
    terminal.resize(90, 30);
    await vi.waitFor(() => expect(shown()).toContain('Discriminator'));
  });

  it('works without keys when stdin is not a terminal', async () => {
    const terminal = new FakeTerminal(100, 32);
    const keyboard = new FakeKeyboard();
    keyboard.isTTY = false;
    const listener = mountDashboard(
      { onQuit: vi.fn(), onTogglePause: vi.fn(), onSample: vi.fn() },
      { stdout: terminal, stdin: keyboard as unknown as NodeJS.ReadStream, mode: 'ascii', refreshMs: 5 },
    );
    cleanups.push(() => listener(finished));
    for (const e of runEvents(100)) listener(e);
    await vi.waitFor(() =>
      expect(screenText(terminal.output, 100, 32).join('\n')).toContain('keys unavailable'),
    );
    expect(keyboard.rawMode).toBe(false);
  });

  it('falls back to plain lines, on the main screen, if an event breaks the view', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { terminal, listener } = setup();
    listener(runEvents(10)[0]);
    listener({ type: 'metrics' } as unknown as RunEvent); // no row: the reducer throws
    expect(terminal.output).toContain(LEAVE_FULL_SCREEN);
    expect(process.stderr.write).toHaveBeenCalledWith(expect.stringContaining('dashboard failed'));
    listener(finished);
    expect(lines.join('')).toContain('finished status=completed step=1500');
  });
});

describe('holdTerminal', () => {
  it('repaints on resize, restores the terminal before an uncaught error is printed, and lets go', () => {
    const screenOut = new FakeTerminal(80, 24);
    const keyboard = new FakeKeyboard();
    const terminal = dashboardTerminal({
      stdout: screenOut,
      stdin: keyboard as unknown as NodeJS.ReadStream,
      mode: 'ascii',
    });
    const before = ['exit', 'uncaughtExceptionMonitor'].map((e) => process.listenerCount(e));
    terminal.screen.open();
    keyboard.setRawMode(true);
    const redraw = vi.fn();
    const monitors = process.listeners('uncaughtExceptionMonitor');
    const release = holdTerminal(terminal, redraw);
    const added = process.listeners('uncaughtExceptionMonitor').filter((m) => !monitors.includes(m));
    expect(added).toHaveLength(1);
    screenOut.resize(100, 30);
    expect(redraw).toHaveBeenCalledTimes(1);
    // What Node runs before printing an uncaught error: the main screen and line mode come back.
    added[0](new Error('boom'), 'uncaughtException');
    expect(screenOut.output).toContain(LEAVE_FULL_SCREEN);
    expect(keyboard.rawMode).toBe(false);
    release();
    expect(['exit', 'uncaughtExceptionMonitor'].map((e) => process.listenerCount(e))).toEqual(before);
    screenOut.resize(90, 30);
    expect(redraw).toHaveBeenCalledTimes(1);
  });
});

/** @jsxRuntime automatic */
import { type Instance, type Key, render, useInput } from 'ink';
import type { ReactElement } from 'react';
import { availableParallelism } from 'node:os';
import { plainLogger } from './plain.ts';
import { detectTerminalMode, type TerminalMode } from '@gan/training';
import type { RunEvent } from '../run/events.ts';
import { Dashboard } from './Dashboard.tsx';
import { FrameScreen, type TerminalOutput } from './screen.ts';
import { applyEvent, type DashboardEvent, type DashboardState, initialState, statusOf } from './state.ts';
import { summaryLines } from './summary.ts';

export interface DashboardCallbacks {
  /** `q` or Ctrl-C: stop after this step (checkpoint, status interrupted). Ctrl-C again forces. */
  onQuit: () => void;
  /** `p`: pause or resume training. */
  onTogglePause: () => void;
  /** `s`: save a sample grid now. */
  onSample: () => void;
}

/** Where a dashboard draws and how (the run dashboard's and the sweep dashboard's options). */
export interface TerminalOptions {
  /** Where to draw. Default `process.stdout`. */
  stdout?: TerminalOutput;
  /** Where keys come from; keys work only when it is a TTY. Default `process.stdin`. */
  stdin?: NodeJS.ReadStream;
  /** How to draw the sample picture. Default: what `detectTerminalMode` says for `stdout`. */
  mode?: TerminalMode;
  /** How often to look for changes to draw, in ms. Default 250. */
  refreshMs?: number;
  /** Draw on the alternate screen and restore the main one at the end. Default: `stdout.isTTY`. */
  fullScreen?: boolean;
  /** Wall clock in ms (tests pass a fake). Default `Date.now`. */
  clock?: () => number;
}

export interface DashboardOptions extends TerminalOptions {
  /** Run folders are shown relative to this. Default `process.cwd()`. */
  cwd?: string;
}

/** A dashboard's terminal, its options resolved. */
export interface DashboardTerminal {
  out: TerminalOutput;
  stdin: NodeJS.ReadStream;
  /** Whether keys can be read (stdin is a TTY). */
  keys: boolean;
  mode: TerminalMode;
  clock: () => number;
  screen: FrameScreen;
}

/** Resolves `options` to the terminal to draw on (the screen is not opened yet). */
export function dashboardTerminal(options: TerminalOptions): DashboardTerminal {
  const out = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  return {
    out,
    stdin,
    keys: stdin.isTTY === true,
    mode: options.mode ?? detectTerminalMode(out.isTTY === true),
    clock: options.clock ?? Date.now,
    screen: new FrameScreen(out, options.fullScreen ?? out.isTTY === true),
  };
}

/**
 * Holds the terminal while a dashboard is up: a resize repaints it with `redraw`, and whatever
 * ends the process (its exit, an uncaught error, before Node prints it) gives the terminal its
 * main screen, cursor and line mode back. Returns the release: the same now, handlers removed.
 */
export function holdTerminal(t: DashboardTerminal, redraw: () => void): () => void {
  const onResize = () => {
    t.screen.invalidate();
    redraw();
  };
  t.out.on('resize', onResize);
  const restore = () => {
    t.screen.close();
    if (t.keys && typeof t.stdin.setRawMode === 'function') t.stdin.setRawMode(false);
  };
  process.on('exit', restore);
  process.on('uncaughtExceptionMonitor', restore);
  return () => {
    t.out.off('resize', onResize);
    process.off('exit', restore);
    process.off('uncaughtExceptionMonitor', restore);
    restore();
  };
}

/** Redraws at most this often when only the run time changed. */
const CLOCK_TICK_MS = 1000;
/**
 * Timed draws wait at least this many times the usual draw duration: drawing then takes about
 * 1/60 of the machine's CPU (1/30 of a core on two cores, 1/8 of a core on eight), however slow
 * drawing is here (Ink measures every character of the screen: a full frame costs tens of
 * milliseconds), and leaves the rest to training...
 */
const DRAW_BUDGET = Math.max(5, 60 / availableParallelism());
/** ...but never longer than this (durations are wall time, inflated on a busy machine). */
const MAX_DRAW_GAP_MS = 2000;
/** Every line is repainted this often, healing anything written over the dashboard meanwhile. */
const FULL_REPAINT_MS = 5000;

interface AppProps {
  state: DashboardState;
  width: number;
  height: number;
  mode: TerminalMode;
  now: number;
  cwd: string;
  keys: boolean;
  onKey: (input: string, key: Key) => void;
}

function App({ onKey, keys, ...view }: AppProps) {
  // Only with a TTY on stdin: Ink cannot put anything else in raw mode and would throw.
  useInput(onKey, { isActive: keys });
  return <Dashboard {...view} keys={keys} />;
}

/**
 * Mounts the full-screen dashboard and returns the listener to feed every `RunEvent` to.
 *
 * Events only update a plain state object (`applyEvent`); a timer redraws every `refreshMs` when
 * that state changed (and once a second for the clock), so a flood of metrics costs one cheap
 * reducer call each and never a React update. Ink draws each frame into a `FrameScreen`, which
 * paints it on the alternate screen. When the `finished` event arrives the dashboard unmounts,
 * restores the terminal and leaves a short summary on it, so the process can end (`pnpm exp`
 * then draws the final sample grid under it: result.ts). If the view
 * ever fails, the terminal is restored and plain progress lines take over.
 *
 * ```ts
 * const listener = mountDashboard({ onQuit, onTogglePause, onSample });
 * startTraining(session, backend, listener);
 * ```
 */
export function mountDashboard(
  callbacks: DashboardCallbacks,
  options: DashboardOptions = {},
): (event: RunEvent) => void {
  const terminal = dashboardTerminal(options);
  const { out, stdin, keys, mode, clock, screen } = terminal;
  const cwd = options.cwd ?? process.cwd();

  let state = initialState();
  let drawn: DashboardState | null = null;
  let drawnAt = 0;
  let drawMs = 0;
  let quitSent = false;
  let ended = false;
  let fallback: ((event: RunEvent) => void) | null = null;

  const update = (event: DashboardEvent) => {
    state = applyEvent(state, event, clock());
  };

  const onKey = (input: string, key: Key) => {
    if (ended) return;
    const k = input.toLowerCase();
    if ((key.ctrl && k === 'c') || (k === 'q' && !key.ctrl && !quitSent)) {
      // Ctrl-C always reaches the CLI, whose second stop request ends the run at once.
      quitSent = true;
      update({ type: 'stop-requested' });
      callbacks.onQuit();
      screen.invalidate(); // the CLI may have written a line on the terminal
      draw();
    } else if (key.ctrl || key.meta || state.finished !== null || state.stopRequested) {
      // nothing else once stopping
    } else if (k === 'p') {
      callbacks.onTogglePause();
    } else if (k === 's') {
      update({ type: 'sample-requested' });
      callbacks.onSample();
      draw();
    }
  };

  const view = () => (
    <App
      state={state}
      width={screen.columns}
      height={screen.rows}
      mode={mode}
      now={clock()}
      cwd={cwd}
      keys={keys}
      onKey={onKey}
    />
  );

  const instance = renderOnScreen(screen, view(), stdin);
  drawn = state;
  drawnAt = performance.now();

  function draw() {
    if (ended) return;
    drawn = state;
    drawnAt = performance.now();
    instance.rerender(view());
    drawMs += 0.3 * (performance.now() - drawnAt - drawMs);
  }

  let repaintedAt = performance.now();
  const tick = () => {
    if (performance.now() - repaintedAt > FULL_REPAINT_MS) {
      screen.invalidate();
      repaintedAt = performance.now();
    }
    const since = performance.now() - drawnAt;
    if (since < Math.min(MAX_DRAW_GAP_MS, DRAW_BUDGET * drawMs)) return;
    const status = statusOf(state);
    const ticking = status === 'running' || status === 'paused' || status === 'stopping';
    if (state !== drawn || (ticking && since >= CLOCK_TICK_MS)) draw();
  };
  const timer = setInterval(tick, options.refreshMs ?? 250);
  timer.unref();

  const release = holdTerminal(terminal, draw);

  const teardown = () => {
    ended = true;
    clearInterval(timer);
    release();
  };

  const fail = (error: unknown): ((event: RunEvent) => void) => {
    if (fallback !== null) return fallback;
    if (!ended) {
      teardown();
      instance.unmount();
    }
    process.stderr.write(
      `dashboard failed, continuing with plain output: ${(error as Error)?.stack ?? error}\n`,
    );
    fallback = plainLogger(100);
    return fallback;
  };
  instance.waitUntilExit().catch(fail);

  const finish = () => {
    teardown();
    instance.unmount();
    out.write(`${summaryLines(state, clock(), screen.columns).join('\n')}\n`);
  };

  return (event: RunEvent) => {
    if (fallback !== null) {
      fallback(event);
      return;
    }
    if (ended) return;
    try {
      update(event);
      if (event.type === 'finished') finish();
    } catch (error) {
      const plain = fail(error);
      try {
        plain(event);
      } catch {
        // the event itself was malformed: reported above, nothing more to show
      }
    }
  };
}

/**
 * Opens `screen` and renders `node` on it with Ink, keys read from `stdin`. Debug mode writes each
 * render as one whole frame, which the screen paints; it also keeps Ink from rendering nothing
 * when it believes it runs in CI (the `CI` variable), and leaves the throttling to the caller's
 * timer. Ctrl-C and console output are the caller's.
 */
export function renderOnScreen(screen: FrameScreen, node: ReactElement, stdin: NodeJS.ReadStream): Instance {
  screen.open();
  return render(node, {
    stdout: screen.inkStdout(),
    stdin,
    stderr: process.stderr,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
}

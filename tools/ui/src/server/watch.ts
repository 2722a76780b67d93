/**
 * Live updates. A run's watch follows its folder with fs.watch (and, for file systems that do not
 * report changes, a stat every second): new metrics and eval rows are read from the tail of their
 * files (metrics rows as today's columns mean them, see @gan/runs columns.ts), new sample grids
 * and checkpoints listed, a changed meta.json read again. The runs listing is refreshed the same
 * way and sent only when it changed.
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { currentRow } from '@gan/report';
import {
  evalPath,
  gifPath,
  type JsonlRow,
  listCheckpoints,
  listSamples,
  metricsPath,
  type RunDirEntry,
  samplesDir,
} from '@gan/runs';
import type { ListEvent, RunEvent, RunSummary } from '../shared/api.ts';
import type { RunStore } from './store.ts';
import { FileTail } from './tail.ts';

/** Fallback interval for file systems without change notifications (and for liveness). */
const POLL_MS = 1000;
/** The live listing checks every run's files once in this many checks, running ones at each. */
const FULL_EVERY = 10;
/** Changes reported within this time are handled together. */
const SETTLE_MS = 20;

type Listener<E> = (event: E) => void;

/** fs.watch that never throws (a folder that does not exist yet is simply not watched). */
export function safeWatch(path: string, onChange: () => void): FSWatcher | null {
  try {
    const w = watch(path, { persistent: false }, onChange);
    w.on('error', () => w.close());
    return w;
  } catch {
    return null;
  }
}

/** Runs `fn` once at a time; a call while it runs schedules one more run after it. */
export function serialized(fn: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const go = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    fn()
      .catch(() => {})
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          go();
        }
      });
  };
  return go;
}

/** A run's metrics rows as today's columns mean them, as the report reads them (`currentRow`). */
function currentRows(rows: JsonlRow[], run: RunSummary): Record<string, number>[] {
  return rows.map((r) => currentRow(run, r) as Record<string, number>);
}

/** One run followed for its subscribers; the first subscriber starts it, the last one stops it. */
export class RunWatch {
  private readonly listeners = new Set<Listener<RunEvent>>();
  private readonly metrics: FileTail;
  private readonly evals: FileTail;
  private watchers: (FSWatcher | null)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private settle: NodeJS.Timeout | null = null;
  private filesSignature = '';
  private summarySignature = '';
  private readonly check = serialized(() => this.update());

  constructor(
    readonly entry: RunDirEntry,
    private readonly store: RunStore,
    private readonly onIdle: () => void,
  ) {
    this.metrics = new FileTail(metricsPath(entry.runDir));
    this.evals = new FileTail(evalPath(entry.runDir));
  }

  /**
   * Adds a subscriber; it first gets the whole history (rows with `reset`), then what is
   * appended. Returns the unsubscribe function.
   */
  async subscribe(listener: Listener<RunEvent>): Promise<() => void> {
    if (this.listeners.size === 0) this.start();
    this.listeners.add(listener);
    // A new subscriber gets everything so far from fresh tails of its own.
    const history = [new FileTail(this.metrics.path), new FileTail(this.evals.path)];
    const [m, e] = await Promise.all(history.map((t) => t.read()));
    const summary = await this.store.summary(this.entry);
    listener({ type: 'rows', file: 'metrics', rows: currentRows(m.rows, summary), reset: true });
    listener({ type: 'rows', file: 'eval', rows: e.rows as Record<string, number>[], reset: true });
    listener({ type: 'summary', summary });
    listener({ type: 'files', ...(await this.files()) });
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private start(): void {
    const poke = () => {
      if (this.settle === null)
        this.settle = setTimeout(() => {
          this.settle = null;
          this.check();
        }, SETTLE_MS);
    };
    this.watchers = [safeWatch(this.entry.runDir, poke), safeWatch(samplesDir(this.entry.runDir), poke)];
    this.timer = setInterval(this.check, POLL_MS);
    this.timer.unref();
    // The tails start at the end of what subscribers got as history.
    void this.metrics.read();
    void this.evals.read();
  }

  private stop(): void {
    for (const w of this.watchers) w?.close();
    this.watchers = [];
    if (this.timer !== null) clearInterval(this.timer);
    if (this.settle !== null) clearTimeout(this.settle);
    this.timer = this.settle = null;
    this.onIdle();
  }

  private emit(event: RunEvent): void {
    for (const l of this.listeners) l(event);
  }

  private async files() {
    const [samples, checkpoints, gif] = await Promise.all([
      listSamples(this.entry.runDir),
      listCheckpoints(this.entry.runDir),
      stat(gifPath(this.entry.runDir)).then(
        (s) => s.isFile(),
        () => false,
      ),
    ]);
    return { samples: samples.map((s) => s.step), checkpoints: checkpoints.map((c) => c.step), hasGif: gif };
  }

  private async update(): Promise<void> {
    // The summary first: its config says how to read the metrics rows.
    const summary = await this.store.summary(this.entry);
    for (const [file, tail] of [
      ['metrics', this.metrics],
      ['eval', this.evals],
    ] as const) {
      const { rows, reset } = await tail.read();
      if (rows.length > 0 || reset)
        this.emit({
          type: 'rows',
          file,
          rows: file === 'metrics' ? currentRows(rows, summary) : (rows as Record<string, number>[]),
          reset,
        });
    }
    const files = await this.files();
    const fs = JSON.stringify(files);
    if (fs !== this.filesSignature) {
      this.filesSignature = fs;
      this.emit({ type: 'files', ...files });
    }
    const ss = JSON.stringify(summary);
    if (ss !== this.summarySignature) {
      this.summarySignature = ss;
      this.emit({ type: 'summary', summary });
    }
  }
}

/** The runs listing, sent to subscribers when it changes. */
export class ListWatch {
  private readonly listeners = new Set<Listener<ListEvent>>();
  private watchers: (FSWatcher | null)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private signature = '';
  private ticks = 0;
  private readonly check = serialized(() => this.update());

  constructor(private readonly store: RunStore) {}

  /**
   * Adds a subscriber that was just sent `sent`; it hears of the listing again only when it
   * changes (a thousand rows drawn twice in the first second would halve the page's speed).
   */
  subscribe(listener: Listener<ListEvent>, sent: ListEvent): () => void {
    if (this.listeners.size === 0) {
      this.signature = JSON.stringify([sent.runs, sent.params]);
      this.watchers = [safeWatch(this.store.experimentsDir, () => this.check())];
      this.timer = setInterval(this.check, POLL_MS);
      this.timer.unref();
    }
    this.listeners.add(listener);
    this.check();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        for (const w of this.watchers) w?.close();
        if (this.timer !== null) clearInterval(this.timer);
        this.watchers = [];
        this.timer = null;
        this.signature = '';
      }
    };
  }

  private async update(): Promise<void> {
    // Each second the running and the new runs; every tenth, every run's files (a finished run
    // evaluated again, a run folder edited by hand).
    const list = await this.store.list({ quick: this.ticks++ % FULL_EVERY !== 0 });
    const signature = JSON.stringify([list.runs, list.params]);
    if (signature === this.signature) return;
    this.signature = signature;
    for (const l of this.listeners) l({ type: 'runs', runs: list.runs, params: list.params });
  }
}

/**
 * What the server sends the page: the JSON of `/api/...` and the server-sent events. Types only,
 * shared by the server (src/server) and the page (src/page), so the two cannot drift apart.
 */
import type { ExperimentConfig } from '@gan/training/config';

/** One run, as the runs page and the compare page show it. */
export interface RunSummary {
  /** `<config-folder>/<run-id>`: the run's address in URLs. */
  key: string;
  name: string;
  folder: string;
  runId: string;
  /** The report's status label: `running`, `completed`, `crashed`, `running?` (stale), `unreadable`, ... */
  status: string;
  /** Completed steps (meta.json, or the last metrics row). */
  step: number | null;
  /** `train.steps` of the run's config. */
  steps: number | null;
  startedAt: string | null;
  stepsPerSec: number | null;
  /**
   * The last metrics row's values, as today's columns mean them (an old run's printed D cost is
   * `dCostPrinted`, see @gan/runs columns.ts): dLoss, dCostPrinted (only runs that log it), gLoss,
   * dReal, dFake, ...; a listing has only these.
   */
  last: Record<string, number>;
  /** meta.json's latest evaluation, its scalar results only (a listing: modes covered and FD). */
  latestEval: Record<string, number | string>;
  /**
   * The resolved config, flattened to dotted keys: all of it for one run; in a listing, only the
   * keys that differ across the runs, and the seed.
   */
  params: Record<string, unknown>;
  /** The same for runs whose configs are the same but for the seed (the report's default groups). */
  configKey: string;
  /** What could not be read (a corrupt meta.json, a cut-off line): the run's state, shown as text. */
  notes: string[];
}

export interface RunsResponse {
  experimentsDir: string;
  runs: RunSummary[];
  /** Config keys that differ across the runs (the report's parameter columns). */
  params: string[];
  /** Folders that look like runs but are not (no meta.json), with the reason. */
  skipped: { path: string; reason: string }[];
  /** Milliseconds the server took to list. */
  listedInMs: number;
}

/** One run in full: what its page shows besides the live curves. */
export interface RunDetail {
  summary: RunSummary;
  /** config.yaml as written, or null when unreadable. */
  configText: string | null;
  meta: unknown;
  /** Steps of the saved sample grids, ascending. */
  samples: number[];
  hasGif: boolean;
  /** Steps of the checkpoints, ascending. */
  checkpoints: number[];
  /** How the page can run this run's generator, or why it cannot. */
  generator: GeneratorSpec | { unavailable: string };
}

/**
 * Everything the page needs to draw what `pnpm sample` draws: the run's config (G's layers), how
 * z is drawn, and how its output becomes grey levels.
 */
export interface GeneratorSpec {
  zSize: number;
  zDistribution: 'uniform' | 'normal';
  /** The run's resolved config: the page builds G from it with @gan/training's own builder. */
  config: ExperimentConfig;
  /** Values per sample (G's output width). */
  dataDim: number;
  width: number;
  height: number;
  /** Planes per image, channel-major (CHW): 3 for stacked MNIST (drawn as RGB); absent = 1. */
  channels?: number;
  /** For 2-D data, the mixture of Gaussians its points come from (drawn under the points). */
  mixture?: { centres: Array<[number, number]>; std: number };
  /** `output`: a fixed range mapped to 0..255; `stretch`: each image from its own min to max. */
  pixels: { mode: 'output'; lo: number; hi: number } | { mode: 'stretch' };
}

/** A sweep, as its page shows it. */
export interface SweepSummary {
  id: string;
  name: string;
  status: string;
  createdAt: string | null;
  /** The swept config keys. */
  params: string[];
  members: {
    key: string | null;
    index: number;
    overrides: Record<string, unknown>;
    run: RunSummary | null;
  }[];
}

/** Events of `/api/runs/<key>/events`; metrics rows as today's columns mean them, as `last`. */
export type RunEvent =
  | { type: 'rows'; file: 'metrics' | 'eval'; rows: Record<string, number>[]; reset: boolean }
  | { type: 'summary'; summary: RunSummary }
  | { type: 'files'; samples: number[]; checkpoints: number[]; hasGif: boolean };

/** Events of `/api/events`: the runs listing changed (new runs, progress, status). */
export type ListEvent = { type: 'runs'; runs: RunSummary[]; params: string[] };

/** The metrics rows of one run, with the byte offset they were read up to. */
export interface SeriesResponse {
  rows: Record<string, number>[];
}

/**
 * Where each panel goes for a terminal of `width` x `height` cells (pure arithmetic, so the
 * views stay dumb and every size is testable).
 *
 * ```
 * header                                    (1 line)
 * progress                                  (1 line)
 * ┌ losses chart ─────────┐┌ samples ──────┐
 * └───────────────────────┘│               │ (main: the rest)
 * ┌ D(x), D(G(z)) chart ──┐│               │
 * └───────────────────────┘└───────────────┘
 * ┌ training ─┐┌ evaluation ─┐┌ log ───────┐ (bottom: 6 or 7 lines)
 * help                                      (1 line)
 * ```
 */
import type { GrayImage } from '@gan/training';
import { planPicture, type Size } from './picture.ts';

export type { Size } from './picture.ts';

/** Below this size the dashboard shows the compact view (a few lines of text). */
export const MIN_FULL_WIDTH = 72;
export const MIN_FULL_HEIGHT = 20;

/** Narrower than this, the log panel is left out. */
const MIN_LOG_WIDTH = 110;
/** Both charts need this much main height; less shows the loss chart only. */
const TWO_CHARTS_HEIGHT = 14;

export const STATS_WIDTH = 38;
const EVAL_WIDTH = 36;

/** The samples panel is at least this wide inside (its title, `Samples 9/16 · step 20000`). */
const MIN_SAMPLES_INNER = 26;
/** Samples panel: border (2) + padding (2) around the picture. */
const SAMPLES_CHROME_X = 4;
/** Samples panel: top border with title + bottom border. */
const SAMPLES_CHROME_Y = 2;

export interface FullLayout {
  kind: 'full';
  width: number;
  height: number;
  /** Height of the charts/samples row. */
  mainHeight: number;
  chartsWidth: number;
  /** Heights of the two chart panels; `probs` is 0 when only the loss chart fits. */
  lossHeight: number;
  probsHeight: number;
  samplesWidth: number;
  /** Picture box inside the samples panel, in cells. */
  picture: Size;
  bottomHeight: number;
  statsWidth: number;
  evalWidth: number;
  /** 0 when the log panel is left out. */
  logWidth: number;
}

export type Layout = { kind: 'compact'; width: number; height: number } | FullLayout;

/**
 * The layout of a `width` x `height` terminal. The full view always has the sample picture: as
 * much of it as fits at a readable size (see `planPicture`), in up to 45% of the width.
 */
export function computeLayout(width: number, height: number, image: GrayImage | null): Layout {
  width = Math.max(1, Math.floor(width));
  height = Math.max(1, Math.floor(height));
  if (width < MIN_FULL_WIDTH || height < MIN_FULL_HEIGHT) return { kind: 'compact', width, height };

  const bottomHeight = height >= 34 ? 7 : 6;
  const mainHeight = height - 3 - bottomHeight;

  let samplesWidth: number;
  let picture: Size;
  const maxWidth = Math.floor(width * 0.45) - SAMPLES_CHROME_X;
  const box = { width: maxWidth, height: mainHeight - SAMPLES_CHROME_Y };
  if (image !== null) {
    picture = planPicture(image, box).cells;
    samplesWidth = Math.max(picture.width, MIN_SAMPLES_INNER) + SAMPLES_CHROME_X;
  } else {
    samplesWidth = Math.min(40, Math.floor(width * 0.35));
    picture = { width: samplesWidth - SAMPLES_CHROME_X, height: box.height };
  }
  const chartsWidth = width - samplesWidth;
  const two = mainHeight >= TWO_CHARTS_HEIGHT;
  const lossHeight = two ? Math.ceil(mainHeight / 2) : mainHeight;
  const probsHeight = two ? mainHeight - lossHeight : 0;

  const statsWidth = STATS_WIDTH;
  const rest = width - statsWidth;
  const withLog = width >= MIN_LOG_WIDTH;
  const evalWidth = withLog ? EVAL_WIDTH : rest;
  const logWidth = withLog ? rest - evalWidth : 0;

  return {
    kind: 'full',
    width,
    height,
    mainHeight,
    chartsWidth,
    lossHeight,
    probsHeight,
    samplesWidth,
    picture,
    bottomHeight,
    statsWidth,
    evalWidth,
    logWidth,
  };
}

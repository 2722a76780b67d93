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

/** Below this size the dashboard shows the compact view (a few lines of text). */
export const MIN_FULL_WIDTH = 72;
export const MIN_FULL_HEIGHT = 20;

/** Narrower than this, the sample picture is left out of the full view. */
const MIN_SAMPLES_WIDTH = 90;
/** Narrower than this, the log panel is left out. */
const MIN_LOG_WIDTH = 110;
/** Both charts need this much main height; less shows the loss chart only. */
const TWO_CHARTS_HEIGHT = 14;

export const STATS_WIDTH = 38;
const EVAL_WIDTH = 36;

/** Samples panel: border (2) + padding (2) around the picture. */
const SAMPLES_CHROME_X = 4;
/** Samples panel: top border with title + bottom border. */
const SAMPLES_CHROME_Y = 2;

export interface Size {
  width: number;
  height: number;
}

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
  /** 0 when the picture is left out. */
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
 * The integer shrink factor that fits a `image` picture into `box` cells with half blocks
 * (one cell = one pixel wide, two pixels tall); at least 1.
 */
export function pictureFactor(image: Size, box: Size): number {
  if (box.width < 1 || box.height < 1) return Math.max(image.width, image.height);
  return Math.max(1, Math.ceil(image.width / box.width), Math.ceil(image.height / (2 * box.height)));
}

/** The picture's size in cells at `factor`. */
export function pictureCells(image: Size, factor: number): Size {
  return { width: Math.ceil(image.width / factor), height: Math.ceil(Math.ceil(image.height / factor) / 2) };
}

export function computeLayout(width: number, height: number, image: Size | null): Layout {
  width = Math.max(1, Math.floor(width));
  height = Math.max(1, Math.floor(height));
  if (width < MIN_FULL_WIDTH || height < MIN_FULL_HEIGHT) return { kind: 'compact', width, height };

  const bottomHeight = height >= 34 ? 7 : 6;
  const mainHeight = height - 3 - bottomHeight;

  let samplesWidth = 0;
  let picture: Size = { width: 0, height: 0 };
  if (width >= MIN_SAMPLES_WIDTH) {
    const maxWidth = Math.floor(width * 0.45) - SAMPLES_CHROME_X;
    const box = { width: maxWidth, height: mainHeight - SAMPLES_CHROME_Y };
    if (image !== null) {
      picture = pictureCells(image, pictureFactor(image, box));
      samplesWidth = Math.max(picture.width, 22) + SAMPLES_CHROME_X;
    } else {
      samplesWidth = Math.min(40, Math.floor(width * 0.35));
      picture = { width: samplesWidth - SAMPLES_CHROME_X, height: box.height };
    }
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

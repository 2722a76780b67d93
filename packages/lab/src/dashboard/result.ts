/**
 * What a run leaves on the terminal about its samples once it has ended: the final sample grid,
 * drawn as the dashboard draws it, what it shows in words (how many samples are the same image,
 * what the classifier reads them as) and where its files are.
 *
 * ```
 *   ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀      (the 4 x 4 grid, in half blocks)
 *   step 3000: 16 of 16 samples identical; all 1000 evaluated samples read as one digit (a 3) by
 *     the classifier
 *   png  experiments/decay/20261207-203203-4703/samples/step-003000.png
 *   gif  experiments/decay/20261207-203203-4703/samples.gif
 * ```
 */
import type { TerminalMode } from '@gan/training';
import { displayPath } from './format.ts';
import { alikeSamples, pictureFactor, pictureLines } from './picture.ts';
import type { DashboardState, EvalSummary } from './state.ts';

type Result = Readonly<Record<string, unknown>>;

const DISPLAY = 'display.';
const percent = (share: number) => `${Math.round(100 * share)}%`;

/**
 * An evaluation's reading of the samples in words: for MNIST, which digits the classifier sees
 * (on the display scale when the result has it, as the grids show the samples); for a 2-D mixture,
 * the modes reached; for stacked MNIST, the digit triples. Null when the result has none of these.
 */
export function evaluationWords(result: Result): string | null {
  const display = Object.keys(result).some((k) => k.startsWith(DISPLAY));
  const pick = (key: string) =>
    display && `${DISPLAY}${key}` in result ? result[`${DISPLAY}${key}`] : result[key];
  const num = (key: string) => {
    const v = pick(key);
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const samples = num('samples');
  const evaluated = samples === null ? 'evaluated samples' : `${samples} evaluated samples`;
  const covered = num('modesCovered');
  const modes = num('modes');
  if (covered === null || modes === null) return null;
  const histogram = pick('classHistogram');
  const mnist = 'frechetDistance' in result && modes === 10 && Array.isArray(histogram);
  if (mnist) {
    const shares = (histogram as unknown[]).map((v) => (typeof v === 'number' ? v : 0));
    const digit = shares.indexOf(Math.max(...shares));
    const share = shares[digit];
    if (share >= 0.995) return `all ${evaluated} read as one digit (a ${digit}) by the classifier`;
    if (covered <= 1)
      return `${percent(share)} of ${evaluated} read as a ${digit} by the classifier: 1 of 10 digits`;
    return `the classifier reads ${covered} of 10 digits in ${evaluated}, most often a ${digit} (${percent(share)})`;
  }
  const highQuality = num('highQuality');
  if (highQuality !== null) {
    const points = samples === null ? 'the points' : `${samples} points`;
    return `${covered} of ${modes} modes reached; ${percent(highQuality)} of ${points} within 3 std of one`;
  }
  return `${covered} of ${modes} modes covered in ${evaluated}`;
}

/** `16 of 16 samples identical`, `5 of 16 samples identical`, `16 different samples`; null for a scatter plot. */
export function samenessWords(state: DashboardState): string | null {
  const alike = state.sample === null ? null : alikeSamples(state.sample.image);
  if (alike === null) return null;
  return alike.largest > 1
    ? `${alike.largest} of ${alike.of} samples identical`
    : `${alike.of} different samples`;
}

/**
 * The final samples in words: how many look the same, and what the latest evaluation reads
 * them as (its step named when it is not the grid's).
 *
 * ```ts
 * verdictOf(state); // '16 of 16 samples identical; all 1000 evaluated samples read as one digit (a 3) by the classifier'
 * ```
 */
export function verdictOf(
  state: DashboardState,
  evaluation: EvalSummary | null = state.evaluation,
): string | null {
  const parts: string[] = [];
  const same = samenessWords(state);
  if (same !== null) parts.push(same);
  const words = evaluation === null ? null : evaluationWords(evaluation.result);
  if (words !== null && evaluation !== null) {
    const at =
      state.sample !== null && evaluation.step !== state.sample.step
        ? ` (evaluation at step ${evaluation.step})`
        : '';
    parts.push(`${words}${at}`);
  }
  return parts.length === 0 ? null : parts.join('; ');
}

export interface ResultOptions {
  mode: TerminalMode;
  /** Terminal size in cells: the picture is drawn to fit it with the lines below it. */
  width: number;
  rows: number;
  /** Paths are shown relative to this when inside it. */
  cwd: string;
  /** The run's samples.gif when this session wrote it, else null. */
  gif: string | null;
}

/** Lines the caller prints after the result (its `run folder:` line) and the shell prompt. */
const AFTER = 2;
/** The picture is never drawn smaller than this many lines. */
const MIN_PICTURE_ROWS = 8;

/**
 * The end-of-run lines: the final sample grid, as large as fits the terminal with the lines under
 * it (whole: its samples are what the words count), the verdict, the grid's PNG and the GIF. Nothing
 * when the run saved no sample grid.
 */
export function resultLines(state: DashboardState, options: ResultOptions): string[] {
  const sample = state.sample;
  if (sample === null) return [];
  const { mode, cwd } = options;
  const width = Math.max(20, options.width);
  const indent = '  ';
  const verdict = verdictOf(state);
  const text = wrapWords(
    `${indent}step ${sample.step}: ${verdict ?? 'the last sample grid'}`,
    width,
    `${indent}  `,
  );
  text.push(`${indent}png  ${displayPath(sample.path, cwd)}`);
  if (options.gif !== null) text.push(`${indent}gif  ${displayPath(options.gif, cwd)}`);
  const pictureRows = Math.max(MIN_PICTURE_ROWS, options.rows - text.length - AFTER);
  const factor = pictureFactor(sample.image, { width: width - indent.length, height: pictureRows });
  const picture = pictureLines(sample.image, mode, factor).map((l) => `${indent}${l}`);
  return [...picture, ...text];
}

/** `text` wrapped between words at `width`, continuation lines starting with `indent`. */
function wrapWords(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/(?<=\S) (?=\S)/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = `${indent}${word}`;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  out.push(line);
  return out;
}

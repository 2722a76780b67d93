/**
 * Summaries of one number across the runs of a group (mean, sample standard deviation, range)
 * and how tables write them: `0.512 ± 0.031`, or `0.512 [0.480..0.550]` with `--spread minmax`.
 */
import type { Cell } from './table.ts';
import { formatNumber } from './values.ts';

/** How a group's spread is shown: sample standard deviation, or the range of its runs. */
export type Spread = 'sd' | 'minmax';
export const SPREADS: readonly Spread[] = ['sd', 'minmax'];

/**
 * One number over the runs of a group. Only finite values are summarised; runs without the value
 * are left out, and those whose value is NaN or infinite (a diverged run) are counted in
 * `nonFinite`.
 *
 * ```json
 * { "n": 3, "mean": 0.512, "sd": 0.031, "min": 0.48, "max": 0.55, "nonFinite": 0 }
 * ```
 */
export interface Stats {
  /** Finite values summarised. */
  n: number;
  /** Null when `n` is 0. */
  mean: number | null;
  /** Sample standard deviation (divides by n - 1); null when `n` < 2. */
  sd: number | null;
  min: number | null;
  max: number | null;
  /** Values that are NaN or ±Infinity, left out of the others. */
  nonFinite: number;
  /** The first non-finite value met, to show when there is no finite one (`NaN`, `Inf`). */
  firstNonFinite?: number;
}

/**
 * Mean, sample standard deviation (Welford's one pass), min and max of the finite numbers among
 * `values`; nulls are missing values.
 *
 * ```ts
 * summarize([0.48, 0.51, 0.55]); // { n: 3, mean: 0.5133, sd: 0.0351, min: 0.48, max: 0.55, nonFinite: 0 }
 * ```
 */
export function summarize(values: readonly (number | null | undefined)[]): Stats {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  let firstNonFinite: number | undefined;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (!Number.isFinite(v)) {
      nonFinite++;
      firstNonFinite ??= v;
      continue;
    }
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const stats: Stats = {
    n,
    mean: n > 0 ? mean : null,
    sd: n > 1 ? Math.sqrt(Math.max(0, m2) / (n - 1)) : null,
    min: n > 0 ? min : null,
    max: n > 0 ? max : null,
    nonFinite,
  };
  if (firstNonFinite !== undefined) stats.firstNonFinite = firstNonFinite;
  return stats;
}

/** Stats for JSON: mean, sd, min, max, n and nonFinite (no display helpers). */
export function statsJson(stats: Stats) {
  const { n, mean, sd, min, max, nonFinite } = stats;
  return { mean, sd, min, max, n, nonFinite };
}

/**
 * Decimals that show 2 significant digits of `spread` (0.031 -> 3, 4.2 -> 1, 57 -> 0), or null
 * when fixed decimals would not do (no spread, or magnitudes that want an exponent).
 */
function decimalsFor(spread: number, magnitude: number): number | null {
  if (!(spread > 0) || magnitude >= 1e6) return null;
  // Rounded first, so that 0.0999999 (a computed 0.1) or 0.0996 count as 0.10: 2 decimals.
  const d = 1 - Math.floor(Math.log10(Number(spread.toPrecision(2))));
  return d > 6 ? null : Math.max(0, d);
}

/** A spread to 2 significant digits: `0.031`, `57`, `6.3e-5`. */
function twoDigits(x: number): string {
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return x.toExponential(1).replace('e+', 'e');
  return String(Number(x.toPrecision(2)));
}

/**
 * A group's value as a table shows it: the mean and its spread, written to the precision of the
 * spread (2 significant digits of the standard deviation or of the range); `n` < `groupSize` adds
 * `(n=2)` (some runs lack the value or have a non-finite one).
 *
 * ```ts
 * formatStats(summarize([0.48, 0.51, 0.55]), 'sd');     // '0.513 ± 0.035'
 * formatStats(summarize([0.48, 0.51, 0.55]), 'minmax'); // '0.513 [0.480..0.550]'
 * formatStats(summarize([0.48]), 'sd');                 // '0.4800'
 * ```
 */
export function formatStats(stats: Stats, spread: Spread, groupSize = stats.n): Cell {
  const { n, mean, sd, min, max } = stats;
  if (n === 0 || mean === null) {
    return stats.nonFinite > 0
      ? { text: formatNumber(stats.firstNonFinite ?? Number.NaN), tone: 'bad' }
      : { text: '-', tone: 'muted' };
  }
  const partial = n < groupSize ? ` (n=${n})` : '';
  if (n === 1) return { text: `${formatNumber(mean)}${partial}` };
  const width = spread === 'sd' ? sd! : max! - min!;
  const magnitude = Math.max(Math.abs(min!), Math.abs(max!));
  let d = decimalsFor(width, magnitude);
  // A spread far below the mean's 6th significant digit would make the mean that long: write
  // both in their own short form instead (655.3 ± 6.3e-5).
  if (d !== null && magnitude > 0 && d > 5 - Math.floor(Math.log10(magnitude))) d = null;
  const fmt = (x: number) => (d === null ? formatNumber(x) : x.toFixed(d));
  const text =
    spread === 'sd'
      ? `${fmt(mean)} ± ${width === 0 ? '0' : d === null ? twoDigits(sd!) : fmt(sd!)}`
      : `${fmt(mean)} [${fmt(min!)}..${fmt(max!)}]`;
  return { text: `${text}${partial}` };
}

/**
 * The line under a grouped table that says what its cells are; `partial`: some cells summarise
 * fewer runs than their group has, and say so with `(n=2)`.
 */
export function spreadLegend(spread: Spread, partial: boolean): string {
  const what =
    spread === 'sd'
      ? '± = sample standard deviation (n - 1) over the runs of a group, after its mean'
      : '[min..max] = the range over the runs of a group, after its mean';
  return `${what}${partial ? "; (n=k) = only k of the group's runs have a finite value" : ''}`;
}

/** True when a summary covers fewer values than its group has runs (a cell shows `(n=2)`). */
export function isPartial(stats: Stats, groupSize: number): boolean {
  return stats.n > 0 && stats.n < groupSize;
}

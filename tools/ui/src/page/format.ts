/** Numbers and values as the page prints them: in tables, in charts' axes and tooltips, as scores. */

/**
 * A value of a table cell: an integer in full (a seed, a step count), any other number as
 * {@link formatValue} prints it.
 */
export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatValue(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Thousands separators in the integer part of a number's decimal text: `12345.6` -> `12,345.6`. */
function separated(text: string): string {
  const point = text.indexOf('.');
  const whole = point < 0 ? text : text.slice(0, point);
  return whole.replace(/\B(?=(\d{3})+$)/g, ',') + text.slice(whole.length);
}

/** Drops the zeros that end a decimal fraction, and the point if nothing is left after it. */
const trimZeros = (text: string): string => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);

/** `v` with `decimals` decimals at most (trailing zeros dropped), thousands separated. */
function fixedText(v: number, decimals: number): string {
  const text = separated(trimZeros(v.toFixed(Math.min(Math.max(decimals, 0), 100))));
  return text === '-0' ? '0' : text;
}

/** `v` as `1.2e-5` (`digits` significant digits at most): no `+`, no trailing zeros. */
function exponentText(v: number, digits: number): string {
  const [mantissa, power] = v.toExponential(digits - 1).split('e');
  return `${trimZeros(mantissa)}e${power.replace('+', '')}`;
}

/** Whether a magnitude is written with an exponent: below 1e-3 and from 1e6, as the report does. */
const EXPONENT = (magnitude: number): boolean => magnitude < 1e-3 || magnitude >= 1e6;

/**
 * A value to `digits` significant digits, never fewer than its integer part, with no trailing
 * zeros; exponent form below 1e-3 and from 1e6 (as the report writes it: `1.2e-5`, `3e6`);
 * thousands separated. `NaN`, `Inf`, `-Inf` for the rest.
 *
 * ```ts
 * formatValue(0.5);        // '0.5'
 * formatValue(555.255073); // '555.3'
 * formatValue(0.0000123);  // '1.23e-5'
 * formatValue(20000);      // '20,000'
 * ```
 */
export function formatValue(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return EXPONENT(a) ? exponentText(v, digits) : fixedText(v, digits - 1 - Math.floor(Math.log10(a)));
}

/** A step: a whole number, thousands separated (`formatStep(20000)` is `'20,000'`). */
export function formatStep(step: number): string {
  return Number.isFinite(step) ? separated(String(Math.round(step))) : formatValue(step);
}

/**
 * An axis label: tick `v` of an axis over `domain`. Ticks are round numbers (1, 2 or 5 times a
 * power of ten, and their multiples), so 12 significant digits (of the axis's largest value) print
 * each one exactly and drop the float noise (`0.30000000000000004` is `0.3`). One notation for the
 * whole axis, chosen by its largest magnitude: `0.0001 ... 0.001`, not `1e-4 ... 0.001`. A log axis
 * over two decades or more labels its powers of ten only (`''` for the other ticks), each as
 * {@link formatValue} writes it: `1e-5`, `0.01`, `100`. NOTE: a domain of one value (one point
 * drawn) has that value as its only tick, printed as {@link formatValue} prints it, not
 * `555.255073`.
 *
 * ```ts
 * formatTick(0.5, [0.4, 0.6]);                      // '0.5'
 * formatTick(1e-4, [1e-4, 1e-3]);                   // '0.0001'
 * formatTick(1e-5, [1e-6, 100], true);              // '1e-5'
 * formatTick(555.255073, [555.255073, 555.255073]); // '555.3'
 * ```
 */
export function formatTick(v: number, domain: readonly number[], log = false): string {
  const lo = Math.min(...domain);
  const hi = Math.max(...domain);
  if (!(hi > lo) || !Number.isFinite(v) || v === 0) return formatValue(v);
  if (log && hi / lo >= 100) {
    const power = Math.log10(Math.abs(v));
    return Math.abs(power - Math.round(power)) < 1e-9 ? formatValue(v, 12) : '';
  }
  const top = Math.max(Math.abs(lo), Math.abs(hi));
  // 12 digits of the axis's largest value: a tick a float's noise off 0 is 0, not 1.3e-17.
  return EXPONENT(top) ? exponentText(v, 12) : fixedText(v, 11 - Math.floor(Math.log10(top)));
}

/** Matches config names against `a,b*` patterns (the report's `--config`); empty matches all. */
export function nameMatcher(text: string): (name: string) => boolean {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return () => true;
  const res = parts.map(
    (p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return (name) => res.some((r) => r.test(name));
}

/** Same value, compared as the report does (JSON for lists and objects). */
export const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Keys whose values differ across `params`. */
export function differing(params: Record<string, unknown>[]): string[] {
  const keys: string[] = [];
  for (const p of params) for (const k of Object.keys(p)) if (!keys.includes(k)) keys.push(k);
  return keys.filter((k) => params.some((p) => !same(p[k], params[0][k])));
}

export function mean(values: number[]): number | null {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

/**
 * Numbers as text, for every view of a run: plain log lines, the dashboard, evaluation tables.
 * Non-finite values (a diverged run) print as `NaN`, `Infinity`, `-Infinity`; a missing value as `-`.
 */

/** `digits` decimals: `fixed(0.12345, 3) === '0.123'`, `fixed(undefined, 3) === '-'`. */
export function fixed(v: number | undefined, digits: number): string {
  if (v === undefined) return '-';
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

/** Scientific notation, `sci(9e-9) === '9.00e-9'`; non-finite values as `NaN`, `Infinity`. */
export function sci(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return String(v);
  return v.toExponential(digits).replace('e+', 'e');
}

/** A metric with about four significant digits, switching to `sci` for very large or small. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e5 || a < 1e-3) return sci(v, 2);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 10) return v.toFixed(2);
  return v.toFixed(4);
}

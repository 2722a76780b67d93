/** Numbers and values as the report prints them, for the page. */

export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toPrecision(4).replace(/\.?0+$/, '');
  }
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
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

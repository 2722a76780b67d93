/**
 * Config values as flat `dotted.key → value` maps, and how values and numbers are shown in tables.
 */

/** A config flattened to dotted key paths; lists are leaves (`model.generator.hidden: [64, 64]`). */
export type FlatParams = Record<string, unknown>;

/**
 * Flattens nested mappings to dotted key paths, in the object's key order. Lists and scalars are
 * leaves, so `hidden: [64, 64]` stays one value, as `dvc exp show` shows it.
 *
 * ```ts
 * flattenParams({ optim: { generator: { lr: 0.001 } }, seed: 3 });
 * // { 'optim.generator.lr': 0.001, seed: 3 }
 * ```
 */
export function flattenParams(value: unknown, prefix = '', out: FlatParams = {}): FlatParams {
  if (isMapping(value)) {
    const entries = Object.entries(value);
    // An empty mapping is still a value worth seeing (and comparing).
    if (entries.length === 0 && prefix !== '') out[prefix] = {};
    for (const [key, child] of entries) flattenParams(child, prefix === '' ? key : `${prefix}.${key}`, out);
  } else if (prefix !== '') {
    out[prefix] = value;
  }
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Value equality for config values (scalars, lists, mappings); NaN equals NaN. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * The keys whose value is not the same in every one of `params` (a key missing from some runs
 * counts as differing), in first-seen order.
 */
export function differingKeys(params: readonly FlatParams[]): string[] {
  return allKeys(params).filter((key) => {
    const first = params[0];
    return params.some(
      (p) => Object.hasOwn(p, key) !== Object.hasOwn(first, key) || !sameValue(p[key], first[key]),
    );
  });
}

/** Every key of any of `params`, in first-seen order. */
export function allKeys(params: readonly FlatParams[]): string[] {
  const keys = new Set<string>();
  for (const p of params) for (const key of Object.keys(p)) keys.add(key);
  return [...keys];
}

/**
 * A config value as short text: strings bare, lists and mappings in flow style, `-` for a missing
 * value (`undefined`).
 *
 * ```ts
 * formatValue([64, 64]); // '[64,64]'
 * formatValue(1e-8);     // '1e-8'
 * ```
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatParamNumber(value);
  if (value === null || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(',')}]`;
  if (isMapping(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${formatValue(v)}`)
      .join(',')}}`;
  }
  return String(value);
}

/** Config numbers as written (0.001, 1e-8), but without JavaScript's `e-` sign padding quirks. */
function formatParamNumber(n: number): string {
  return String(n).replace('e+', 'e');
}

/**
 * A metric for a table: 4 significant digits, exponent form for very small or large magnitudes,
 * `NaN` / `Inf` / `-Inf` for non-finite values, `-` for null.
 *
 * ```ts
 * formatNumber(1.422413); // '1.422'
 * formatNumber(1.62);     // '1.620'
 * formatNumber(0.0002);   // '2.0e-4'
 * formatNumber(300);      // '300'
 * ```
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Inf' : '-Inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(1).replace('e+', 'e');
  return value.toPrecision(4);
}

/** A delta with its sign, e.g. `+0.1973` or `-2.0e-4`; `0` for no change. */
export function formatSigned(value: number): string {
  if (value === 0) return '0';
  const text = formatNumber(value);
  return value > 0 && Number.isFinite(value) ? `+${text}` : value === Infinity ? '+Inf' : text;
}

/** A relative change in percent, e.g. `+13.9%`. */
export function formatPercent(value: number | null): string {
  if (value === null) return '-';
  if (!Number.isFinite(value)) return formatSigned(value);
  const abs = Math.abs(value);
  const text = abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
  return `${value > 0 ? '+' : ''}${text}%`;
}

/** `x` if it is a number (NaN and ±Infinity included), else null. */
export function numberOrNull(x: unknown): number | null {
  return typeof x === 'number' ? x : null;
}

/**
 * The keys of `known` most like `wanted`, best first, for "did you mean" hints: keys containing it
 * (any case; a fragment shorter than 3 letters only as a whole segment), then keys within a few
 * edits of it, whole or by their last segment; only those about as near as the nearest. Ties keep
 * the order of `known`.
 *
 * ```ts
 * closeKeys('data.scale', ['seed', 'data.scaling', 'data.split']); // ['data.scaling']
 * closeKeys('lr', ['optim.generator.lr', 'optim.generator.betas']); // ['optim.generator.lr']
 * ```
 */
export function closeKeys(wanted: string, known: readonly string[], max = 5): string[] {
  const w = wanted.toLowerCase();
  // Up to a third of the letters may be wrong: catches typos without suggesting unrelated keys.
  const limit = Math.max(1, Math.floor(w.length / 3));
  const scored = known
    .map((key, index) => {
      const k = key.toLowerCase();
      const segments = k.split('.');
      // A short fragment ("is") is inside too many keys to mean much unless it is a whole segment.
      const contains = segments.includes(w) || (w.length >= 3 && k.includes(w));
      const score = contains ? 0 : Math.min(editDistance(w, k), editDistance(w, segments.at(-1)!) + 1);
      return { key, index, score };
    })
    .filter((c) => c.score <= limit)
    .sort((a, b) => a.score - b.score || a.index - b.index);
  // Only the nearest: one edit away from `lr` is a hint, three away is noise.
  const best = scored[0]?.score ?? 0;
  return scored
    .filter((c) => c.score <= best + 1)
    .slice(0, max)
    .map((c) => c.key);
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

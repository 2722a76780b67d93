/**
 * Wording shared by the schema's messages and the loader's issues: how a found value is shown and
 * which valid name a typo was probably meant to be.
 */

const MAX_SHOWN = 40;

/**
 * A short, YAML-like rendering of a value for "got ..." in messages.
 *
 * ```ts
 * showValue('tanhh');   // '"tanhh"'
 * showValue([128, -3]); // '[128, -3]'
 * showValue({ a: 1 });  // '{ a: 1 }'
 * ```
 */
export function showValue(value: unknown): string {
  const flow = flowText(value);
  if (flow.length <= MAX_SHOWN) return flow;
  if (Array.isArray(value)) return `a list of ${value.length} items`;
  if (typeof value === 'string') return `${flow.slice(0, MAX_SHOWN - 4)}..."`;
  return 'a mapping';
}

function flowText(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(flowText).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${k}: ${flowText(v)}`).join(', ')} }`;
  }
  return String(value);
}

/** `"a", "b", "c"`: the allowed values of an enum, quoted as in YAML. */
export function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/**
 * The candidate a mistyped name most likely meant, or undefined when none is close.
 *
 * Close means: equal up to case, `_` and `-` (`batch_size` -> `batchSize`), or at most about one
 * edit per three characters (transposed letters count as one edit). Far-off guesses are worse
 * than none, so the bar is deliberately low.
 *
 * ```ts
 * suggest('scalng', ['dataset', 'scaling']); // 'scaling'
 * suggest('colour', ['dataset', 'scaling']); // undefined
 * ```
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const w = norm(word);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c === word) continue;
    const d = norm(c) === w ? 0 : editDistance(w, norm(c));
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.min(word.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** `' (did you mean "x"?)'` or `''`. */
export function didYouMean(word: unknown, candidates: readonly string[]): string {
  if (typeof word !== 'string') return '';
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean ${JSON.stringify(s)}?)`;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}

/** A key path as users write it: `model.generator.hidden[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

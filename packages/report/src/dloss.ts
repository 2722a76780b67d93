/**
 * What each run's `dLoss` is, and how the report marks it. Most runs log the loss D descends
 * (`objective`). A run whose config says `loss.reportedDiscriminatorCost: article-printed` (the
 * article's configs) logs the cost the article's code prints, -log D(x) + log(1 - D(G(z))): the
 * second sign flipped, so it starts near 0 and goes negative as D learns. The two must never be
 * read as one another, so tables mark the printed cost with `†` and say once, under the table,
 * what it is; a diff does not subtract one kind from the other.
 *
 * ```ts
 * dLossKind(run); // 'article-printed' for a run of configs/decay.yaml
 * printedLegend(runs); // "† D cost as the article's code prints it, ...: not the loss D descends"
 * ```
 */
import type { RunRecord } from './runs.ts';

/** What a run's `dLoss` is; null when its config.yaml could not be read. */
export type DLossKind = 'objective' | 'article-printed';

/** The config keys deciding it. */
const REPORTED_KEY = 'loss.reportedDiscriminatorCost';
const DESCENDED_KEY = 'loss.discriminator';

/** The mark of an article-printed D cost in tables. */
export const PRINTED_MARK = '†';

/** The cost the article's code prints (`D_cost = -np.log(Dl2_rA) + np.log(1.0 - Dl2_fA)`). */
export const ARTICLE_PRINTED_FORMULA = '-log D(x) + log(1 - D(G(z)))';

/**
 * The kind of `dLoss` a run logs, from its config. Configs written before the key existed read
 * as `objective` (the schema's default, which is what those runs logged); null when the config
 * could not be read at all.
 */
export function dLossKind(run: Pick<RunRecord, 'params'>): DLossKind | null {
  if (Object.keys(run.params).length === 0) return null;
  return run.params[REPORTED_KEY] === 'article-printed' ? 'article-printed' : 'objective';
}

const isPrinted = (run: Pick<RunRecord, 'params'>) => dLossKind(run) === 'article-printed';

/**
 * Whether the printed cost of `runs` (the article-printed ones) is the loss D descends: it is
 * with `loss.discriminator: flipped` (a counterfactual of the article), not with `standard`.
 */
function descendedClause(runs: readonly Pick<RunRecord, 'params'>[]): string {
  const printed = runs.filter(isPrinted);
  const flipped = printed.filter((r) => r.params[DESCENDED_KEY] === 'flipped').length;
  if (flipped === 0) return 'not the loss D descends';
  if (flipped === printed.length) return 'here also the loss D descends (loss.discriminator: flipped)';
  return 'not the loss D descends, except where loss.discriminator is flipped';
}

/**
 * The line under a table that marks some runs' D loss with `†`, or null when none of `runs`
 * logs the article's printed cost.
 */
export function printedLegend(runs: readonly Pick<RunRecord, 'params'>[]): string | null {
  if (!runs.some(isPrinted)) return null;
  return `${PRINTED_MARK} D cost as the article's code prints it, ${ARTICLE_PRINTED_FORMULA}: ${descendedClause(runs)}`;
}

/**
 * A D loss value as a table shows it: with `†` for the article's printed cost, and with a space
 * in its place for the others when `align` (some rows are marked), so the digits line up.
 */
export function markDLoss(text: string, run: Pick<RunRecord, 'params'>, align: boolean): string {
  if (isPrinted(run)) return `${text}${PRINTED_MARK}`;
  return align ? `${text} ` : text;
}

/** True when `runs` log both kinds (runs whose config could not be read are left out). */
export function mixedKinds(runs: readonly Pick<RunRecord, 'params'>[]): boolean {
  const kinds = new Set(runs.map(dLossKind).filter((k) => k !== null));
  return kinds.size > 1;
}

/** The name of the D loss row or chart for `runs`: `D loss`, `D cost†`, or both when mixed. */
export function dLossName(runs: readonly Pick<RunRecord, 'params'>[]): string {
  if (!runs.some(isPrinted)) return 'D loss';
  return mixedKinds(runs) ? `D loss / D cost${PRINTED_MARK}` : `D cost${PRINTED_MARK}`;
}

/**
 * The line saying that a diff mixes the two kinds, naming the runs by their letters (the first
 * run's kind first), or null.
 *
 * ```
 * D loss and D cost† are not comparable: A logs the loss D descends, B the article's printed cost (no Δ between them)
 * ```
 */
export function mixedKindsNote(
  runs: readonly Pick<RunRecord, 'params'>[],
  letter: (i: number) => string,
): string | null {
  if (!mixedKinds(runs)) return null;
  const letters = (kind: DLossKind) => runs.flatMap((r, i) => (dLossKind(r) === kind ? [letter(i)] : []));
  const what: Record<DLossKind, string> = {
    objective: 'the loss D descends',
    'article-printed': "the article's printed cost",
  };
  const first = dLossKind(runs.find((r) => dLossKind(r) !== null)!)!;
  const second: DLossKind = first === 'objective' ? 'article-printed' : 'objective';
  const a = letters(first);
  const b = letters(second);
  return (
    `D loss and D cost${PRINTED_MARK} are not comparable: ${a.join(', ')} ${a.length > 1 ? 'log' : 'logs'} ` +
    `${what[first]}, ${b.join(', ')} ${what[second]} (no Δ between them)`
  );
}

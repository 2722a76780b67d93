/**
 * What each column of metrics.jsonl means, defined once for every view (the dashboard, the plain
 * lines, the report, the web UI): `dLoss` is always the loss D descends; the cost the article's
 * code prints, -log D(x) + log(1 - D(G(z))), is its own column, `dCostPrinted`, written only by
 * runs whose config says `loss.reportedDiscriminatorCost: article-printed`.
 *
 * Runs logged before that column existed held the printed cost in `dLoss` (and did not log the
 * loss D descends); {@link currentMetricsRow} reads their rows as today's, so every reader sees
 * one meaning per column. This module imports nothing: the web page uses it too.
 */

/** A metric's name as every view shows it, its shortest form, and what it is. */
export interface MetricLabel {
  /** In legends, table headers, the stats panel: `D loss`. */
  name: string;
  /** For the tightest views (the compact dashboard's numbers): `D`. */
  short: string;
  /** One sentence, for tooltips, legends and docs. */
  description: string;
}

/** The cost the article's code prints (`D_cost = -np.log(Dl2_rA) + np.log(1.0 - Dl2_fA)`). */
export const ARTICLE_PRINTED_FORMULA = '-log D(x) + log(1 - D(G(z)))';

export const METRIC_LABELS = {
  dLoss: { name: 'D loss', short: 'D', description: 'the loss D descends' },
  dCostPrinted: {
    name: 'D cost (printed)',
    short: 'Dprt',
    description: `${ARTICLE_PRINTED_FORMULA}, the D cost the article's code prints (D loss is what D descends)`,
  },
  gLoss: { name: 'G loss', short: 'G', description: 'the loss G descends' },
  dReal: { name: 'D(x)', short: 'D(x)', description: 'mean D output on the real batch' },
  dFake: { name: 'D(G(z))', short: 'D(G(z))', description: 'mean D output on the fake batch' },
} as const satisfies Record<string, MetricLabel>;

/** The metrics that have a label, in the order views list them. */
export type LabelledMetric = keyof typeof METRIC_LABELS;

/** The config keys that decide whether a run logs the printed cost. */
export interface PrintedCostConfig {
  loss?: { reportedDiscriminatorCost?: string };
}

/** Whether a run's config logs the printed cost (`loss.reportedDiscriminatorCost`). */
export function logsPrintedCost(config: PrintedCostConfig | null | undefined): boolean {
  return config?.loss?.reportedDiscriminatorCost === 'article-printed';
}

/**
 * A metrics row as today's columns mean it. A row of a run that logs the printed cost but has no
 * `dCostPrinted` was written before the column existed: its `dLoss` is the printed cost, and the
 * loss D descended was not logged. Other rows are returned as they are (the same object).
 *
 * ```ts
 * currentMetricsRow({ step: 1, dLoss: -0.01 }, true); // { step: 1, dCostPrinted: -0.01 }
 * ```
 */
export function currentMetricsRow<R extends Record<string, unknown>>(row: R, printedCost: boolean): R {
  if (!printedCost || 'dCostPrinted' in row || !('dLoss' in row)) return row;
  const { dLoss, ...rest } = row;
  return { ...rest, dCostPrinted: dLoss } as unknown as R;
}

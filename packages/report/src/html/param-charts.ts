/** The per-parameter view: each score against each swept parameter, one point per run. */
import { evalLabel, evalValue } from '../list.ts';
import { finalValue, type RunRecord } from '../runs.ts';
import { formatValue } from '../values.ts';
import { type ChartDef, groupLabels, type HtmlGroup, RUN_COLORS } from './chart-spec.ts';

/** What the per-parameter view of a sweep draws. */
export interface ParamView {
  /** The swept config keys (the seed left out). */
  params: string[];
  groups: readonly HtmlGroup[];
}

/** The scores the per-parameter view shows, when some run has them: evaluation results, then D(G(z)). */
const PARAM_SCORES: { key: string; label: string; value: (r: RunRecord) => number | null }[] = [
  ...['frechetDistance', 'inceptionScore', 'modesCovered', 'klUniform', 'diversity'].map((k) => ({
    key: `eval.${k}`,
    label: evalLabel(k),
    value: (r: RunRecord) => {
      const v = evalValue(r, k);
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    },
  })),
  {
    key: 'dFake',
    label: 'D(G(z))',
    value: (r: RunRecord) => {
      const v = finalValue(r, 'dFake');
      return v !== null && Number.isFinite(v) ? v : null;
    },
  },
];

/** One chart per swept parameter: final scores (rows) against its values, a point per run. */
export function buildParamCharts(view: ParamView): ChartDef[] {
  const labels = groupLabels(view.groups);
  const runs = view.groups.flatMap((g, i) => g.runs.map((run) => ({ run, group: labels[i] })));
  const scores = PARAM_SCORES.filter((s) => runs.some(({ run }) => s.value(run) !== null));
  if (scores.length === 0) return [];
  return view.params.flatMap((param, i) => {
    const values = runs.map(({ run }) => run.params[param]).filter((v) => v !== undefined);
    if (values.length === 0) return [];
    const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
    const nums = numeric ? (values as number[]) : [];
    const log = numeric && Math.min(...nums) > 0 && Math.max(...nums) / Math.min(...nums) >= 20;
    const rows = runs.flatMap(({ run, group }) =>
      Object.hasOwn(run.params, param)
        ? scores.flatMap((s) => {
            const v = s.value(run);
            const x = numeric ? (run.params[param] as number) : formatValue(run.params[param]);
            return v === null
              ? []
              : [{ x, score: s.label, value: v, group, run: `${run.name}/${run.runId}` }];
          })
        : [],
    );
    const x = numeric
      ? { field: 'x', type: 'quantitative', title: param, scale: log ? { type: 'log' } : { zero: false } }
      : { field: 'x', type: 'nominal', title: param, axis: { labelAngle: -30, labelLimit: 160 } };
    const spec = {
      title: { text: param, anchor: 'start' },
      data: { values: rows },
      facet: {
        row: {
          field: 'score',
          type: 'nominal',
          title: null,
          sort: scores.map((s) => s.label),
          header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' },
        },
      },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 420,
        height: 110,
        layer: [
          {
            mark: { type: 'point', filled: true, size: 50, opacity: 0.75 },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
              color: {
                field: 'group',
                type: 'nominal',
                scale: { domain: labels, range: RUN_COLORS },
                legend: null,
              },
              tooltip: [
                { field: 'run', type: 'nominal', title: 'run' },
                { field: 'group', type: 'nominal', title: 'group' },
                { field: 'x', type: numeric ? 'quantitative' : 'nominal', title: param },
                { field: 'value', type: 'quantitative', title: 'score', format: '.4~g' },
              ],
            },
          },
          {
            transform: [{ aggregate: [{ op: 'mean', field: 'value', as: 'mean' }], groupby: ['x', 'score'] }],
            mark: numeric
              ? {
                  type: 'line',
                  color: '#1f2328',
                  strokeWidth: 1.5,
                  point: { filled: true, size: 20, color: '#1f2328' },
                }
              : { type: 'tick', color: '#1f2328', thickness: 2 },
            encoding: {
              x,
              y: { field: 'mean', type: 'quantitative', title: null },
              tooltip: [
                { field: 'x', type: numeric ? 'quantitative' : 'nominal', title: param },
                { field: 'mean', type: 'quantitative', title: 'mean', format: '.4~g' },
              ],
            },
          },
        ],
      },
    };
    return [{ id: `chart-param-${i}`, metric: `param:${param}`, title: param, spec }];
  });
}

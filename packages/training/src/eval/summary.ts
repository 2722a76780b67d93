/**
 * Evaluation results as text: one greppable line for logs, a table for `pnpm eval`.
 */
import { fixed } from '../format/numbers.ts';
import {
  type EvalResult,
  isMnistEval,
  isStackedEval,
  type MnistEval,
  type MnistMetrics,
} from './evaluate.ts';

/**
 * One greppable line for an evaluation, `key=value`, the `display.*` keys as `display_*`:
 *
 * ```
 * eval step=20000 modes=1/10 kl=2.1543 is=1.12 fd=412.3 conf=0.954 div=0.087 nn=1.41 prec=0.412 rec=0.003 dens=0.310 cov=0.021 display_modes=1/10 ...
 * eval step=300 modes=6/8 hq=0.812 kl=0.3012 pacgan_modes=7/8 pacgan_hq=0.812 pacgan_rkl=0.3105
 * eval step=5000 modes=412/1000 kl=1.2031 conf=0.912
 * ```
 * The `pacgan_*` keys of a 2-D evaluation are absent from rows written before they existed.
 */
export function formatEvalLine(step: number, r: EvalResult): string {
  if (isStackedEval(r)) {
    return `eval step=${step} modes=${r.modesCovered}/${r.modes} kl=${fixed(r.klUniform, 4)} conf=${fixed(r.meanConfidence, 3)}`;
  }
  if (!isMnistEval(r)) {
    let line = `eval step=${step} modes=${r.modesCovered}/${r.modes} hq=${fixed(r.highQuality, 3)} kl=${fixed(r.klUniform, 4)}`;
    if (r.pacganModes !== undefined) {
      line +=
        ` pacgan_modes=${r.pacganModes}/${r.modes} pacgan_hq=${fixed(r.pacganHighQuality, 3)}` +
        ` pacgan_rkl=${fixed(r.pacganReverseKl, 4)}`;
    }
    return line;
  }
  const scores = (m: Partial<MnistMetrics>, prefix: string) =>
    `${prefix}modes=${m.modesCovered}/${r.modes} ${prefix}kl=${fixed(m.klUniform, 4)} ${prefix}is=${fixed(m.inceptionScore, 2)} ` +
    `${prefix}fd=${fixed(m.frechetDistance, 1)} ${prefix}conf=${fixed(m.meanConfidence, 3)} ` +
    `${prefix}div=${fixed(m.diversity, 3)} ${prefix}nn=${fixed(m.nnDistance, 3)} ` +
    `${prefix}prec=${fixed(m.precision, 3)} ${prefix}rec=${fixed(m.recall, 3)} ` +
    `${prefix}dens=${fixed(m.density, 3)} ${prefix}cov=${fixed(m.coverage, 3)}`;
  let line = `eval step=${step} ${scores(r, '')}`;
  if (r['display.modesCovered'] !== undefined) line += ` ${scores(displayPart(r), 'display_')}`;
  return line;
}

/** The `display.*` metrics of a result, without the prefix. */
export function displayPart(r: MnistEval): Partial<MnistMetrics> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith('display.')) out[k.slice('display.'.length)] = v;
  return out as Partial<MnistMetrics>;
}

/** A readable table of an evaluation, with a column per scale when the display scale differs. */
export function formatSummary(result: EvalResult): string {
  if (isStackedEval(result)) {
    const rows: [string, string, string][] = [
      ['modes covered (>= 1 sample)', `${result.modesCovered}/${result.modes}`, '1000/1000'],
      ['KL(modes || uniform)', fixed(result.klUniform, 4), '~0.024'],
      ['mean confidence (per channel)', fixed(result.meanConfidence, 3), '> 0.95'],
    ];
    const w = Math.max(...rows.map(([label]) => label.length));
    const v = Math.max(`${result.samples} samples`.length, ...rows.map(([, value]) => value.length));
    return [
      `${''.padEnd(w)}  ${`${result.samples} samples`.padEnd(v)}  26,000 real stacked images`,
      ...rows.map(([label, value, real]) => `${label.padEnd(w)}  ${value.padEnd(v)}  ${real}`),
    ].join('\n');
  }
  if (!isMnistEval(result)) {
    const rows: [string, string][] = [
      [
        `modes covered (>= ${100 * result.coverageThreshold}% of samples)`,
        `${result.modesCovered}/${result.modes}`,
      ],
      ['high-quality samples (within 3 std)', fixed(result.highQuality, 3)],
      ['KL(modes || uniform)', fixed(result.klUniform, 4)],
      ['mode histogram', result.classHistogram.map((h) => h.toFixed(2)).join(' ')],
    ];
    if (result.pacganModes !== undefined) {
      rows.push(
        ['PacGAN: modes (>= 1 sample within 3 std)', `${result.pacganModes}/${result.modes}`],
        ['PacGAN: high-quality samples (< 3 std)', fixed(result.pacganHighQuality, 3)],
        ['PacGAN: reverse KL(modes || uniform)', fixed(result.pacganReverseKl, 4)],
      );
    }
    const w = Math.max(...rows.map(([label]) => label.length));
    return rows.map(([label, value]) => `${label.padEnd(w)}  ${value}`).join('\n');
  }
  const columns: [string, Partial<MnistMetrics>][] = [['data scale', result]];
  if (result['display.modesCovered'] !== undefined) columns.push(['display scale', displayPart(result)]);
  // The last column: what 1000 real test images score with the default classifier, for scale
  // (the Fréchet distance of real images shrinks with more samples).
  const rows: [string, (m: Partial<MnistMetrics>) => string, string][] = [
    [
      `modes covered (>= ${100 * result.coverageThreshold}%)`,
      (m) => `${m.modesCovered}/${result.modes}`,
      '10/10',
    ],
    ['KL(classes || uniform)', (m) => fixed(m.klUniform, 4), '~0.01'],
    ['inception score (1..10)', (m) => fixed(m.inceptionScore, 2), '~9.74'],
    ['Fréchet distance', (m) => fixed(m.frechetDistance, 2), '~2.6'],
    ['mean confidence', (m) => fixed(m.meanConfidence, 3), '~0.99'],
    ['diversity (real = 1)', (m) => fixed(m.diversity, 3), '~1'],
    ['nn distance (real = 1)', (m) => fixed(m.nnDistance, 3), '~1'],
    ['precision (k = 3)', (m) => fixed(m.precision, 3), '~0.90'],
    ['recall (k = 3)', (m) => fixed(m.recall, 3), '~0.89'],
    ['density (k = 5)', (m) => fixed(m.density, 3), '~1.03'],
    ['coverage (k = 5)', (m) => fixed(m.coverage, 3), '~0.98'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const cells = rows.map(([, f]) => columns.map(([, m]) => f(m)));
  const widths = columns.map(([h], c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
  const lines = [
    `${''.padEnd(w0)}  ${columns.map(([h], c) => h.padEnd(widths[c])).join('  ')}  1000 real test images`,
    ...rows.map(
      ([label, , real], i) =>
        `${label.padEnd(w0)}  ${cells[i].map((v, c) => v.padEnd(widths[c])).join('  ')}  ${real}`,
    ),
    '',
    ...columns.map(
      ([h, m]) =>
        `class histogram, ${h} (0..9): ${(m.classHistogram ?? []).map((v) => v.toFixed(2)).join(' ')}`,
    ),
  ];
  return lines.map((l) => l.trimEnd()).join('\n');
}

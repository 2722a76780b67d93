/** @jsxRuntime automatic */
import { Text } from 'ink';
import { METRIC_LABELS, type MetricsRow } from '@gan/runs';
import { num, sci } from '@gan/training';
import { Panel } from './Panel.tsx';

/** `100`, `2.5`, `1e4`: how many times smaller a rate is than its peak. */
function ratioText(r: number): string {
  if (r >= 1000) return r.toExponential(0).replace('e+', 'e');
  return String(Number(r.toPrecision(3)));
}

/** `9.00e-9  ÷1e2 from 9.00e-7` when a schedule has lowered the rate, else just the rate. */
export function lrText(lr: number, peak: number | null): string {
  const r = peak !== null && lr > 0 ? peak / lr : 1;
  return r >= 1.01 ? `${sci(lr)}  ÷${ratioText(r)} from ${sci(peak!)}` : sci(lr);
}

/**
 * The training numbers, most important first (the panel shows as many as fit). A row with the
 * article's printed D cost gets a line of its own, by name, right under the losses; the losses
 * then come before the gradient norms, so that a short panel still names both D numbers.
 *
 * ```
 * lr D    9.00e-9  ÷1e4 from 9.00e-5
 * lr G    9.00e-9  ÷1e4 from 9.00e-5
 * D loss  1.3736    G loss  0.6932
 * D cost (printed)  -0.0129
 * grad D  7.69e0    grad G  2.76e-6
 * D(x)    0.506     D(G(z)) 0.500
 * ```
 */
export function statsLines(latest: MetricsRow | null, lrPeak: { d: number; g: number } | null): string[] {
  if (latest === null) return [];
  const { dLoss, dCostPrinted, gLoss, dReal, dFake } = METRIC_LABELS;
  const col = (label: string, value: string) => `${label.padEnd(8)}${value}`;
  const pair = (left: string, right: string) => `${left.padEnd(18)}${right}`;
  const lr = [
    col('lr D', lrText(latest.lrD, lrPeak?.d ?? null)),
    col('lr G', lrText(latest.lrG, lrPeak?.g ?? null)),
  ];
  const grad = pair(col('grad D', sci(latest.gradNormD)), col('grad G', sci(latest.gradNormG)));
  const losses = pair(col(dLoss.name, num(latest.dLoss)), col(gLoss.name, num(latest.gLoss)));
  const probs = pair(col(dReal.name, latest.dReal.toFixed(3)), col(dFake.name, latest.dFake.toFixed(3)));
  if (latest.dCostPrinted === undefined) return [...lr, grad, losses, probs];
  return [...lr, losses, pair(dCostPrinted.name, num(latest.dCostPrinted)), grad, probs];
}

export interface StatsProps {
  latest: MetricsRow | null;
  lrPeak: { d: number; g: number } | null;
  width: number;
  height: number;
}

/** Learning rates (scientific, with the decay from their peak), gradient norms, current losses. */
export function Stats({ latest, lrPeak, width, height }: StatsProps) {
  const lines = statsLines(latest, lrPeak).slice(0, Math.max(0, height - 2));
  const title = [{ text: 'Training', bold: true }, ...(latest ? [{ text: ` · step ${latest.step}` }] : [])];
  return (
    <Panel title={title} width={width} height={height}>
      {lines.length === 0 ? (
        <Text dimColor>waiting for metrics…</Text>
      ) : (
        lines.map((line) => (
          <Text key={line.slice(0, 8)} wrap="truncate">
            {line}
          </Text>
        ))
      )}
    </Panel>
  );
}

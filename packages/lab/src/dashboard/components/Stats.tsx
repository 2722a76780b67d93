/** @jsxRuntime automatic */
import { Text } from 'ink';
import type { MetricsRow } from '@gan/runs';
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
 * The training numbers, most important first (the panel shows as many as fit); `dLossName` names
 * the D loss (`D cost*` for the article's printed cost, see dloss.ts).
 */
export function statsLines(
  latest: MetricsRow | null,
  lrPeak: { d: number; g: number } | null,
  dLossName = 'D loss',
): string[] {
  if (latest === null) return [];
  const col = (label: string, value: string) => `${label.padEnd(8)}${value}`;
  return [
    col('lr D', lrText(latest.lrD, lrPeak?.d ?? null)),
    col('lr G', lrText(latest.lrG, lrPeak?.g ?? null)),
    `${col('grad D', sci(latest.gradNormD)).padEnd(18)}${col('grad G', sci(latest.gradNormG))}`,
    `${col(dLossName, num(latest.dLoss)).padEnd(18)}${col('G loss', num(latest.gLoss))}`,
    `${col('D(x)', latest.dReal.toFixed(3)).padEnd(18)}${col('D(G(z))', latest.dFake.toFixed(3))}`,
  ];
}

export interface StatsProps {
  latest: MetricsRow | null;
  lrPeak: { d: number; g: number } | null;
  /** How the D loss is named (see dloss.ts). */
  dLossName: string;
  width: number;
  height: number;
}

/** Learning rates (scientific, with the decay from their peak), gradient norms, current losses. */
export function Stats({ latest, lrPeak, dLossName, width, height }: StatsProps) {
  const lines = statsLines(latest, lrPeak, dLossName).slice(0, Math.max(0, height - 2));
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

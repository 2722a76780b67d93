/** @jsxRuntime automatic */
import { Box, Text } from 'ink';
import { METRIC_LABELS } from '@gan/runs';
import { num, sci } from '@gan/training';
import { formatClock, sparkLine } from '../format.ts';
import { resample, type Series } from '../series.ts';
import { type DashboardState, elapsedAt, statusOf } from '../state.ts';
import { STATUS_COLOR, STATUS_TEXT } from './Header.tsx';
import { type Segment, Segments } from './Panel.tsx';
import { bar, progressText } from './Progress.tsx';

export interface CompactProps {
  state: DashboardState;
  width: number;
  height: number;
  now: number;
  keys: boolean;
}

/** `D loss ▂▃▅▇▆` over the whole run, or nothing before the first point. */
function spark(label: string, series: Series, color: string, width: number): Segment[] {
  const columns = Math.min(60, width - label.length - 1);
  if (series.count === 0 || columns < 4) return [];
  return [{ text: `${label} ` }, { text: sparkLine(resample(series, columns).mean), color }];
}

/**
 * The small-terminal view: status, progress, losses and keys on as many lines as there are
 * (the least important lines go first), each cut to the width. The numbers go by their short
 * names; a run that logs the article's printed D cost shows it right after the D loss.
 *
 * ```
 * decay ● running 0:06
 * 1500/20000  7.5%  250 steps/s  ETA 1m 1…
 * D 1.1082  Dprt -0.6835  G 0.7347  D(x) …
 * ```
 */
export function compactLines(
  state: DashboardState,
  width: number,
  height: number,
  now: number,
  keys: boolean,
) {
  const status = statusOf(state);
  const r = state.latest;
  const { dLoss, dCostPrinted, gLoss, dReal, dFake } = METRIC_LABELS;
  const total = state.run?.totalSteps ?? 0;
  const b = bar(total > 0 ? state.step / total : 0, Math.max(0, Math.min(30, width - 2)));
  const [steps, ...more] = progressText(state).split('  ');
  // [priority, line]: lower numbers survive a short terminal.
  const lines: [number, Segment[]][] = [
    [
      0,
      [
        { text: state.run?.name ?? 'GAN run', bold: true, color: 'cyan' },
        { text: ' ' },
        { text: `● ${STATUS_TEXT[status]}`, color: STATUS_COLOR[status], bold: true },
        { text: ` ${formatClock(elapsedAt(state, now) ?? 0)}` },
      ],
    ],
    [1, [{ text: steps, bold: true }, { text: `  ${more.join('  ')}` }]],
    [
      5,
      [
        { text: b.done, color: 'cyan' },
        { text: b.todo, color: 'gray' },
      ],
    ],
    [
      2,
      r === null
        ? [{ text: 'waiting for metrics…', dim: true }]
        : [
            {
              text:
                `${dLoss.short} ${num(r.dLoss)}  ` +
                (r.dCostPrinted === undefined ? '' : `${dCostPrinted.short} ${num(r.dCostPrinted)}  `) +
                `${gLoss.short} ${num(r.gLoss)}  `,
            },
            { text: `${dReal.short} ${r.dReal.toFixed(2)}  ${dFake.short} ${r.dFake.toFixed(2)}`, dim: true },
          ],
    ],
    [6, r === null ? [] : [{ text: `lr D ${sci(r.lrD)}  lr G ${sci(r.lrG)}` }]],
    [7, spark(dLoss.name.padEnd(7), state.dLoss, 'cyan', width)],
    [7.5, spark(dCostPrinted.short.padEnd(7), state.dCostPrinted, 'blue', width)],
    [8, spark(gLoss.name.padEnd(7), state.gLoss, 'magenta', width)],
    [9, spark(dReal.name.padEnd(7), state.dReal, 'green', width)],
    [10, spark(dFake.name.padEnd(7), state.dFake, 'yellow', width)],
    [4, [{ text: keys ? 'q stop · p pause · s sample' : 'Ctrl-C stops', dim: true }]],
  ];
  const keep = new Set(
    lines
      .filter(([, l]) => l.length > 0)
      .map(([p]) => p)
      .sort((a, b) => a - b)
      .slice(0, Math.max(0, height)),
  );
  return lines.filter(([p, l]) => keep.has(p) && l.length > 0).map(([, l]) => l);
}

export function Compact({ state, width, height, now, keys }: CompactProps) {
  const lines = compactLines(state, width, height, now, keys);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.map((segments, i) => (
        <Text key={i} wrap="truncate">
          <Segments segments={segments} />
        </Text>
      ))}
    </Box>
  );
}

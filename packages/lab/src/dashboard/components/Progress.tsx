/** @jsxRuntime automatic */
import { Box, Text } from 'ink';
import { formatDuration } from '../format.ts';
import { type DashboardState, etaSeconds, statusOf } from '../state.ts';

/** The numbers after the bar: `1500/20000  7.5%  250 steps/s  ETA 1m 14s`. */
export function progressText(state: DashboardState): string {
  const total = state.run?.totalSteps ?? 0;
  const pct = total > 0 ? ((100 * state.step) / total).toFixed(1) : '0.0';
  const status = statusOf(state);
  const rate = state.finished?.stepsPerSec ?? state.rate;
  const speed = rate === null ? '- steps/s' : `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} steps/s`;
  const eta =
    state.finished !== null
      ? 'done'
      : status === 'paused' || status === 'stopping'
        ? `ETA ${status}`
        : `ETA ${formatDuration(etaSeconds(state))}`;
  return `${state.step}/${total}  ${pct}%  ${speed}  ${eta}`;
}

/** A bar of `width` cells, `fraction` (0..1) of it filled. */
export function bar(fraction: number, width: number): { done: string; todo: string } {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const n = Math.round(f * width);
  return { done: '━'.repeat(n), todo: '─'.repeat(Math.max(0, width - n)) };
}

export interface ProgressProps {
  state: DashboardState;
  width: number;
}

/** One line: a bar over the free width, then step/total, percentage, speed and ETA. */
export function Progress({ state, width }: ProgressProps) {
  const text = progressText(state);
  const total = state.run?.totalSteps ?? 0;
  const barWidth = width - text.length - 4;
  const status = statusOf(state);
  const color = status === 'running' ? 'cyan' : status === 'completed' ? 'green' : 'yellow';
  if (barWidth < 8) {
    return <Text wrap="truncate"> {text}</Text>;
  }
  const b = bar(total > 0 ? state.step / total : 0, barWidth);
  return (
    <Box width={width}>
      <Text wrap="truncate">
        {' '}
        <Text color={color}>{b.done}</Text>
        <Text color="gray">{b.todo}</Text>
        {`  ${text}`}
      </Text>
    </Box>
  );
}

/** @jsxRuntime automatic */
import { Text } from 'ink';
import type { LogLine, Tone } from '../state.ts';
import { Panel } from './Panel.tsx';

export const TONE_COLOR: Record<Tone, string | undefined> = {
  info: undefined,
  good: 'green',
  warn: 'yellow',
  bad: 'red',
};

export interface EventLogProps {
  log: readonly LogLine[];
  width: number;
  height: number;
}

/** The newest finished events (checkpoints, samples, pauses), newest at the bottom. */
export function EventLog({ log, width, height }: EventLogProps) {
  const shown = log.slice(Math.max(0, log.length - Math.max(0, height - 2)));
  const stepWidth = Math.max(1, ...shown.map((l) => String(l.step ?? '').length));
  return (
    <Panel title={[{ text: 'Log', bold: true }]} width={width} height={height}>
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate">
          <Text dimColor>{`${String(line.step ?? '').padStart(stepWidth)}  `}</Text>
          <Text color={TONE_COLOR[line.tone]}>{line.text}</Text>
        </Text>
      ))}
    </Panel>
  );
}

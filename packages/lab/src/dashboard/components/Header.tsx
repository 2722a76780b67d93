/** @jsxRuntime automatic */
import { Box, Text } from 'ink';
import { displayPath, formatClock, truncateStart } from '../format.ts';
import { type DashboardState, type DashboardStatus, elapsedAt, statusOf } from '../state.ts';

export const STATUS_COLOR: Record<DashboardStatus, string> = {
  starting: 'gray',
  running: 'green',
  paused: 'yellow',
  stopping: 'yellow',
  completed: 'green',
  interrupted: 'yellow',
  diverged: 'red',
  failed: 'red',
  'taken-over': 'red',
};

export const STATUS_TEXT: Record<DashboardStatus, string> = {
  starting: 'starting',
  running: 'running',
  paused: 'paused',
  stopping: 'stopping…',
  completed: 'completed',
  interrupted: 'interrupted',
  diverged: 'diverged',
  failed: 'failed',
  'taken-over': 'taken over',
};

export interface HeaderProps {
  state: DashboardState;
  width: number;
  now: number;
  cwd: string;
}

/** One line: name, run folder, seed, backend on the left; status and run time on the right. */
export function Header({ state, width, now, cwd }: HeaderProps) {
  const status = statusOf(state);
  const run = state.run;
  const clock = formatClock(elapsedAt(state, now) ?? 0);
  const right = `● ${STATUS_TEXT[status]}  ${clock}`;
  // Right part as drawn: status, two spaces, clock, one space; keep two cells between the parts.
  const room = Math.max(0, width - right.length - 3);
  const name = run?.name ?? 'GAN run';
  const tail = run === null ? '' : `  seed ${run.seed}  ${run.backend}`;
  const path = run === null ? '' : displayPath(run.runDir, cwd);
  // The folder gives way first (its start), then the rest.
  const pathRoom = Math.max(0, room - 1 - name.length - tail.length - 2);
  const pathText = path === '' || pathRoom < 8 ? '' : `  ${truncateStart(path, pathRoom)}`;
  return (
    <Box width={width} justifyContent="space-between">
      <Text wrap="truncate">
        <Text bold color="cyan">
          {` ${name}`}
        </Text>
        <Text>{pathText}</Text>
        <Text dimColor>{tail}</Text>
      </Text>
      <Box flexShrink={0}>
        <Text color={STATUS_COLOR[status]} bold>{`● ${STATUS_TEXT[status]}`}</Text>
        <Text>{`  ${clock} `}</Text>
      </Box>
    </Box>
  );
}

/** @jsxRuntime automatic */
import { Text } from 'ink';
import type { DashboardStatus } from '../state.ts';

/** The key help for a status; `keys` is false when stdin is not a terminal (no key presses). */
export function helpText(status: DashboardStatus, keys: boolean): string {
  if (!keys) return 'keys unavailable (stdin is not a terminal) · Ctrl-C stops';
  if (status === 'stopping')
    return 'stopping after this step: final checkpoint · Ctrl-C again to stop at once';
  const pause = status === 'paused' ? 'p resume' : 'p pause';
  return `q stop (checkpoint, then exit) · ${pause} · s save samples now`;
}

export interface HelpProps {
  status: DashboardStatus;
  keys: boolean;
}

/** The bottom line: which keys do what. */
export function Help({ status, keys }: HelpProps) {
  return (
    <Text wrap="truncate" dimColor>
      {` ${helpText(status, keys)}`}
    </Text>
  );
}

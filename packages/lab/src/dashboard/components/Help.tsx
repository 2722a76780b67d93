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
  /** Shown instead of the keys (a run that has ended: what its samples show). */
  note?: string | null;
}

/** The bottom line: which keys do what, or once the run has ended, `note`. */
export function Help({ status, keys, note }: HelpProps) {
  if (note) {
    return (
      <Text wrap="truncate" bold>
        {` ${note}`}
      </Text>
    );
  }
  return (
    <Text wrap="truncate" dimColor>
      {` ${helpText(status, keys)}`}
    </Text>
  );
}

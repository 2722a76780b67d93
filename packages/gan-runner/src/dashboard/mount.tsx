import type { RunEvent } from '../run/session.ts';
import { plainLogger } from '../cli/plain.ts';

export interface DashboardCallbacks {
  onQuit: () => void;
  onTogglePause: () => void;
  onSample: () => void;
}

/** Placeholder until the Ink dashboard lands: plain lines. */
export function mountDashboard(_callbacks: DashboardCallbacks): (event: RunEvent) => void {
  return plainLogger(100);
}

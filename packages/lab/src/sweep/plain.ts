/**
 * A sweep as plain, greppable lines (pipes, CI, `--no-dashboard`): each member's own lines as
 * `pnpm exp` prints them, prefixed with `member=<index>`, and a line of totals now and then.
 */
import { plainLogger } from '../dashboard/plain.ts';
import { formatDuration } from '../dashboard/format.ts';
import type { RunEvent } from '../run/events.ts';
import type { SweepUpdate } from './local.ts';
import { statusSummary, type SweepView, totals, viewRows } from './view.ts';

export function plainSweepLogger(
  view: () => SweepView,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  printEvery = 1000,
) {
  const loggers = new Map<number, (e: RunEvent) => void>();
  return (update: SweepUpdate): void => {
    const v = view();
    switch (update.type) {
      case 'stage':
        write(
          `stage ${update.stage + 1}/${v.stage?.of ?? 1} members=${update.members.length}` +
            (update.steps !== null ? ` steps=${update.steps}` : '') +
            (update.reason ? ` (${update.reason})` : ''),
        );
        return;
      case 'queued':
        return;
      case 'done':
        write(
          `member=${update.index} done before status=${update.status} step=${update.step} run=${update.run} ${label(v, update.index)}`,
        );
        return;
      case 'opened':
        write(
          `member=${update.index} ${update.resumed ? 'resumed' : 'starting'} run=${update.run} ${label(v, update.index)}`,
        );
        return;
      case 'error':
        write(`member=${update.index} error ${update.message.split('\n')[0]}`);
        return;
      case 'event': {
        let logger = loggers.get(update.index);
        if (logger === undefined) {
          logger = plainLogger(printEvery, (line) => write(`member=${update.index} ${line}`));
          loggers.set(update.index, logger);
        }
        logger(update.event);
        if (update.event.type === 'finished') {
          loggers.delete(update.index);
          write(progressLine(v));
        }
      }
    }
  };
}

/** `sweep 3 completed, 2 running, 7 queued; eta 4m 05s`. */
export function progressLine(view: SweepView): string {
  const t = totals(viewRows(view), view.jobs);
  return `sweep ${view.id}: ${statusSummary(t.byStatus)}${t.left > 0 ? `; eta ${formatDuration(t.etaSec)}` : ''}`;
}

function label(view: SweepView, index: number): string {
  return view.members[index]?.label ?? '';
}

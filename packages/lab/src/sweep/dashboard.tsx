/** @jsxRuntime automatic */
/**
 * The sweep dashboard (Ink): one row per member (status, progress, steps/s, ETA, latest losses
 * and evaluation; the article's printed D cost beside the D loss when a member logs it), the
 * sweep's totals and ETA, and keys to stop one member or all of them and to open one member's full
 * run dashboard. A pure view of `SweepView`; `mountSweepDashboard` redraws it on a timer when the
 * view changed, as the run dashboard does.
 */
import { Box, type Key, Text, useInput } from 'ink';
import { Dashboard } from '../dashboard/Dashboard.tsx';
import { formatDuration, truncateEnd } from '../dashboard/format.ts';
import {
  dashboardTerminal,
  holdTerminal,
  renderOnScreen,
  type TerminalOptions,
} from '../dashboard/mount.tsx';
import { METRIC_LABELS } from '@gan/runs';
import { num, type TerminalMode } from '@gan/training';
import type { SweepUpdate } from './local.ts';
import { type SweepRow, type SweepView, statusSummary, totals, viewRows } from './view.ts';

const STATUS_COLOR: Record<string, string> = {
  completed: 'green',
  running: 'cyan',
  starting: 'cyan',
  stopping: 'yellow',
  interrupted: 'yellow',
  diverged: 'magenta',
  failed: 'red',
  error: 'red',
  queued: 'gray',
  waiting: 'gray',
};

/** A column of the member rows: header, width, and the cell. */
interface Column {
  header: string;
  width: number;
  cell: (r: SweepRow) => string;
  right?: boolean;
}

const value = (v: number | null, format: (v: number) => string = num) => (v === null ? '-' : format(v));

const { dLoss, dCostPrinted, gLoss, dReal, dFake } = METRIC_LABELS;

/** The columns of a member row (the member's label goes after the first). */
const COLUMNS: Column[] = [
  { header: '#', width: 4, cell: (r) => String(r.index), right: true },
  { header: 'status', width: 11, cell: (r) => r.status },
  {
    header: 'step',
    width: 15,
    cell: (r) => (r.step === null ? '-' : `${r.step}${r.total !== null ? `/${r.total}` : ''}`),
    right: true,
  },
  {
    header: 'steps/s',
    width: 8,
    cell: (r) => (r.stepsPerSec === null ? '-' : r.stepsPerSec.toFixed(0)),
    right: true,
  },
  { header: 'ETA', width: 8, cell: (r) => (r.etaSec === null ? '-' : formatDuration(r.etaSec)), right: true },
  { header: dLoss.name, width: 9, cell: (r) => value(r.dLoss), right: true },
  { header: gLoss.name, width: 9, cell: (r) => value(r.gLoss), right: true },
  { header: dReal.name, width: 6, cell: (r) => value(r.dReal, (v) => v.toFixed(3)), right: true },
  { header: dFake.name, width: 8, cell: (r) => value(r.dFake, (v) => v.toFixed(3)), right: true },
  { header: 'modes', width: 6, cell: (r) => value(r.modes, String), right: true },
  { header: 'FD', width: 7, cell: (r) => value(r.fd), right: true },
];

/** The article's printed D cost, by its short name (the table is wide already). */
const PRINTED: Column = {
  header: dCostPrinted.short,
  width: 9,
  cell: (r) => value(r.dCostPrinted),
  right: true,
};

/** The columns for `rows`: the printed D cost right after the D loss when a member logs it. */
function columnsOf(rows: readonly SweepRow[]): Column[] {
  if (rows.every((r) => r.dCostPrinted === null)) return COLUMNS;
  const at = COLUMNS.findIndex((c) => c.header === dLoss.name) + 1;
  return [...COLUMNS.slice(0, at), PRINTED, ...COLUMNS.slice(at)];
}

function pad(text: string, width: number, right = false): string {
  const t = truncateEnd(text, width);
  return right ? t.padStart(width) : t.padEnd(width);
}

export interface SweepDashboardProps {
  view: SweepView;
  width: number;
  height: number;
  /** The selected member's index. */
  selected: number;
  keys: boolean;
  /** A line of feedback (what a key did). */
  notice?: string | null;
}

/** The member list. Rows scroll to keep the selected one visible. */
export function SweepDashboard({ view, width, height, selected, keys, notice }: SweepDashboardProps) {
  const rows = viewRows(view);
  const columns = columnsOf(rows);
  const t = totals(rows, view.jobs);
  const done = (t.byStatus.completed ?? 0) + (t.byStatus.diverged ?? 0) + (t.byStatus.failed ?? 0);
  const fixedWidth = columns.reduce((a, c) => a + c.width + 1, 0);
  const labelWidth = Math.max(12, width - fixedWidth - 1);
  const listHeight = Math.max(1, height - 7);
  const first = Math.max(0, Math.min(selected - Math.floor(listHeight / 2), rows.length - listHeight));
  const shown = rows.slice(first, first + listHeight);
  const barWidth = Math.max(10, Math.min(40, width - 60));
  const filled = rows.length === 0 ? 0 : Math.round((done / rows.length) * barWidth);
  const header = columns
    .slice(0, 1)
    .map((c) => pad(c.header, c.width, c.right))
    .concat(pad('member', labelWidth))
    .concat(columns.slice(1).map((c) => pad(c.header, c.width, c.right)))
    .join(' ');
  const stage = view.stage && view.stage.of > 1 ? `  stage ${view.stage.index + 1}/${view.stage.of}` : '';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold>
        {truncateEnd(
          `sweep ${view.name}  ${view.id}  ${rows.length} members  ${view.followed ? 'on the queue' : `jobs ${view.jobs}`}${stage}`,
          width,
        )}
      </Text>
      <Text>
        {`[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${done}/${rows.length} ended  `}
        {truncateEnd(
          `${statusSummary(t.byStatus)}  ETA ${t.left > 0 ? formatDuration(t.etaSec) : '-'}`,
          Math.max(0, width - barWidth - 16),
        )}
      </Text>
      <Text color={view.message ? 'yellow' : 'gray'}>
        {truncateEnd(view.message ?? (view.stage?.reason ? `stage: ${view.stage.reason}` : ' '), width)}
      </Text>
      <Text bold>{truncateEnd(header, width)}</Text>
      {shown.map((r) => {
        const cells = columns.map((c) => pad(c.cell(r), c.width, c.right));
        const line = [cells[0], pad(r.label || r.run || '', labelWidth), ...cells.slice(1)].join(' ');
        return (
          <Text key={r.index} inverse={r.index === selected} color={STATUS_COLOR[r.status]}>
            {truncateEnd(line, width)}
          </Text>
        );
      })}
      <Box flexGrow={1} />
      <Text color="gray">
        {truncateEnd(
          notice ??
            (rows[selected]?.note
              ? `#${selected}: ${rows[selected].note}`
              : rows[selected]?.run
                ? `#${selected}: ${view.experimentsDir}/${rows[selected].run}`
                : ' '),
          width,
        )}
      </Text>
      <Text color="gray">
        {truncateEnd(
          !keys
            ? 'keys need a terminal on stdin'
            : view.followed
              ? '↑/↓ select  q: stop following (the workers go on)'
              : view.stopRequested
                ? 'stopping every member at its next step (Ctrl-C again: at once)'
                : "↑/↓ select  enter: the member's run dashboard  s: stop it  q: stop all (checkpoints; resume with pnpm sweep --resume)",
          width,
        )}
      </Text>
    </Box>
  );
}

export interface SweepDashboardCallbacks {
  onStopAll: () => void;
  onStopMember: (index: number) => boolean;
}

export type SweepDashboardOptions = TerminalOptions;

interface AppProps {
  view: SweepView;
  width: number;
  height: number;
  selected: number;
  open: boolean;
  notice: string | null;
  keys: boolean;
  mode: TerminalMode;
  now: number;
  onKey: (input: string, key: Key) => void;
}

function App({ onKey, open, mode, now, ...props }: AppProps) {
  useInput(onKey, { isActive: props.keys });
  const member = props.view.members[props.selected];
  if (open && member?.state) {
    return (
      <Box flexDirection="column" width={props.width} height={props.height}>
        <Text inverse>
          {truncateEnd(`member #${member.index} ${member.label}   esc: back to the sweep`, props.width)}
        </Text>
        <Dashboard
          state={member.state}
          width={props.width}
          height={props.height - 1}
          mode={mode}
          now={now}
          cwd={process.cwd()}
          keys={false}
        />
      </Box>
    );
  }
  return <SweepDashboard {...props} />;
}

/**
 * Mounts the sweep dashboard; returns the update listener (feed it every executor update, after
 * the view has taken it) and `unmount`, which restores the terminal and prints the totals.
 */
export function mountSweepDashboard(
  getView: () => SweepView,
  callbacks: SweepDashboardCallbacks,
  options: SweepDashboardOptions = {},
): { update: (u: SweepUpdate) => void; unmount: () => void } {
  const terminal = dashboardTerminal(options);
  const { stdin, keys, mode, clock, screen } = terminal;
  let selected = 0;
  let open = false;
  let notice: string | null = null;
  let drawnVersion = -1;
  let ended = false;

  const onKey = (input: string, key: Key) => {
    const view = getView();
    const n = view.members.length;
    if ((key.ctrl && input === 'c') || (input === 'q' && !open)) {
      callbacks.onStopAll();
      notice = view.followed
        ? 'no longer following; the workers go on'
        : 'stopping every member at its next step';
    } else if (key.escape || (open && (input === 'q' || key.backspace))) open = false;
    else if (key.upArrow || input === 'k') selected = Math.max(0, selected - 1);
    else if (key.downArrow || input === 'j') selected = Math.min(n - 1, selected + 1);
    else if (key.pageUp) selected = Math.max(0, selected - 10);
    else if (key.pageDown) selected = Math.min(n - 1, selected + 10);
    else if (view.followed && (key.return || input === 's'))
      notice = `#${selected} trains on a worker: its machine has its run (pnpm report, pnpm ui)`;
    else if (key.return) {
      if (view.members[selected]?.state) open = true;
      else notice = `#${selected} has not started here: no run dashboard to open`;
    } else if (input === 's') {
      notice = callbacks.onStopMember(selected)
        ? `stopping #${selected} at its next step (checkpoint, interrupted)`
        : `#${selected} is not running`;
    }
    draw();
  };

  const app = () => (
    <App
      view={getView()}
      width={screen.columns}
      height={screen.rows}
      selected={selected}
      open={open}
      notice={notice}
      keys={keys}
      mode={mode}
      now={clock()}
      onKey={onKey}
    />
  );
  const instance = renderOnScreen(screen, app(), stdin);
  function draw() {
    if (ended) return;
    drawnVersion = getView().version;
    instance.rerender(app());
  }
  let lastDraw = 0;
  const timer = setInterval(() => {
    // The open run dashboard ticks every second; the list when something changed.
    if (getView().version !== drawnVersion || (open && clock() - lastDraw > 1000)) {
      lastDraw = clock();
      draw();
    }
  }, options.refreshMs ?? 250);
  timer.unref();
  const release = holdTerminal(terminal, draw);
  return {
    update: () => {},
    unmount: () => {
      if (ended) return;
      draw();
      ended = true;
      clearInterval(timer);
      instance.unmount();
      release();
    },
  };
}

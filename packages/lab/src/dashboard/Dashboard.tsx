/** @jsxRuntime automatic */
import { Box } from 'ink';
import { METRIC_LABELS, type MetricLabel } from '@gan/runs';
import { num, type TerminalMode } from '@gan/training';
import { Chart, type ChartLine } from './components/Chart.tsx';
import { Compact } from './components/Compact.tsx';
import { Evaluation } from './components/Evaluation.tsx';
import { EventLog } from './components/EventLog.tsx';
import { Header } from './components/Header.tsx';
import { Help } from './components/Help.tsx';
import { Progress } from './components/Progress.tsx';
import { Samples } from './components/Samples.tsx';
import { Stats } from './components/Stats.tsx';
import { computeLayout } from './layout.ts';
import { verdictOf } from './result.ts';
import { type DashboardState, type EvalSummary, statusOf } from './state.ts';

export interface DashboardProps {
  state: DashboardState;
  /** Terminal size in cells; the dashboard fills it exactly. */
  width: number;
  height: number;
  /** How to draw the sample picture (and whether to colour the charts: not in `ascii`). */
  mode: TerminalMode;
  /** Wall-clock time (ms) the frame is drawn at, for the ticking run time. */
  now: number;
  /** Folder the run folder is shown relative to. */
  cwd: string;
  /** Whether key presses reach the dashboard (stdin is a terminal). */
  keys: boolean;
  /** Overrides the state's latest evaluation (for previews and tests). */
  evaluation?: EvalSummary | null;
}

/**
 * The whole screen for one state: a pure view (it only lays out what it is given). Below
 * `MIN_FULL_WIDTH` x `MIN_FULL_HEIGHT` it falls back to a few lines of text; above, the sample
 * picture is always on it (fewer samples when all of them would be too small to read), and once
 * the run has ended the bottom line says what its samples show (a sweep member's view stays up).
 * A run that logs the article's printed D cost gets it as a third line of the losses chart, named
 * as every view names it (@gan/runs METRIC_LABELS), and a line of the training panel.
 *
 * ```tsx
 * <Dashboard state={state} width={120} height={40} mode="ascii" now={Date.now()} cwd="." keys />
 * ```
 */
export function Dashboard({ state, width, height, mode, now, cwd, keys, evaluation }: DashboardProps) {
  const layout = computeLayout(width, height, state.sample?.image ?? null);
  if (layout.kind === 'compact') {
    return <Compact state={state} width={layout.width} height={layout.height} now={now} keys={keys} />;
  }
  const colour = mode !== 'ascii';
  const r = state.latest;
  const L = layout;
  const shownEvaluation = evaluation !== undefined ? evaluation : state.evaluation;
  const { dLoss, dCostPrinted, gLoss, dReal, dFake } = METRIC_LABELS;
  const losses: ChartLine[] = [
    { ...labels(dLoss), color: 'cyan', series: state.dLoss, value: r?.dLoss ?? null },
    { ...labels(gLoss), color: 'magenta', series: state.gLoss, value: r?.gLoss ?? null },
  ];
  if (state.dCostPrinted.count > 0)
    losses.push({
      ...labels(dCostPrinted),
      color: 'blue',
      series: state.dCostPrinted,
      value: r?.dCostPrinted ?? null,
    });
  return (
    <Box flexDirection="column" width={L.width} height={L.height}>
      <Header state={state} width={L.width} now={now} cwd={cwd} />
      <Progress state={state} width={L.width} />
      <Box flexDirection="row" height={L.mainHeight}>
        <Box flexDirection="column" width={L.chartsWidth}>
          <Chart
            title="Losses"
            width={L.chartsWidth}
            height={L.lossHeight}
            colour={colour}
            formatValue={num}
            lines={losses}
          />
          {L.probsHeight > 0 && (
            <Chart
              title="Discriminator"
              width={L.chartsWidth}
              height={L.probsHeight}
              colour={colour}
              range={[0, 1]}
              formatValue={(v) => v.toFixed(3)}
              lines={[
                { label: dReal.name, color: 'green', series: state.dReal, value: r?.dReal ?? null },
                { label: dFake.name, color: 'yellow', series: state.dFake, value: r?.dFake ?? null },
              ]}
            />
          )}
        </Box>
        <Samples sample={state.sample} width={L.samplesWidth} height={L.mainHeight} mode={mode} />
      </Box>
      <Box flexDirection="row" height={L.bottomHeight}>
        <Stats latest={r} lrPeak={state.lrPeak} width={L.statsWidth} height={L.bottomHeight} />
        <Evaluation evaluation={shownEvaluation} width={L.evalWidth} height={L.bottomHeight} />
        {L.logWidth > 0 && <EventLog log={state.log} width={L.logWidth} height={L.bottomHeight} />}
      </Box>
      <Help
        status={statusOf(state)}
        keys={keys}
        note={state.finished === null ? null : verdictOf(state, shownEvaluation)}
      />
    </Box>
  );
}

/** A metric's chart labels: its name, and its short form for a narrow legend. */
const labels = (m: MetricLabel) => ({ label: m.name, short: m.short });

/** @jsxRuntime automatic */
import { Text } from 'ink';
import { humanize, sparkBars } from '../format.ts';
import type { EvalSummary } from '../state.ts';
import { Panel } from './Panel.tsx';

type Result = Readonly<Record<string, unknown>>;

/** An integer as is, anything else with four significant digits. */
function short(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3)
    ? v.toExponential(2).replace('e+', 'e')
    : String(Number(v.toPrecision(4)));
}

const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

/** The results the panel knows, most telling first: [key, label, how to show it]. */
const KNOWN: [string, string, (v: unknown, r: Result) => string | null][] = [
  [
    'modesCovered',
    'modes covered',
    (v, r) => (typeof v !== 'number' ? null : typeof r.modes === 'number' ? `${v}/${r.modes}` : short(v)),
  ],
  ['classHistogram', 'class histogram', (v) => (isNumbers(v) ? sparkBars(v) : null)],
  ['frechetDistance', 'Fréchet distance', (v) => (typeof v === 'number' ? short(v) : null)],
  ['inceptionScore', 'inception score', (v) => (typeof v === 'number' ? short(v) : null)],
  // Quality against coverage in the classifier's features: Kynkäänniemi et al. 2019, Naeem et al. 2020.
  ['precision', 'precision', (v) => (typeof v === 'number' ? short(v) : null)],
  ['recall', 'recall', (v) => (typeof v === 'number' ? short(v) : null)],
  ['density', 'density', (v) => (typeof v === 'number' ? short(v) : null)],
  ['coverage', 'coverage', (v) => (typeof v === 'number' ? short(v) : null)],
  ['highQuality', 'high quality', (v) => (typeof v === 'number' ? `${(100 * v).toFixed(1)}%` : null)],
  ['klUniform', 'KL to uniform', (v) => (typeof v === 'number' ? short(v) : null)],
  // PacGAN's Table 1 columns for the 2-D mixtures (see RingEval in @gan/training).
  [
    'pacganModes',
    'modes (PacGAN)',
    (v, r) => (typeof v !== 'number' ? null : typeof r.modes === 'number' ? `${v}/${r.modes}` : short(v)),
  ],
  [
    'pacganHighQuality',
    'high quality (PacGAN)',
    (v) => (typeof v === 'number' ? `${(100 * v).toFixed(1)}%` : null),
  ],
  ['pacganReverseKl', 'reverse KL (PacGAN)', (v) => (typeof v === 'number' ? short(v) : null)],
  ['diversity', 'diversity', (v) => (typeof v === 'number' ? short(v) : null)],
  ['nnDistance', 'NN distance', (v) => (typeof v === 'number' ? short(v) : null)],
  ['meanConfidence', 'confidence', (v) => (typeof v === 'number' ? short(v) : null)],
];
/** Facts about the evaluation rather than results. */
const HIDDEN = new Set(['step', 'samples', 'modes', 'coverageThreshold']);
const DISPLAY = 'display.';

/**
 * The evaluation as `[label, value]` lines: the known results first (read on the display scale,
 * `display.*`, when the result has it: that is what the sample grids show), then any other
 * numeric result. Numbers as numbers, number arrays (a class histogram) as a bar row.
 */
export function evaluationLines(result: Result): { lines: [string, string][]; displayScale: boolean } {
  const displayScale = Object.keys(result).some((k) => k.startsWith(DISPLAY));
  const pick = (key: string) =>
    displayScale && `${DISPLAY}${key}` in result ? result[`${DISPLAY}${key}`] : result[key];
  const lines: [string, string][] = [];
  const known = new Set<string>();
  for (const [key, label, show] of KNOWN) {
    known.add(key);
    const value = show(pick(key), result);
    if (value !== null) lines.push([label, value]);
  }
  for (const [key, v] of Object.entries(result)) {
    const base = key.startsWith(DISPLAY) ? key.slice(DISPLAY.length) : key;
    if (HIDDEN.has(key) || known.has(base) || key.startsWith(DISPLAY)) continue;
    if (typeof v === 'number') lines.push([humanize(key), short(v)]);
    else if (isNumbers(v)) lines.push([humanize(key), sparkBars(v)]);
  }
  return { lines, displayScale };
}

export interface EvaluationProps {
  /** The latest evaluation, or null before the first. */
  evaluation: EvalSummary | null;
  width: number;
  height: number;
}

/** The latest evaluation's named numbers (modes covered, Fréchet distance, class histogram...). */
export function Evaluation({ evaluation, width, height }: EvaluationProps) {
  if (evaluation === null) {
    return (
      <Panel title={[{ text: 'Evaluation', bold: true }]} width={width} height={height}>
        <Text dimColor>no evaluation yet</Text>
      </Panel>
    );
  }
  const { lines, displayScale } = evaluationLines(evaluation.result);
  const shown = lines.slice(0, Math.max(0, height - 2));
  const labelWidth = Math.max(0, ...shown.map(([l]) => l.length)) + 1;
  const title = [
    { text: 'Evaluation', bold: true },
    { text: ` · step ${evaluation.step}` },
    ...(displayScale ? [{ text: ' · as shown', dim: true }] : []),
  ];
  return (
    <Panel title={title} width={width} height={height}>
      {shown.map(([label, value]) => (
        <Text key={label} wrap="truncate">
          <Text dimColor>{label.padEnd(labelWidth)}</Text>
          {value}
        </Text>
      ))}
    </Panel>
  );
}

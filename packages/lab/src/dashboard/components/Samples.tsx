/** @jsxRuntime automatic */
import { Text } from 'ink';
import { useMemo } from 'react';
import type { GrayImage, TerminalMode } from '@gan/training';
import { planPicture, plannedLines } from '../picture.ts';
import { Lines, Panel, type Segment } from './Panel.tsx';

export interface SamplesProps {
  sample: { step: number; image: GrayImage } | null;
  /** Outer panel size. */
  width: number;
  height: number;
  mode: TerminalMode;
}

/**
 * The latest sample picture (a grid of digits or a scatter of 2-D points) in half blocks, shrunk
 * by the smallest integer factor that fits the panel; a grid too big to read whole at that size
 * shows its top-left samples only, and its title says how many (`Samples 9/16`).
 */
export function Samples({ sample, width, height, mode }: SamplesProps) {
  const box = { width: width - 4, height: height - 2 };
  const image = sample?.image ?? null;
  const plan = image === null ? null : planPicture(image, box);
  const { rows = 0, cols = 0, factor = 1 } = plan ?? {};
  // Re-rendered every refresh, but a new picture only arrives every few hundred steps.
  const lines = useMemo(
    () => (image === null ? null : plannedLines(image, { rows, cols, factor }, mode)),
    [image, mode, rows, cols, factor],
  );
  const title: Segment[] = [{ text: 'Samples', bold: true }];
  if (plan !== null && plan.rows * plan.cols < plan.of)
    title.push({ text: ` ${plan.rows * plan.cols}/${plan.of}` });
  if (sample !== null) title.push({ text: ` · step ${sample.step}` });
  return (
    <Panel title={title} width={width} height={height}>
      {lines === null ? (
        <Text dimColor>waiting for the first sample…</Text>
      ) : (
        <Lines lines={lines.slice(0, Math.max(0, box.height))} />
      )}
    </Panel>
  );
}

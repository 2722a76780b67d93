/** @jsxRuntime automatic */
import { Text } from 'ink';
import { useMemo } from 'react';
import type { GrayImage, TerminalMode } from '@gan/training';
import { pictureFactor } from '../layout.ts';
import { pictureLines } from '../picture.ts';
import { Lines, Panel } from './Panel.tsx';

export interface SamplesProps {
  sample: { step: number; image: GrayImage } | null;
  /** Outer panel size. */
  width: number;
  height: number;
  mode: TerminalMode;
}

/**
 * The latest sample picture (a grid of digits or a scatter of 2-D points) in half blocks, shrunk
 * by the smallest integer factor that fits the panel.
 */
export function Samples({ sample, width, height, mode }: SamplesProps) {
  const box = { width: width - 4, height: height - 2 };
  const image = sample?.image ?? null;
  const factor = image === null ? 1 : pictureFactor(image, box);
  // Re-rendered every refresh, but a new picture only arrives every few hundred steps.
  const lines = useMemo(
    () => (image === null ? null : pictureLines(image, mode, factor)),
    [image, mode, factor],
  );
  const title =
    sample === null
      ? [{ text: 'Samples', bold: true }]
      : [{ text: 'Samples', bold: true }, { text: ` · step ${sample.step}` }];
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

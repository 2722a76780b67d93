/** @jsxRuntime automatic */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

/** A piece of a one-line title: plain text, or coloured (legend markers). */
export interface Segment {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

/** The segments cut to `width` characters in total. */
export function fitSegments(segments: readonly Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let left = Math.max(0, width);
  for (const s of segments) {
    if (left <= 0) break;
    const text = s.text.length <= left ? s.text : `${s.text.slice(0, Math.max(0, left - 1))}…`;
    out.push({ ...s, text });
    left -= text.length;
  }
  return out;
}

export const segmentsWidth = (segments: readonly Segment[]) =>
  segments.reduce((n, s) => n + s.text.length, 0);

export function Segments({ segments }: { segments: readonly Segment[] }) {
  return (
    <>
      {segments.map((s, i) => (
        <Text key={i} color={s.color} bold={s.bold} dimColor={s.dim}>
          {s.text}
        </Text>
      ))}
    </>
  );
}

/** The cells a panel `width` wide has for its title: `'╭─ ' + title + ' ' + ... + '╮'`. */
export const titleRoom = (width: number) => width - 5;

export interface PanelProps {
  /** The title, drawn into the top border (legends go here too). */
  title: readonly Segment[];
  /** Outer size in cells, borders included. */
  width: number;
  height: number;
  borderColor?: string;
  children?: ReactNode;
}

/**
 * A rounded box with its title in the top border, like htop's and lazygit's panels. Content
 * gets `width - 4` columns (border and one cell of padding each side) and `height - 2` lines.
 */
export function Panel({ title, width, height, borderColor = 'gray', children }: PanelProps) {
  if (width < 4 || height < 2) return null;
  const fitted = fitSegments(title, titleRoom(width));
  const fill = Math.max(0, titleRoom(width) - segmentsWidth(fitted));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate">
        <Text color={borderColor}>╭─ </Text>
        <Segments segments={fitted} />
        <Text color={borderColor}>{` ${'─'.repeat(fill)}╮`}</Text>
      </Text>
      <Box
        borderStyle="round"
        borderTop={false}
        borderColor={borderColor}
        width={width}
        height={height - 1}
        paddingX={1}
        flexDirection="column"
      >
        {children}
      </Box>
    </Box>
  );
}

/** Lines of text, each cut to one row (never wrapped: the layout counts rows). */
export function Lines({ lines }: { lines: readonly string[] }) {
  return (
    <>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
    </>
  );
}

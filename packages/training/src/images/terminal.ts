import { assertGray, type GrayImage } from './gray.ts';

/**
 * How to draw in a terminal: 24-bit colour, the xterm 256-colour palette (its 24-step grey ramp,
 * codes 232..255), or plain characters (no escape codes: logs, tests, dumb terminals).
 */
export type TerminalMode = 'truecolor' | 'ansi256' | 'ascii';

/** Characters from dark to bright, for `ascii` mode. */
export const ASCII_RAMP = ' .:-=+*#%@';

const UPPER_HALF = '\u2580'; // '▀'
const RESET = '\x1b[0m';

export interface HalfBlockOptions {
  mode: TerminalMode;
  /** Shrink by this integer factor first (box average). Default 1, or what `maxWidth` needs. */
  factor?: number;
  /** Shrink by the smallest integer factor that makes the image at most this many columns wide. */
  maxWidth?: number;
  /**
   * The picture's colours (interleaved RGB, `3 * width * height`, see `GrayImage.rgb`): colour
   * modes draw them (truecolor: 24-bit; ansi256: the 6x6x6 colour cube, codes 16..231); `ascii`
   * draws `gray`.
   */
  rgb?: Uint8Array;
}

/**
 * Shrinks an image by an integer factor, averaging each `factor x factor` block (blocks cut by
 * the right or bottom edge average the pixels they have). Size: `ceil(width / factor)` by
 * `ceil(height / factor)`.
 */
export function downsample(gray: Uint8Array, width: number, height: number, factor: number): GrayImage {
  assertGray(gray, width, height, 'downsample');
  if (!Number.isInteger(factor) || factor < 1)
    throw new RangeError(`downsample: factor must be an integer >= 1, got ${factor}`);
  if (factor === 1) return { gray, width, height };
  const outW = Math.ceil(width / factor);
  const outH = Math.ceil(height / factor);
  const out = new Uint8Array(outW * outH);
  for (let oy = 0; oy < outH; oy++) {
    const y1 = Math.min(height, (oy + 1) * factor);
    for (let ox = 0; ox < outW; ox++) {
      const x1 = Math.min(width, (ox + 1) * factor);
      let sum = 0;
      let count = 0;
      for (let y = oy * factor; y < y1; y++) {
        for (let x = ox * factor; x < x1; x++) {
          sum += gray[y * width + x];
          count++;
        }
      }
      out[oy * outW + ox] = Math.round(sum / count);
    }
  }
  return { gray: out, width: outW, height: outH };
}

const grey256 = (v: number): number => 232 + Math.round((v / 255) * 23);
const cube6 = (v: number): number => Math.round((v / 255) * 5);

/** An RGB colour's escape parameters: `2;r;g;b` (truecolor) or `5;n` (the 6x6x6 cube). */
function rgbCode(mode: TerminalMode, r: number, g: number, b: number): string {
  return mode === 'truecolor' ? `2;${r};${g};${b}` : `5;${16 + 36 * cube6(r) + 6 * cube6(g) + cube6(b)}`;
}

/** {@link downsample} of interleaved RGB: each channel box-averaged. */
function downsampleRgb(rgb: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  if (factor === 1) return rgb;
  const planes = [0, 1, 2].map((c) => {
    const plane = new Uint8Array(width * height);
    for (let i = 0; i < plane.length; i++) plane[i] = rgb[3 * i + c];
    return downsample(plane, width, height, factor).gray;
  });
  const out = new Uint8Array(3 * planes[0].length);
  for (let i = 0; i < planes[0].length; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = planes[c][i];
  return out;
}

function fg(mode: TerminalMode, v: number): string {
  return mode === 'truecolor' ? `\x1b[38;2;${v};${v};${v}m` : `\x1b[38;5;${grey256(v)}m`;
}

function bg(mode: TerminalMode, v: number): string {
  return mode === 'truecolor' ? `\x1b[48;2;${v};${v};${v}m` : `\x1b[48;5;${grey256(v)}m`;
}

function asciiChar(v: number): string {
  return ASCII_RAMP[Math.min(ASCII_RAMP.length - 1, Math.floor((v * ASCII_RAMP.length) / 256))];
}

/**
 * A grayscale image as terminal lines, two pixel rows per line (character cells are about twice
 * as tall as wide, so the picture keeps its proportions). In colour modes each cell is '▀' with
 * the upper pixel as foreground and the lower one as background; an odd last row leaves the
 * background at the terminal's default. Every line ends with a reset. In `ascii` mode each cell
 * is the ramp character of the two pixels' mean.
 *
 * ```ts
 * for (const line of halfBlockLines(grid.gray, grid.width, grid.height, { mode: 'truecolor', maxWidth: 80 })) {
 *   process.stdout.write(`${line}\n`);
 * }
 * ```
 */
export function halfBlockLines(
  gray: Uint8Array,
  width: number,
  height: number,
  options: HalfBlockOptions,
): string[] {
  assertGray(gray, width, height, 'halfBlockLines');
  const { mode, maxWidth } = options;
  if (mode !== 'truecolor' && mode !== 'ansi256' && mode !== 'ascii') {
    throw new RangeError(`halfBlockLines: mode must be truecolor, ansi256 or ascii, got ${String(mode)}`);
  }
  if (maxWidth !== undefined && (!Number.isInteger(maxWidth) || maxWidth < 1)) {
    throw new RangeError(`halfBlockLines: maxWidth must be an integer >= 1, got ${maxWidth}`);
  }
  const factor = options.factor ?? (maxWidth !== undefined ? Math.ceil(width / maxWidth) : 1);
  const img = downsample(gray, width, height, factor);
  if (options.rgb !== undefined && mode !== 'ascii') {
    assertGray(options.rgb, 3 * width, height, 'halfBlockLines rgb');
    return colourLines(mode, downsampleRgb(options.rgb, width, height, factor), img.width, img.height);
  }
  const lines: string[] = [];
  for (let y = 0; y < img.height; y += 2) {
    const upper = y * img.width;
    const hasLower = y + 1 < img.height;
    const lower = upper + img.width;
    let line = '';
    if (mode === 'ascii') {
      for (let x = 0; x < img.width; x++) {
        const v = hasLower ? (img.gray[upper + x] + img.gray[lower + x]) / 2 : img.gray[upper + x];
        line += asciiChar(v);
      }
    } else {
      // Only emit a colour when it changes: a 28-pixel-wide digit row repeats its background a lot.
      let lastFg = -1;
      let lastBg = -1;
      for (let x = 0; x < img.width; x++) {
        const u = img.gray[upper + x];
        if (u !== lastFg) line += fg(mode, (lastFg = u));
        if (hasLower) {
          const l = img.gray[lower + x];
          if (l !== lastBg) line += bg(mode, (lastBg = l));
        }
        line += UPPER_HALF;
      }
      line += RESET;
    }
    lines.push(line);
  }
  return lines;
}

/** {@link halfBlockLines} of an RGB picture in a colour mode: '▀', upper pixel fg, lower bg. */
function colourLines(mode: TerminalMode, rgb: Uint8Array, width: number, height: number): string[] {
  const lines: string[] = [];
  const code = (i: number) => rgbCode(mode, rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
  for (let y = 0; y < height; y += 2) {
    const hasLower = y + 1 < height;
    let line = '';
    let lastFg = '';
    let lastBg = '';
    for (let x = 0; x < width; x++) {
      const u = code(y * width + x);
      if (u !== lastFg) line += `\x1b[38;${(lastFg = u)}m`;
      if (hasLower) {
        const l = code((y + 1) * width + x);
        if (l !== lastBg) line += `\x1b[48;${(lastBg = l)}m`;
      }
      line += UPPER_HALF;
    }
    lines.push(line + RESET);
  }
  return lines;
}

/**
 * A sensible mode for a stream: `ascii` unless it is a TTY and `TERM` is not `dumb`; `truecolor`
 * when `COLORTERM` says so (`truecolor` or `24bit`); otherwise `ansi256`.
 */
export function detectTerminalMode(
  isTTY: boolean,
  env: Record<string, string | undefined> = process.env,
): TerminalMode {
  if (!isTTY || env.TERM === 'dumb') return 'ascii';
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 'truecolor';
  return 'ansi256';
}

import { describe, expect, it } from 'vitest';
import { ASCII_RAMP, detectTerminalMode, downsample, halfBlockLines } from './terminal.ts';

const ESC = '\x1b';
const strip = (s: string) => s.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');

describe('halfBlockLines', () => {
  // 4x4, rows: [0 255 0 255] [0 255 255 0] [128 128 0 0] [255 255 255 255]
  const img = Uint8Array.from([0, 255, 0, 255, 0, 255, 255, 0, 128, 128, 0, 0, 255, 255, 255, 255]);

  it('ascii: one character per column and per two rows, from the mean of the pair', () => {
    // means: (0, 255, 127.5, 127.5) and (191.5, 191.5, 127.5, 127.5); ramp index floor(v * 10 / 256)
    expect(halfBlockLines(img, 4, 4, { mode: 'ascii' })).toEqual([' @==', '##==']);
    expect(ASCII_RAMP[0]).toBe(' ');
    expect(ASCII_RAMP.at(-1)).toBe('@');
  });

  it('ascii: an odd last row uses that row alone', () => {
    expect(halfBlockLines(img.subarray(0, 12), 4, 3, { mode: 'ascii' })).toEqual([' @==', '++  ']); // 128 -> index 5
  });

  it('truecolor: upper pixel as foreground, lower as background, reset at the end', () => {
    const lines = halfBlockLines(Uint8Array.from([10, 20, 30, 40]), 2, 2, { mode: 'truecolor' });
    expect(lines).toEqual([
      `${ESC}[38;2;10;10;10m${ESC}[48;2;30;30;30m▀${ESC}[38;2;20;20;20m${ESC}[48;2;40;40;40m▀${ESC}[0m`,
    ]);
  });

  it('truecolor: repeats no colour code and leaves the background alone on an odd last row', () => {
    const same = halfBlockLines(new Uint8Array(6).fill(5), 3, 2, { mode: 'truecolor' });
    expect(same).toEqual([`${ESC}[38;2;5;5;5m${ESC}[48;2;5;5;5m▀▀▀${ESC}[0m`]);
    const odd = halfBlockLines(Uint8Array.from([1, 2, 3, 4, 5, 6]), 2, 3, { mode: 'truecolor' });
    expect(odd[1]).toBe(`${ESC}[38;2;5;5;5m▀${ESC}[38;2;6;6;6m▀${ESC}[0m`);
  });

  it('ansi256: maps greys onto the 24-step ramp 232..255', () => {
    const [line] = halfBlockLines(Uint8Array.from([0, 128, 255, 0]), 2, 2, { mode: 'ansi256' });
    expect(line).toBe(`${ESC}[38;5;232m${ESC}[48;5;255m▀${ESC}[38;5;244m${ESC}[48;5;232m▀${ESC}[0m`);
  });

  it('every line shows exactly one cell per column', () => {
    const gray = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 7) % 256);
    for (const mode of ['truecolor', 'ansi256', 'ascii'] as const) {
      const lines = halfBlockLines(gray, 28, 28, { mode });
      expect(lines).toHaveLength(14);
      for (const line of lines) expect([...strip(line)]).toHaveLength(28);
    }
  });

  it('shrinks to fit maxWidth', () => {
    const gray = new Uint8Array(100 * 10).fill(200);
    const lines = halfBlockLines(gray, 100, 10, { mode: 'ascii', maxWidth: 30 });
    // factor ceil(100 / 30) = 4 -> 25 columns, ceil(10 / 4) = 3 rows -> 2 lines
    expect(lines.map((l) => l.length)).toEqual([25, 25]);
    expect(() => halfBlockLines(gray, 100, 10, { mode: 'ascii', maxWidth: 0 })).toThrow(/maxWidth/);
    expect(() => halfBlockLines(gray, 100, 10, { mode: 'vt100' as 'ascii' })).toThrow(/mode must be/);
  });
});

describe('downsample', () => {
  it('averages blocks, partial ones at the edges included', () => {
    // 3x3 -> 2x2 with factor 2
    const out = downsample(Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 81]), 3, 3, 2);
    expect([out.width, out.height]).toEqual([2, 2]);
    expect([...out.gray]).toEqual([20, 35, 65, 81]);
  });

  it('returns the image itself for factor 1 and rejects bad factors', () => {
    const gray = new Uint8Array(4);
    expect(downsample(gray, 2, 2, 1).gray).toBe(gray);
    expect(() => downsample(gray, 2, 2, 0)).toThrow(/factor/);
    expect(() => downsample(gray, 3, 2, 2)).toThrow(/needs 6 pixels, got 4/);
  });
});

describe('detectTerminalMode', () => {
  it.each([
    [false, { COLORTERM: 'truecolor' }, 'ascii'],
    [true, { TERM: 'dumb', COLORTERM: 'truecolor' }, 'ascii'],
    [true, { TERM: 'xterm-256color', COLORTERM: '24bit' }, 'truecolor'],
    [true, { TERM: 'xterm-256color' }, 'ansi256'],
  ] as const)('tty=%s %o -> %s', (isTTY, env, mode) => {
    expect(detectTerminalMode(isTTY, env)).toBe(mode);
  });
});

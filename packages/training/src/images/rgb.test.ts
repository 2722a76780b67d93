/** Colour pictures (stacked MNIST): grids, PNG, GIF and the terminal. Grey ones are tested beside. */
import { describe, expect, it } from 'vitest';
import { cubeIndices, encodeGif, encodeRgbGif } from './gif.ts';
import { grayToRgb, lumaOf } from './gray.ts';
import { decodePng, encodePng, encodePngRgb, imageGrid } from './png.ts';
import { halfBlockLines } from './terminal.ts';

// One 2x1 image, channel-major: R plane [255, 0], G plane [0, 10], B plane [0, 10].
const CHW = [255, 0, 0, 10, 0, 10];

describe('colour pictures', () => {
  it('imageGrid puts channel-major planes into interleaved RGB, gray = luma', () => {
    const g = imageGrid(CHW, { width: 2, height: 1, rows: 1, cols: 2, pad: 1, channels: 3, padValue: 7 });
    expect([g.width, g.height]).toEqual([2 * 2 + 3, 3]);
    // Row 1 (after the pad row): pad, (255,0,0), (0,10,10), pad, empty cell (pad), pad.
    const row = Array.from(g.rgb?.subarray(3 * 7, 3 * 14) ?? []);
    expect(row).toEqual([7, 7, 7, 255, 0, 0, 0, 10, 10, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
    expect(Array.from(g.gray.subarray(7, 14))).toEqual([7, 76, 7, 7, 7, 7, 7]);
    expect(() => imageGrid(CHW, { width: 2, height: 1, rows: 1, cols: 1, channels: 2 })).toThrow(
      'imageGrid: channels must be 1 or 3, got 2',
    );
  });

  it('a grey grid has no rgb and is the same with channels 1', () => {
    const a = imageGrid([1, 2, 3, 4], { width: 2, height: 2, rows: 1, cols: 1 });
    const b = imageGrid([1, 2, 3, 4], { width: 2, height: 2, rows: 1, cols: 1, channels: 1 });
    expect(a.rgb).toBeUndefined();
    expect(b).toEqual(a);
  });

  it('an RGB PNG decodes back to its colours; a grey PNG decodes without rgb', () => {
    const rgb = Uint8Array.of(255, 0, 0, 0, 10, 10, 1, 1, 1, 0, 0, 255);
    const back = decodePng(encodePngRgb(rgb, 2, 2));
    expect(Array.from(back.rgb ?? [])).toEqual(Array.from(rgb));
    expect(Array.from(back.gray)).toEqual(Array.from(lumaOf(rgb)));
    expect(decodePng(encodePng(Uint8Array.of(1, 2, 3, 4), 2, 2)).rgb).toBeUndefined();
    expect(Array.from(grayToRgb(Uint8Array.of(5)))).toEqual([5, 5, 5]);
  });

  it('the terminal draws RGB in 24-bit colour and the 6x6x6 cube; ascii stays grey', () => {
    const rgb = Uint8Array.of(255, 0, 0, 0, 0, 255); // red over blue, 1 x 2
    const gray = lumaOf(rgb);
    expect(halfBlockLines(gray, 1, 2, { mode: 'truecolor', rgb })).toEqual([
      '\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m\u2580\x1b[0m',
    ]);
    expect(halfBlockLines(gray, 1, 2, { mode: 'ansi256', rgb })).toEqual([
      `\x1b[38;5;${16 + 36 * 5}m\x1b[48;5;${16 + 5}m\u2580\x1b[0m`,
    ]);
    expect(halfBlockLines(gray, 1, 2, { mode: 'ascii', rgb })).toEqual(
      halfBlockLines(gray, 1, 2, { mode: 'ascii' }),
    );
  });

  it('an RGB GIF maps colours to the cube; grey GIFs are unchanged by it', () => {
    expect(Array.from(cubeIndices(Uint8Array.of(255, 0, 0, 0, 0, 255, 255, 255, 255)))).toEqual([
      180, 5, 215,
    ]);
    const bytes = encodeRgbGif([Uint8Array.of(255, 0, 0, 0, 0, 255)], 2, 1);
    expect(Buffer.from(bytes.subarray(0, 6)).toString('latin1')).toBe('GIF89a');
    expect(() => encodeRgbGif([Uint8Array.of(1, 2)], 2, 1)).toThrow('encodeRgbGif frame 0');
    expect(encodeGif([Uint8Array.of(1, 2)], 2, 1).length).toBeGreaterThan(0);
  });
});

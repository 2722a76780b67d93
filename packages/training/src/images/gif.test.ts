import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GIF_FILE, OWNER_DIR, RunOwner, SAMPLES_DIR, samplePath } from '@gan/runs';
import { Tensor } from '@gan/tensor';
import { configFromObject } from '../config/index.ts';
import { encodeGif, evenlySpaced, framesFromSamplePngs, writeGif, writeRunGif } from './gif.ts';
import { readPng, writePng, writeSampleGrid } from './png.ts';
import { samplePicture } from './samples.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-gif-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ParsedGif {
  width: number;
  height: number;
  palette: number[][];
  loops: number | null;
  frames: { delayCs: number; pixels: Uint8Array }[];
}

/** A small GIF reader: walks the block structure and decodes LZW, enough to check our output. */
function parseGif(bytes: Uint8Array): ParsedGif {
  const ascii = (a: number, b: number) => String.fromCharCode(...bytes.subarray(a, b));
  expect(ascii(0, 6)).toBe('GIF89a');
  const u16 = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  const width = u16(6);
  const height = u16(8);
  const flags = bytes[10];
  let pos = 13;
  const palette: number[][] = [];
  if (flags & 0x80) {
    const size = 2 << (flags & 7);
    for (let i = 0; i < size; i++)
      palette.push([bytes[pos + 3 * i], bytes[pos + 3 * i + 1], bytes[pos + 3 * i + 2]]);
    pos += 3 * size;
  }
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    for (let n = bytes[pos++]; n !== 0; n = bytes[pos++]) {
      parts.push(...bytes.subarray(pos, pos + n));
      pos += n;
    }
    return Uint8Array.from(parts);
  };
  const result: ParsedGif = { width, height, palette, loops: null, frames: [] };
  let delayCs = 0;
  for (;;) {
    const block = bytes[pos++];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      const label = bytes[pos++];
      const body = subBlocks();
      if (label === 0xf9) delayCs = body[1] | (body[2] << 8);
      if (label === 0xff && ascii(pos - body.length - 2 - 3 - 1, pos).includes('NETSCAPE'))
        result.loops = body[12] | (body[13] << 8);
      continue;
    }
    expect(block, `unexpected block 0x${block?.toString(16)} at ${pos - 1}`).toBe(0x2c);
    const w = u16(pos + 4);
    const h = u16(pos + 6);
    const local = bytes[pos + 8];
    pos += 9;
    if (local & 0x80) pos += 3 * (2 << (local & 7));
    const minCodeSize = bytes[pos++];
    result.frames.push({ delayCs, pixels: lzwDecode(subBlocks(), minCodeSize, w * h) });
  }
  expect(pos).toBe(bytes.length);
  return result;
}

function lzwDecode(data: Uint8Array, minCodeSize: number, count: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  let table: number[][] = [];
  let codeSize = 0;
  const reset = () => {
    table = Array.from({ length: clear + 2 }, (_, i) => (i < clear ? [i] : []));
    codeSize = minCodeSize + 1;
  };
  reset();
  const out: number[] = [];
  let prev: number[] | null = null;
  let bit = 0;
  while (bit + codeSize <= data.length * 8) {
    let code = 0;
    for (let i = 0; i < codeSize; i++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << i;
    if (code === clear) {
      reset();
      prev = null;
      continue;
    }
    if (code === end) break;
    let entry: number[];
    if (code < table.length) entry = table[code];
    else if (code === table.length && prev) entry = [...prev, prev[0]];
    else throw new Error(`bad LZW code ${code}`);
    out.push(...entry);
    if (prev && table.length < 4096) {
      table.push([...prev, entry[0]]);
      if (table.length === 1 << codeSize && codeSize < 12) codeSize++;
    }
    prev = entry;
  }
  expect(out.length).toBe(count);
  return Uint8Array.from(out);
}

const frame = (w: number, h: number, seed: number) =>
  Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + seed * 91 + ((i * i) >> 3)) % 256);

describe('encodeGif', () => {
  it('writes a looping GIF89a with a grey palette and exact frames', () => {
    const [w, h] = [40, 30];
    const frames = [frame(w, h, 1), frame(w, h, 2), new Uint8Array(w * h).fill(255)];
    const gif = parseGif(encodeGif(frames, w, h, { delayMs: 200 }));
    expect([gif.width, gif.height]).toEqual([w, h]);
    expect(gif.palette).toEqual(Array.from({ length: 256 }, (_, i) => [i, i, i]));
    expect(gif.loops).toBe(0); // forever
    expect(gif.frames).toHaveLength(3);
    gif.frames.forEach((f, i) => {
      expect(f.delayCs).toBe(20);
      expect([...f.pixels], `frame ${i}`).toEqual([...frames[i]]);
    });
  });

  it('plays once when loop is false, with a default delay of 100 ms', () => {
    const gif = parseGif(encodeGif([new Uint8Array(4)], 2, 2, { loop: false }));
    expect(gif.loops).toBeNull();
    expect(gif.frames.map((f) => f.delayCs)).toEqual([10]);
  });

  it('rejects no frames and frames of the wrong size', () => {
    expect(() => encodeGif([], 2, 2)).toThrow(/no frames/);
    expect(() => encodeGif([new Uint8Array(4), new Uint8Array(3)], 2, 2)).toThrow(
      /frame 1: 2x2 needs 4 pixels, got 3/,
    );
  });
});

describe('evenlySpaced', () => {
  it('keeps everything when there are few, else the first, the last and even steps between', () => {
    expect(evenlySpaced(3, 5)).toEqual([0, 1, 2]);
    expect(evenlySpaced(7, 3)).toEqual([0, 3, 6]);
    const picked = evenlySpaced(250, 200);
    expect(picked).toHaveLength(200);
    expect([picked[0], picked.at(-1)]).toEqual([0, 249]);
    for (let i = 1; i < picked.length; i++) expect(picked[i] - picked[i - 1]).toBeGreaterThanOrEqual(1);
  });
});

describe('frames from sample PNGs', () => {
  async function writeSamples(steps: number[], size = 2): Promise<string> {
    await mkdir(join(dir, SAMPLES_DIR), { recursive: true });
    for (const step of steps) {
      await writePng(samplePath(dir, step), new Uint8Array(size * size).fill(step % 256), size, size);
    }
    return join(dir, SAMPLES_DIR);
  }

  it('reads frames in step order and thins them out evenly', async () => {
    const samples = await writeSamples([1500, 0, 500, 1000000, 2500, 2000, 1000]);
    await writeFile(join(samples, '.step-003000.png.1.ab.tmp'), 'partial');
    const all = await framesFromSamplePngs(samples);
    expect(all.steps).toEqual([0, 500, 1000, 1500, 2000, 2500, 1000000]);
    expect(all.frames.map((f) => f[0])).toEqual(all.steps.map((s) => s % 256));
    expect([all.width, all.height]).toEqual([2, 2]);
    expect((await framesFromSamplePngs(samples, { maxFrames: 3 })).steps).toEqual([0, 1500, 1000000]);
  });

  it('refuses grids of different sizes, naming the file', async () => {
    await writeSamples([0, 500]);
    await writePng(samplePath(dir, 1000), new Uint8Array(9), 3, 3);
    await expect(framesFromSamplePngs(join(dir, SAMPLES_DIR))).rejects.toThrow(
      `${samplePath(dir, 1000)}: sample grid is 3x3, earlier ones are 2x2`,
    );
  });

  it('writes the run GIF, or nothing when there are no samples', async () => {
    const owner = RunOwner.claim(dir, 'test');
    expect(await writeRunGif(owner)).toBe(0);
    expect(await readdir(dir)).toEqual([OWNER_DIR]);
    await writeSamples([0, 500, 1000], 3);
    expect(await writeRunGif(owner, { delayMs: 50 })).toBe(3);
    const gif = parseGif(await readFile(join(dir, GIF_FILE)));
    expect(gif.frames.map((f) => f.pixels[0])).toEqual([0, 500 % 256, 1000 % 256]);
    expect((await readdir(dir)).sort()).toEqual([GIF_FILE, OWNER_DIR, SAMPLES_DIR].sort());
  });

  it.each([
    ['per-image', [0, 255]],
    ['output', [0, 128]],
  ] as const)(
    'shows the grids as saved, on the scale log.sampleScale %s gives them',
    async (sampleScale, levels) => {
      // The decay trick's generator: 16 images within a millionth of mid-grey, one pixel a little
      // brighter. Stretched per image (the article's imshow) each is black and white; on the
      // output scale, flat grey (0: the black lines between the samples).
      const config = configFromObject(
        { name: 'x', model: { generator: { output: 'sigmoid' } }, log: { sampleScale } },
        'x.yaml',
      );
      const samples = (step: number) =>
        Tensor.fromArray(
          Array.from({ length: 16 }, () =>
            Array.from({ length: 4 }, (_, i) => 0.5 + (i === step ? 2 ** -20 : 0)),
          ),
        );
      const owner = RunOwner.claim(dir, 'test');
      for (const step of [0, 1, 2])
        await writeSampleGrid(owner, step, samplePicture(config, samples(step), 2, 2));
      expect(await writeRunGif(owner)).toBe(3);
      const gif = parseGif(await readFile(join(dir, GIF_FILE)));
      for (const [step, frame] of gif.frames.entries()) {
        const grey = Uint8Array.from(frame.pixels, (p) => gif.palette[p][0]);
        expect(grey).toEqual((await readPng(samplePath(dir, step))).gray); // frame for frame the PNG
        expect([...new Set(grey)].sort((a, b) => a - b)).toEqual(levels);
      }
    },
  );

  it('writeGif writes atomically', async () => {
    await writeGif(join(dir, 'a.gif'), [new Uint8Array(1)], 1, 1);
    expect(await readdir(dir)).toEqual(['a.gif']);
  });
});

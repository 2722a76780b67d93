import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, type IdxArray, IdxError, parseIdx, readIdx } from './idx.ts';
import { writeIdx } from './idx.test-util.ts';

const dir = mkdtempSync(join(tmpdir(), 'gan-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Values that exercise sign, width and byte order for each dtype. */
const samples: IdxArray[] = [
  { dtype: 'u8', dims: [5], data: Uint8Array.of(0, 1, 127, 128, 255) },
  { dtype: 'i8', dims: [5], data: Int8Array.of(-128, -1, 0, 1, 127) },
  { dtype: 'i16', dims: [5], data: Int16Array.of(-32768, -2, 0, 258, 32767) },
  { dtype: 'i32', dims: [5], data: Int32Array.of(-2147483648, -70000, 0, 16909060, 2147483647) },
  { dtype: 'f32', dims: [5], data: Float32Array.of(-1.5, 0, 3.25, 1e30, Number.NEGATIVE_INFINITY) },
  { dtype: 'f64', dims: [5], data: Float64Array.of(-1e300, Math.PI, 0, 5e-324, Number.POSITIVE_INFINITY) },
];

/** The same dtype as a 3-d array [2,3,4] with values 0..23, shifted to include negatives when signed. */
function threeD(sample: IdxArray): IdxArray {
  const data = new (sample.data.constructor as new (n: number) => IdxArray['data'])(24);
  const signed = sample.dtype !== 'u8';
  for (let i = 0; i < 24; i++) data[i] = signed ? i - 12 : i * 10;
  return { dtype: sample.dtype, dims: [2, 3, 4], data };
}

function expectSameArray(got: IdxArray, want: IdxArray): void {
  expect(got.dtype).toBe(want.dtype);
  expect(got.dims).toEqual(want.dims);
  expect(got.data.constructor).toBe(want.data.constructor);
  expect(Array.from(got.data)).toEqual(Array.from(want.data));
}

describe('IDX round trip', () => {
  for (const sample of samples) {
    for (const arr of [sample, threeD(sample)]) {
      for (const gz of [false, true]) {
        it(`${arr.dtype} ${arr.dims.length}-d ${gz ? 'gzipped' : 'raw'}`, () => {
          const path = join(dir, `rt-${arr.dtype}-${arr.dims.length}${gz ? '.gz' : ''}`);
          writeIdx(path, arr);
          const bytes = readFileSync(path);
          expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(gz);
          expectSameArray(readIdx(path), arr);
        });
      }
    }
  }

  it('writes the documented big-endian layout', () => {
    const bytes = encodeIdx({ dtype: 'i16', dims: [2], data: Int16Array.of(0x0102, -2) });
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
  });

  it('detects gzip by content, not by name', () => {
    const arr = samples[3];
    const disguised = join(dir, 'gzipped-without-extension');
    writeIdx(disguised, arr, { gzip: true });
    expectSameArray(readIdx(disguised), arr);
    const plainGz = join(dir, 'plain-with-extension.gz');
    writeIdx(plainGz, arr, { gzip: false });
    expect(readFileSync(plainGz)[0]).toBe(0);
    expectSameArray(readIdx(plainGz), arr);
  });

  it('parses in-memory buffers without sharing memory with them', () => {
    const bytes = encodeIdx(samples[0]);
    const arr = parseIdx(bytes, 'mem');
    bytes[8] = 99;
    expect(arr.data[0]).toBe(0);
    expectSameArray(parseIdx(gzipSync(encodeIdx(samples[5]))), samples[5]);
  });

  it('refuses to encode data that does not match its dtype or dims', () => {
    expect(() => encodeIdx({ dtype: 'f32', dims: [2], data: Uint8Array.of(1, 2) }, 'x')).toThrow(
      "x: dtype 'f32' needs a Float32Array, got Uint8Array",
    );
    expect(() => encodeIdx({ dtype: 'u8', dims: [2, 2], data: Uint8Array.of(1, 2) }, 'x')).toThrow(
      'x: dims 2x2 need 4 values but the data holds 2',
    );
    expect(() => encodeIdx({ dtype: 'u8', dims: [], data: new Uint8Array(0) }, 'x')).toThrow(
      '1 to 255 dimensions',
    );
  });
});

describe('IDX errors name the file and the problem', () => {
  /** A valid 10x2x2 ubyte file (16 header bytes + 40 data bytes), to corrupt. */
  const valid = () => encodeIdx({ dtype: 'u8', dims: [10, 2, 2], data: new Uint8Array(40).fill(7) });

  const cases: { name: string; bytes: () => Uint8Array; message: string }[] = [
    {
      name: 't10k-images-idx3-ubyte',
      bytes: () => {
        const b = valid();
        b.set([0x12, 0x34, 0x56, 0x78], 0);
        return b;
      },
      message:
        'wrong magic number 0x12345678: an IDX file starts with two zero bytes, a type code and the number of dimensions',
    },
    {
      name: 'bad-type',
      bytes: () => {
        const b = valid();
        b[2] = 0x07;
        return b;
      },
      message:
        'unknown type code 0x07 (expected 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)',
    },
    {
      name: 'truncated',
      bytes: () => valid().subarray(0, 16 + 34),
      message: 'truncated: the header says 10x2x2 = 40 values (40 bytes) but the file holds 34 bytes of data',
    },
    {
      name: 'truncated-1d-int',
      bytes: () => encodeIdx({ dtype: 'i32', dims: [3], data: Int32Array.of(1, 2, 3) }).subarray(0, 8 + 5),
      message: 'truncated: the header says 3 values (12 bytes) but the file holds 5 bytes of data',
    },
    {
      name: 'trailing',
      bytes: () => {
        const b = new Uint8Array(valid().length + 16);
        b.set(valid());
        return b;
      },
      message: '16 unexpected bytes after the data',
    },
    {
      name: 'short-header',
      bytes: () => valid().subarray(0, 5),
      message: 'file is shorter than its header (5 bytes; 3 dimensions need 16)',
    },
    { name: 'tiny', bytes: () => Uint8Array.of(0, 0), message: 'file is shorter than its header (2 bytes)' },
    { name: 'empty', bytes: () => new Uint8Array(0), message: 'file is shorter than its header (0 bytes)' },
    {
      name: 'corrupt.gz',
      bytes: () => {
        const gz = gzipSync(valid());
        return gz.subarray(0, gz.length - 12);
      },
      message: 'corrupt gzip data',
    },
    {
      name: 'garbled-gzip',
      bytes: () => {
        const gz = gzipSync(valid());
        gz.fill(0xff, 10, gz.length - 8);
        return gz;
      },
      message: 'corrupt gzip data',
    },
    {
      name: 'truncated-inside.gz',
      bytes: () => gzipSync(valid().subarray(0, 20)),
      message: 'the file holds 4 bytes of data after decompression',
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const path = join(dir, c.name);
      writeFileSync(path, c.bytes());
      let error: unknown;
      try {
        readIdx(path);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(IdxError);
      const e = error as IdxError;
      expect(e.file).toBe(path);
      expect(e.message.startsWith(`${path}: `)).toBe(true);
      expect(e.message).toContain(c.message);
    });
  }

  it('a missing file', () => {
    const path = join(dir, 'does-not-exist');
    expect(() => readIdx(path)).toThrow(new RegExp(`^${path}: cannot read the file \\(ENOENT`));
  });

  it('in-memory buffers use the given name', () => {
    expect(() => parseIdx(Uint8Array.of(1, 2, 3, 4), 'upload')).toThrow(
      /^upload: wrong magic number 0x01020304/,
    );
  });
});

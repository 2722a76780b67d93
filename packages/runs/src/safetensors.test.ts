import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunOwner } from './owner.ts';
import { itWith, numpy } from '../../../test-support/requirements.ts';
import {
  CHECKPOINT_FORMAT,
  type CheckpointContent,
  decodeCheckpoint,
  encodeCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  saveCheckpoint,
  writeCheckpoint,
} from './checkpoints.ts';
import { RunFormatError } from './errors.ts';
import { CHECKPOINTS_DIR, checkpointPath } from './paths.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  type SafeTensor,
  type Safetensors,
  writeSafetensors,
} from './safetensors.ts';

/** A claim of `d` by this test: every write to a run folder comes from its owner. */
const own = (d: string) => RunOwner.claim(d, 'test');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gan-st-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sampleTensors(): Record<string, SafeTensor> {
  return {
    'g.0.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.from([0.5, -1.25, 3, 1e-8, -0, 65504]) },
    u8: { dtype: 'U8', shape: [3], data: Uint8Array.from([0, 128, 255]) },
    'adam.m': { dtype: 'F64', shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
    count: { dtype: 'I32', shape: [], data: Int32Array.from([-7]) },
    state: { dtype: 'U32', shape: [4], data: Uint32Array.from([0, 1, 0xffffffff, 0x9e3779b9]) },
    big: { dtype: 'I64', shape: [2], data: BigInt64Array.from([-(2n ** 62n), 12345678901234n]) },
    empty: { dtype: 'F32', shape: [0, 5], data: new Float32Array(0) },
  };
}

/** A file from a hand-made header and data section, for corrupt cases. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('encodeSafetensors', () => {
  it('lays out an 8-byte length, a space-padded JSON header and contiguous little-endian data', () => {
    const bytes = encodeSafetensors(
      {
        a: { dtype: 'F32', shape: [2], data: Float32Array.from([1.5, -2]) },
        b: { dtype: 'U8', shape: [1, 3], data: Uint8Array.from([7, 8, 9]) },
      },
      { step: '500' },
    );
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(headerText).toMatch(/^\{.*\} *$/);
    expect(JSON.parse(headerText)).toEqual({
      __metadata__: { step: '500' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'U8', shape: [1, 3], data_offsets: [8, 11] },
    });
    expect(bytes.length).toBe(8 + n + 11);
    expect(view.getFloat32(8 + n, true)).toBe(1.5);
    expect(view.getFloat32(8 + n + 4, true)).toBe(-2);
    expect([...bytes.subarray(8 + n + 8)]).toEqual([7, 8, 9]);
  });

  it('round-trips every dtype, scalars, empty tensors and metadata', () => {
    const tensors = sampleTensors();
    const metadata = { format: 'gan-checkpoint', rng: JSON.stringify({ s: [1, 2, 3, 4] }), ü: 'ok ✓' };
    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata));
    expect(decoded.metadata).toEqual(metadata);
    expect(Object.keys(decoded.tensors)).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      const d = decoded.tensors[name];
      expect(d.dtype, name).toBe(t.dtype);
      expect(d.shape, name).toEqual(t.shape);
      expect(d.data.constructor, name).toBe(t.data.constructor);
      expect([...d.data], name).toEqual([...t.data]);
    }
    expect(Object.is(decoded.tensors['g.0.weight'].data[4], -0)).toBe(true);
  });

  it('decodes from an unaligned view of a larger buffer', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F64', shape: [3], data: Float64Array.from([1, 2, 3]) } });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect([...decodeSafetensors(padded.subarray(3)).tensors.x.data]).toEqual([1, 2, 3]);
  });

  it.each<[string, Record<string, SafeTensor>, RegExp]>([
    [
      'a dtype/array mismatch',
      { w: { dtype: 'F32', shape: [2], data: new Float64Array(2) as never } },
      /needs a Float32Array/,
    ],
    [
      'a shape/length mismatch',
      { w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } },
      /4 elements\) but 3 values/,
    ],
    ['a bad shape', { w: { dtype: 'F32', shape: [-1], data: new Float32Array(0) } }, /invalid shape/],
    [
      'a reserved name',
      { __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } },
      /invalid tensor name/,
    ],
  ])('rejects %s', (_, tensors, message) => {
    expect(() => encodeSafetensors(tensors)).toThrow(message);
  });

  it('rejects metadata that is not a string', () => {
    expect(() => encodeSafetensors({}, { step: 5 as unknown as string })).toThrow(
      /metadata "step" must be a string/,
    );
  });
});

describe('decodeSafetensors rejects corrupt files', () => {
  const f32 = (n: number) => new Uint8Array(4 * n);
  const cases: [string, Uint8Array, string][] = [
    ['too short', new Uint8Array(5), 'too short'],
    [
      'a header longer than the file',
      (() => {
        const b = build({});
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      'runs past the end of the file',
    ],
    [
      'a huge header length',
      (() => {
        const b = build({});
        new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
        return b;
      })(),
      'is larger than',
    ],
    ['a header that is not JSON', build(null, undefined, '{"a": '), 'not valid JSON'],
    ['a header that is not an object', build([1, 2]), 'not a JSON object'],
    [
      'an unsupported dtype',
      build({ w: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)),
      'unsupported dtype "BF16"',
    ],
    [
      'a bad shape',
      build({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, f32(1)),
      'shape must be',
    ],
    [
      'reversed offsets',
      build({ w: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, f32(1)),
      'data_offsets must be',
    ],
    [
      'offsets past the data',
      build({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)),
      'run past the data section',
    ],
    [
      'a size that does not match dtype x shape',
      build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)),
      'needs 12 bytes, data_offsets give 8',
    ],
    [
      'a gap',
      build(
        {
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
        },
        f32(3),
      ),
      'a gap of 4 bytes before tensor "b"',
    ],
    [
      'an overlap',
      build(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        f32(2),
      ),
      'overlaps',
    ],
    [
      'bytes after the last tensor',
      build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)),
      '4 bytes after the last tensor',
    ],
    ['a data section with no tensors', build({}, f32(1)), '4 bytes after the last tensor'],
    ['non-string metadata', build({ __metadata__: { step: 5 } }), '__metadata__.step is not a string'],
    ['a tensor entry that is not an object', build({ w: 3 }), 'expected { dtype, shape, data_offsets }'],
  ];
  it.each(cases)('%s', (_, bytes, message) => {
    let error: unknown;
    try {
      decodeSafetensors(bytes, 'ckpt.safetensors');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunFormatError);
    expect((error as Error).message).toContain('ckpt.safetensors: not a valid safetensors file');
    expect((error as Error).message).toContain(message);
  });

  it('accepts a valid hand-made file (so the cases above fail for their stated reason)', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat32(4, 2.5, true);
    const file = build(
      {
        b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      },
      data,
    );
    expect(decodeSafetensors(file).tensors.b.data[0]).toBe(2.5);
  });
});

describe('safetensors files', () => {
  it('writes atomically and names the file in read errors', async () => {
    const path = join(dir, 'w.safetensors');
    await writeSafetensors(path, sampleTensors(), { a: 'b' });
    expect(await readdir(dir)).toEqual(['w.safetensors']);
    expect((await readSafetensors(path)).metadata).toEqual({ a: 'b' });
    const bad = join(dir, 'bad.safetensors');
    await writeFile(bad, new Uint8Array(3));
    await expect(readSafetensors(bad)).rejects.toThrow(`${bad}: not a valid safetensors file`);
  });
});

describe('cross-check with numpy', () => {
  itWith(numpy, 'numpy reads what we write, and we read what numpy writes', async () => {
    const ours = join(dir, 'ours.safetensors');
    const tensors = sampleTensors();
    await writeSafetensors(ours, tensors, { step: '500' });
    const theirs = join(dir, 'theirs.safetensors');
    const script = `
import json, struct, sys
import numpy as np

DT = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'U32': '<u4', 'U8': 'u1', 'I64': '<i8'}
with open(sys.argv[1], 'rb') as f:
    raw = f.read()
(n,) = struct.unpack('<Q', raw[:8])
header = json.loads(raw[8:8 + n])
out = {'metadata': header.pop('__metadata__', None), 'tensors': {}}
for name, info in header.items():
    b, e = info['data_offsets']
    arr = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=DT[info['dtype']]).reshape(info['shape'])
    out['tensors'][name] = {'shape': list(arr.shape), 'values': [str(v) for v in arr.ravel().tolist()]}
print(json.dumps(out))
# Write a file by hand, the way any other tool would.
w = np.arange(6, dtype='<f4').reshape(2, 3) / 4
i = np.array([-3, 2**40], dtype='<i8')
hdr = {'__metadata__': {'by': 'numpy'}, 'w': {'dtype': 'F32', 'shape': [2, 3], 'data_offsets': [0, 24]},
       'i': {'dtype': 'I64', 'shape': [2], 'data_offsets': [24, 40]}}
h = json.dumps(hdr).encode()
h += b' ' * (-len(h) % 8)
with open(sys.argv[2], 'wb') as f:
    f.write(struct.pack('<Q', len(h)) + h + w.tobytes() + i.tobytes())
`;
    const run = spawnSync('python3', ['-c', script, ours, theirs], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const parsed = JSON.parse(run.stdout);
    expect(parsed.metadata).toEqual({ step: '500' });
    expect(Object.keys(parsed.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(parsed.tensors[name].shape, name).toEqual(t.shape);
      // Python prints floats as the shortest repr of the double; compare as numbers / bigints.
      const values: string[] = parsed.tensors[name].values;
      if (t.dtype === 'I64') expect(values.map(BigInt), name).toEqual([...t.data]);
      else expect(values.map(Number), name).toEqual([...t.data].map(Number));
    }

    const back = await readSafetensors(theirs);
    expect(back.metadata).toEqual({ by: 'numpy' });
    expect(back.tensors.w.shape).toEqual([2, 3]);
    expect([...back.tensors.w.data]).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect([...back.tensors.i.data]).toEqual([-3n, 2n ** 40n]);
  });
});

describe('checkpoints', () => {
  const tensors = { w: { dtype: 'F32', shape: [1], data: Float32Array.from([1]) } } as Record<
    string,
    SafeTensor
  >;

  it('finds the latest by step number and keeps only the newest ones', async () => {
    expect(await latestCheckpoint(dir)).toBeNull();
    for (const step of [500, 999999, 1000])
      await writeCheckpoint(own(dir), step, tensors, { step: String(step) });
    expect(await latestCheckpoint(dir)).toEqual({ step: 999999, path: checkpointPath(dir, 999999) });
    await writeCheckpoint(own(dir), 1000000, tensors, { step: '1000000' }, { keep: 2 });
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([999999, 1000000]);
    expect((await readCheckpoint(dir, 1000000)).metadata.step).toBe('1000000');
    expect(await readdir(join(dir, CHECKPOINTS_DIR))).toHaveLength(2);
    expect(await pruneCheckpoints(own(dir), 1)).toEqual([checkpointPath(dir, 999999)]);
  });

  it('creates checkpoints/ in a run folder but never a missing run folder', async () => {
    const missing = join(dir, 'no-such-run');
    expect(() => own(missing)).toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('validates keep before writing anything', async () => {
    await expect(writeCheckpoint(own(dir), 5, tensors, {}, { keep: 0 })).rejects.toThrow(
      /keep must be an integer >= 1/,
    );
    expect(await listCheckpoints(dir)).toEqual([]);
  });

  it('holds arrays, the state as JSON, the seconds trained and the config, in a format others can read', async () => {
    const content: CheckpointContent = {
      step: 7,
      arrays: { 'generator.0.weight': { shape: [2, 1], data: Float32Array.from([0.5, -1]) } },
      state: { optimizerSteps: { generator: 7 }, zRng: [1, 2, 3, 4] },
      time: 1.25,
      config: 'name: x\n',
    };
    const { metadata } = encodeCheckpoint(content);
    expect(metadata).toEqual({
      format: CHECKPOINT_FORMAT,
      step: '7',
      time: '1.25',
      state: '{"optimizerSteps":{"generator":7},"zRng":[1,2,3,4]}',
      config: 'name: x\n',
      checksum: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    const path = await saveCheckpoint(own(dir), content, { keep: 1 });
    expect(path).toBe(checkpointPath(dir, 7));
    expect(await loadCheckpoint(path)).toEqual(content);
  });

  it("keeps a float64 run's arrays as F64, to the last bit", async () => {
    const w = Float64Array.from([0.1, 1 + 2 ** -40, -3e-300]);
    const content: CheckpointContent = {
      step: 2,
      arrays: { w: { shape: [3], data: w }, v: { shape: [1], data: Float32Array.from([0.5]) } },
      state: {},
      time: 0,
      config: '',
    };
    expect(encodeCheckpoint(content).tensors.w.dtype).toBe('F64');
    const back = await loadCheckpoint(await saveCheckpoint(own(dir), content));
    expect(back.arrays.w.data).toBeInstanceOf(Float64Array);
    expect(Array.from(back.arrays.w.data)).toEqual(Array.from(w));
    expect(back.arrays.v.data).toBeInstanceOf(Float32Array);
  });

  it('refuses a checkpoint whose arrays changed on disk, and reads one written before checksums', async () => {
    const content: CheckpointContent = {
      step: 3,
      arrays: { w: { shape: [4], data: Float32Array.from([1, 2, 3, 4]) } },
      state: {},
      time: 0,
      config: '',
    };
    const path = await saveCheckpoint(own(dir), content);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] ^= 0x40; // one bit of the last float: still a valid safetensors file
    await writeFile(path, bytes);
    await expect(loadCheckpoint(path)).rejects.toThrow(
      /step-000003\.safetensors: the arrays do not match the checksum written with them/,
    );
    const { tensors, metadata } = encodeCheckpoint(content);
    const { checksum: _, ...older } = metadata;
    const st = decodeCheckpoint({ tensors, metadata: older }, 'old.safetensors');
    expect(st.arrays.w.data).toEqual(content.arrays.w.data);
  });

  it('names the file when it is not a checkpoint of this layout', () => {
    const st = encodeCheckpoint({ step: 1, arrays: {}, state: {}, time: 0, config: '' });
    expect(() => decodeCheckpoint({ ...st, metadata: { format: 'other/1' } }, 'x.safetensors')).toThrow(
      /^x\.safetensors: not a checkpoint of this format \(expected format gan-lab-checkpoint\/1, got other\/1\)/,
    );
    expect(() => decodeCheckpoint({ ...st, metadata: { ...st.metadata, step: '-1' } }, 'x')).toThrow(
      /bad step in metadata: -1/,
    );
    const i32 = {
      tensors: { n: { dtype: 'I32', shape: [1], data: Int32Array.from([1]) } },
      metadata: st.metadata,
    };
    expect(() => decodeCheckpoint(i32 as Safetensors, 'x')).toThrow(
      /tensor 'n' has dtype I32, expected F32 or F64/,
    );
  });
});

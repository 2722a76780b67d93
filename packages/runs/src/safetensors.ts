import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { writeFileAtomic } from './atomic.ts';
import type { RunOwner } from './owner.ts';
import { RunFormatError } from './errors.ts';

/**
 * The safetensors format (huggingface/safetensors), so numpy and PyTorch can open checkpoints:
 *
 * ```
 * u64 little-endian N | N bytes of JSON header, space padded to a multiple of 8 | tensor data
 * header: { "<name>": { "dtype": "F32", "shape": [784, 200], "data_offsets": [begin, end] }, ...,
 *           "__metadata__": { "<key>": "<string value>" } }
 * ```
 *
 * Offsets are relative to the start of the data section; tensors are laid out in header order,
 * contiguous, little-endian. Everything that is not a tensor (optimiser step counts, PRNG state,
 * the config) goes in `__metadata__` as strings.
 *
 * In Python: `safetensors.numpy.load_file(path)`, or by hand with `struct`, `json` and
 * `numpy.frombuffer`.
 */
export type Dtype = 'F32' | 'F64' | 'I32' | 'U32' | 'U8' | 'I64';

export type SafeTensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'F64'; shape: number[]; data: Float64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'U32'; shape: number[]; data: Uint32Array }
  | { dtype: 'U8'; shape: number[]; data: Uint8Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array };

/** A float tensor as safetensors stores it: F32 for a Float32Array, F64 for a Float64Array. */
export function floatTensor(shape: number[], data: Float32Array | Float64Array): SafeTensor {
  return data instanceof Float64Array ? { dtype: 'F64', shape, data } : { dtype: 'F32', shape, data };
}

export interface Safetensors {
  /** Tensors in file order. */
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

const ARRAY_TYPES = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  U32: Uint32Array,
  U8: Uint8Array,
  I64: BigInt64Array,
} as const;

/** Bytes per element. */
export const DTYPE_SIZE: Record<Dtype, number> = { F32: 4, F64: 8, I32: 4, U32: 4, U8: 1, I64: 8 };

const METADATA_KEY = '__metadata__';
// The reference implementation's limit: a larger header means a corrupt (or hostile) file.
const MAX_HEADER_BYTES = 100_000_000;

function assertLittleEndianHost(): void {
  if (os.endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}

function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && Object.hasOwn(ARRAY_TYPES, value);
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The bytes of a safetensors file.
 *
 * ```ts
 * const bytes = encodeSafetensors(
 *   { 'g.0.weight': { dtype: 'F32', shape: [100, 200], data: w } },
 *   { step: '5000', rng: JSON.stringify(rng.state()) },
 * );
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, SafeTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  assertLittleEndianHost();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new TypeError(`safetensors metadata "${key}" must be a string, got ${typeof value}`);
      }
    }
    header[METADATA_KEY] = metadata;
  }
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name === '' || name === METADATA_KEY) throw new Error(`safetensors: invalid tensor name "${name}"`);
    const { dtype, shape, data } = tensor;
    if (!isDtype(dtype))
      throw new Error(`safetensors: tensor "${name}" has unsupported dtype ${String(dtype)}`);
    if (!(data instanceof ARRAY_TYPES[dtype])) {
      throw new TypeError(`safetensors: tensor "${name}" is ${dtype} and needs a ${ARRAY_TYPES[dtype].name}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`safetensors: tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (elementCount(shape) !== data.length) {
      throw new Error(
        `safetensors: tensor "${name}" has shape [${shape.join(', ')}] (${elementCount(shape)} elements) but ${data.length} values`,
      );
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let at = 8 + headerLength;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * Parses a safetensors file, strictly: header length, JSON, dtypes, shapes, and offsets that
 * tile the data section exactly (inside it, contiguous, no overlap, sized dtype x shape) are all
 * checked. `source` names the file in errors ({@link RunFormatError}). The returned arrays are
 * copies, aligned for their type.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): Safetensors {
  assertLittleEndianHost();
  const fail = (detail: string): never => {
    throw new RunFormatError(source, `not a valid safetensors file: ${detail}`);
  };
  if (bytes.byteLength < 8) fail(`${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} is larger than ${MAX_HEADER_BYTES}`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.byteLength) {
    fail(`header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (error) {
    fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    fail('the header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;

  const metadataEntries: [string, string][] = [];
  const entries: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (info === null || typeof info !== 'object' || Array.isArray(info))
        fail('__metadata__ is not an object');
      for (const [key, value] of Object.entries(info as Record<string, unknown>)) {
        if (typeof value !== 'string') fail(`__metadata__.${key} is not a string`);
        metadataEntries.push([key, value as string]);
      }
      continue;
    }
    const at = `tensor "${name}"`;
    if (info === null || typeof info !== 'object') fail(`${at}: expected { dtype, shape, data_offsets }`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (!isDtype(dtype))
      fail(
        `${at}: unsupported dtype ${JSON.stringify(dtype)} (expected ${Object.keys(ARRAY_TYPES).join(', ')})`,
      );
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${at}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`${at}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end > dataLength)
      fail(`${at}: data_offsets [${begin}, ${end}] run past the data section (${dataLength} bytes)`);
    const expected = elementCount(shape as number[]) * DTYPE_SIZE[dtype as Dtype];
    if (end - begin !== expected) {
      fail(
        `${at}: ${dtype} [${(shape as number[]).join(', ')}] needs ${expected} bytes, data_offsets give ${end - begin}`,
      );
    }
    entries.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }

  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of byOffset) {
    if (e.begin < cursor)
      fail(`tensor "${e.name}" overlaps the previous tensor (begins at ${e.begin}, before ${cursor})`);
    if (e.begin > cursor) fail(`a gap of ${e.begin - cursor} bytes before tensor "${e.name}" (at ${cursor})`);
    cursor = e.end;
  }
  if (cursor !== dataLength)
    fail(`${dataLength - cursor} bytes after the last tensor are not described by the header`);

  // fromEntries defines own properties, so a name such as "__proto__" stays a plain key.
  const tensors = Object.fromEntries(
    entries.map((e) => {
      // Copy into a fresh buffer: aligned for the typed array, and never a view of a Node Buffer
      // (whose slice() shares memory, often a pool much larger than the file).
      const raw = new Uint8Array(e.end - e.begin);
      raw.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
      return [
        e.name,
        { dtype: e.dtype, shape: e.shape, data: new ARRAY_TYPES[e.dtype](raw.buffer) } as SafeTensor,
      ];
    }),
  );
  return { tensors, metadata: Object.fromEntries(metadataEntries) };
}

/**
 * Writes a safetensors file atomically (a crash leaves the previous checkpoint intact); a file of
 * a run folder by the run's `owner`.
 */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, SafeTensor>,
  metadata?: Record<string, string>,
  owner?: RunOwner,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata), owner);
}

/** Reads and validates a safetensors file; errors name `path`. */
export async function readSafetensors(path: string): Promise<Safetensors> {
  return decodeSafetensors(await readFile(path), path);
}

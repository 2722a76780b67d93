/**
 * The IDX file format (the format MNIST ships in), read and written.
 *
 * Layout, all integers big-endian:
 * ```
 * byte 0-1   0x00 0x00
 * byte 2     type code: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double
 * byte 3     number of dimensions, r
 * 4 .. 4+4r  r dimension sizes, uint32 each
 * then       the values, row-major, big-endian, nothing after them
 * ```
 * Files may be gzip-compressed; that is detected from the content (magic bytes 1f 8b), never from
 * the name, so a `.gz` that was decompressed by a browser still reads.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Element type of an IDX array, named after the typed array it decodes to. */
export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

/** The typed array that holds an IDX array's values (the one matching its dtype). */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * A decoded IDX array: `dims` are the sizes from the header (`[10000, 28, 28]` for MNIST test
 * images) and `data` holds the product of `dims` values, row-major, in host byte order.
 */
export interface IdxArray {
  dtype: IdxDtype;
  dims: number[];
  data: IdxData;
}

/** Thrown for every unreadable or malformed IDX input; the message starts with the file name. */
export class IdxError extends Error {
  override name = 'IdxError';
  /** The file (or buffer name) the problem is in. */
  readonly file: string;
  /** The problem alone, without the file name. */
  readonly problem: string;

  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options);
    this.file = file;
    this.problem = problem;
  }
}

interface DtypeInfo {
  code: number;
  /** The name the IDX specification uses for the type. */
  idxName: string;
  bytes: number;
  array: { new (length: number): IdxData; readonly name: string };
}

const DTYPES: Record<IdxDtype, DtypeInfo> = {
  u8: { code: 0x08, idxName: 'ubyte', bytes: 1, array: Uint8Array },
  i8: { code: 0x09, idxName: 'byte', bytes: 1, array: Int8Array },
  i16: { code: 0x0b, idxName: 'short', bytes: 2, array: Int16Array },
  i32: { code: 0x0c, idxName: 'int', bytes: 4, array: Int32Array },
  f32: { code: 0x0d, idxName: 'float', bytes: 4, array: Float32Array },
  f64: { code: 0x0e, idxName: 'double', bytes: 8, array: Float64Array },
};

/** Every dtype, in type-code order. */
export const IDX_DTYPES: readonly IdxDtype[] = ['u8', 'i8', 'i16', 'i32', 'f32', 'f64'];

const DTYPE_BY_CODE = new Map<number, IdxDtype>(IDX_DTYPES.map((d) => [DTYPES[d].code, d]));

const EXPECTED_CODES = IDX_DTYPES.map((d) => `${hex(DTYPES[d].code, 2)} ${DTYPES[d].idxName}`).join(', ');

const MAX_DIM = 0xffffffff;

/**
 * Reads an IDX file, raw or gzip-compressed.
 *
 * ```ts
 * const { dims, data } = readIdx('data/t10k-images-idx3-ubyte'); // dims [10000, 28, 28], Uint8Array
 * ```
 * NOTE: byte-typed data (`u8`, `i8`) is a view into the buffer the file was read into, past the
 * header, so `data.byteOffset` is not 0: use `data`, not `data.buffer`.
 * @throws IdxError naming `path` when the file cannot be read or is not a well-formed IDX file.
 */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new IdxError(path, `cannot read the file (${(err as Error).message})`, { cause: err });
  }
  // The buffer was read for this call alone, so byte-typed data may stay in it without a copy.
  return decodeIdx(bytes, path, true);
}

/**
 * Decodes an IDX file held in memory (gzip-compressed or not). `name` is used in error messages.
 * The result owns its data: it never shares memory with `bytes`.
 *
 * ```ts
 * const arr = parseIdx(await (await fetch(url)).bytes(), url);
 * ```
 */
export function parseIdx(bytes: Uint8Array, name = '<buffer>'): IdxArray {
  return decodeIdx(bytes, name, false);
}

/** `owned`: `bytes` belong to this call, so the result may keep a view of them instead of a copy. */
function decodeIdx(bytes: Uint8Array, name: string, owned: boolean): IdxArray {
  const compressed = isGzip(bytes);
  if (compressed) {
    bytes = gunzip(bytes, name);
    owned = true;
  }
  // Sizes in messages refer to what was parsed; say so when that is not the file on disk.
  const after = compressed ? ' after decompression' : '';

  if (bytes.length < 4) {
    throw new IdxError(name, `file is shorter than its header (${bytes.length} bytes${after})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(
      name,
      `wrong magic number ${hex(view.getUint32(0), 8)}: an IDX file starts with two zero bytes, ` +
        'a type code and the number of dimensions',
    );
  }
  const dtype = DTYPE_BY_CODE.get(bytes[2]);
  if (dtype === undefined) {
    throw new IdxError(name, `unknown type code ${hex(bytes[2], 2)} (expected ${EXPECTED_CODES})`);
  }
  const rank = bytes[3];
  if (rank === 0)
    throw new IdxError(name, 'the header declares 0 dimensions (an IDX array has at least one)');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new IdxError(
      name,
      `file is shorter than its header (${bytes.length} bytes${after}; ${rank} dimensions need ${headerBytes})`,
    );
  }

  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const { bytes: width } = DTYPES[dtype];
  const dataBytes = count * width;
  const available = bytes.length - headerBytes;
  if (available < dataBytes) {
    throw new IdxError(
      name,
      `truncated: the header says ${describeCount(dims, count)} (${dataBytes} bytes) ` +
        `but the file holds ${available} bytes of data${after}`,
    );
  }
  if (available > dataBytes) {
    throw new IdxError(
      name,
      `${available - dataBytes} unexpected bytes after the data ` +
        `(the header says ${describeCount(dims, count)}, ${dataBytes} bytes)`,
    );
  }
  return { dtype, dims, data: decodeValues(dtype, view, headerBytes, count, owned) };
}

/**
 * Encodes an array as an (uncompressed) IDX file. `name` is used in error messages.
 *
 * ```ts
 * const bytes = encodeIdx({ dtype: 'u8', dims: [3], data: Uint8Array.of(7, 2, 1) });
 * // 00 00 08 01 | 00 00 00 03 | 07 02 01
 * ```
 * @throws IdxError when the dtype, dims and data do not agree.
 */
export function encodeIdx(arr: IdxArray, name = '<array>'): Uint8Array {
  const info = DTYPES[arr.dtype];
  if (info === undefined) {
    throw new IdxError(name, `unknown dtype '${arr.dtype}' (expected one of ${IDX_DTYPES.join(', ')})`);
  }
  const { dims, data } = arr;
  if (!Array.isArray(dims) || dims.length < 1 || dims.length > 255) {
    throw new IdxError(name, 'an IDX array needs 1 to 255 dimensions');
  }
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > MAX_DIM) {
      throw new IdxError(
        name,
        `invalid dimensions [${dims.join(', ')}]: each must be an integer in 0..2^32-1`,
      );
    }
  }
  if (!(data instanceof info.array)) {
    throw new IdxError(name, `dtype '${arr.dtype}' needs a ${info.array.name}, got ${describeValue(data)}`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new IdxError(name, `dims ${dims.join('x')} need ${count} values but the data holds ${data.length}`);
  }

  const headerBytes = 4 + 4 * dims.length;
  const out = new Uint8Array(headerBytes + count * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = dims.length;
  for (let i = 0; i < dims.length; i++) view.setUint32(4 + 4 * i, dims[i]);
  encodeValues(arr.dtype, data, view, headerBytes);
  return out;
}

/** Whether `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzip(bytes: Uint8Array, name: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new IdxError(name, `corrupt gzip data (${(err as Error).message})`, { cause: err });
  }
}

function decodeValues(
  dtype: IdxDtype,
  view: DataView,
  offset: number,
  count: number,
  owned: boolean,
): IdxData {
  // Single bytes have no byte order: a view of the input when it is ours (MNIST's 47 MB of train
  // images are not copied), else a copy. Wider types go through DataView, which reads big-endian
  // whatever the host's order is.
  const start = view.byteOffset + offset;
  switch (dtype) {
    case 'u8':
      return owned
        ? new Uint8Array(view.buffer, start, count)
        : new Uint8Array(view.buffer.slice(start, start + count));
    case 'i8':
      return owned
        ? new Int8Array(view.buffer, start, count)
        : new Int8Array(view.buffer.slice(start, start + count));
    case 'i16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i);
      return out;
    }
    case 'i32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i);
      return out;
    }
    case 'f32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i);
      return out;
    }
    case 'f64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i);
      return out;
    }
  }
}

function encodeValues(dtype: IdxDtype, data: IdxData, view: DataView, offset: number): void {
  const n = data.length;
  switch (dtype) {
    case 'u8':
    case 'i8':
      new Uint8Array(view.buffer, offset, n).set(new Uint8Array(data.buffer, data.byteOffset, n));
      return;
    case 'i16':
      for (let i = 0; i < n; i++) view.setInt16(offset + 2 * i, data[i]);
      return;
    case 'i32':
      for (let i = 0; i < n; i++) view.setInt32(offset + 4 * i, data[i]);
      return;
    case 'f32':
      for (let i = 0; i < n; i++) view.setFloat32(offset + 4 * i, data[i]);
      return;
    case 'f64':
      for (let i = 0; i < n; i++) view.setFloat64(offset + 8 * i, data[i]);
      return;
  }
}

function describeCount(dims: readonly number[], count: number): string {
  return dims.length > 1 ? `${dims.join('x')} = ${count} values` : `${count} values`;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v;
}

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(digits, '0')}`;
}

/**
 * Writing IDX files, for tests that need MNIST-shaped files of their own (the product only
 * reads them).
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { encodeIdx, type IdxArray } from './idx.ts';

/**
 * Writes `arr` as an IDX file, gzipped when `gzip` says so (default: when `path` ends in `.gz`).
 *
 * ```ts
 * writeIdx('/tmp/labels-idx1-ubyte.gz', { dtype: 'u8', dims: [2], data: Uint8Array.of(3, 5) });
 * ```
 */
export function writeIdx(path: string, arr: IdxArray, options: { gzip?: boolean } = {}): void {
  const raw = encodeIdx(arr, path);
  writeFileSync(path, (options.gzip ?? path.endsWith('.gz')) ? gzipSync(raw) : raw);
}

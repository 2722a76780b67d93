/**
 * tsx's loader by absolute URL, for tests that start TypeScript entry points in child processes
 * (`node --import <TSX_LOADER> script.ts`): `--import tsx` would resolve tsx from the child's
 * working directory, often a temporary folder.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const TSX_LOADER = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

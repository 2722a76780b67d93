import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { ConfigError } from './issues.ts';

/** The repository's configs/ folder. */
export const CONFIGS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../configs');

/**
 * A fresh temp dir, removed when the calling test finishes; `write(name, text)` puts a file in it
 * and returns its path.
 */
export function tempConfigDir(): { dir: string; write: (name: string, text: string) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write: (name, text) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    },
  };
}

/** The ConfigError thrown by `fn` (fails the test when `fn` succeeds or throws something else). */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

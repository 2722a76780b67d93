/**
 * Builds the page (src/page, with @gan/tensor, @gan/nn, @gan/runs' columns and @gan/data's pixels
 * and scatter) into dist/ with Vite, unless dist/ already holds a build of the same sources:
 * `pnpm ui`, the tests and the benchmark call {@link ensurePageBuilt} and pay for a build only
 * after a change.
 * `pnpm --filter @gan/ui build` (this file as a script) builds it at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const UI_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PAGE_DIR = join(UI_ROOT, 'dist');
const HASH_FILE = join(PAGE_DIR, '.source-hash');
/** What the page is built from. */
const SOURCES = [
  join(UI_ROOT, 'src', 'page'),
  join(UI_ROOT, 'src', 'shared'),
  join(UI_ROOT, 'package.json'),
  join(UI_ROOT, 'src', 'server', 'build-page.ts'),
  join(UI_ROOT, '..', '..', 'packages', 'tensor', 'src'),
  join(UI_ROOT, '..', '..', 'packages', 'nn', 'src'),
  join(UI_ROOT, '..', '..', 'packages', 'runs', 'src', 'columns.ts'),
  join(UI_ROOT, '..', '..', 'packages', 'data', 'src', 'pixels.ts'),
  join(UI_ROOT, '..', '..', 'packages', 'data', 'src', 'scatter.ts'),
];

/** Stands in for @gan/tensor's native backend (a Node addon) in the page. */
const NATIVE_STUB = '\0gan-ui-native-stub';
/** What the stub exports: every name of native.ts that select.ts and the package index import. */
const NATIVE_STUB_SOURCE = `
export const NATIVE_VARIANTS = [];
export const NATIVE_VARIANT_NAMES = [];
export const REPRODUCIBLE_VARIANTS = [];
export function loadNativeBackend() { return { backend: null, reason: 'not in a browser' }; }
export function loadNativeVariant(variant) { throw new Error('native variant ' + variant + ': not in a browser'); }
export function missingCpuFeatures() { return []; }
`;

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!name.endsWith('.test.ts')) walk(join(path, name));
    } else {
      hash.update(`${path}\0`);
      hash.update(readFileSync(path));
    }
  };
  for (const s of SOURCES) walk(s);
  return hash.digest('hex');
}

/** Builds the page now. */
export async function buildPage(): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(UI_ROOT, 'src', 'page'),
    base: '/',
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir: PAGE_DIR,
      emptyOutDir: true,
      // One file per entry keeps the CSP simple and the size easy to measure.
      chunkSizeWarningLimit: 4096,
      modulePreload: { polyfill: false },
    },
    plugins: [
      {
        name: 'gan-ui-reference-backend-only',
        enforce: 'pre',
        resolveId(id: string, importer: string | undefined) {
          const from = importer?.replaceAll('\\', '/') ?? '';
          return (id === './native.ts' && from.endsWith('tensor/src/backends/select.ts')) ||
            (id === './backends/native.ts' && from.endsWith('tensor/src/index.ts'))
            ? NATIVE_STUB
            : null;
        },
        load(id: string) {
          // The page runs the reference backend only: the native one is a Node addon, with no
          // variants to load or compare here.
          return id === NATIVE_STUB ? NATIVE_STUB_SOURCE : null;
        },
      },
    ],
  });
  writeFileSync(HASH_FILE, sourceHash());
}

/** Builds the page unless dist/ holds a build of the current sources; returns whether it built. */
export async function ensurePageBuilt(): Promise<boolean> {
  const current = sourceHash();
  if (existsSync(HASH_FILE) && readFileSync(HASH_FILE, 'utf8') === current) return false;
  await buildPage();
  return true;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildPage();
  process.stdout.write(`built the page into ${PAGE_DIR}\n`);
}

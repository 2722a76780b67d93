/**
 * The browser builds of Vega, Vega-Lite and vega-embed, read from the installed packages so the
 * HTML report can inline them and needs no network when it is opened.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

/** The packages inlined, in load order (vega-lite needs vega, vega-embed needs both). */
export const CHART_PACKAGES = [
  { name: 'vega', file: 'build/vega.min.js' },
  { name: 'vega-lite', file: 'build/vega-lite.min.js' },
  { name: 'vega-embed', file: 'build/vega-embed.min.js' },
] as const;

export interface ScriptAsset {
  name: string;
  version: string;
  code: string;
}

let cache: ScriptAsset[] | null = null;

/** The three minified browser builds with their versions (read once per process). */
export function chartScripts(): ScriptAsset[] {
  cache ??= CHART_PACKAGES.map(({ name, file }) => {
    const root = packageRoot(name);
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
      .version;
    return { name, version, code: readFileSync(join(root, file), 'utf8') };
  });
  return cache;
}

/** The folder of an installed package: its resolved entry, cut after `node_modules/<name>/`. */
function packageRoot(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0)
    throw new Error(`cannot find the folder of the installed package ${name} (resolved to ${entry})`);
  return entry.slice(0, at + marker.length - 1);
}

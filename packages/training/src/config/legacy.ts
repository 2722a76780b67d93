/**
 * Names the article's quirks had in configs written before they were renamed. A run folder's
 * config.yaml keeps whatever names were current when it ran, so reading one migrates them with
 * the behaviour they had; a config file a person edits gets a located error that says the new
 * name instead, because the old names also carried a wrong belief: `seed-flipped` was thought to
 * be the article's discriminator loss, and it is not (the article's code trains the standard one).
 */
import { isPlainObject } from './source.ts';

interface LegacyName {
  path: readonly string[];
  /** The old value at `path`, or `undefined` when the key itself is gone. */
  value?: string;
  /** Where the setting lives now and what it is called. */
  now: { path: readonly string[]; value: (old: unknown) => unknown };
  /** Said in the error for a config file. */
  hint: string;
}

const BIAS_CORRECTION = (network: string): LegacyName => ({
  path: ['optim', network, 'biasCorrection'],
  value: 'seed-constant',
  now: { path: ['optim', network, 'biasCorrection'], value: () => 'constant' },
  hint: "renamed: use 'constant' (the article's m / (1 - beta1), v / (1 - beta2))",
});

export const LEGACY_NAMES: readonly LegacyName[] = [
  {
    path: ['loss', 'discriminator'],
    value: 'seed-flipped',
    now: { path: ['loss', 'discriminator'], value: () => 'flipped' },
    hint:
      "renamed: 'flipped' descends the cost the article prints, which its code never did; the " +
      "article's hand-derived gradient is the standard loss's: use 'standard' with " +
      'reportedDiscriminatorCost: article-printed to reproduce it',
  },
  BIAS_CORRECTION('generator'),
  BIAS_CORRECTION('discriminator'),
  {
    path: ['model', 'generator', 'seedOutputWeightGradBug'],
    now: {
      path: ['model', 'generator', 'outputWeightGrad'],
      value: (old) => (old === true ? 'upstream-squared' : 'chain-rule'),
    },
    hint: 'renamed: use outputWeightGrad: upstream-squared (the typo of h_multi_last.py) or chain-rule',
  },
];

function parentOf(root: unknown, path: readonly string[]): Record<string, unknown> | null {
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node)) return null;
    node = node[key];
  }
  return isPlainObject(node) ? node : null;
}

/** The legacy names used in a parsed config, with their hints. */
export function findLegacyNames(root: unknown): { path: string[]; kind: 'key' | 'value'; hint: string }[] {
  const found: { path: string[]; kind: 'key' | 'value'; hint: string }[] = [];
  for (const legacy of LEGACY_NAMES) {
    const parent = parentOf(root, legacy.path);
    const key = legacy.path[legacy.path.length - 1];
    if (parent === null || !Object.hasOwn(parent, key)) continue;
    if (legacy.value !== undefined && parent[key] !== legacy.value) continue;
    found.push({
      path: [...legacy.path],
      kind: legacy.value === undefined ? 'key' : 'value',
      hint: legacy.hint,
    });
  }
  return found;
}

/**
 * Rewrites legacy names in a parsed config in place, keeping the behaviour they had; returns one
 * note per rewrite (e.g. `loss.discriminator: seed-flipped -> flipped`).
 */
export function migrateLegacyNames(root: unknown): string[] {
  const notes: string[] = [];
  for (const legacy of LEGACY_NAMES) {
    const parent = parentOf(root, legacy.path);
    const key = legacy.path[legacy.path.length - 1];
    if (parent === null || !Object.hasOwn(parent, key)) continue;
    const old = parent[key];
    if (legacy.value !== undefined && old !== legacy.value) continue;
    delete parent[key];
    const target = parentOf(root, legacy.now.path);
    const newKey = legacy.now.path[legacy.now.path.length - 1];
    const value = legacy.now.value(old);
    if (target !== null) target[newKey] = value;
    notes.push(`${legacy.path.join('.')}: ${String(old)} -> ${legacy.now.path.join('.')}: ${String(value)}`);
  }
  return notes;
}

/**
 * configs/sweeps/article.yaml is the study tools/report/results.sh used to script: every article
 * config, every ablation and the baseline, seeds 1, 2 and 3, each run as `pnpm exp <config>
 * seed=<s> log.printEvery=5000` would run it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '@gan/runs';
import { loadConfig, serializeConfig } from '@gan/training';
import { expandSweep } from './expand.ts';
import { loadSweepFile } from './spec.ts';

const configs = join(projectRoot(), 'configs');

describe('configs/sweeps/article.yaml', () => {
  it('is every article config, every ablation and the baseline, 3 seeds each', () => {
    const plan = expandSweep(loadSweepFile(join(configs, 'sweeps', 'article.yaml')));
    const files = [
      ...['failed-1', 'failed-2', 'failed-3', 'failed-4', 'failed-5', 'failed-6', 'decay', 'decay-early'].map(
        (n) => join(configs, `${n}.yaml`),
      ),
      ...readdirSync(join(configs, 'ablations'))
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => join(configs, 'ablations', f)),
      join(configs, 'baseline.yaml'),
    ];
    const expected = files.flatMap((file) =>
      [1, 2, 3].map((seed) =>
        serializeConfig(
          loadConfig(file, [`seed=${seed}`, 'random.stream=xoshiro', 'log.printEvery=5000']).config,
        ),
      ),
    );
    expect(plan.members).toHaveLength(expected.length);
    expect(plan.members.length).toBeGreaterThanOrEqual(66);
    expect(plan.members.map((m) => m.config)).toEqual(expected);
    expect(plan.swept).toEqual(['seed']);
  }, 60_000); // 66 configs loaded and checked: seconds on a loaded 2-core machine
});

describe('configs/sweeps/quirks.yaml', () => {
  it('is failed-1, decay, every ablation and the baseline at 5,000 steps, 3 seeds each', () => {
    const plan = expandSweep(loadSweepFile(join(configs, 'sweeps', 'quirks.yaml')));
    const ablations = readdirSync(join(configs, 'ablations')).filter((f) => f.endsWith('.yaml'));
    expect(plan.members).toHaveLength((ablations.length + 3) * 3);
    const names = new Set(plan.members.map((m) => loadConfigName(m.config)));
    expect(names).toEqual(
      new Set(['failed-1', 'decay', 'baseline', ...ablations.map((f) => f.replace(/\.yaml$/, ''))]),
    );
    for (const m of plan.members) expect(m.config).toMatch(/^\s*steps: 5000$/m);
    expect(plan.swept).toEqual(['seed']);
  }, 60_000);
});

/** The `name:` of a serialized config. */
function loadConfigName(serialized: string): string {
  return /^name: (.+)$/m.exec(serialized)?.[1] ?? '';
}

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@gan/training';
import { expandSweep } from './expand.ts';
import { cliSweep, loadSweepFile, parseRange, splitValues } from './spec.ts';

const TINY = `
seed: 3
data: { dataset: gaussians8, batchSize: 16, limit: 1000 }
model:
  z: { size: 4 }
  generator: { hidden: [16], output: identity }
  discriminator: { hidden: [16] }
train: { steps: 40 }
eval: { atEnd: false }
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function project(): string {
  const d = mkdtempSync(join(tmpdir(), 'sweep-spec-'));
  dirs.push(d);
  mkdirSync(join(d, 'sweeps'));
  mkdirSync(join(d, 'more'));
  writeFileSync(join(d, 'tiny.yaml'), TINY);
  writeFileSync(join(d, 'more', 'a.yaml'), 'extends: ../tiny.yaml\nseed: 1\n');
  writeFileSync(join(d, 'more', 'b.yaml'), 'extends: ../tiny.yaml\ndata: { batchSize: 8 }\n');
  return d;
}
function sweepFile(dir: string, text: string): string {
  const f = join(dir, 'sweeps', 's.yaml');
  writeFileSync(f, text);
  return f;
}
function issues(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError)
      return e.message.split('\n').map((l) => l.replace(/^.*sweeps\/s\.yaml/, 's.yaml'));
    throw e;
  }
  throw new Error('no ConfigError');
}

describe('sweep files', () => {
  it('expand to configs x grid x seeds, each member resolved like pnpm exp would', () => {
    const dir = project();
    const f = sweepFile(
      dir,
      `configs: [../tiny.yaml, ../more/*.yaml]
seeds: [1, 2]
set: { train.steps: 20 }
grid:
  optim.generator.lr: [1.0e-4, 2.0e-4]
`,
    );
    const spec = loadSweepFile(f);
    expect(spec.name).toBe('s');
    const plan = expandSweep(spec);
    expect(plan.members).toHaveLength(3 * 2 * 2);
    expect(plan.swept).toEqual(['seed', 'optim.generator.lr']);
    const names = plan.members.map((m) => `${m.name}:${m.seed}:${m.params['optim.generator.lr']}`);
    expect(names.slice(0, 4)).toEqual(['tiny:1:0.0001', 'tiny:1:0.0002', 'tiny:2:0.0001', 'tiny:2:0.0002']);
    expect(names.slice(4, 6)).toEqual(['a:1:0.0001', 'a:1:0.0002']);
    expect(plan.members.every((m) => m.resolved.train.steps === 20)).toBe(true);
    expect(plan.members[8].resolved.data.batchSize).toBe(8);
    expect(plan.members[0].config).toMatch(/^name: tiny$/m);
    expect(plan.stages).toEqual([{ steps: null, members: [...Array(12).keys()], reason: 'every member' }]);
  });

  it('draw random members from the seeded stream: the same file gives the same members', () => {
    const dir = project();
    const f = sweepFile(
      dir,
      `configs: [../tiny.yaml]
random:
  count: 20
  seed: 7
  params:
    optim.generator.lr: { logUniform: [1.0e-5, 1.0e-2] }
    model.generator.leakySlope: { uniform: [0.0, 0.3] }
    data.batchSize: { choice: [8, 16, 32] }
    train.dSteps: { intUniform: [1, 3] }
`,
    );
    const a = expandSweep(loadSweepFile(f));
    const b = expandSweep(loadSweepFile(f));
    expect(a.members.map((m) => m.params)).toEqual(b.members.map((m) => m.params));
    expect(a.members).toHaveLength(20);
    for (const m of a.members) {
      const lr = m.params['optim.generator.lr'] as number;
      expect(lr).toBeGreaterThanOrEqual(1e-5);
      expect(lr).toBeLessThanOrEqual(1e-2);
      expect([8, 16, 32]).toContain(m.params['data.batchSize']);
      expect([1, 2, 3]).toContain(m.params['train.dSteps']);
      expect(m.resolved.optim.generator.lr).toBe(lr);
    }
    // The draws spread over the range (a log-uniform draw below 1e-3 about two times in three).
    expect(a.members.filter((m) => (m.params['optim.generator.lr'] as number) < 1e-3).length).toBeGreaterThan(
      5,
    );
    expect(new Set(a.members.map((m) => m.params['train.dSteps'])).size).toBe(3);
    const other = expandSweep(loadSweepFile(sweepFile(dir, readSeed(f, 8))));
    expect(other.members.map((m) => m.params)).not.toEqual(a.members.map((m) => m.params));
  });

  it('report every mistake at its line, for the sweep and for its members', () => {
    const dir = project();
    const f = sweepFile(
      dir,
      `configs: [../tiny.yaml, ../nope.yaml]
seedz: [1]
grid:
  optim.generator.lr: [1.0e-4, -1]
  train.stepz: [1, 2]
random:
  count: 0
  params:
    data.batchSize: { normal: [1, 2] }
    optim.discriminator.lr: { logUniform: [0, 1] }
search:
  goal: minimise
  stages:
    - { steps: 100, keep: 2 }
    - { steps: 50, keep: 1 }
`,
    );
    expect(issues(() => loadSweepFile(f))).toEqual([
      's.yaml:1:25: configs[1]: no config file matches ../nope.yaml',
      's.yaml:2:1: seedz: unknown key (did you mean "seeds"?)',
      's.yaml:7:10: random.count: expected an integer >= 1 (how many draws), got 0',
      's.yaml:9:23: random.params.data.batchSize.normal: unknown distribution: expected one of { choice: [values] }, { uniform: [lo, hi] }, { logUniform: [lo, hi] } (lo > 0), { intUniform: [lo, hi] } (both included)',
      's.yaml:10:43: random.params.optim.discriminator.lr.logUniform: expected lo > 0 (a log scale), got 0',
      's.yaml:11:1: search.metric: missing: expected eval.<evaluation key> (eval.frechetDistance) or a final metric (dLoss, dCostPrinted, gLoss, dReal, dFake)',
      's.yaml:12:9: search.goal: expected one of "minimize", "maximize", got "minimise" (did you mean "minimize"?)',
      's.yaml:14:27: search.stages[0].keep: the first stage trains every member: keep applies to later stages',
      "s.yaml:15:16: search.stages[1].steps: expected more than 100 steps: a stage without seeds continues the previous stage's runs",
    ]);
    const g = sweepFile(
      dir,
      `configs: [../tiny.yaml]
grid:
  optim.generator.lr: [1.0e-4, -1]
  train.stepz: [1, 2]
`,
    );
    expect(issues(() => expandSweep(loadSweepFile(g)))).toEqual([
      's.yaml:3:32: optim.generator.lr: expected a number > 0, got -1',
      's.yaml:4:3: train.stepz: unknown key (did you mean "steps"?)',
    ]);
  });
});

function readSeed(file: string, seed: number): string {
  return readFileSync(file, 'utf8').replace('seed: 7', `seed: ${seed}`);
}

describe('the command line multirun', () => {
  it('sweeps comma lists and ranges, their product, and sets single values', () => {
    const dir = project();
    const spec = cliSweep(join(dir, 'tiny.yaml'), [
      'seed=range(1,4)',
      'loss.discriminator=standard,flipped',
      'train.steps=10',
      'model.generator.hidden=[8,8],[16]',
    ]);
    const plan = expandSweep(spec);
    expect(plan.members).toHaveLength(3 * 2 * 2);
    expect(plan.swept).toEqual(['seed', 'loss.discriminator', 'model.generator.hidden']);
    expect(plan.members.map((m) => m.resolved.train.steps)).toEqual(Array(12).fill(10));
    expect(plan.members[1].resolved.model.generator.hidden).toEqual([16]);
    expect(spec.text).toMatch(/^grid:\n {2}seed: \[1,2,3\]/m);
  });

  it('locates a bad value at its argument', () => {
    const dir = project();
    expect(() => expandSweep(cliSweep(join(dir, 'tiny.yaml'), ['seed=1,x']))).toThrow(
      'command line: seed=1,x: seed: expected an integer >= 0, got "x"',
    );
    expect(() => cliSweep(join(dir, 'tiny.yaml'), ['seed=range(3,1)'])).toThrow(/range\(3,1\) is empty/);
  });

  it('splits values on top-level commas and reads ranges as Python does', () => {
    expect(splitValues('[1,2],{a: 1, b: 2},"x,y",3')).toEqual(['[1,2]', '{a: 1, b: 2}', '"x,y"', '3']);
    expect(parseRange('range(3)')).toEqual([0, 1, 2]);
    expect(parseRange('range(1, 7, 2)')).toEqual([1, 3, 5]);
    expect(parseRange('range(5,1,-2)')).toEqual([5, 3]);
    expect(parseRange('1,2')).toBeNull();
  });
});

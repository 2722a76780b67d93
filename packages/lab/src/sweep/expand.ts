/**
 * A sweep's members: every base config times the product of the grid's axes times the random
 * search's draws, each resolved and validated like `pnpm exp` would (every problem located in the
 * sweep file or on the command line), before anything is written or run.
 *
 * Random draws come from the project's seeded PRNG (stream `sweep-random` of `random.seed`), so a
 * sweep file always expands to the same members.
 */
import type { SweepMember, SweepStage } from '@gan/runs';
import { Rng } from '@gan/tensor';
import {
  ConfigError,
  type ConfigIssue,
  type ExperimentConfig,
  type Loc,
  loadConfig,
  serializeConfig,
  type ValueOverride,
} from '@gan/training';
import { type Distribution, type GridAxis, keyPath, type Located, type SweepSpec } from './spec.ts';

/** A member before it has an index in a sweep folder. */
export interface PlannedMember extends Omit<SweepMember, 'index'> {
  resolved: ExperimentConfig;
}

/** What a sweep runs, decided before anything runs. */
export interface SweepPlan {
  members: PlannedMember[];
  /** Keys whose values differ between members (the seed first when it does). */
  swept: string[];
  stages: SweepStage[];
}

/** Refuse to expand sweeps larger than this (a typo in a range, say). */
export const MAX_MEMBERS = 100_000;

/** Significant digits a random draw of a real number keeps (0.000123456789 -> 0.0001235). */
const DRAW_DIGITS = 4;

/**
 * Expands a sweep into its members. Throws one `ConfigError` listing every problem of every
 * member (located in the sweep file, the command line or the base config), or when it is larger
 * than {@link MAX_MEMBERS}.
 */
export function expandSweep(spec: SweepSpec): SweepPlan {
  const draws = randomDraws(spec);
  const combos = product(spec.grid);
  const total = spec.configs.length * combos.length * draws.length;
  if (total > MAX_MEMBERS) {
    throw new ConfigError([
      {
        file: spec.source,
        line: null,
        column: null,
        path: '',
        message: `${total} members: more than ${MAX_MEMBERS}`,
      },
    ]);
  }
  const stageSteps = spec.search?.stages[0];
  const members: PlannedMember[] = [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const config of spec.configs) {
    for (const combo of combos) {
      for (const draw of draws) {
        const fixed = spec.set.map((a) => ({ key: a.key, keyLoc: a.loc, value: a.values[0] }));
        const values: ValueOverride[] = [...fixed, ...combo, ...draw].map((v) => ({
          path: keyPath(v.key),
          value: v.value.value,
          loc: v.value.loc,
          keyLoc: v.keyLoc,
        }));
        if (stageSteps)
          values.push({ path: ['train', 'steps'], value: stageSteps.steps, loc: stageSteps.loc });
        let resolved: ExperimentConfig;
        try {
          resolved = loadConfig(config.value, spec.overrides, { values }).config;
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          for (const issue of e.issues) {
            const key = `${issue.file}:${issue.line}:${issue.column}:${issue.path}:${issue.message}`;
            if (!seen.has(key)) issues.push(issue);
            seen.add(key);
          }
          continue;
        }
        const params: Record<string, unknown> = {};
        for (const v of [...combo, ...draw]) params[v.key] = v.value.value;
        members.push({
          stage: 0,
          name: resolved.name,
          seed: resolved.seed,
          params,
          config: serializeConfig(resolved),
          resolved,
        });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const swept = sweptKeys(members);
  const stages: SweepStage[] = (spec.search?.stages ?? [{ steps: null }]).map((s, i) => ({
    steps: s.steps,
    members: i === 0 ? members.map((_, j) => j) : null,
    reason: i === 0 ? 'every member' : null,
  }));
  return { members, swept, stages };
}

/** One value per axis, for every combination (the first axis varies slowest). */
/** A swept key's value for one member, and where the key and the value are written. */
interface Choice {
  key: string;
  keyLoc: Loc;
  value: Located<unknown>;
}

function product(axes: readonly GridAxis[]): Choice[][] {
  let out: Choice[][] = [[]];
  for (const axis of axes)
    out = out.flatMap((combo) =>
      axis.values.map((value) => [...combo, { key: axis.key, keyLoc: axis.loc, value }]),
    );
  return out;
}

/** The random search's draws (one empty draw when the sweep has no random search). */
function randomDraws(spec: SweepSpec): Choice[][] {
  const random = spec.random;
  if (random === null) return [[]];
  const rng = Rng.create(random.seed, 'sweep-random');
  const out: Choice[][] = [];
  for (let i = 0; i < random.count; i++) {
    out.push(
      random.params.map((p) => ({
        key: p.key,
        keyLoc: p.loc,
        value: { value: draw(rng, p.distribution), loc: p.loc },
      })),
    );
  }
  return out;
}

/** One draw of a distribution; reals rounded to {@link DRAW_DIGITS} significant digits. */
export function draw(rng: Rng, d: Distribution): unknown {
  const round = (x: number) => Number(x.toPrecision(DRAW_DIGITS));
  switch (d.kind) {
    case 'choice':
      return d.values[rng.int(d.values.length)];
    case 'uniform':
      return round(rng.uniform(d.lo, d.hi));
    case 'logUniform':
      return round(Math.exp(rng.uniform(Math.log(d.lo), Math.log(d.hi))));
    case 'intUniform':
      return d.lo + rng.int(d.hi - d.lo + 1);
  }
}

/** The config keys whose values differ between members, the seed first when it does. */
export function sweptKeys(
  members: readonly { params: Record<string, unknown>; name: string; seed: number }[],
): string[] {
  const keys: string[] = [];
  for (const m of members) for (const k of Object.keys(m.params)) if (!keys.includes(k)) keys.push(k);
  const differs = (k: string) => new Set(members.map((m) => JSON.stringify(m.params[k]))).size > 1;
  const out = keys.filter(differs);
  if (new Set(members.map((m) => m.seed)).size > 1 && !out.includes('seed')) out.unshift('seed');
  if (out.includes('seed')) return ['seed', ...out.filter((k) => k !== 'seed')];
  return out;
}

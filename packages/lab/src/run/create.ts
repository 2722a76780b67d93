/**
 * A new run's folder, created with its resolved config.yaml and a meta.json that says `running`
 * from its first moment (see `createRunDir`): a crash at any later point leaves a run that can be
 * listed and resumed, never a folder that is not a run.
 */
import {
  CONFIG_FILE,
  createRunDir,
  type CreateRunDirOptions,
  META_FILE,
  newRunMeta,
  type RunEnvironment,
  type RunOwner,
} from '@gan/runs';
import type { ExperimentConfig } from '@gan/training';

export interface CreateRunOptions extends Pick<CreateRunDirOptions, 'date' | 'randomSuffix'> {
  /** The backend asked for until the training thread says which one it got (default `auto`). */
  backend?: string;
  /** Who owns the new run, in words (default `pnpm exp`; see @gan/runs owner.ts). */
  owner?: string;
}

/**
 * Creates `<experimentsDir>/<config.name>/<run-id>/` holding `configText` as config.yaml and a
 * meta.json of a run of this process starting now, owned by this process (epoch 1). A folder
 * that cannot be created or written fails at once with its path and the reason (a `DirError`).
 *
 * ```ts
 * const { runDir, runId, owner } = await createRun('experiments', config, serializeConfig(config), environment);
 * ```
 */
export async function createRun(
  experimentsDir: string,
  config: ExperimentConfig,
  configText: string,
  environment: RunEnvironment,
  options: CreateRunOptions = {},
): Promise<{ runDir: string; runId: string; owner: RunOwner }> {
  const startedAt = options.date ?? new Date();
  return createRunDir(experimentsDir, config.name, {
    date: startedAt,
    randomSuffix: options.randomSuffix,
    owner: options.owner ?? 'pnpm exp',
    files: (runId, owner) => {
      const meta = newRunMeta({
        name: config.name,
        runId,
        seed: config.seed,
        totalSteps: config.train.steps,
        precision: config.train.precision,
        backend: options.backend ?? 'auto',
        environment,
        startedAt,
        owner,
      });
      return { [CONFIG_FILE]: configText, [META_FILE]: `${JSON.stringify(meta, null, 2)}\n` };
    },
  });
}

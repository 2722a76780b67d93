import { writeFileAtomic, writeFileAtomicSync } from './atomic.ts';
import type { RunOwner } from './owner.ts';
import { configPath } from './paths.ts';

/**
 * `config.yaml`: the run's fully resolved config, overrides applied, as YAML text. What the text
 * says (the schema) belongs to the trainer's package; here it is only text, written atomically so
 * a reader never sees half of it. Read it with `configPath(runDir)`.
 */

/** Writes the owner's run's `config.yaml` atomically. */
export async function writeRunConfig(owner: RunOwner, text: string): Promise<void> {
  await writeFileAtomic(configPath(owner.runDir), text, owner);
}

/** Synchronous {@link writeRunConfig}. */
export function writeRunConfigSync(owner: RunOwner, text: string): void {
  writeFileAtomicSync(configPath(owner.runDir), text, owner);
}

import { writeFileAtomic, writeFileAtomicSync } from './atomic.ts';
import { configPath } from './paths.ts';

/**
 * `config.yaml`: the run's fully resolved config, overrides applied, as YAML text. What the text
 * says (the schema) belongs to the trainer's package; here it is only text, written atomically so
 * a reader never sees half of it. Read it with `configPath(runDir)`.
 */

/** Writes `<runDir>/config.yaml` atomically. */
export async function writeRunConfig(runDir: string, text: string): Promise<void> {
  await writeFileAtomic(configPath(runDir), text);
}

/** Synchronous {@link writeRunConfig}. */
export function writeRunConfigSync(runDir: string, text: string): void {
  writeFileAtomicSync(configPath(runDir), text);
}

/**
 * Experiment configs: the schema (types, defaults, docs), loading with `extends` and command-line
 * overrides, located errors, and the resolved config as YAML. Its only dependencies are yaml and
 * zod, so tools that read run folders' configs (the report) can use it without the trainer; it
 * is also the package's `@gan/gan-runner/config` entry point.
 */
export { ConfigError } from './issues.ts';
export { configFromObject, type LoadedConfig, loadConfig, serializeConfig } from './load.ts';
export {
  type ExperimentConfig,
  type ExperimentConfigInput,
  type LossConfig,
  layerActivations,
  type OptimizerConfig,
} from './schema.ts';

/**
 * Experiment configs: the schema (types, defaults, docs), loading with `extends` and command-line
 * overrides, located errors, and the resolved config as YAML. Its only dependencies are yaml and
 * zod, so tools that read run folders' configs (the report) can use it without the trainer; it
 * is also the package's `@gan/training/config` entry point.
 */
export {
  type FeatureShape,
  modelSummary,
  networkLayers,
  type ResolvedLayer,
  showShape,
} from './architecture.ts';
export { ARTICLE_CONFIGS, type ArticleConfigName } from './article.ts';
export {
  ConfigError,
  type ConfigIssue,
  displayPath,
  formatIssue,
  type Loc,
  locate,
  type SourceMap,
} from './issues.ts';
export {
  configFromObject,
  type ConfigProblem,
  type LoadedConfig,
  loadConfig,
  parseOverride,
  serializeConfig,
  type ValueOverride,
} from './load.ts';
export { parseYamlSource, type Source } from './source.ts';
export { didYouMean, formatPath, showValue } from './text.ts';
export {
  type ExperimentConfig,
  type ExperimentConfigInput,
  type LossConfig,
  layerActivations,
  NAME_PATTERN,
  type OptimizerConfig,
} from './schema.ts';

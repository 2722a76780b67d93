/**
 * Experiment configs: the schema (types, defaults, docs), loading with `extends` and command-line
 * overrides, located errors, the resolved config as YAML, and the JSON Schema for editors.
 */
export { type ConfigIssue, ConfigError, displayPath, formatIssue, type Loc } from './issues.ts';
export { configJsonSchema, configJsonSchemaText } from './json-schema.ts';
export {
  configFromObject,
  type LoadedConfig,
  loadConfig,
  type Override,
  parseOverride,
  serializeConfig,
} from './load.ts';
export * from './schema.ts';

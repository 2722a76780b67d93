/**
 * @gan/runs: the run folder, `experiments/<config-name>/<run-id>/`, and nothing else. Its names
 * and ids, config.yaml as text, meta.json (statuses, liveness), metrics.jsonl and eval.jsonl,
 * checkpoints (safetensors), sample paths, the trace's names, and atomic writes. Every writer (the
 * trainer, `pnpm eval`) and every reader (the report, the benchmark, the parity harness) goes
 * through it, so the format is defined once.
 */
export { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic, writeJsonAtomicSync } from './atomic.ts';
export {
  CHECKPOINT_FORMAT,
  type CheckpointArray,
  type CheckpointContent,
  decodeCheckpoint,
  encodeCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  saveCheckpoint,
  writeCheckpoint,
} from './checkpoints.ts';
export { writeRunConfig, writeRunConfigSync } from './config-file.ts';
export { RunFormatError } from './errors.ts';
export {
  decodeJsonlLine,
  encodeJsonlLine,
  type JsonlBadLine,
  JsonlReader,
  type JsonlReadOptions,
  type JsonlReadResult,
  type JsonlRow,
  type JsonlSummary,
  JsonlWriter,
  type JsonlWriterOptions,
  readJsonl,
  readJsonlSync,
  rewriteJsonlSync,
} from './jsonl.ts';
export { defaultExperimentsDir, projectRoot, userCwd, userPath } from './location.ts';
export {
  collectEnvironment,
  lastActivity,
  type NewRunMetaFields,
  newRunMeta,
  parseRunMeta,
  RUN_FORMAT_VERSION,
  RUN_STATUSES,
  type RunEnvironment,
  type RunMeta,
  type RunStatus,
  readMeta,
  readMetaSync,
  updateMeta,
  updateMetaSync,
  writeMeta,
  writeMetaSync,
} from './meta.ts';
export {
  type EvalRow,
  hasStep,
  METRIC_NAMES,
  type MetricsRow,
  openEvalLog,
  openMetricsLog,
  readEval,
  readMetrics,
} from './metrics.ts';
export {
  CHECKPOINT_EXT,
  CHECKPOINTS_DIR,
  CONFIG_FILE,
  checkpointPath,
  checkpointsDir,
  configPath,
  EVAL_FILE,
  ensureSubfolder,
  evalPath,
  GIF_FILE,
  gifPath,
  listSamples,
  listStepFiles,
  META_FILE,
  METRICS_FILE,
  metaPath,
  metricsPath,
  parseStepFileName,
  SAMPLE_EXT,
  SAMPLES_DIR,
  STEP_DIGITS,
  type StepFile,
  samplePath,
  samplesDir,
  seedSamplePath,
  stepFileName,
  TRACE_DIR,
  traceDir,
} from './paths.ts';
export {
  assertConfigName,
  type CreatedRunDir,
  type CreateRunDirOptions,
  createRunDir,
  isRunDir,
  listRunDirs,
  newRunId,
  RUN_ID_PATTERN,
  type RunDirEntry,
  type RunDirListing,
  runIdTime,
  type SkippedDir,
} from './run-dir.ts';
export {
  DTYPE_SIZE,
  type Dtype,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  type SafeTensor,
  type Safetensors,
  writeSafetensors,
} from './safetensors.ts';
export { TRACE_FILES, TRACE_FORMAT, TRACE_LAYOUT, TRACE_MANIFEST, tracePath } from './trace.ts';

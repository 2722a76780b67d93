/**
 * @gan/runs: the run folder, `experiments/<config-name>/<run-id>/`, and the sweep folder that lists
 * runs belonging together (`experiments/_sweeps/<sweep-id>/`), and nothing else. Its names
 * and ids, config.yaml as text, meta.json (statuses, liveness), metrics.jsonl and eval.jsonl,
 * checkpoints (safetensors), sample paths, the trace's names, atomic writes, and who may write a run
 * (its one current owner, fenced by an epoch: owner.ts), and how its owning process is asked to stop
 * (stop-signals.ts). Every writer (the
 * trainer, `pnpm eval`) and every reader (the report, the benchmark, the parity harness) goes
 * through it, so the format is defined once. What other packages use, and nothing else.
 */

export { writeFileAtomic, writeJsonAtomic } from './atomic.ts';
export {
  type CheckpointContent,
  encodeCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoints.ts';
export { writeRunConfig, writeRunConfigSync } from './config-file.ts';
export { assertWritableDir, DirError, errnoReason, makeDirs } from './dirs.ts';
export {
  ARTICLE_PRINTED_FORMULA,
  currentMetricsRow,
  type LabelledMetric,
  logsPrintedCost,
  METRIC_LABELS,
  type MetricLabel,
  type PrintedCostConfig,
} from './columns.ts';
export { RunFormatError } from './errors.ts';
export {
  FAULT_ACTIONS,
  FAULT_OPS,
  type FaultAction,
  type FaultOp,
  type FaultRule,
  installFaults,
  parseFaultSpec,
} from './faults.ts';
export {
  decodeJsonlLine,
  encodeJsonlLine,
  JsonlReader,
  type JsonlRow,
  JsonlWriter,
  readJsonlSync,
  rewriteJsonlSync,
} from './jsonl.ts';
export {
  currentProcess,
  DEFAULT_STALE_AFTER_MS,
  formatAge,
  type Liveness,
  type LivenessOptions,
  type ProcessProbe,
  probeProcess,
  type RunProcess,
  runLiveness,
} from './liveness.ts';
export {
  DUPLICATE_MS,
  describeStop,
  onStopRequest,
  type StopRequest,
  type StopSource,
  startedByPackageManager,
} from './stop-signals.ts';
export { defaultExperimentsDir, projectRoot, userCwd, userPath } from './location.ts';
export {
  describeKernels,
  type KernelsOnResume,
  kernelsNamed,
  kernelsOnResume,
  recordedKernels,
  sameBits,
  sameKernels,
} from './kernels.ts';
export {
  collectEnvironment,
  type KernelSpan,
  lastActivity,
  newRunMeta,
  RUN_STATUSES,
  type RunEnvironment,
  type RunKernels,
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
  type MetricsRow,
  openEvalLog,
  openMetricsLog,
  readEval,
  readMetrics,
} from './metrics.ts';
export {
  type ClaimOptions,
  claimIdleRun,
  currentClaim,
  currentEpoch,
  describeClaim,
  type IdleClaim,
  OWNER_DIR,
  type OwnerClaim,
  type OwnerToken,
  RunOwner,
  RunTakenOver,
  startingClaimant,
} from './owner.ts';
export {
  CHECKPOINTS_DIR,
  CONFIG_FILE,
  checkpointPath,
  configPath,
  ensureSubfolder,
  evalPath,
  GIF_FILE,
  gifPath,
  listSamples,
  listStepFiles,
  META_FILE,
  metaPath,
  metricsPath,
  SAMPLE_EXT,
  SAMPLES_DIR,
  type StepFile,
  samplePath,
  samplesDir,
  seedSamplePath,
  traceDir,
} from './paths.ts';
export {
  findResumePoint,
  removeStaleTempFiles,
  type ResumePoint,
  setAsideCheckpoint,
  UNREADABLE_SUFFIX,
  type UnreadableCheckpoint,
} from './resume.ts';
export {
  type CreateRunDirOptions,
  createRunDir,
  isRunDir,
  listRunDirs,
  RUN_ID_PATTERN,
  type RunDirEntry,
  runIdTime,
  type SkippedDir,
} from './run-dir.ts';
export {
  appendSweepMembers,
  createSweepDir,
  listSweeps,
  listSweepsSync,
  memberRunEntry,
  memberRunPath,
  readMemberRun,
  readMemberRuns,
  readSweepMembers,
  readSweepMeta,
  resolveSweepRef,
  runRelative,
  SWEEP_ID_PATTERN,
  SWEEPS_DIR,
  type SweepMember,
  type SweepMeta,
  type SweepStage,
  sweepDir,
  sweepIdName,
  sweepMembersPath,
  sweepsDir,
  writeMemberRun,
  writeSweepMeta,
} from './sweeps.ts';
export { floatTensor, readSafetensors, type SafeTensor, writeSafetensors } from './safetensors.ts';
export { TRACE_FILES, TRACE_FORMAT, TRACE_LAYOUT, tracePath } from './trace.ts';

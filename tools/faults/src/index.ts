/**
 * @gan/faults: the fault-injection suite (`pnpm faults`; its short version runs in `pnpm test`).
 * It kills `pnpm exp` processes with kill -9 at random and at exact file operations, damages
 * checkpoints, fills and breaks the disk, starts runs together and damages MNIST, and checks that
 * every run survives: readable folders, true statuses, and the uninterrupted run's result.
 */
export { type Attempt, DISK_FAULTS } from './damage.ts';
export { differences, RING_CONFIG, runFiles, startExp } from './exp.ts';
export { inspectFolder, PHASES, type Phase, phaseOf } from './folder.ts';
export { FRESH_OPERATION_KILLS, type Kill, RESUME_OPERATION_KILLS, type Trial } from './kills.ts';
export {
  FULL,
  formatResult,
  QUICK,
  type Row,
  runSuite,
  type SuiteOptions,
  type SuiteResult,
} from './suite.ts';

/**
 * @gan/report: list, compare and diff experiment runs and groups of runs (terminal tables, JSON,
 * Markdown and a self-contained HTML report); its program is `pnpm report` (src/cli.ts). Reads run
 * folders only through @gan/runs. This index is what other packages use of it: a run folder as a
 * record (the web UI's listing, the fault suite's checks), its metrics rows as today's columns mean
 * them, seed groups, and the synthetic runs the benchmarks list.
 */
export { generateRuns, type ListingMeasurement, measureListing } from './bench-runs.ts';
export { groupId, groupRuns } from './group.ts';
export { statusLabel } from './list.ts';
export { currentRow, loadRun, loadRuns, type RunRecord } from './runs.ts';
export { differingKeys } from './values.ts';

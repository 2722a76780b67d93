/**
 * @gan/report: list, compare and diff experiment runs, as terminal tables, JSON, Markdown and a
 * self-contained HTML report. Reads run folders only through @gan/runs.
 */
export { chartScripts } from './assets.ts';
export { main, parseCli, USAGE } from './cli.ts';
export {
  type Curve,
  type CurveOptions,
  Downsampler,
  type Point,
  type RunCurves,
  readRunCurves,
} from './curves.ts';
export {
  type CompareOptions,
  type ConfigChange,
  compareRuns,
  DIFF_METRICS,
  type Delta,
  type DiffOptions,
  delta,
  diffRuns,
  type MetricComparison,
  type RunDiff,
} from './diff.ts';
export { type DLossKind, dLossKind, printedLegend } from './dloss.ts';
export { ReportError } from './errors.ts';
export {
  type GroupBy,
  type GroupList,
  type GroupListOptions,
  groupId,
  groupRuns,
  listGroups,
  parseGroupBy,
  type RunGroup,
  SEED_EXCLUDED,
  sortGroups,
} from './group.ts';
export { type BandPoint, type GroupCurve, type GroupCurves, readGroupCurves } from './group-curves.ts';
export {
  compareGroups,
  diffGroups,
  type GroupDiff,
  type GroupDiffOptions,
  type GroupMetricComparison,
} from './group-diff.ts';
export {
  buildHtmlReport,
  escapeHtml,
  type HtmlReport,
  type HtmlReportInput,
  jsonForScript,
  safeInlineScript,
} from './html.ts';
export {
  evalLabel,
  LIST_COLUMNS,
  type ListOptions,
  listColumnKeys,
  listRuns,
  parseSince,
  type RunList,
  STATUS_FILTERS,
  sortRuns,
  statusLabel,
} from './list.ts';
export {
  diffHtml,
  formatDiff,
  formatGroupDiff,
  formatGroups,
  formatList,
  groupDiffHtml,
  groupsHtml,
  listHtml,
  type TextFormat,
} from './output.ts';
export { isGroupRef, resolveRefGroups, resolveRunRef, resolveRunRefs } from './refs.ts';
export { groupDiffJson, groupListJson } from './render-groups.ts';
export { diffJson, JSON_FORMAT_VERSION, listJson, type RunJson, toJsonText } from './render.ts';
export {
  DEFAULT_STALE_AFTER_MS,
  finalValue,
  loadRun,
  loadRuns,
  type RunRecord,
  type RunSet,
  type RunWindow,
} from './runs.ts';
export { formatStats, type Spread, type Stats, summarize } from './stats.ts';
export { type Table, renderMarkdown, renderText } from './table.ts';
export { type LastRow, readLastRow, readTailWindow, type TailWindow } from './tail.ts';
export { closeKeys, differingKeys, flattenParams, formatNumber, formatValue } from './values.ts';
export { generateRuns, type ListingMeasurement, listOnce, measureListing } from './bench-runs.ts';

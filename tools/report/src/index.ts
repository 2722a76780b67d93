/**
 * @gan/report: list, compare and diff experiment runs, as terminal tables, JSON, Markdown and a
 * self-contained HTML report. Reads run folders only through @gan/gan-runner's store.
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
export { diffHtml, formatDiff, formatList, listHtml, type TextFormat } from './output.ts';
export { resolveRunRef, resolveRunRefs } from './refs.ts';
export { diffJson, JSON_FORMAT_VERSION, listJson, type RunJson, toJsonText } from './render.ts';
export { DEFAULT_STALE_AFTER_MS, loadRun, loadRuns, type RunRecord, type RunSet } from './runs.ts';
export { type Table, renderMarkdown, renderText } from './table.ts';
export { type LastRow, readLastRow } from './tail.ts';
export { closeKeys, differingKeys, flattenParams, formatNumber, formatValue } from './values.ts';
export { generateRuns, type ListingMeasurement, listOnce, measureListing } from './bench-runs.ts';

/** Public surface of the scenario regression suite: run scenarios, score runs against `expect`, report. */
export { type CheckResult, checkEvent, type EventContext } from './events.ts';
export { checkExpect, checkMetric, validateExpect, WORLD_CAMERA } from './expectations.ts';
export { type FrameMatches2D, match2D, matchWorld } from './frameMatch.ts';
export {
  compareGolden,
  diffMetrics,
  Golden,
  type GoldenComparison,
  goldenMetrics,
  goldenPath,
  type MetricChange,
  readGolden,
  writeGolden,
} from './golden.ts';
export {
  DEFAULT_SCORE,
  LOWER_IS_BETTER,
  type MetricTable,
  metricOf,
  metricTable,
  type ScoreOptions,
  scopeKey,
} from './metricTable.ts';
export type { ScenarioOutcome, ScenarioRun, SuiteResult } from './types.ts';
export { timelineSvg } from './plot.ts';
export { type ObjectObs, type RunData, readRun, type TrackObs } from './readRun.ts';
export { formatTable, junitXml, markdown, SUITE_JSON_VERSION, suiteJson, writeReports } from './reports.ts';
export {
  DEFAULT_WORLD_MATCH_M,
  type ScenarioScore,
  type ScoreRunOptions,
  scoreData,
  scoreRun,
  type Timeline,
} from './score.ts';
export { expandScenarioArgs } from './files.ts';

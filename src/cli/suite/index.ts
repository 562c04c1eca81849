/**
 * The scenario suite runner: simulate → replay → score, in worker processes. It lives in cli/ because it drives
 * the graph; the scoring, goldens and reports it uses are pure and live in eval/scenarios.
 */
export { type PipelineOptions, runScenario, type StageHook } from './pipeline.ts';
export {
  GOLDEN_DIR,
  isBundledScenario,
  runSuite,
  SCENARIO_DIR,
  scoreChanges,
  type SuiteOptions,
} from './suite.ts';
export { readSuiteJson, type SuiteFile } from './suiteFile.ts';
export { type ClearedRun, clearingPreviousRun, clearPreviousRun } from './previousRun.ts';

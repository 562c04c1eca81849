/**
 * Result types of scenario runs and suites, shared by the runner (src/cli/suite, which drives simulate → replay)
 * and the pure scoring and reporting code here.
 */
import type { GoldenComparison } from './golden.ts';
import type { ScenarioScore, ScoreRunOptions } from './score.ts';

export interface ScenarioRun {
  scenario: string;
  file: string;
  description: string;
  recording: { path: string; sha256: string; frames: number; cached: boolean };
  results: { path: string; sha256: string };
  detector: string;
  score: ScenarioScore;
  /** Wall time of each step (ms), kept apart from the deterministic fields. */
  timingMs: { simulate: number; replay: number; score: number };
}

export interface ScenarioOutcome {
  scenario: string;
  file: string;
  status: 'pass' | 'fail' | 'error';
  /** One line per failed expectation or golden difference. */
  failures: string[];
  run?: ScenarioRun;
  golden?: GoldenComparison;
  error?: string;
  /** The error was bad input (a ViperError: scenario, recording, config), not an internal fault. */
  badInput?: boolean;
}

export interface SuiteResult {
  mode: 'full' | 'quick';
  detector: string;
  /** Scoring settings in force (defaults filled in). */
  settings: Required<ScoreRunOptions>;
  outcomes: ScenarioOutcome[];
  passed: number;
  failed: number;
  errors: number;
  /** Stopped by Ctrl-C / SIGTERM: those running were cut short (errors), the others are `notStarted`. */
  interrupted?: boolean;
  /** With `interrupted`: the scenarios that never started, in file order (none of the counts above). */
  notStarted?: { scenario: string; file: string }[];
  /** Wall times: the only non-deterministic part of a result. */
  timing: { wallMs: number; jobs: number; perScenarioMs: Record<string, number> };
}

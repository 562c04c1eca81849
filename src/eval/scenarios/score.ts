/**
 * Score one run against a scenario's `expect` block: the metric table, every check, and the per-frame
 * timeline (TP / FP / FN / ID switches over time) the report plots.
 */
import { RecordingError } from '../../contracts/errors.ts';
import type { Expect } from '../../sim/scenario/expect.ts';
import type { CheckResult } from './events.ts';
import { checkExpect, validateExpect } from './expectations.ts';
import { match2D, matchWorld } from './frameMatch.ts';
import { DEFAULT_SCORE, type MetricTable, metricTable, type ScoreOptions } from './metricTable.ts';
import { type RunData, readRun } from './readRun.ts';

/** Per-frame counts, 2D over all cameras (same matching as the event checks). */
export interface Timeline {
  /** Seconds from the first frame. */
  tS: number[];
  tp: number[];
  fp: number[];
  fn: number[];
  idsw: number[];
}

export interface ScenarioScore {
  metrics: MetricTable;
  checks: CheckResult[];
  timeline: Timeline;
  notes: string[];
}

export interface ScoreRunOptions extends ScoreOptions {
  /** World-id checks: a fused object within this distance of the actor's centre matches it (m). */
  worldMatchM?: number;
}

export const DEFAULT_WORLD_MATCH_M = 3;

/** Pure: score decoded run data. `where` names the scenario in error messages. */
export function scoreData(
  run: RunData,
  expect: Expect,
  where: string,
  opts: ScoreRunOptions = {},
): ScenarioScore {
  const o = { ...DEFAULT_SCORE, worldMatchM: DEFAULT_WORLD_MATCH_M, ...opts };
  validateExpect(expect, run, where);
  const notes: string[] = [];
  if (!run.hasTracks) notes.push('no tracks on /perception/<camera>/annotations: 2D metrics not measured');
  if (run.unlabelled > 0)
    notes.push(`${run.unlabelled} annotation outlines without a '#id' track label were not scored`);
  const metrics = metricTable(run, o);
  const matches2D = match2D(run, o.iou, o.minVisibility, o.minHeightPx);
  const matchesWorld = run.hasObjects ? matchWorld(run, o.worldMatchM, o.minVisibility) : null;
  const checks = checkExpect(expect, metrics, {
    run,
    matches2D,
    matchesWorld,
    minVisibility: o.minVisibility,
    minHeightPx: o.minHeightPx,
  });
  const t0 = run.stampsNs[0] ?? 0n;
  const timeline: Timeline = {
    tS: run.stampsNs.map((s) => Number(s - t0) / 1e9),
    tp: matches2D.map((f) => f.tp),
    fp: matches2D.map((f) => f.fp),
    fn: matches2D.map((f) => f.fn),
    idsw: matches2D.map((f) => f.idsw),
  };
  return { metrics, checks, timeline, notes };
}

/**
 * Read and score a results file. Ground truth from `gtPath` (default: the results file). Throws RecordingError
 * (one line) when there is no ground truth or the two files do not belong together.
 */
export async function scoreRun(
  resultsPath: string,
  gtPath: string | undefined,
  expect: Expect,
  where: string,
  opts: ScoreRunOptions = {},
): Promise<ScenarioScore> {
  const run = await readRun(resultsPath, gtPath ?? resultsPath);
  if (run.stampsNs.length === 0) {
    throw new RecordingError({ what: 'the ground truth has no frames', where: gtPath ?? resultsPath });
  }
  return scoreData(run, expect, where, opts);
}

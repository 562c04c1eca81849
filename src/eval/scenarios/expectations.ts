/**
 * A scenario's `expect` block against a scored run: metric thresholds read from the metric table, events from
 * the per-frame matches. Names that the run cannot know (an actor or camera absent from the ground truth) are
 * bad input and throw a ScenarioError with one line, before anything is scored.
 */
import { ScenarioError } from '../../contracts/errors.ts';
import type { Expect, MetricExpectation } from '../../sim/scenario/expect.ts';
import { type CheckResult, checkEvent, type EventContext } from './events.ts';
import { type MetricTable, scopeKey } from './metricTable.ts';
import type { RunData } from './readRun.ts';

/** The camera value that selects the fused world-frame (BEV) result instead of a camera's 2D result. */
export const WORLD_CAMERA = 'world';

/** Throw (one line) when `expect` names an actor or camera the run's ground truth never has. */
export function validateExpect(expect: Expect, run: RunData, where: string): void {
  const actors = new Set<string>();
  const cameras = new Set<string>(run.cameras);
  for (const g of run.gt) {
    for (const a of g.actors) {
      actors.add(a.id);
      for (const v of a.cameras) cameras.add(v.cameraId);
    }
  }
  for (const ts of run.tracks) for (const t of ts) cameras.add(t.camera);
  const list = (s: Set<string>) => [...s].sort().join(', ') || '(none)';
  const checkCamera = (cam: string | undefined, field: string) => {
    if (cam !== undefined && cam !== WORLD_CAMERA && !cameras.has(cam)) {
      throw new ScenarioError({
        what: `${field} names camera '${cam}', which the recording does not have`,
        where,
        hint: `cameras are ${list(cameras)}, or '${WORLD_CAMERA}' for fused objects`,
      });
    }
  };
  expect.metrics.forEach((m, i) => {
    checkCamera(m.camera, `expect.metrics[${i}]`);
  });
  expect.events.forEach((e, i) => {
    if (!actors.has(e.actor)) {
      throw new ScenarioError({
        what: `expect.events[${i}] (${e.type}) names actor '${e.actor}', which is not in the ground truth`,
        where,
        hint: `actors are ${list(actors)}`,
      });
    }
    if ('camera' in e) checkCamera(e.camera, `expect.events[${i}]`);
  });
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));

/** Check one metric threshold against the table. */
export function checkMetric(m: MetricExpectation, table: MetricTable): CheckResult {
  const key = `${m.metric}${scopeKey(m)}`;
  const bounds = [m.min !== undefined ? `≥ ${m.min}` : '', m.max !== undefined ? `≤ ${m.max}` : '']
    .filter(Boolean)
    .join(' and ');
  const name = `${key} ${bounds}`;
  const value = table[key];
  if (value === undefined || Number.isNaN(value)) {
    const why =
      m.camera === WORLD_CAMERA && (m.metric === 'AP' || m.metric === 'AP50')
        ? 'AP is not measured on world objects'
        : 'not measured: no ground truth or tracks in this scope';
    return { kind: 'metric', name, ok: false, value: null, detail: why };
  }
  const ok =
    (m.min === undefined || value >= m.min - 1e-12) && (m.max === undefined || value <= m.max + 1e-12);
  return { kind: 'metric', name, ok, value, detail: `${fmt(value)} (needs ${bounds})` };
}

/** Every check of the block, metrics first, in file order. */
export function checkExpect(expect: Expect, table: MetricTable, ctx: EventContext): CheckResult[] {
  return [
    ...expect.metrics.map((m) => checkMetric(m, table)),
    ...expect.events.map((e) => checkEvent(e, ctx)),
  ];
}
